"""What notifications' handlers need besides their unit of work: the policies from
settings, the links, and the clock (`shared.wiring`; `bootstrap.dependencies` builds it)."""

from __future__ import annotations

from dataclasses import dataclass, field

from services.notifications.domain.links import Links
from services.notifications.domain.model import QuietHours
from services.notifications.domain.planning import PlanConfig
from shared.clock import Clock, utc_now


@dataclass(frozen=True)
class Dependencies:
    links: Links
    """Signs the links in messages (to the portal, `settings.public_base_url`) and reads
    the opt-out links people follow back."""
    timezone: str = "Europe/Stockholm"
    reminder_hour: int = 9
    quiet: QuietHours = field(default_factory=QuietHours)
    clock: Clock = utc_now

    @property
    def plan(self) -> PlanConfig:
        return PlanConfig(self.links, self.timezone, self.reminder_hour)
