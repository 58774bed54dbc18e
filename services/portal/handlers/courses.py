"""The training administrator's calendar and sessions: the year's sessions, a new one
scheduled, a session's page and what it does (invite, enrol, cancel a place, record
the costs), attendance on the day, and what to order for it. Everyone of staff may read
their municipalities' sessions; only a training administrator changes them."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from services.portal.dependencies import Dependencies, StaffApi
from services.portal.domain.answers import FieldProblems
from services.portal.domain.commands import (
    ActOnCourseSession,
    RecordAttendance,
    ScheduleSession,
    ShowAttendance,
    ShowCatering,
    ShowCourses,
    ShowCourseSession,
    ShowSessionForm,
)
from services.portal.domain.courses import (
    DONE,
    AttendancePage,
    CalendarPage,
    CateringPage,
    CourseSessionPage,
    SessionFormPage,
    attendance_body,
    calendar,
    catering_page,
    certificate,
    checked,
    cost_values,
    invitee,
    money,
    read_session_form,
    seat,
    session_row,
)
from services.portal.domain.people import StaffTroublePage, is_id
from services.portal.domain.places import Saved, read_form, refused_fields
from services.portal.domain.staff import StaffMember
from services.portal.handlers.people import or_trouble
from shared.clock import local_date

NEW_SESSION = {"course": "base_course", "starts_at": "09:00", "ends_at": "16:00",
               "capacity": "20", "lunch": "on"}
"""A new session's form before anything is typed: the base course, a full day."""


def keeps_courses(member: StaffMember) -> bool:
    return member.role == "training_admin"


def this_year(deps: Dependencies) -> int:
    return local_date(deps.clock(), deps.timezone).year


def _done(done: str) -> str:
    return done if done in DONE else ""


async def show_courses(cmd: ShowCourses, uow: StaffApi,
                       deps: Dependencies) -> CalendarPage | StaffTroublePage:
    year = cmd.year or this_year(deps)

    async def read() -> CalendarPage:
        rows, budget = await asyncio.gather(uow.sessions(cmd.member, year),
                                            uow.budget(cmd.member, year))
        return CalendarPage(year, calendar(year, [session_row(r) for r in rows]),
                            money(budget.get("budget")), money(budget.get("spent")),
                            not keeps_courses(cmd.member), _done(cmd.done))

    return await or_trouble(read)


def _form_page(member: StaffMember, values: dict[str, str] | None = None,
               **refused: dict[str, str]) -> SessionFormPage:
    options, start = member.municipality_choice()
    return SessionFormPage({**NEW_SESSION, **start, **(values or {})}, options, **refused)


async def show_session_form(cmd: ShowSessionForm, uow: StaffApi,
                            deps: Dependencies) -> SessionFormPage | StaffTroublePage:
    return _form_page(cmd.member) if keeps_courses(cmd.member) else StaffTroublePage(
        "forbidden")


async def schedule_session(cmd: ScheduleSession, uow: StaffApi, deps: Dependencies
                           ) -> SessionFormPage | Saved | StaffTroublePage:
    if not keeps_courses(cmd.member):
        return StaffTroublePage("forbidden")
    options, _ = cmd.member.municipality_choice()
    body, values, problems = read_session_form(cmd.form, options, deps.timezone)
    if problems:
        return _form_page(cmd.member, values, problems=problems)

    async def schedule() -> SessionFormPage | Saved:
        try:
            done = await uow.schedule(cmd.member, body)
        except FieldProblems as refusal:
            problems, reasons = refused_fields("session", refusal.reasons)
            return _form_page(cmd.member, values, problems=problems, reasons=reasons)
        return Saved(f"/personal/kurser/{done.get('session_id')}?klart=scheduled")

    return await or_trouble(schedule)


async def session_page(uow: StaffApi, member: StaffMember,
                       session_id: str) -> CourseSessionPage:
    entry, seats, invitations, certificates = await asyncio.gather(
        uow.session(member, session_id), uow.enrolments(member, session_id),
        uow.invitations(member, session_id),
        uow.certificates(member, {"session_id": session_id}))
    row = session_row(entry)
    return CourseSessionPage(
        row, [seat(s) for s in seats],
        [invitee(i) for i in invitations.get("invited") or [] if isinstance(i, dict)],
        [invitee(i) for i in invitations.get("to_invite") or [] if isinstance(i, dict)],
        [certificate(c) for c in certificates], not keeps_courses(member),
        values=cost_values(row))


async def show_course_session(cmd: ShowCourseSession, uow: StaffApi, deps: Dependencies
                              ) -> CourseSessionPage | StaffTroublePage:
    if not is_id(cmd.session_id):
        return StaffTroublePage("not_found")

    async def read() -> CourseSessionPage:
        return replace(await session_page(uow, cmd.member, cmd.session_id),
                       done=_done(cmd.done))

    return await or_trouble(read)


