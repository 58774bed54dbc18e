"""Deadlines on one Book: working days over a holiday, the reminder at half the time
(once), what passes when a deadline does, and a coordinator's extension (domain only)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import pytest

from services.matching.domain import deadlines
from services.matching.domain.answers import OfferRules
from services.matching.domain.book import Book
from services.matching.domain.errors import InvalidTransition, UnknownPlacement
from services.matching.domain.placements import Request
from services.matching.domain.working_days import SWEDISH_TIME
from services.matching.tests.unit.test_book import (
    M,
    book,
    of_type,
    offer,
    participant,
    supervisor,
    workplace,
)
from shared.contracts.matching import (
    PlacementCancelled,
    PlacementDeadlineApproaching,
    PlacementDeadlineExtended,
    PlacementDeclined,
    PlacementProposed,
)
from shared.errors import Rejected

WEDNESDAY = datetime(2027, 5, 5, 8, 0, tzinfo=UTC)
"""The day before Ascension Day (Thursday 6 May 2027, a public holiday)."""
START = date(2027, 6, 7)
MINOR = date(2011, 1, 1)


def swedish(day: date) -> datetime:
    """23:59 Swedish time on `day`: when a deadline in working days ends."""
    return datetime(day.year, day.month, day.day, 23, 59, tzinfo=SWEDISH_TIME)


def rules(**kw: object) -> OfferRules:
    return OfferRules(M, **kw)  # type: ignore[arg-type]


def market(b: Book, places: int = 1) -> UUID:
    """An offer with `places` places at an open workplace."""
    wid = workplace(b)
    return offer(b, wid, supervisor(b, wid, max_participants=places), capacity=places,
                 start=START)


def ask(b: Book, pid: UUID, at: datetime = WEDNESDAY) -> UUID:
    rid = uuid.uuid4()
    b.add_request(Request(rid, pid, M, "internship", START, START + timedelta(days=30), (),
                          frozenset(), 0, at))
    return rid


def proposal(b: Book, rid: UUID) -> PlacementProposed:
    [found] = [p for p in of_type(b, PlacementProposed) if p.request_id == rid]
    return found


def test_working_days_leave_out_the_holiday_for_the_workplace_and_the_consent() -> None:
    b = book()
    b.rules = rules(workplace_days=3, consent_days=5)
    market(b, places=2)
    minor = proposal(b, ask(b, participant(b, born=MINOR)))
    adult = proposal(b, ask(b, participant(b)))
    # Thursday is Ascension Day: Friday, Monday, Tuesday; then Wednesday, Thursday.
    assert minor.accept_by == swedish(date(2027, 5, 11))
    assert (minor.consent_required, minor.consent_by) == (True, swedish(date(2027, 5, 13)))
    assert (adult.consent_required, adult.consent_by) == (False, None)


def test_without_the_profile_s_days_the_programme_s_hours_and_five_days_hold() -> None:
    b = book()  # 48 hours for every programme
    market(b)
    minor = proposal(b, ask(b, participant(b, born=MINOR)))
    assert minor.accept_by == WEDNESDAY + timedelta(hours=48)
    assert minor.consent_by == swedish(date(2027, 5, 13))
    assert deadlines.consent_deadline(rules(consent_days=2), WEDNESDAY) == swedish(
        date(2027, 5, 10))


def test_the_reminder_goes_at_half_the_time_once_per_party() -> None:
    b = book()
    b.rules = rules(workplace_days=3, consent_days=5)
    market(b)
    rid = ask(b, participant(b, born=MINOR))
    p = proposal(b, rid)
    assert p.accept_by is not None and p.consent_by is not None
    half_workplace = WEDNESDAY + (p.accept_by - WEDNESDAY) / 2
    half_consent = WEDNESDAY + (p.consent_by - WEDNESDAY) / 2
    assert b.remind(half_workplace - timedelta(minutes=1)) == 0
    assert b.remind(half_workplace) == 1
    assert b.remind(half_workplace + timedelta(hours=1)) == 0  # once
    assert b.remind(half_consent) == 1
    assert b.remind(half_consent + timedelta(hours=1)) == 0
    sent = of_type(b, PlacementDeadlineApproaching)
    assert [(e.awaiting, e.deadline) for e in sent] == [
        ("workplace", p.accept_by), ("consent", p.consent_by)]
    assert {(e.placement_id, e.request_id, e.municipality_code) for e in sent} == {
        (p.placement_id, rid, M)}
    assert b.placements[p.placement_id].reminded == ["workplace", "consent"]


def test_no_reminder_for_a_party_that_answered_or_a_deadline_passed() -> None:
    b = book()
    market(b)
    p = proposal(b, ask(b, participant(b)))
    b.accept(p.placement_id, WEDNESDAY + timedelta(hours=1))
    assert b.remind(WEDNESDAY + timedelta(hours=30)) == 0  # the workplace said yes
    b2 = book()
    market(b2)
    p2 = proposal(b2, ask(b2, participant(b2)))
    assert p2.accept_by is not None
    assert b2.remind(p2.accept_by + timedelta(minutes=1)) == 0  # too late to remind


def test_missing_consent_cancels_and_the_place_moves_on() -> None:
    b = book()
    b.rules = rules(workplace_days=1, consent_days=5)
    market(b)
    minor = participant(b, born=MINOR)
    first = proposal(b, ask(b, minor))
    b.accept(first.placement_id, WEDNESDAY + timedelta(hours=1))  # the consent is missing
    waiting = ask(b, participant(b), at=WEDNESDAY + timedelta(hours=2))
    assert first.consent_by is not None
    assert b.expire_deadlines(first.consent_by) == 0  # not passed at its very end
    assert b.expire_deadlines(first.consent_by + timedelta(minutes=1)) == 1
    [cancelled] = of_type(b, PlacementCancelled)
    assert (cancelled.placement_id, cancelled.reason, cancelled.participant_id) == (
        first.placement_id, "consent_deadline_passed", minor)
    assert proposal(b, waiting).offer_id == first.offer_id  # the next in line


def test_the_first_deadline_to_pass_decides() -> None:
    b = book()
    b.rules = rules(workplace_days=1, consent_days=5)
    market(b)
    p = proposal(b, ask(b, participant(b, born=MINOR)))
    assert p.accept_by is not None
    assert p.consent_by is not None
    # Both have passed; the workplace's day passed long before the consent's.
    assert b.expire_deadlines(p.consent_by + timedelta(days=1)) == 1
    [declined] = of_type(b, PlacementDeclined)
    assert (declined.by, declined.reason) == ("workplace", "acceptance_deadline_passed")
    assert not of_type(b, PlacementCancelled)


def test_an_extension_must_be_later_and_in_the_future_for_a_party_still_awaited() -> None:
    b = book()
    b.rules = rules(workplace_days=3, consent_days=5)
    market(b)
    p = proposal(b, ask(b, participant(b, born=MINOR)))
    assert p.accept_by is not None
    now = WEDNESDAY + timedelta(hours=1)
    with pytest.raises(Rejected) as earlier:
        b.extend_deadline(p.placement_id, "workplace", p.accept_by, now)
    assert earlier.value.problems[0].field == "deadline"
    with pytest.raises(Rejected) as past:
        b.extend_deadline(p.placement_id, "consent", now - timedelta(minutes=1),
                          now + timedelta(days=30))
    assert past.value.problems[0].field == "deadline"
    with pytest.raises(InvalidTransition) as not_asked:
        b.extend_deadline(p.placement_id, "participant", now + timedelta(days=9), now)
    assert not_asked.value.code == "not_asked"
    later = p.accept_by + timedelta(days=2)
    b.extend_deadline(p.placement_id, "workplace", later, now)
    [extended] = of_type(b, PlacementDeadlineExtended)
    assert (extended.awaiting, extended.deadline, extended.previous_deadline) == (
        "workplace", later, p.accept_by)
    assert b.placements[p.placement_id].accept_by == later
    b.accept(p.placement_id, now)
    with pytest.raises(InvalidTransition) as answered:
        b.extend_deadline(p.placement_id, "workplace", later + timedelta(days=1), now)
    assert answered.value.code == "already_answered"
    b.cancel(b.placements[p.placement_id], "request_withdrawn", now)
    with pytest.raises(UnknownPlacement):
        b.extend_deadline(p.placement_id, "consent", later, now)


def test_an_extension_moves_a_reminder_not_yet_sent_and_sends_none_again() -> None:
    b = book()
    b.rules = rules(workplace_days=3, consent_days=5)
    market(b)
    p = proposal(b, ask(b, participant(b, born=MINOR)))
    assert p.accept_by is not None
    assert p.consent_by is not None
    new_consent = p.consent_by + timedelta(days=4)
    b.extend_deadline(p.placement_id, "consent", new_consent, WEDNESDAY + timedelta(hours=1))
    old_half = WEDNESDAY + (p.consent_by - WEDNESDAY) / 2
    new_half = WEDNESDAY + (new_consent - WEDNESDAY) / 2
    b.remind(old_half)  # the workplace's reminder only
    assert [e.awaiting for e in of_type(b, PlacementDeadlineApproaching)] == ["workplace"]
    b.extend_deadline(p.placement_id, "workplace", p.accept_by + timedelta(days=5), old_half)
    b.remind(new_half)
    assert [(e.awaiting, e.deadline) for e in of_type(b, PlacementDeadlineApproaching)] == [
        ("workplace", p.accept_by), ("consent", new_consent)]
