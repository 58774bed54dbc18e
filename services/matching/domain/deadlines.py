"""Deadlines: until when each party a placement waits for may answer, the reminder at
half the time, and what a coordinator's extension may change.

A proposal holds a place while it waits, so every answer it waits for has a deadline:

- the workplace's yes: `accept_by`, the end of the profile's `workplace_answer_days`th
  Swedish working day after the proposal (without that rule, the programme's hours
  from the settings);
- the participant's: `answer_by` (answers.py);
- a guardian's, where one answers the offer: `guardian_answer_by` (the participant's
  deadline when proposed; a coordinator may extend one and not the other);
- the guardians' consent a minor needs: `consent_by`, the profile's `consent_days`
  working days after the proposal (`CONSENT_DAYS` without the rule).

Halfway from the proposal to its deadline, a party that has not answered is reminded,
once (`reminded`). An extension sends no second reminder to a party already reminded
(the `PlacementDeadlineExtended` event itself tells the party the new deadline); a
party not yet reminded is reminded halfway from the proposal to the new deadline.
When deadlines pass, the first one to pass decides who lets the place go
(`Book.expire_deadlines`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from services.matching.domain.answers import OfferRules, waiting_for
from services.matching.domain.errors import InvalidTransition
from services.matching.domain.placements import Placement
from services.matching.domain.working_days import answer_deadline
from shared.contracts.matching import PlacementDeadlineApproaching, PlacementDeadlineExtended
from shared.contracts.types import Awaited
from shared.errors import Rejected

CONSENT_DAYS = 5
"""Working days the guardians have to consent when the profile does not say."""
WORKPLACE_HOURS = timedelta(days=3)
"""A workplace's time to answer when neither the profile nor the settings say."""
AWAITED: tuple[Awaited, ...] = ("workplace", "participant", "guardian", "consent")
CONSENT_DEADLINE = "consent_deadline_passed"
"""Why a placement is cancelled when the consent did not come in time."""


def workplace_deadline(rules: OfferRules | None, program: str, proposed_at: datetime,
                       hours: Mapping[str, timedelta]) -> datetime:
    """`accept_by`: the profile's working days, else the programme's hours."""
    if rules is not None and rules.workplace_days is not None:
        return answer_deadline(proposed_at, rules.workplace_days)
    return proposed_at + hours.get(program, WORKPLACE_HOURS)


def consent_deadline(rules: OfferRules | None, proposed_at: datetime) -> datetime:
    """`consent_by`: the profile's working days for consent, else `CONSENT_DAYS`."""
    days = rules.consent_days if rules is not None and rules.consent_days else CONSENT_DAYS
    return answer_deadline(proposed_at, days)


def deadline(placement: Placement, awaiting: Awaited) -> datetime | None:
    """The party's deadline; None when the placement asks nothing of it."""
    if awaiting == "workplace":
        return placement.accept_by
    if awaiting == "participant":
        return placement.answer_by
    if awaiting == "guardian":
        return (placement.guardian_answer_by or placement.answer_by
                if placement.guardian_answer else None)
    return placement.consent_by if placement.consent_required else None


def pending(placement: Placement, consent_missing: bool) -> list[tuple[Awaited, datetime]]:
    """Each party the placement still waits for that has a deadline, with it."""
    found: list[tuple[Awaited, datetime]] = []
    for party in waiting_for(placement, consent_missing):
        at = deadline(placement, party)
        if at is not None:
            found.append((party, at))
    return found


def reminders_due(placement: Placement, consent_missing: bool,
                  now: datetime) -> list[tuple[Awaited, datetime]]:
    """The parties to remind now: half their time has gone (as much left as gone since
    the proposal), their deadline has not passed, and they were not reminded."""
    return [(party, at) for party, at in pending(placement, consent_missing)
            if party not in placement.reminded
            and now < at and at - now <= now - placement.proposed_at]


def lapsed(placement: Placement, consent_missing: bool, now: datetime) -> Awaited | None:
    """The party whose deadline passed first, if any did."""
    passed = [(at, AWAITED.index(party), party)
              for party, at in pending(placement, consent_missing) if at < now]
    return min(passed)[2] if passed else None


def remind(placement: Placement, consent_missing: bool,
           now: datetime) -> list[PlacementDeadlineApproaching]:
    """The reminders due now, each party marked as reminded."""
    due = reminders_due(placement, consent_missing, now)
    placement.reminded = [*placement.reminded, *(party for party, _ in due)]
    return [PlacementDeadlineApproaching(
        placement_id=placement.placement_id, request_id=placement.request_id,
        participant_id=placement.participant_id,
        municipality_code=placement.municipality_code, awaiting=party, deadline=at)
        for party, at in due]


def extend(placement: Placement, awaiting: Awaited, consent_missing: bool,
           new: datetime, now: datetime) -> PlacementDeadlineExtended:
    """Give `awaiting` until `new`. Refused: a party not asked (`not_asked`) or that
    has answered (`already_answered`), a deadline in the past or not later than the
    current one (the field `deadline`)."""
    current = deadline(placement, awaiting)
    if current is None:
        raise InvalidTransition(f"nothing is asked of the {awaiting}", "not_asked")
    if awaiting not in waiting_for(placement, consent_missing):
        raise InvalidTransition(f"the {awaiting} has already answered", "already_answered")
    if new <= now:
        raise Rejected.field("deadline", "must be in the future")
    if new <= current:
        raise Rejected.field("deadline", "must be later than the current deadline, "
                             f"{current.isoformat()}")
    if awaiting == "workplace":
        placement.accept_by = new
    elif awaiting == "participant":
        placement.answer_by = new
    elif awaiting == "guardian":
        placement.guardian_answer_by = new
    else:
        placement.consent_by = new
    return PlacementDeadlineExtended(
        placement_id=placement.placement_id, request_id=placement.request_id,
        participant_id=placement.participant_id,
        municipality_code=placement.municipality_code, awaiting=awaiting, deadline=new,
        previous_deadline=current)
