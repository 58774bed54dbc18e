"""What notifications' handlers need besides their unit of work: the policies from
settings and the clock (`shared.wiring`; `bootstrap.dependencies` builds it)."""

from __future__ import annotations

from dataclasses import dataclass, field

from services.notifications.domain.model import QuietHours
from shared.clock import Clock, utc_now


@dataclass(frozen=True)
class Dependencies:
    timezone: str = "Europe/Stockholm"
    public_base_url: str = "http://127.0.0.1:8000"
    """Base of the links in messages (accept/decline, consent, digest)."""
    reminder_hour: int = 9
    quiet: QuietHours = field(default_factory=QuietHours)
    clock: Clock = utc_now
