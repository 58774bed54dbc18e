"""HTTP API for training administrators and coordinators.

Thin: parse (pydantic), authorise (`CurrentPrincipal`, scope by municipality), build a
command, `bus.handle(command)`. Reads go to `adapters/views.py`. Errors: a broken rule
is 422 naming the field, unknown is 404, a clash is 409, out of scope is 403.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterator
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status
from fastapi.responses import HTMLResponse
from jinja2 import Environment, select_autoescape
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy.ext.asyncio import AsyncSession

from services.training.adapters import views
from services.training.domain import commands
from services.training.domain.evaluation import QUESTIONS, Figures
from services.training.domain.model import EnrolmentChange, Session
from shared.auth import CurrentPrincipal, Principal
from shared.contracts.types import MAX_TAGS, Course, MunicipalityCode, NeedTag
from shared.errors import NotFound
from shared.http import CONFLICT, ERRORS
from shared.messagebus import MessageBus

router = APIRouter(tags=["training"], responses=ERRORS)

ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Year = Annotated[int | None, Query(ge=2000, le=2100)]
"""A year filter: bounded, so that a huge number is a 422, not an overflow in the database."""


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SessionIn(_In):
    session_id: UUID | None = None
    course: Course
    topic: str | None = Field(default=None, max_length=200)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    municipality_code: MunicipalityCode
    venue: str = Field(min_length=1, max_length=300)
    digital: bool = False
    capacity: int = Field(ge=1, le=2000)
    trainers: list[Name] = Field(default_factory=list, max_length=20)
    lunch: bool | None = None
    supports: list[NeedTag] = Field(default_factory=list, max_length=MAX_TAGS)
    """A deep dive only: the needs a supervisor who completes it is trained for."""


class SessionChange(_In):
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    venue: str | None = Field(default=None, min_length=1, max_length=300)
    digital: bool | None = None
    capacity: int | None = Field(default=None, ge=1, le=2000)
    topic: str | None = Field(default=None, max_length=200)
    trainers: list[Name] | None = Field(default=None, max_length=20)
    lunch: bool | None = None
    supports: list[NeedTag] | None = Field(default=None, max_length=MAX_TAGS)


class EnrolmentIn(_In):
    person_id: UUID
    name: Name | None = None
    """For the printed participant list only; erased on request."""
    dietary_needs: list[ShortText] = Field(default_factory=list, max_length=10)


class AttendanceIn(_In):
    present: list[UUID] = Field(default_factory=list, max_length=2000)
    absent: list[UUID] = Field(default_factory=list, max_length=2000)


class CostsIn(_In):
    venue: Decimal = Field(default=Decimal(0), ge=0, max_digits=12, decimal_places=2)
    food: Decimal = Field(default=Decimal(0), ge=0, max_digits=12, decimal_places=2)
    material: Decimal = Field(default=Decimal(0), ge=0, max_digits=12, decimal_places=2)


class ExpiryIn(_In):
    on: date


def _bus(request: Request) -> MessageBus:
    bus: MessageBus = request.app.state.bus
    return bus


async def _db(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.service.session_factory() as db:
        yield db


Bus = Annotated[MessageBus, Depends(_bus)]
Db = Annotated[AsyncSession, Depends(_db)]


def clock_now(request: Request) -> datetime:
    """The service's clock (bootstrap's; a test's fixed one)."""
    moment: datetime = request.app.state.clock()
    return moment


def session_json(session: Session, enrolled: int | None = None,
                 waitlisted: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "session_id": str(session.session_id), "course": session.course,
        "topic": session.topic, "starts_at": session.starts_at.isoformat(),
        "ends_at": session.ends_at.isoformat(), "municipality_code": session.municipality_code,
        "venue": session.venue, "digital": session.digital, "capacity": session.capacity,
        "trainers": session.trainers, "lunch": session.lunch, "cancelled": session.cancelled,
        "supports": list(session.supports),
        "costs": {"venue": str(session.costs.venue), "food": str(session.costs.food),
                  "material": str(session.costs.material), "total": str(session.costs.total)},
    }
    if enrolled is not None:
        body |= {"enrolled": enrolled, "waitlisted": waitlisted,
                 "free_seats": max(0, session.capacity - enrolled)}
    return body


