"""Intents that reach the service over HTTP or from its own jobs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from shared.links import Link


@dataclass(frozen=True)
class RunRound:
    municipality_code: str
    program: str
    seed: int
    unless_ran_since: datetime | None = None
    """For scheduled rounds: skip when a round already ran since then (checked under lock)."""


@dataclass(frozen=True)
class AnswerAsWorkplace:
    """The supervisor's answer to a proposal, by the link sent to them."""

    link: Link
    accept: bool
    reason: str | None = None
    """A decline's reason: one of `answers.DECLINE_REASONS`."""


@dataclass(frozen=True)
class AnswerOffer:
    """The participant's (or a guardian's) answer to an offer, by the link sent to them."""

    link: Link
    accept: bool
    reason: str | None = None


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
