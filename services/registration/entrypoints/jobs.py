"""Registration's background work: once at start, the intake topics' retention; every
hour, the access log's."""

from __future__ import annotations

import asyncio

from services.registration.adapters.topics import apply_intake_retention
from services.registration.domain.commands import PurgeAccessLog
from services.registration.settings import RegistrationSettings
from shared.jobs import Job, periodic
from shared.messagebus import MessageBus


def intake_retention(settings: RegistrationSettings) -> Job:
    """A job that sets `retention.ms` on the intake topic and its DLQ once, then ends
    (they carry identity numbers)."""

    async def intake_retention(stop: asyncio.Event) -> None:
        await apply_intake_retention(settings.kafka_bootstrap_servers,
                                     settings.intake_retention_ms, settings.topic_prefix,
                                     settings.kafka_security)

    return intake_retention


def access_log_retention(settings: RegistrationSettings, bus: MessageBus) -> Job:
    """A job that purges the access log's entries past `access_log_retention_days`."""

    async def purge() -> None:
        await bus.handle(PurgeAccessLog(settings.access_log_retention_days,
                                        settings.intake_rejections_retention_days))

    return periodic("access_log_retention", settings.access_log_purge_interval_s, purge)