def change_json(change: EnrolmentChange) -> dict[str, Any]:
    return {"person_id": str(change.person_id), "role": change.role, "status": change.status,
            "previous_status": change.previous_status,
            "waitlist_position": change.waitlist_position}


async def visible(db: AsyncSession, session_id: UUID, principal: Principal) -> views.SessionView:
    """The session, when the caller's municipalities reach it (404 unknown, 403 not)."""
    view = await views.session_view(db, session_id)
    if view is None:
        raise NotFound("no such session")
    principal.require(view.session.municipality_code)
    return view


# -- sessions ------------------------------------------------------------------------------


@router.post("/sessions", status_code=status.HTTP_201_CREATED, responses=CONFLICT)
async def schedule(body: SessionIn, principal: CurrentPrincipal, bus: Bus) -> dict[str, Any]:
    principal.require(body.municipality_code)
    session = await bus.handle(commands.ScheduleSession(
        session_id=body.session_id or uuid.uuid4(), course=body.course, topic=body.topic,
        starts_at=body.starts_at, ends_at=body.ends_at,
        municipality_code=body.municipality_code, venue=body.venue, digital=body.digital,
        capacity=body.capacity, trainers=tuple(body.trainers), lunch=body.lunch,
        scope=principal.scope(), supports=tuple(body.supports),
    ))
    return session_json(session, 0, 0)


@router.get("/sessions")
async def list_sessions(principal: CurrentPrincipal, db: Db, year: Year = None,
                        course: Course | None = None) -> list[dict[str, Any]]:
    found = await views.list_sessions(db, principal.scope(), year, course)
    return [session_json(v.session, v.enrolled, v.waitlisted) for v in found]


@router.get("/sessions/{session_id}")
async def get_session(session_id: UUID, principal: CurrentPrincipal, db: Db) -> dict[str, Any]:
    view = await visible(db, session_id, principal)
    return session_json(view.session, view.enrolled, view.waitlisted)


@router.patch("/sessions/{session_id}", responses=CONFLICT)
async def change(session_id: UUID, body: SessionChange, principal: CurrentPrincipal,
                 bus: Bus) -> dict[str, Any]:
    session = await bus.handle(commands.ChangeSession(
        session_id=session_id, starts_at=body.starts_at, ends_at=body.ends_at,
        venue=body.venue, digital=body.digital, capacity=body.capacity, topic=body.topic,
        trainers=tuple(body.trainers) if body.trainers is not None else None,
        lunch=body.lunch, scope=principal.scope(),
        supports=tuple(body.supports) if body.supports is not None else None,
    ))
    return session_json(session)


@router.post("/sessions/{session_id}/cancel", responses=CONFLICT)
async def cancel(session_id: UUID, principal: CurrentPrincipal, bus: Bus) -> dict[str, Any]:
    session = await bus.handle(commands.CancelSession(session_id, scope=principal.scope()))
    return session_json(session)


# -- enrolment and attendance -----------------------------------------------------------


@router.post("/sessions/{session_id}/enrolments", status_code=status.HTTP_201_CREATED,
             responses=CONFLICT)
async def enrol(session_id: UUID, body: EnrolmentIn, principal: CurrentPrincipal,
                bus: Bus) -> dict[str, Any]:
    change = await bus.handle(commands.Enrol(
        session_id, body.person_id, body.name, tuple(body.dietary_needs),
        scope=principal.scope(),
    ))
    return change_json(change)


@router.delete("/sessions/{session_id}/enrolments/{person_id}", responses=CONFLICT)
async def cancel_enrolment(session_id: UUID, person_id: UUID, principal: CurrentPrincipal,
                           bus: Bus) -> dict[str, Any]:
    changes = await bus.handle(commands.CancelEnrolment(session_id, person_id,
                                                        scope=principal.scope()))
    return {"changes": [change_json(c) for c in changes]}


