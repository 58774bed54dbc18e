"""Notifications' periodic job: the coordinators' daily digest."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from services.notifications.domain.commands import SendDigests
from services.notifications.settings import NotificationsSettings
from shared.clock import Clock
from shared.jobs import Job, periodic
from shared.logging import get_logger
from shared.messagebus import MessageBus

log = get_logger(__name__)


def digests(bus: MessageBus, settings: NotificationsSettings, clock: Clock) -> Job:
    """Every `digest_interval_s`, from the local `digest_hour` on: each coordinator's
    digest is recorded, once a local day (the handler keeps count)."""
    zone = ZoneInfo(settings.timezone)

    async def tick() -> None:
        now = clock()
        if now.astimezone(zone).hour >= settings.digest_hour:
            count = await bus.handle(SendDigests(now))
            if count:
                log.info("digests recorded", count=count)

    return periodic("digests", settings.digest_interval_s, tick)
