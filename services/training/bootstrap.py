"""The one place that wires training: settings, tables, unit of work, bus, consumers, jobs."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from services.training import handlers
from services.training.adapters.orm import tables
from services.training.domain import commands
from services.training.entrypoints.http import router
from services.training.settings import TrainingSettings
from services.training.unit_of_work import TrainingUnitOfWork
from shared.contracts import topics
from shared.contracts.training import TRAINING_EVENTS
from shared.kafka.consumer import Subscription
from shared.logging import get_logger
from shared.messagebus import MessageBus
from shared.runtime import Service

log = get_logger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def build(settings: TrainingSettings | None = None,
          clock: handlers.Clock = handlers.utc_now) -> Service:
    settings = settings or TrainingSettings()  # type: ignore[call-arg]
    policy = handlers.Policy(settings.certificate_validity_years, settings.timezone)
    subscription = Subscription(
        name="registration",
        topics=[topics.REGISTRATION_EVENTS],
        handlers={kind: handlers.bind(h, clock, policy)
                  for kind, h in handlers.EVENT_HANDLERS.items()},
    )
    service = Service(
        name="training",
        settings=settings,
        tables=tables,
        unit_of_work=TrainingUnitOfWork,
        subscriptions=[subscription],
        routers=[router],
        published={topics.TRAINING_EVENTS: TRAINING_EVENTS},
        migrations=MIGRATIONS,
        description="Supervisor training: sessions, enrolment, attendance, certificates.",
    )
    bus = MessageBus(
        service.uow,
        {kind: handlers.bind(h, clock, policy) for kind, h in handlers.COMMAND_HANDLERS.items()},
    )
    service.state["bus"] = bus
    service.jobs = [daily_job(bus, settings, clock)]
    return service


async def run_daily(bus: MessageBus, settings: TrainingSettings, today: date,
                    clock: handlers.Clock = handlers.utc_now) -> int:
    """What the daily job does for one date: expire certificates, drop old dietary needs."""
    expired: int = await bus.handle(commands.ExpireCertifications(today))
    await bus.handle(commands.PurgeDietaryNeeds(
        clock() - timedelta(days=settings.dietary_retention_days)))
    return expired


def daily_job(bus: MessageBus, settings: TrainingSettings, clock: handlers.Clock) -> Any:
    policy = handlers.Policy(settings.certificate_validity_years, settings.timezone)

    async def job(stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                expired = await run_daily(bus, settings, policy.local_date(clock()), clock)
                if expired:
                    log.info("certifications expired", count=expired)
            except Exception as error:  # the job retries at its next tick
                log.warning("expiry job failed", error_type=type(error).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=settings.expiry_interval_s)

    return job