@router.get("/sessions/{session_id}/enrolments")
async def list_enrolments(session_id: UUID, principal: CurrentPrincipal,
                          db: Db) -> list[dict[str, Any]]:
    """The enrolled, then the waitlisted, with the name and dietary needs given at
    enrolment (as on the printed list)."""
    await visible(db, session_id, principal)
    return [
        {"person_id": str(p.person_id), "role": p.role, "status": p.status,
         "position": p.position, "attended": p.attended, "name": p.name,
         "dietary_needs": list(p.dietary_needs)}
        for p in await views.participants(db, session_id)
    ]


@router.post("/sessions/{session_id}/attendance", responses=CONFLICT)
async def attendance(session_id: UUID, body: AttendanceIn, principal: CurrentPrincipal,
                     bus: Bus) -> dict[str, Any]:
    completed = await bus.handle(commands.RecordAttendance(
        session_id, tuple(body.present), tuple(body.absent), scope=principal.scope(),
    ))
    return {"completed": [str(p) for p in completed]}


# -- administration ---------------------------------------------------------------------


@router.get("/sessions/{session_id}/administration")
async def administration(session_id: UUID, principal: CurrentPrincipal,
                         db: Db) -> dict[str, Any]:
    """What to order: coffee and lunch counts with dietary needs (enrolled people only)."""
    view = await visible(db, session_id, principal)
    summary = await views.administration(db, view.session)
    return {"session": session_json(view.session, view.enrolled, view.waitlisted),
            "catering": summary.__dict__}


PARTICIPANT_LIST = Environment(autoescape=select_autoescape(default=True)).from_string("""\
<!doctype html>
<html lang="sv"><head><meta charset="utf-8">
<title>Deltagarlista {{ s.course }} {{ s.starts_at.date() }}</title>
<style>body{font-family:sans-serif}table{border-collapse:collapse;width:100%}
td,th{border:1px solid #444;padding:4px 8px;text-align:left}
@media print{.noprint{display:none}}</style></head>
<body>
<h1>Deltagarlista</h1>
<p>{{ s.course }}{% if s.topic %}: {{ s.topic }}{% endif %} ·
{{ s.starts_at.strftime("%Y-%m-%d %H:%M") }}–{{ s.ends_at.strftime("%H:%M") }} UTC ·
{{ s.venue }}{% if s.digital %} (digitalt){% endif %} · kommun {{ s.municipality_code }}</p>
<table><thead><tr><th>#</th><th>Namn</th><th>Roll</th><th>Kost</th><th>Närvaro</th></tr></thead>
<tbody>{% for p in people %}<tr><td>{{ p.position }}</td><td>{{ p.name or "" }}</td>
<td>{{ p.role }}</td><td>{{ p.dietary_needs | join(", ") }}</td><td></td></tr>
{% endfor %}</tbody></table>
<p>{{ people | length }} anmälda av {{ s.capacity }} platser.</p>
</body></html>
""")


def _document(media_type: str) -> dict[int | str, dict[str, Any]]:
    """A route answering `media_type` on success and JSON on error (`response_class=
    Response` keeps FastAPI from documenting its JSON errors in that media type)."""
    return {200: {"content": {media_type: {"schema": {"type": "string"}}}}}


@router.get("/sessions/{session_id}/participants.html", response_class=Response,
            responses=_document("text/html"))
async def participants_html(session_id: UUID, principal: CurrentPrincipal,
                            db: Db) -> HTMLResponse:
    """A participant list to print (enrolled only), with a column to sign attendance."""
    view = await visible(db, session_id, principal)
    people = await views.participants(db, session_id, include_waitlist=False)
    return HTMLResponse(PARTICIPANT_LIST.render(s=view.session, people=people))


@router.get("/sessions/{session_id}/participants.csv", response_class=Response,
            responses=_document("text/csv"))
