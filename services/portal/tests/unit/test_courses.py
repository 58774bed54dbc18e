"""The training administrator's pages with a fake of training: the calendar, a session
scheduled (its times where the county is), a session's page and its forms, attendance,
catering, the budget, the evaluation and the renewal of certificates running out; every
page rendered in both languages."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest
from starlette.requests import Request

from services.portal.adapters.texts import Texts
from services.portal.domain.answers import FieldProblems
from services.portal.domain.commands import (
    ActOnCourseSession,
    RecordAttendance,
    RenewCertificates,
    ScheduleSession,
    ShowAttendance,
    ShowBudget,
    ShowCatering,
    ShowCertificates,
    ShowCourses,
    ShowCourseSession,
    ShowEvaluations,
    ShowSessionForm,
)
from services.portal.domain.course_figures import BudgetPage, CertificatesPage, EvaluationsPage
from services.portal.domain.courses import (
    AttendancePage,
    CalendarPage,
    CateringPage,
    CourseSessionPage,
    SessionFormPage,
)
from services.portal.domain.people import StaffTroublePage
from services.portal.domain.places import Saved
from services.portal.domain.staff import StaffMember
from services.portal.entrypoints.courses import TEMPLATES
from services.portal.entrypoints.render import Renderer
from services.portal.handlers import STAFF_HANDLERS
from services.portal.tests.fakes import deps

NOW = datetime(2027, 3, 2, 8, tzinfo=UTC)
ADMIN = StaffMember("u-13", "Ulla", "training_admin", ("1380", "1381"), NOW + timedelta(hours=1))
SARA = StaffMember("s-1380", "Sara", "coordinator", ("1380",), NOW + timedelta(hours=1))
SESSION, HUGO, IDA, EVA = (str(uuid4()) for _ in range(4))
BASE: dict[str, Any] = {"session_id": SESSION, "course": "base_course", "topic": None,
        "starts_at": "2027-03-10T08:00:00+00:00", "ends_at": "2027-03-10T15:00:00+00:00",
        "municipality_code": "1380", "venue": "Stadshuset", "digital": False, "capacity": 2,
        "trainers": ["Samordningsförbundet"], "lunch": True, "cancelled": False,
        "costs": {"venue": "2000.00", "food": "1500.00", "material": "0.00",
                  "total": "3500.00"}, "enrolled": 2, "waitlisted": 1}
SEATS: list[Mapping[str, Any]] = [
    {"person_id": HUGO, "role": "supervisor", "status": "enrolled", "position": 1,
     "name": "Hugo Hall", "dietary_needs": ["vegetarisk"], "attended": True},
    {"person_id": IDA, "role": "supervisor", "status": "enrolled", "position": 2,
     "name": "Ida Ek", "dietary_needs": [], "attended": None},
    {"person_id": EVA, "role": "supervisor", "status": "waitlisted", "position": 1,
     "name": None, "dietary_needs": [], "attended": None}]
INVITED = {"person_id": EVA, "role": "supervisor", "reason": "uncertified",
           "workplace_name": "Verkstan", "municipality_code": "1380", "enrolment": None}
TO_INVITE = {"person_id": str(uuid4()), "role": "supervisor",
             "reason": "certification_expiring", "workplace_name": "Bageriet",
             "municipality_code": "1381"}
CERTIFICATE: dict[str, Any] = {
    "supervisor_id": HUGO, "name": "Hugo Hall", "workplace_name": "Verkstan",
    "municipality_code": "1380", "session_id": SESSION, "certified_at": "2027-03-10",
    "valid_until": "2030-03-10", "renewal": None}


class FakeCourses:
    """Training's staff API: answers from the dictionaries above, records each call."""

    def __init__(self, refusal: FieldProblems | None = None) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.refusal = refusal
        invited = {"session_id": SESSION, "starts_at": "2027-03-10T08:00:00+00:00"}
        self.expiring: list[Mapping[str, Any]] = [
            CERTIFICATE, {**CERTIFICATE, "supervisor_id": IDA, "renewal": invited}]

    def _record(self, name: str, sent: Any) -> None:
        if self.refusal is not None:
            raise self.refusal
        self.calls.append((name, sent))

    async def sessions(self, member: StaffMember, year: int) -> list[Mapping[str, Any]]:
        later = {**BASE, "session_id": str(uuid4()), "course": "manager_breakfast",
                 "starts_at": "2027-05-04T06:00:00+00:00",
                 "ends_at": "2027-05-04T07:30:00+00:00"}
        return [later, BASE]

    async def session(self, member: StaffMember, session_id: str) -> Mapping[str, Any]:
        return BASE

    async def schedule(self, member: StaffMember, body: Mapping[str, Any]) -> Mapping[str, Any]:
        self._record("schedule", body)
        return {**BASE, **body}

    async def enrolments(self, member: StaffMember, session_id: str) -> list[Mapping[str, Any]]:
        return SEATS

    async def invitations(self, member: StaffMember, session_id: str) -> Mapping[str, Any]:
        return {"invited": [INVITED], "to_invite": [TO_INVITE]}

    async def invite(self, member: StaffMember, session_id: str,
                     person_ids: list[str]) -> Mapping[str, Any]:
        self._record("invite", person_ids)
        return {"invited": []}

    async def enrol(self, member: StaffMember, session_id: str,
                    body: Mapping[str, Any]) -> Mapping[str, Any]:
        self._record("enrol", body)
        return {}

    async def cancel_enrolment(self, member: StaffMember, session_id: str,
                               person_id: str) -> None:
        self._record("cancel", person_id)

    async def attendance(self, member: StaffMember, session_id: str,
                         body: Mapping[str, Any]) -> Mapping[str, Any]:
        self._record("attendance", body)
        return {"completed": body["present"]}

    async def record_costs(self, member: StaffMember, session_id: str,
                           body: Mapping[str, Any]) -> Mapping[str, Any]:
        self._record("costs", body)
        return BASE

    async def catering(self, member: StaffMember, session_id: str) -> Mapping[str, Any]:
        return {"session": BASE, "catering": {
            "participants": 2, "waitlisted": 1, "trainers": 1, "coffee": 3,
            "coffee_breaks": 2, "lunch": 3, "dietary_needs": {"vegetarisk": 1}}}

    async def budget(self, member: StaffMember, year: int) -> Mapping[str, Any]:
        return {"year": year, "budget": "200000", "spent": "3500.00", "remaining": "196500.00",
                "over_budget": False, "partial": True,
                "by_course": {"base_course": "3500.00"},
                "by_kind": {"venue": "2000.00", "food": "1500.00", "material": "0"},
                "sessions": [{**BASE, **BASE["costs"]}]}

    async def evaluations(self, member: StaffMember, year: int) -> Mapping[str, Any]:
        figures = {"responses": 2, "overall": 4.5, "usefulness": 4.0,
                   "distribution": {"4": 1, "5": 1}}
        return {"courses": {"base_course": {"course": "base_course", "sessions": 1, **figures,
                                            "comments": ["Bra exempel."]}},
                "sessions": [{"session_id": SESSION, "course": "base_course",
                              "starts_at": BASE["starts_at"], **figures}]}

    async def certificates(self, member: StaffMember,
                           query: Mapping[str, str]) -> list[Mapping[str, Any]]:
        return [CERTIFICATE] if "session_id" in query else self.expiring

    async def renew(self, member: StaffMember, supervisor_ids: list[str]) -> Mapping[str, Any]:
        self._record("renew", supervisor_ids)
        self.expiring = [{**c, "renewal": {"session_id": SESSION,
                                            "starts_at": BASE["starts_at"]}}
                         for c in self.expiring]
        return {"invited": [{"supervisor_id": s, "session_id": SESSION}
                            for s in supervisor_ids], "not_invited": []}


