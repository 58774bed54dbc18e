"""Outcomes: how a placement ended, and what the participant did six months later.

An outcome is recorded on or after the placement's last day (`period_end`, Swedish
time), or before it with the day the placement ended (`ended_on`) and why (`reason`):
it ended early. Seed 004 treats praktik as a way into work, so a completed placement
gets one follow-up outcome, recorded from six calendar months after the day it ended.
"""

from __future__ import annotations

from datetime import date, datetime

from dateutil.relativedelta import relativedelta

from services.matching.domain.errors import InvalidTransition
from services.matching.domain.placements import Placement
from services.matching.domain.working_days import SWEDISH_TIME
from shared.contracts.matching import PlacementCompleted, PlacementFollowedUp
from shared.errors import Rejected

FOLLOW_UP_AFTER = relativedelta(months=6)


def local_day(now: datetime) -> date:
    """The day it is in Sweden: a placement's days are Swedish days."""
    return now.astimezone(SWEDISH_TIME).date()


def ended_on(placement: Placement, given: date | None, reason: str | None,
             today: date) -> date:
    """The day the placement ended: its last day, or `given` (with a `reason` when
    that is before the last day). Refused (422) with the field that does not hold."""
    if given is None:
        if today < placement.period_end:
            raise Rejected.field(
                "ended_on", f"the placement runs until {placement.period_end.isoformat()}; "
                "before then, give the day it ended and why")
        return placement.period_end
    if given > today:
        raise Rejected.field("ended_on", "must not be in the future")
    if given > placement.period_end:
        raise Rejected.field("ended_on", "must not be after the placement's last day, "
                             f"{placement.period_end.isoformat()}")
    if given < placement.period_start:
        raise Rejected.field("ended_on", "must not be before the placement's first day, "
                             f"{placement.period_start.isoformat()}")
    if given < placement.period_end and not (reason and reason.strip()):
        raise Rejected.field("reason", "say why the placement ended before its last day")
    return given


def complete(placement: Placement, outcome: str, now: datetime, given: date | None,
             reason: str | None) -> PlacementCompleted:
    """Record the outcome of a placement that has ended (`ended_on`'s rules)."""
    last_day = ended_on(placement, given, reason, local_day(now))
    early = last_day < placement.period_end
    placement.status, placement.outcome, placement.ended_at = "completed", outcome, now
    placement.ended_on, placement.end_reason = last_day, reason if early else None
    return PlacementCompleted(
        placement_id=placement.placement_id, outcome=outcome,
        municipality_code=placement.municipality_code, request_id=placement.request_id,
        participant_id=placement.participant_id, ended_on=last_day, ended_early=early,
        reason=placement.end_reason)


def follow_up(placement: Placement, outcome: str, now: datetime) -> PlacementFollowedUp:
    """Record the follow-up (`check_follow_up`'s rules)."""
    today = local_day(now)
    check_follow_up(placement, today)
    placement.follow_up_outcome, placement.followed_up_on = outcome, today
    return PlacementFollowedUp(
        placement_id=placement.placement_id, request_id=placement.request_id,
        participant_id=placement.participant_id,
        municipality_code=placement.municipality_code, outcome=outcome, followed_up_on=today)


def follow_up_from(placement: Placement) -> date | None:
    """The first day a follow-up may be recorded; None before the placement ended."""
    if placement.status != "completed":
        return None
    return (placement.ended_on or placement.period_end) + FOLLOW_UP_AFTER


def check_follow_up(placement: Placement, today: date) -> None:
    """Refused: a placement not completed or already followed up (409), or too early
    (422, saying from which day)."""
    first_day = follow_up_from(placement)
    if first_day is None:
        raise InvalidTransition(f"placement is {placement.status}, not completed",
                                "not_completed")
    if placement.follow_up_outcome is not None:
        raise InvalidTransition("the follow-up is recorded", "already_followed_up")
    if today < first_day:
        raise Rejected.field("outcome", "a follow-up is recorded six months after the "
                             f"placement ended: from {first_day.isoformat()}")