async def participants_csv(session_id: UUID, principal: CurrentPrincipal, db: Db) -> Response:
    await visible(db, session_id, principal)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["position", "status", "person_id", "name", "role", "dietary_needs",
                     "attended"])
    for p in await views.participants(db, session_id):
        writer.writerow([p.position, p.status, p.person_id, p.name or "", p.role,
                         ";".join(p.dietary_needs),
                         "" if p.attended is None else ("yes" if p.attended else "no")])
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="participants-{session_id}.csv"'})


@router.put("/sessions/{session_id}/costs")
async def record_costs(session_id: UUID, body: CostsIn, principal: CurrentPrincipal,
                       bus: Bus) -> dict[str, Any]:
    session = await bus.handle(commands.RecordCosts(
        session_id, body.venue, body.food, body.material, scope=principal.scope()))
    return session_json(session)


@router.get("/evaluations")
async def evaluation_summary(principal: CurrentPrincipal, db: Db, year: Year = None,
                             course: Course | None = None) -> dict[str, Any]:
    """The attendees' answers (by the evaluation link) counted per course and session."""
    courses, per_session = await views.evaluation_summary(db, principal.scope(), year, course)
    return {
        "questions": list(QUESTIONS),
        "courses": {name: {"course": item.course, "sessions": item.sessions,
                           **figures_json(item.figures), "comments": item.comments}
                    for name, item in courses.items()},
        "sessions": [{"session_id": str(item.session_id), "course": item.course,
                      "starts_at": item.starts_at.isoformat(), **figures_json(item.figures)}
                     for item in per_session],
    }


def figures_json(figures: Figures) -> dict[str, Any]:
    return {"responses": figures.responses, "overall": figures.overall,
            "usefulness": figures.usefulness,
            "distribution": {str(k): v for k, v in figures.distribution.items()}}


@router.get("/budget/{year}")
async def budget(year: Annotated[int, Path(ge=2000, le=2100)], request: Request,
                 principal: CurrentPrincipal, db: Db) -> dict[str, Any]:
    """Costs per session against the yearly budget. The budget is the county's: a caller
    limited to some municipalities sees only their sessions' costs."""
    amount = request.app.state.service.settings.budget_per_year_sek
    report = await views.budget(db, year, amount, principal.scope())
    return {
        "year": report.year, "budget": str(report.budget), "spent": str(report.spent),
        "remaining": str(report.remaining), "over_budget": report.over_budget,
        "partial": principal.scope() is not None,
        "by_course": {k: str(v) for k, v in report.by_course.items()},
        "by_kind": {k: str(v) for k, v in report.by_kind.items()},
        "sessions": [
            {"session_id": str(line.session_id), "course": line.course,
             "starts_at": line.starts_at.isoformat(), "municipality_code": line.municipality_code,
             "cancelled": line.cancelled, "venue": str(line.costs.venue),
             "food": str(line.costs.food), "material": str(line.costs.material),
             "total": str(line.costs.total)}
            for line in report.sessions
        ],
    }


# -- people ------------------------------------------------------------------------------


@router.get("/supervisors/{supervisor_id}")
async def supervisor(supervisor_id: UUID, principal: CurrentPrincipal,
                     db: Db) -> dict[str, Any]:
    found = await views.supervisor_status(db, supervisor_id)
    if found is None:
        raise NotFound("no such supervisor")
    principal.require(found["municipality_code"])
    return found


@router.delete("/people/{person_id}/personal-data")
async def erase(person_id: UUID, principal: CurrentPrincipal, bus: Bus) -> dict[str, Any]:
    """Erasure on request: the person's names and dietary needs on every enrolment."""
    erased = await bus.handle(commands.ErasePersonalData(person_id, scope=principal.scope()))
    return {"person_id": str(person_id), "enrolments_erased": erased}


@router.post("/certifications/expire")
async def expire(body: ExpiryIn, principal: CurrentPrincipal, bus: Bus) -> dict[str, Any]:
    """Run the expiry job for a given date (operators; the job itself runs daily)."""
    principal.require_role("admin")
    expired = await bus.handle(commands.ExpireCertifications(body.on))
    return {"on": body.on.isoformat(), "expired": expired}