async def _staff(command: Any, training: FakeCourses) -> Any:
    return await STAFF_HANDLERS[type(command)](command, training, deps(lambda: NOW))


async def test_the_calendar_is_the_years_sessions_month_by_month_with_the_budget() -> None:
    page = await _staff(ShowCourses(ADMIN), FakeCourses())
    assert isinstance(page, CalendarPage) and page.year == 2027 and not page.read_only
    assert [(first.month, [r.course for r in rows]) for first, rows in page.months] == [
        (3, ["base_course"]), (5, ["manager_breakfast"])]
    assert (page.spent, page.budget) == (3500, 200000)
    read_only = await _staff(ShowCourses(SARA, 2026), FakeCourses())
    assert isinstance(read_only, CalendarPage) and read_only.read_only and read_only.year == 2026


async def test_a_session_is_scheduled_at_the_times_typed_where_the_county_is() -> None:
    training = FakeCourses()
    form = {"course": "base_course", "day": "2027-06-15", "starts_at": "09:00",
            "ends_at": "16:00", "municipality_code": "1381", "venue": "Folkets hus",
            "capacity": "20", "lunch": "on", "trainers": "Anna, Bo"}
    done = await _staff(ScheduleSession(ADMIN, form), training)
    assert done == Saved(f"/personal/kurser/{SESSION}?klart=scheduled")
    [(_, body)] = training.calls
    assert body["starts_at"] == "2027-06-15T09:00:00+02:00"  # summer time in Sweden
    assert body["ends_at"] == "2027-06-15T16:00:00+02:00"
    assert (body["lunch"], body["digital"], body["trainers"], body["topic"]) == (
        True, False, ["Anna", "Bo"], None)
    assert "day" not in body


