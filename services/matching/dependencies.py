"""What matching's handlers get besides the message and the unit of work."""

from __future__ import annotations

from dataclasses import dataclass

from shared.clock import Clock, utc_now


@dataclass(frozen=True)
class Dependencies:
    """Built once by `bootstrap.dependencies`; a unit test builds its own."""

    clock: Clock = utc_now
    """Decisions are dated by it (the request's own time where the event carries one)."""
