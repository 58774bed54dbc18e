"""Who answers a proposal, and what they have said.

Every proposal asks the workplace (its supervisor accepts or declines before
`accept_by`). Where the municipality asks it for the programme (its profile's
`offer_answer_programs`), the participant answers the offer too, before `answer_by`:
the end of the `offer_answer_days`th Swedish working day after the proposal
(working_days.py); and for a minor, where the profile says `guardian_answers_offer`,
one of the participant's guardians answers as well.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args

from services.matching.domain.placements import Placement
from services.matching.domain.working_days import answer_deadline
from shared.contracts.types import Awaited

Party = Literal["workplace", "participant", "guardian"]
AnswerState = Literal["accepted", "declined", "waiting"]

DeclineReason = Literal[
    "no_capacity", "period_unsuitable", "supervisor_unavailable", "not_a_good_fit", "other"]
DECLINE_REASONS: tuple[str, ...] = get_args(DeclineReason)
"""Why a workplace may decline a proposal (the page shows them as a short list)."""

WORKPLACE_DEADLINE = "acceptance_deadline_passed"
ANSWER_DEADLINE = "answer_deadline_passed"
NO_REASON = "no_reason_given"


@dataclass(frozen=True, slots=True)
class OfferRules:
    """A municipality's rules for answers (from its `MunicipalityProfileRecorded`)."""

    municipality_code: str
    programs: frozenset[str] = frozenset()
    days: int = 3
    guardian_answers: bool = False
    workplace_days: int | None = None
    """Working days a workplace has to answer; None: the programme's hours (settings)."""
    consent_days: int | None = None
    """Working days the guardians have to consent; None: `deadlines.CONSENT_DAYS`."""

    def answer_by(self, program: str, proposed_at: datetime) -> datetime | None:
        """Until when the participant answers an offer; None when no answer is asked."""
        if program not in self.programs:
            return None
        return answer_deadline(proposed_at, self.days)


def answers(placement: Placement) -> dict[Party, AnswerState]:
    """Each party asked, and its answer so far (the one who declined: `declined`)."""
    said: dict[Party, AnswerState] = {
        "workplace": "accepted" if placement.accepted_at is not None else "waiting"}
    if placement.answer_by is not None:
        said["participant"] = ("accepted" if placement.participant_accepted_at is not None
                               else "waiting")
    if placement.guardian_answer:
        said["guardian"] = ("accepted" if placement.guardian_accepted_at is not None
                            else "waiting")
    if placement.status == "declined":
        for party in said:
            if party == placement.declined_by:
                said[party] = "declined"
    return said


def waiting_for(placement: Placement, consent_missing: bool) -> list[Awaited]:
    """Who has still to say yes before the placement is confirmed, and `consent` while
    the consent a minor needs is not in."""
    waiting: list[Awaited] = [party for party, state in answers(placement).items()
                              if state == "waiting"]
    if consent_missing:
        waiting.append("consent")
    return waiting
