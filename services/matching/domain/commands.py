"""Intents that reach the service over HTTP or from its own jobs."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True)
class RunRound:
    municipality_code: str
    program: str
    seed: int


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
