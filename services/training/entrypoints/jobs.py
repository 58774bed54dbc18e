"""The daily job: every `expiry_interval_s`, certificates whose validity has ended expire
(today in the policy's time zone), those with `certificate_warning_days` or fewer left are
announced once, and dietary needs past their retention are dropped."""

from __future__ import annotations

from datetime import date, timedelta

from services.training.dependencies import Dependencies
from services.training.domain import commands
from services.training.settings import TrainingSettings
from shared.clock import Clock, utc_now
from shared.jobs import Job, periodic
from shared.logging import get_logger
from shared.messagebus import MessageBus

log = get_logger(__name__)


async def run_daily(bus: MessageBus, settings: TrainingSettings, today: date,
                    clock: Clock = utc_now) -> int:
    """What the daily job does for one date: expire certificates, warn of those that soon
    run out, drop old dietary needs. Returns how many expired."""
    expired: int = await bus.handle(commands.ExpireCertifications(today))
    warned: int = await bus.handle(commands.WarnExpiringCertifications(today))
    if warned:
        log.info("certifications expiring", count=warned)
    await bus.handle(commands.PurgeDietaryNeeds(
        clock() - timedelta(days=settings.dietary_retention_days)))
    return expired


def daily_job(bus: MessageBus, settings: TrainingSettings, deps: Dependencies) -> Job:
    async def tick() -> None:
        today = deps.policy.local_date(deps.clock())
        expired = await run_daily(bus, settings, today, deps.clock)
        if expired:
            log.info("certifications expired", count=expired)

    return periodic("expiry", settings.expiry_interval_s, tick)
