"""What training's handlers need besides the unit of work: the clock and the certification
policy from settings. `bootstrap.dependencies` builds it; a unit test builds its own."""

from __future__ import annotations

from dataclasses import dataclass, field

from services.training.domain.certification import Policy
from shared.clock import Clock, utc_now


@dataclass(frozen=True)
class Dependencies:
    clock: Clock = utc_now
    policy: Policy = field(default_factory=Policy)
