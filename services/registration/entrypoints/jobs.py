"""Registration's background work: once at start, the intake topics' retention."""

from __future__ import annotations

import asyncio

from services.registration.adapters.topics import apply_intake_retention
from services.registration.settings import RegistrationSettings
from shared.jobs import Job


def intake_retention(settings: RegistrationSettings) -> Job:
    """A job that sets `retention.ms` on the intake topic and its DLQ once, then ends
    (they carry identity numbers)."""

    async def intake_retention(stop: asyncio.Event) -> None:
        await apply_intake_retention(settings.kafka_bootstrap_servers,
                                     settings.intake_retention_ms, settings.topic_prefix,
                                     settings.kafka_security)

    return intake_retention
