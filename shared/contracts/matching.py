"""`matching.events.v1`: proposals, confirmations, declines, waitlisting, rounds."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import AwareDatetime, Field

from shared.contracts.base import EventData
from shared.contracts.types import (
    AnsweredBy,
    Awaited,
    DeclinedBy,
    MunicipalityCode,
    Outcome,
    Program,
    RecordedBy,
    SummerJobVariant,
    Text,
)


class PlacementProposed(EventData):
    TYPE = "PlacementProposed"

    placement_id: UUID
    request_id: UUID
    participant_id: UUID
    offer_id: UUID
    workplace_id: UUID
    supervisor_id: UUID
    municipality_code: MunicipalityCode
    program: Program
    period_start: date
    period_end: date
    preference_rank: int | None = None
    round_id: UUID | None = None
    consent_required: bool = False
    """Added: the participant is a minor (or prao) and no guardian consent is in yet."""
    accept_by: AwareDatetime | None = None
    """Added: the workplace must accept before this instant, or the proposal lapses."""
    acceptance_url: str | None = None
    """Added, no longer set: the links are notifications' (shared.links, to the portal)."""
    answer_by: AwareDatetime | None = None
    """Added: the participant (and, where asked, a guardian) accepts or declines the offer
    before this instant; None when the programme asks no answer of the participant."""
    guardian_answer: bool = False
    """Added: a guardian of the minor answers the offer too (the municipality's rule)."""
    consent_by: AwareDatetime | None = None
    """Added: when `consent_required`, a guardian consents before this instant, or the
    placement is cancelled (`consent_deadline_passed`) and the place moves on."""
    variant: SummerJobVariant | None = None
    """Added: the request's summer-job variant (letters name it)."""
    replaces: UUID | None = None
    """Added: the participant's earlier placement this one replaces: a place they ranked
    higher came free after the round, and they moved up to it (the earlier one is
    cancelled with reason `moved_to_preferred`)."""


class PlacementAccepted(EventData):
    """Added: one party said yes; the placement is confirmed when every party has."""

    TYPE = "PlacementAccepted"

    placement_id: UUID
    request_id: UUID
    participant_id: UUID
    municipality_code: MunicipalityCode
    by: AnsweredBy
    answered_by: UUID | None = None
    """The person who answered (the supervisor, the participant, the guardian)."""
    waiting_for: list[Awaited] = Field(default_factory=list)
    """Who has still to answer (and `consent` when a guardian's consent is missing)."""
    recorded_by: RecordedBy = "link"
    """Added: `coordinator` when a coordinator recorded the party's yes, given by phone
    or in person, rather than the party by the link in its message."""


class PlacementDeadlineApproaching(EventData):
    """Added: half the time to answer has gone and `awaiting` has not answered: the
    reminder (one per placement and party)."""

    TYPE = "PlacementDeadlineApproaching"

    placement_id: UUID
    request_id: UUID
    participant_id: UUID
    municipality_code: MunicipalityCode
    awaiting: Awaited
    deadline: AwareDatetime


class PlacementDeadlineExtended(EventData):
    """Added: a coordinator gave `awaiting` more time to answer."""

    TYPE = "PlacementDeadlineExtended"

    placement_id: UUID
    request_id: UUID
    participant_id: UUID
    municipality_code: MunicipalityCode
    awaiting: Awaited
    deadline: AwareDatetime
    previous_deadline: AwareDatetime


class PlacementConfirmed(EventData):
    TYPE = "PlacementConfirmed"

    placement_id: UUID
    request_id: UUID
    participant_id: UUID
    offer_id: UUID
    workplace_id: UUID
    supervisor_id: UUID
    municipality_code: MunicipalityCode
    program: Program
    period_start: date
    period_end: date
    variant: SummerJobVariant | None = None
    """Added: the request's summer-job variant."""


class PlacementDeclined(EventData):
    TYPE = "PlacementDeclined"

    placement_id: UUID
    request_id: UUID
    by: DeclinedBy
    reason: str
    municipality_code: MunicipalityCode | None = None
    """Added: the message key is the municipality of the placement."""
    participant_id: UUID | None = None
    """Added: whose placement it was."""


class PlacementCancelled(EventData):
    TYPE = "PlacementCancelled"

    placement_id: UUID
    request_id: UUID
    reason: str
    municipality_code: MunicipalityCode | None = None
    participant_id: UUID | None = None
    """Added: whose placement it was."""


class PlacementWaitlisted(EventData):
    TYPE = "PlacementWaitlisted"

    request_id: UUID
    participant_id: UUID
    municipality_code: MunicipalityCode
    program: Program
    reasons: list[str] = Field(default_factory=list)
    round_id: UUID | None = None
    """Added: the round that left it waiting, whose draw is published (its lottery number
    and the seed: `GET /matching/rounds/{id}/draw`)."""


class MatchingRoundCompleted(EventData):
    TYPE = "MatchingRoundCompleted"

    round_id: UUID
    municipality_code: MunicipalityCode
    program: Program
    requests: int = Field(ge=0)
    placed: int = Field(ge=0)
    waitlisted: int = Field(ge=0)
    seed: int
    duration_ms: float = Field(ge=0)


class PlacementCompleted(EventData):
    TYPE = "PlacementCompleted"

    placement_id: UUID
    outcome: Outcome
    municipality_code: MunicipalityCode | None = None
    request_id: UUID | None = None
    """Added."""
    participant_id: UUID | None = None
    """Added."""
    ended_on: date | None = None
    """Added: the placement's last day, or the day it ended early."""
    ended_early: bool = False
    """Added: it ended before `period_end`; `reason` says why."""
    reason: Text | None = None
    """Added: why it ended early."""


class PlacementFollowedUp(EventData):
    """Added: what the participant was doing six months after the placement ended (seed
    004: praktik as a way into work), recorded by a coordinator from then on."""

    TYPE = "PlacementFollowedUp"

    placement_id: UUID
    request_id: UUID | None = None
    participant_id: UUID | None = None
    municipality_code: MunicipalityCode
    outcome: Outcome
    followed_up_on: date


MATCHING_EVENTS: tuple[type[EventData], ...] = (
    PlacementProposed,
    PlacementAccepted,
    PlacementConfirmed,
    PlacementDeclined,
    PlacementCancelled,
    PlacementWaitlisted,
    MatchingRoundCompleted,
    PlacementCompleted,
    PlacementDeadlineApproaching,
    PlacementDeadlineExtended,
    PlacementFollowedUp,
)
