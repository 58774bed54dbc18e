"""The rules of supervisor training, without infrastructure."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from services.training.domain.administration import BudgetLine, budget_report, catering
from services.training.domain.certification import Policy, certify
from services.training.domain.evaluation import EvaluationAnswer, by_course, by_session
from services.training.domain.invitations import next_base_course, next_session
from services.training.domain.model import Costs, Roster, Session
from services.training.domain.openness import Openness, openness_change
from shared.contracts.types import Course
from shared.errors import Conflict, NotFound, Rejected

START = datetime(2027, 5, 10, 8, 0, tzinfo=UTC)


def session(course: Course = "base_course", capacity: int = 3, **overrides: Any) -> Session:
    values: dict[str, Any] = {
        "session_id": uuid.uuid4(), "course": course, "topic": None, "starts_at": START,
        "ends_at": START + timedelta(hours=8), "municipality_code": "1380",
        "venue": "Stadsbiblioteket", "digital": False, "capacity": capacity,
        **overrides,
    }
    return Session.schedule(**values)


def fields(error: pytest.ExceptionInfo[Rejected]) -> set[str]:
    return {p.field for p in error.value.problems}


def test_seats_go_in_order_and_the_rest_wait_in_order() -> None:
    roster = Roster(session(capacity=2))
    people = [uuid.uuid4() for _ in range(5)]
    changes = [roster.enrol(p, "supervisor")[0] for p in people]
    assert [c.status for c in changes] == ["enrolled"] * 2 + ["waitlisted"] * 3
    assert [c.waitlist_position for c in changes] == [None, None, 1, 2, 3]
    assert [e.person_id for e in roster.enrolled()] == people[:2]
    assert [e.person_id for e in roster.waitlist()] == people[2:]


def test_cancellation_moves_the_first_waitlisted_up() -> None:
    roster = Roster(session(capacity=1))
    first, second, third = (uuid.uuid4() for _ in range(3))
    for person in (first, second, third):
        roster.enrol(person, "supervisor")
    changes = roster.cancel(first)
    assert [(c.person_id, c.status, c.previous_status) for c in changes] == [
        (first, "cancelled", "enrolled"), (second, "enrolled", "waitlisted")]
    assert [e.person_id for e in roster.waitlist()] == [third]
    with pytest.raises(NotFound):
        roster.cancel(first)


def test_re_enrolling_after_cancelling_goes_to_the_back() -> None:
    roster = Roster(session(capacity=1))
    first, second = uuid.uuid4(), uuid.uuid4()
    roster.enrol(first, "supervisor")
    roster.enrol(second, "supervisor")
    roster.cancel(first)
    again = roster.enrol(first, "supervisor")[0]
    assert (again.status, again.previous_status, again.waitlist_position) == (
        "waitlisted", "cancelled", 1)
    with pytest.raises(Conflict):
        roster.enrol(first, "supervisor")


def test_more_seats_promote_fewer_than_enrolled_is_refused() -> None:
    roster = Roster(session(capacity=1))
    people = [uuid.uuid4() for _ in range(3)]
    for person in people:
        roster.enrol(person, "supervisor")
    promoted = roster.change(capacity=2)
    assert [(c.person_id, c.status) for c in promoted] == [(people[1], "enrolled")]
    with pytest.raises(Rejected) as refused:
        roster.change(capacity=1)
    assert fields(refused) == {"capacity"}
    assert roster.session.capacity == 2


def test_who_may_take_a_seat() -> None:
    with pytest.raises(Rejected):
        Roster(session("manager_breakfast")).enrol(uuid.uuid4(), "supervisor")
    with pytest.raises(Rejected):
        Roster(session("base_course")).enrol(uuid.uuid4(), "manager")
    Roster(session("deep_dive", topic="NPF")).enrol(uuid.uuid4(), "manager")


def test_cancelled_session_takes_no_one_and_cancels_everyone() -> None:
    roster = Roster(session(capacity=1))
    a, b = uuid.uuid4(), uuid.uuid4()
    roster.enrol(a, "supervisor")
    roster.enrol(b, "supervisor")
    changes = roster.cancel_session()
    assert {(c.person_id, c.status) for c in changes} == {(a, "cancelled"), (b, "cancelled")}
    with pytest.raises(Conflict):
        roster.enrol(uuid.uuid4(), "supervisor")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"ends_at": START - timedelta(hours=1)}, "ends_at"),
        ({"ends_at": START}, "ends_at"),
        ({"capacity": 0}, "capacity"),
        ({"course": "yoga"}, "course"),
        ({"course": "deep_dive"}, "topic"),
        ({"venue": "  "}, "venue"),
        ({"digital": True, "lunch": True}, "lunch"),
    ],
)
def test_a_session_that_cannot_take_place_is_refused(overrides: dict[str, Any],
                                                     field: str) -> None:
    with pytest.raises(Rejected) as refused:
        session(**overrides)
    assert field in fields(refused)


def test_attendance_only_for_the_enrolled_and_all_or_nothing() -> None:
    roster = Roster(session(capacity=1))
    enrolled, waiting, stranger = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    roster.enrol(enrolled, "supervisor")
    roster.enrol(waiting, "supervisor")
    after = START + timedelta(hours=9)
    with pytest.raises(Rejected) as refused:
        roster.record_attendance([enrolled, stranger, waiting], [], after)
    assert fields(refused) == {"present.1", "present.2"}
    assert roster.enrolments[enrolled].attended is None
    with pytest.raises(Rejected):
        roster.record_attendance([enrolled], [], START - timedelta(minutes=1))
    assert [e.person_id for e in roster.record_attendance([enrolled], [], after)] == [enrolled]
    assert roster.record_attendance([enrolled], [], after) == []
    with pytest.raises(Rejected) as withdrawn:
        roster.record_attendance([], [enrolled], after)
    assert fields(withdrawn) == {"absent.0"}
    with pytest.raises(Conflict):
        roster.cancel(enrolled)


def test_certificate_valid_for_the_configured_years_expires_the_day_after() -> None:
    certificate = certify(uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), "1380", date(2027, 5, 10), 3)
    assert certificate.valid_until == date(2030, 5, 9)
    assert certificate.expires_on == date(2030, 5, 10)
    assert certificate.valid_on(date(2030, 5, 9))
    assert not certificate.valid_on(date(2030, 5, 10))
    leap = certify(uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), "1380", date(2028, 2, 29), 1)
    assert leap.expires_on == date(2029, 2, 28)


def test_workplace_opens_once_with_breakfast_and_a_certified_supervisor() -> None:
    assert Openness(manager_attended_breakfast=True, certified_supervisors=1).open
    assert not Openness(manager_attended_breakfast=False, certified_supervisors=3).open
    assert not Openness(manager_attended_breakfast=True, certified_supervisors=0).open
    assert openness_change(False, Openness(True, 1)) == "opened"
    assert openness_change(True, Openness(True, 2)) is None  # already open: said once


def test_an_open_workplace_closes_when_either_condition_goes_and_opens_again() -> None:
    assert openness_change(True, Openness(True, 0)) == "closed"  # last certificate gone
    assert openness_change(True, Openness(False, 1)) == "closed"  # manager gone
    assert openness_change(False, Openness(False, 0)) is None  # closed stays closed
    assert openness_change(False, Openness(True, 1)) == "opened"  # both hold once more


def test_next_breakfast_meeting_for_a_manager_ignores_other_courses() -> None:
    now = START - timedelta(days=30)
    base = session(municipality_code="1380")
    breakfast = session("manager_breakfast", municipality_code="1384",
                        starts_at=START + timedelta(days=3),
                        ends_at=START + timedelta(days=3, hours=2))
    far = session("manager_breakfast", municipality_code="0583")
    assert next_session([base, breakfast, far], "manager_breakfast", "1380", now) is breakfast
    assert next_session([base, far], "manager_breakfast", "1380", now) is None


def test_only_a_deep_dive_names_the_needs_it_trains_for() -> None:
    dive = session("deep_dive", topic="NPF", supports=(" npf_support", "npf_support",
                                                       "language_support"))
    assert dive.supports == ("language_support", "npf_support")
    with pytest.raises(Rejected) as refused:
        session("base_course", supports=("npf_support",))
    assert fields(refused) == {"supports"}
    roster = Roster(session("deep_dive", topic="NPF"))
    roster.change(supports=["npf_support"])
    assert roster.session.supports == ("npf_support",)
    with pytest.raises(Rejected):
        Roster(session("manager_breakfast")).change(supports=["npf_support"])


def test_next_base_course_in_or_near_the_municipality() -> None:
    now = START - timedelta(days=30)
    later = START + timedelta(days=5)
    halmstad = session(starts_at=later, ends_at=later + timedelta(hours=8))
    kungsbacka = session(municipality_code="1384")  # same county (13), earlier
    motala = session(municipality_code="0583", starts_at=START - timedelta(days=10),
                     ends_at=START - timedelta(days=10) + timedelta(hours=8))
    same_day_home = session(municipality_code="1381")
    assert next_base_course([halmstad, kungsbacka, motala], "1380", now) is kungsbacka
    assert next_base_course([kungsbacka, same_day_home], "1381", now) is same_day_home
    assert next_base_course([motala], "1380", now) is None
    kungsbacka.cancelled = True
    assert next_base_course([halmstad, kungsbacka], "1380", now) is halmstad
    assert next_base_course([halmstad], "1380", START + timedelta(days=6)) is None


def test_catering_counts_enrolled_and_trainers_with_dietary_needs() -> None:
    full_day = session(capacity=10, trainers=["Anna", "Björn"])
    result = catering(full_day, 3, 2, [["Vegetarian", "gluten "], ["vegetarian"], []])
    assert (result.coffee, result.coffee_breaks, result.lunch) == (5, 2, 5)
    assert result.dietary_needs == {"gluten": 1, "vegetarian": 2}
    assert (result.participants, result.waitlisted) == (3, 2)
    half_day = session("deep_dive", topic="Språk", ends_at=START + timedelta(hours=3))
    assert catering(half_day, 4, 0, []).lunch == 0
    assert catering(half_day, 4, 0, []).coffee_breaks == 1
    digital = session("manager_breakfast", digital=True, venue="Teams")
    assert catering(digital, 4, 0, [["vegan"]]).coffee == 0


def test_evaluation_answers_are_checked_and_counted_per_course_and_session() -> None:
    with pytest.raises(Rejected) as refused:
        EvaluationAnswer.given(uuid.uuid4(), "base_course", 6, 0, "x" * 2001)
    assert fields(refused) == {"overall", "usefulness", "comment"}
    assert EvaluationAnswer.given(uuid.uuid4(), "base_course", 3, 3, "   ").comment is None
    one, two = uuid.uuid4(), uuid.uuid4()
    answers = [
        (EvaluationAnswer(one, "base_course", 5, 4, "Bra dag"), START),
        (EvaluationAnswer(two, "base_course", 4, 2), START + timedelta(days=7)),
        (EvaluationAnswer(two, "base_course", 4, 3), START + timedelta(days=7)),
        (EvaluationAnswer(uuid.uuid4(), "deep_dive", 3, 5), START - timedelta(days=1)),
    ]
    courses = by_course(a for a, _ in answers)
    base = courses["base_course"]
    assert (base.sessions, base.figures.responses) == (2, 3)
    assert (base.figures.overall, base.figures.usefulness) == (4.33, 3.0)
    assert base.figures.distribution == {1: 0, 2: 0, 3: 0, 4: 2, 5: 1}
    assert base.comments == ["Bra dag"]
    assert courses["deep_dive"].figures.responses == 1
    sessions = by_session(answers)
    assert [s.course for s in sessions] == ["deep_dive", "base_course", "base_course"]
    assert [(s.session_id, s.figures.responses, s.figures.usefulness)
            for s in sessions[1:]] == [(one, 1, 4.0), (two, 2, 2.5)]


def test_a_place_is_confirmed_or_cancelled_by_its_holder_before_the_start() -> None:
    roster = Roster(session(capacity=1))
    first, second = uuid.uuid4(), uuid.uuid4()
    roster.enrol(first, "supervisor")
    roster.enrol(second, "supervisor")
    before = START - timedelta(days=1)
    assert roster.answer(first, True, before) == []
    assert roster.enrolments[first].confirmed_at == before
    assert roster.enrolments[first].status == "enrolled"
    changes = roster.answer(first, False, before)
    assert [(c.person_id, c.status, c.previous_status) for c in changes] == [
        (first, "cancelled", "enrolled"), (second, "enrolled", "waitlisted")]
    with pytest.raises(Conflict, match="place_cancelled"):
        roster.answer(first, True, before)
    with pytest.raises(Conflict, match="session_started"):
        roster.answer(second, False, START)
    with pytest.raises(NotFound):
        roster.answer(uuid.uuid4(), True, before)
    roster.cancel_session()
    with pytest.raises(Conflict, match="session_cancelled"):
        roster.answer(second, True, before)


def test_the_warning_covers_the_last_warning_days_of_validity() -> None:
    policy = Policy(warning_days=60)
    on = date(2027, 3, 1)
    # Valid through 29 April: 1 March .. 29 April is 60 days left, counting both.
    assert policy.warn_through(on) == date(2027, 4, 29)


def test_budget_report_per_year() -> None:
    def line(year: int, venue: int, food: int, course: Course = "base_course") -> BudgetLine:
        return BudgetLine(uuid.uuid4(), course, datetime(year, 3, 1, tzinfo=UTC), "1380", False,
                          Costs(Decimal(venue), Decimal(food), Decimal(0)))

    report = budget_report(2027, Decimal(200000), [
        line(2027, 150000, 30000), line(2027, 10000, 20000, "deep_dive"), line(2026, 99, 99)])
    assert report.spent == Decimal(210000)
    assert report.remaining == Decimal(-10000)
    assert report.over_budget
    assert report.by_course == {"base_course": Decimal(180000), "deep_dive": Decimal(30000)}
    assert report.by_kind["food"] == Decimal(50000)
    assert len(report.sessions) == 2
    with pytest.raises(Rejected):
        Costs(Decimal(-1))