async def _act(cmd: ActOnCourseSession, uow: StaffApi) -> dict[str, str] | None:
    """Training told to do the action; the form's own problems (nothing sent) or None."""
    member, session_id, form = cmd.member, cmd.session_id, cmd.form
    if cmd.action == "invite":
        ticked = [ident for ident in checked(form, "bjud_") if is_id(ident)]
        if not ticked:
            return {"invite": "none_ticked"}
        await uow.invite(member, session_id, ticked)
    elif cmd.action == "enrol":
        person = form.get("person_id", "")
        if not is_id(person):
            return {"person_id": "required"}
        needs = [n.strip() for n in form.get("dietary_needs", "").split(",") if n.strip()]
        await uow.enrol(member, session_id, {"person_id": person,
                                             "name": form.get("name", "").strip() or None,
                                             "dietary_needs": needs})
    elif cmd.action == "cancel_enrolment":
        person = form.get("person_id", "")
        if not is_id(person):
            return {"cancel": "required"}
        await uow.cancel_enrolment(member, session_id, person)
    else:
        body, _, problems = read_form("costs", form, {})
        if problems:
            return problems
        await uow.record_costs(member, session_id, body)
    return None


FORM_OF = {"invite": "invite", "enrol": "person_id", "cancel_enrolment": "cancel"}
"""Where on the session's page a refusal of the action is shown."""


def _refused(member: StaffMember, session_id: str) -> StaffTroublePage | None:
    """Why a change to the session is refused before training is asked, if it is."""
    if not keeps_courses(member):
        return StaffTroublePage("forbidden")
    return None if is_id(session_id) else StaffTroublePage("not_found")


async def act_on_course_session(cmd: ActOnCourseSession, uow: StaffApi, deps: Dependencies
                                ) -> CourseSessionPage | Saved | StaffTroublePage:
    if refused := _refused(cmd.member, cmd.session_id):
        return refused

    async def act() -> CourseSessionPage | Saved:
        try:
            problems = await _act(cmd, uow)
            reasons: dict[str, str] = {}
        except FieldProblems as refusal:
            if cmd.action == "costs":
                problems, reasons = refused_fields("costs", refusal.reasons)
            else:
                place = FORM_OF[cmd.action]
                problems = {place: "not_accepted"}
                reasons = {place: "; ".join(r for r in refusal.reasons.values() if r)}
        if not problems:
            return Saved(f"/personal/kurser/{cmd.session_id}?klart={cmd.action}")
        page = await session_page(uow, cmd.member, cmd.session_id)
        values = {**page.values, **{k: v for k, v in cmd.form.items() if k in page.values}}
        return replace(page, problems=problems, reasons=reasons, values=values)

    return await or_trouble(act)


async def _attendance(uow: StaffApi, member: StaffMember, session_id: str,
                      done: str = "") -> AttendancePage:
    entry, seats = await asyncio.gather(uow.session(member, session_id),
                                        uow.enrolments(member, session_id))
    enrolled = [s for s in map(seat, seats) if s.status == "enrolled"]
    return AttendancePage(session_row(entry), enrolled, not keeps_courses(member), done)


async def show_attendance(cmd: ShowAttendance, uow: StaffApi, deps: Dependencies
                          ) -> AttendancePage | StaffTroublePage:
    if not is_id(cmd.session_id):
        return StaffTroublePage("not_found")
    return await or_trouble(lambda: _attendance(uow, cmd.member, cmd.session_id,
                                                _done(cmd.done)))


async def record_attendance(cmd: RecordAttendance, uow: StaffApi, deps: Dependencies
                            ) -> AttendancePage | Saved | StaffTroublePage:
    if refused := _refused(cmd.member, cmd.session_id):
        return refused

    async def record() -> AttendancePage | Saved:
        page = await _attendance(uow, cmd.member, cmd.session_id)
        try:
            await uow.attendance(cmd.member, cmd.session_id,
                                 attendance_body(cmd.form, page.seats))
        except FieldProblems as refusal:
            return replace(page, problems={"form": "not_accepted"}, reasons={
                "form": "; ".join(sorted({r for r in refusal.reasons.values() if r}))})
        return Saved(f"/personal/kurser/{cmd.session_id}/narvaro?klart=attendance")

    return await or_trouble(record)


async def show_catering(cmd: ShowCatering, uow: StaffApi, deps: Dependencies
                        ) -> CateringPage | StaffTroublePage:
    if not is_id(cmd.session_id):
        return StaffTroublePage("not_found")

    async def read() -> CateringPage:
        return catering_page(await uow.catering(cmd.member, cmd.session_id))

    return await or_trouble(read)