async def test_the_forms_problems_and_trainings_refusal_are_beside_the_fields() -> None:
    training = FakeCourses()
    wrong = await _staff(ScheduleSession(ADMIN, {"course": "base_course", "day": "15 juni",
                                                 "municipality_code": "0180"}), training)
    assert isinstance(wrong, SessionFormPage) and wrong.status == 422
    assert {"day", "starts_at", "ends_at", "venue", "capacity",
            "municipality_code"} <= set(wrong.problems)
    assert training.calls == []
    refused = FakeCourses(FieldProblems({"lunch": "refused"},
                                        {"lunch": "a digital session serves no lunch"}))
    page = await _staff(ScheduleSession(ADMIN, {
        "course": "base_course", "day": "2027-06-15", "starts_at": "09:00", "ends_at": "16:00",
        "municipality_code": "1380", "venue": "https://möte", "capacity": "20",
        "digital": "on", "lunch": "on"}), refused)
    assert isinstance(page, SessionFormPage) and page.problems == {"lunch": "not_accepted"}
    assert page.reasons == {"lunch": "a digital session serves no lunch"}
    assert page.values["venue"] == "https://möte"


async def test_only_a_training_administrator_changes_sessions() -> None:
    training = FakeCourses()
    for command in (ShowSessionForm(SARA), ScheduleSession(SARA, {}),
                    ActOnCourseSession(SARA, SESSION, "costs", {}),
                    RecordAttendance(SARA, SESSION, {}), RenewCertificates(SARA)):
        assert await _staff(command, training) == StaffTroublePage("forbidden")
    assert training.calls == []
    assert await _staff(ShowCourseSession(ADMIN, "../budget"), training) == StaffTroublePage(
        "not_found")


async def test_a_sessions_page_has_its_seats_waitlist_invitations_and_certificates() -> None:
    page = await _staff(ShowCourseSession(ADMIN, SESSION, "enrol"), FakeCourses())
    assert isinstance(page, CourseSessionPage) and page.done == "enrol"
    assert [s.name for s in page.enrolled] == ["Hugo Hall", "Ida Ek"]
    assert [s.person_id for s in page.waitlist] == [EVA]
    assert [i.person_id for i in page.to_enrol] == [EVA]
    assert [i.reason for i in page.to_invite] == ["certification_expiring"]
    assert [c.supervisor_id for c in page.certificates] == [HUGO]
    assert page.values == {"venue": "2000", "food": "1500", "material": "0"}
    unknown = await _staff(ShowCourseSession(ADMIN, SESSION, "<script>"), FakeCourses())
    assert isinstance(unknown, CourseSessionPage) and unknown.done == ""


async def test_the_session_forms_send_what_was_ticked_and_typed() -> None:
    training = FakeCourses()
    ticked = TO_INVITE["person_id"]
    for action, form in (
            ("invite", {f"bjud_{ticked}": "on", "bjud_not-an-id": "on"}),
            ("enrol", {"person_id": EVA, "name": " Eva Berg ",
                       "dietary_needs": "Vegetarisk, , glutenfri"}),
            ("cancel_enrolment", {"person_id": IDA}),
            ("costs", {"venue": "2500", "food": "1500", "material": "300"})):
        done = await _staff(ActOnCourseSession(ADMIN, SESSION, action, form),  # type: ignore[arg-type]
                            training)
        assert done == Saved(f"/personal/kurser/{SESSION}?klart={action}"), action
    assert training.calls == [
        ("invite", [ticked]),
        ("enrol", {"person_id": EVA, "name": "Eva Berg",
                   "dietary_needs": ["Vegetarisk", "glutenfri"]}),
        ("cancel", IDA), ("costs", {"venue": 2500, "food": 1500, "material": 300})]


async def test_nothing_ticked_or_a_refusal_is_shown_by_its_form() -> None:
    training = FakeCourses()
    none = await _staff(ActOnCourseSession(ADMIN, SESSION, "invite", {}), training)
    assert isinstance(none, CourseSessionPage) and none.problems == {"invite": "none_ticked"}
    costs = await _staff(ActOnCourseSession(ADMIN, SESSION, "costs", {"venue": "mycket",
                                                                      "food": "0"}), training)
    assert isinstance(costs, CourseSessionPage)
    assert costs.problems == {"venue": "not_a_number", "material": "required"}
    assert costs.values["venue"] == "mycket" and training.calls == []
    full = FakeCourses(FieldProblems({"form": "conflict"}, {"form": "the session is cancelled"}))
    refused = await _staff(ActOnCourseSession(ADMIN, SESSION, "enrol", {"person_id": EVA}),
                           full)
    assert isinstance(refused, CourseSessionPage)
    assert refused.problems == {"person_id": "not_accepted"}
    assert refused.reasons == {"person_id": "the session is cancelled"}


