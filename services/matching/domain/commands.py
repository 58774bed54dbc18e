"""Intents that reach the service over HTTP or from its own jobs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from shared.contracts.types import Awaited
from shared.links import Link


@dataclass(frozen=True)
class RunRound:
    municipality_code: str
    program: str
    seed: int | None = None
    """None: the seed a preview drew for this round, else one drawn now."""
    unless_ran_since: datetime | None = None
    """For scheduled rounds: skip when a round already ran since then (checked under lock)."""


@dataclass(frozen=True)
class DrawRoundSeed:
    """The seed of the municipality's next round of a programme: drawn at the first
    preview, the same for every preview after it and for the round."""

    municipality_code: str
    program: str


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
class AcceptForParty:
    """A coordinator records a party's yes given by phone or in person (a guardian's
    by `guardian_id`)."""

    placement_id: UUID
    by: str
    guardian_id: UUID | None = None


@dataclass(frozen=True)
class CompletePlacement:
    """A coordinator records how a confirmed placement ended (outcomes.py)."""

    placement_id: UUID
    outcome: str
    ended_on: date | None = None
    """The day it ended, when before its last day (then with a `reason`)."""
    reason: str | None = None


@dataclass(frozen=True)
class FollowUpPlacement:
    """What the participant was doing six months after the placement ended."""

    placement_id: UUID
    outcome: str


@dataclass(frozen=True)
class ExtendDeadline:
    """A coordinator gives a party more time to answer (deadlines.py)."""

    placement_id: UUID
    awaiting: Awaited
    deadline: datetime


@dataclass(frozen=True)
class ExpireDeadlines:
    municipality_code: str


@dataclass(frozen=True)
class RemindOfDeadlines:
    """The deadlines job: remind the parties halfway to their deadlines."""

    municipality_code: str
