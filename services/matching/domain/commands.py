"""Intents that reach the service over HTTP or from its own jobs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID


@dataclass(frozen=True)
class RunRound:
    municipality_code: str
    program: str
    seed: int
    unless_ran_since: datetime | None = None
    """For scheduled rounds: skip when a round already ran since then (checked under lock)."""


@dataclass(frozen=True)
class AcceptPlacement:
    placement_id: UUID


@dataclass(frozen=True)
class DeclinePlacement:
    placement_id: UUID
    by: str
    reason: str
    end_request: bool = False


@dataclass(frozen=True)
class CompletePlacement:
    placement_id: UUID
    outcome: str


@dataclass(frozen=True)
class ExpireDeadlines:
    municipality_code: str
