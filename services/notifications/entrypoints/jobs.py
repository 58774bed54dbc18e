"""Notifications' periodic job: the coordinators' daily digest (and forgetting the
delivery receipts whose SMS never appeared)."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from services.notifications.domain.commands import ForgetUnmatchedReceipts, SendDigests
from services.notifications.settings import NotificationsSettings
from shared.clock import Clock
from shared.jobs import Job, periodic
from shared.logging import get_logger
from shared.messagebus import MessageBus

log = get_logger(__name__)


def digests(bus: MessageBus, settings: NotificationsSettings, clock: Clock) -> Job:
    """Every `digest_interval_s`, from the local `digest_hour` on: each coordinator's
    digest is recorded, once a local day (the handler keeps count). Every tick also drops
    the delivery receipts kept `unmatched_receipt_days` for an SMS that never appeared."""
    zone = ZoneInfo(settings.timezone)

    async def tick() -> None:
        now = clock()
        forgotten = await bus.handle(ForgetUnmatchedReceipts(
            now - timedelta(days=settings.unmatched_receipt_days)))
        if forgotten:
            log.info("unmatched delivery receipts forgotten", count=forgotten)
        if now.astimezone(zone).hour >= settings.digest_hour:
            count = await bus.handle(SendDigests(now))
            if count:
                log.info("digests recorded", count=count)

    return periodic("digests", settings.digest_interval_s, tick)
