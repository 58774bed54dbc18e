"""The training administrator's pages (/personal/kurser): the calendar, a new session
(/ny), a session's page and its forms (/{id}), attendance on the day (/{id}/narvaro),
what to order for it, to print (/{id}/fortaring), the budget (/budget), the evaluation
(/utvardering) and the certificates running out (/intyg)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

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
    SessionAction,
    SessionFormPage,
)
from services.portal.entrypoints.places import posted_form
from services.portal.entrypoints.staff import show_view

router = APIRouter(prefix="/personal/kurser")
TEMPLATES: dict[type, str] = {
    CalendarPage: "staff_courses.html", SessionFormPage: "staff_course_new.html",
    CourseSessionPage: "staff_course.html", AttendancePage: "staff_attendance.html",
    CateringPage: "staff_catering.html", BudgetPage: "staff_budget.html",
    EvaluationsPage: "staff_evaluations.html", CertificatesPage: "staff_certificates.html"}
ACTIONS: dict[str, SessionAction] = {"bjud_in": "invite", "anmal": "enrol",
                                     "avanmal": "cancel_enrolment", "kostnader": "costs"}


def _year(text: str) -> int | None:
    """The year a page asks for (`?ar=`), if it is one training keeps."""
    return int(text) if text.isdigit() and 2000 <= int(text) <= 2100 else None


@router.get("", response_class=HTMLResponse)
async def courses(request: Request, ar: str = "", klart: str = "") -> Response:
    return await show_view(request, lambda m: ShowCourses(m, _year(ar), klart), TEMPLATES)


@router.get("/ny", response_class=HTMLResponse)
async def new_session(request: Request) -> Response:
    return await show_view(request, ShowSessionForm, TEMPLATES)


@router.post("/ny", response_class=HTMLResponse)
async def schedule(request: Request) -> Response:
    form = await posted_form(request)
    return await show_view(request, lambda m: ScheduleSession(m, form), TEMPLATES,
                           csrf_checked=True)


@router.get("/budget", response_class=HTMLResponse)
async def budget(request: Request, ar: str = "") -> Response:
    return await show_view(request, lambda m: ShowBudget(m, _year(ar)), TEMPLATES)


@router.get("/utvardering", response_class=HTMLResponse)
async def evaluations(request: Request, ar: str = "") -> Response:
    return await show_view(request, lambda m: ShowEvaluations(m, _year(ar)), TEMPLATES)


@router.get("/intyg", response_class=HTMLResponse)
async def certificates(request: Request) -> Response:
    return await show_view(request, ShowCertificates, TEMPLATES)


@router.post("/intyg", response_class=HTMLResponse)
async def renew(request: Request) -> Response:
    return await show_view(request, RenewCertificates, TEMPLATES, csrf_checked=True)


@router.get("/{session_id}", response_class=HTMLResponse)
async def session(session_id: str, request: Request, klart: str = "") -> Response:
    return await show_view(request, lambda m: ShowCourseSession(m, session_id, klart),
                           TEMPLATES)


@router.post("/{session_id}", response_class=HTMLResponse)
async def act(session_id: str, request: Request) -> Response:
    form = await posted_form(request)
    action = ACTIONS.get(form.get("atgard", ""), "costs")
    return await show_view(request, lambda m: ActOnCourseSession(m, session_id, action, form),
                           TEMPLATES, csrf_checked=True)


@router.get("/{session_id}/narvaro", response_class=HTMLResponse)
async def attendance(session_id: str, request: Request, klart: str = "") -> Response:
    return await show_view(request, lambda m: ShowAttendance(m, session_id, klart), TEMPLATES)


@router.post("/{session_id}/narvaro", response_class=HTMLResponse)
async def record_attendance(session_id: str, request: Request) -> Response:
    form = await posted_form(request)
    return await show_view(request, lambda m: RecordAttendance(m, session_id, form),
                           TEMPLATES, csrf_checked=True)


@router.get("/{session_id}/fortaring", response_class=HTMLResponse)
async def catering(session_id: str, request: Request) -> Response:
    return await show_view(request, lambda m: ShowCatering(m, session_id), TEMPLATES)
