"""Outcomes on one Book: recorded on or after the last day or with a reason when the
placement ended early, and the follow-up six calendar months later (domain only)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from services.matching.domain.book import Book
from services.matching.domain.errors import InvalidTransition
from services.matching.domain.outcomes import follow_up_from
from services.matching.domain.placements import Placement
from services.matching.tests.unit.test_book import M, book, of_type, participant
from services.matching.tests.unit.test_deadlines import WEDNESDAY, ask, market, proposal
from shared.contracts.matching import PlacementCompleted, PlacementFollowedUp
from shared.errors import Rejected

FIRST, LAST = date(2027, 6, 7), date(2027, 7, 7)


def day(d: date, hour: int = 10) -> datetime:
    """`hour` o'clock UTC on `d` (noon in Sweden: the same Swedish day)."""
    return datetime(d.year, d.month, d.day, hour, tzinfo=UTC)


def confirmed() -> tuple[Book, Placement]:
    b = book()
    market(b)
    p = proposal(b, ask(b, participant(b)))
    placement = b.accept(p.placement_id, WEDNESDAY + timedelta(hours=1))
    assert placement.status == "confirmed" and placement.period == (FIRST, LAST)
    return b, placement


def field_of(error: pytest.ExceptionInfo[Rejected]) -> str:
    return error.value.problems[0].field


def test_before_the_last_day_an_outcome_needs_the_day_it_ended_and_why() -> None:
    b, p = confirmed()
    before = day(LAST - timedelta(days=1))
    with pytest.raises(Rejected) as no_day:
        b.complete(p.placement_id, "employed", before)
    assert field_of(no_day) == "ended_on" and "2027-07-07" in str(no_day.value)
    with pytest.raises(Rejected) as no_reason:
        b.complete(p.placement_id, "employed", before, ended_on=date(2027, 6, 20))
    assert field_of(no_reason) == "reason"
    for wrong in (LAST, FIRST - timedelta(days=1)):  # not yet; before it began
        with pytest.raises(Rejected) as bad_day:
            b.complete(p.placement_id, "employed", before, ended_on=wrong, reason="job")
        assert field_of(bad_day) == "ended_on"
    assert not of_type(b, PlacementCompleted)
    b.complete(p.placement_id, "employed", before, ended_on=date(2027, 6, 20),
               reason="got a job")
    [completed] = of_type(b, PlacementCompleted)
    assert (completed.request_id, completed.participant_id, completed.municipality_code) == (
        p.request_id, p.participant_id, M)
    assert (completed.ended_on, completed.ended_early, completed.reason) == (
        date(2027, 6, 20), True, "got a job")


def test_on_the_last_day_in_sweden_the_outcome_needs_nothing_more() -> None:
    b, p = confirmed()
    with pytest.raises(Rejected):  # 23:30 UTC on the day before is 01:30 on it in Sweden
        b.complete(p.placement_id, "studies", day(LAST - timedelta(days=2), hour=23))
    b.complete(p.placement_id, "studies", day(LAST - timedelta(days=1), hour=23))
    [completed] = of_type(b, PlacementCompleted)
    assert (completed.ended_on, completed.ended_early, completed.reason) == (LAST, False, None)


def test_an_outcome_needs_a_confirmed_placement() -> None:
    b = book()
    market(b)
    p = proposal(b, ask(b, participant(b)))
    with pytest.raises(InvalidTransition):
        b.complete(p.placement_id, "employed", day(LAST))


def test_the_follow_up_comes_six_calendar_months_after_the_end_and_once() -> None:
    b, p = confirmed()
    b.complete(p.placement_id, "continued_search", day(date(2027, 10, 17)))
    assert follow_up_from(p) == date(2028, 1, 7)
    b2, q = confirmed()
    b2.complete(q.placement_id, "employed", day(date(2027, 7, 1)), ended_on=date(2027, 6, 30),
                reason="moved")
    assert follow_up_from(q) == date(2027, 12, 30)
    with pytest.raises(Rejected) as early:
        b2.follow_up(q, "employed", day(date(2027, 12, 29)))
    assert field_of(early) == "outcome" and "2027-12-30" in str(early.value)
    b2.follow_up(q, "employed", day(date(2027, 12, 30)))
    [followed] = of_type(b2, PlacementFollowedUp)
    assert (followed.placement_id, followed.request_id, followed.participant_id) == (
        q.placement_id, q.request_id, q.participant_id)
    assert (followed.outcome, followed.followed_up_on) == ("employed", date(2027, 12, 30))
    assert q.placement_id in b2.changed_placements
    with pytest.raises(InvalidTransition) as again:
        b2.follow_up(q, "studies", day(date(2028, 1, 5)))
    assert again.value.code == "already_followed_up"


def test_month_ends_clamp_and_only_a_completed_placement_is_followed_up() -> None:
    _, p = confirmed()
    p.status, p.ended_on = "completed", date(2027, 8, 31)
    assert follow_up_from(p) == date(2028, 2, 29)  # a leap year's last day of February
    b2, q = confirmed()
    with pytest.raises(InvalidTransition) as not_done:
        b2.follow_up(q, "employed", day(date(2028, 6, 1)))
    assert not_done.value.code == "not_completed"