async def test_attendance_sends_the_ticked_present_and_the_rest_absent() -> None:
    training = FakeCourses()
    page = await _staff(ShowAttendance(ADMIN, SESSION), training)
    assert isinstance(page, AttendancePage) and [s.person_id for s in page.seats] == [HUGO, IDA]
    done = await _staff(RecordAttendance(ADMIN, SESSION, {f"narvaro_{IDA}": "on"}), training)
    assert done == Saved(f"/personal/kurser/{SESSION}/narvaro?klart=attendance")
    assert training.calls == [("attendance", {"present": [IDA], "absent": []})]
    nobody = FakeCourses()
    await _staff(RecordAttendance(ADMIN, SESSION, {}), nobody)
    assert nobody.calls == [("attendance", {"present": [], "absent": [IDA]})]  # Hugo stands
    early = FakeCourses(FieldProblems({"present": "refused"}, {
        "present": "attendance is recorded once the session has started"}))
    refused = await _staff(RecordAttendance(ADMIN, SESSION, {}), early)
    assert isinstance(refused, AttendancePage) and refused.status == 422
    assert refused.reasons == {"form": "attendance is recorded once the session has started"}


async def test_catering_budget_and_evaluation_are_read_as_training_counts_them() -> None:
    training = FakeCourses()
    food = await _staff(ShowCatering(ADMIN, SESSION), training)
    assert isinstance(food, CateringPage)
    assert (food.coffee, food.coffee_breaks, food.lunch, food.dietary_needs) == (
        3, 2, 3, [("vegetarisk", 1)])
    budget = await _staff(ShowBudget(ADMIN, 2027), training)
    assert isinstance(budget, BudgetPage) and budget.partial and budget.share == 1
    assert [line.costs["total"] for line in budget.lines] == [3500]
    evaluation = await _staff(ShowEvaluations(ADMIN), training)
    assert isinstance(evaluation, EvaluationsPage) and evaluation.year == 2027
    [course] = evaluation.courses
    assert course.figures.distribution == [(1, 0), (2, 0), (3, 0), (4, 1), (5, 1)]
    assert course.comments == ("Bra exempel.",)


async def test_one_action_invites_the_holders_not_yet_invited_to_renewal() -> None:
    training = FakeCourses()
    page = await _staff(ShowCertificates(ADMIN), training)
    assert isinstance(page, CertificatesPage)
    assert [c.supervisor_id for c in page.to_renew] == [HUGO]
    done = await _staff(RenewCertificates(ADMIN), training)
    assert training.calls == [("renew", [HUGO])]
    assert isinstance(done, CertificatesPage) and done.invited == 1 and not done.to_renew
    again = await _staff(RenewCertificates(ADMIN), training)
    assert isinstance(again, CertificatesPage) and again.invited == 0
    assert len(training.calls) == 1


def _request(path: str) -> Request:
    return Request({"type": "http", "method": "GET", "path": path, "headers": [],
                    "query_string": b""})


@pytest.mark.parametrize("language", ["sv", "en"])
async def test_every_course_page_renders_in_both_languages(language: str) -> None:
    renderer = Renderer(Texts(), "Europe/Stockholm")
    training = FakeCourses()
    for member in (ADMIN, SARA):
        views = [await _staff(command, training) for command in (
            ShowCourses(member), ShowSessionForm(ADMIN), ShowCourseSession(member, SESSION),
            ShowAttendance(member, SESSION), ShowCatering(member, SESSION),
            ShowBudget(member), ShowEvaluations(member), ShowCertificates(member))]
        for view in views:
            html = bytes(renderer.page(_request("/personal/kurser"), TEMPLATES[type(view)],
                                       language, view=view, member=member,
                                       csrf_token="t").body).decode()
            assert "<h1>" in html, type(view)
    empty = CalendarPage(2027, [], Decimal(200_000), Decimal(0))
    html = bytes(renderer.page(_request("/personal/kurser"), "staff_courses.html", language,
                               view=empty, member=ADMIN, csrf_token="t").body).decode()
    assert ("Inga utbildningar" if language == "sv" else "No sessions") in html
