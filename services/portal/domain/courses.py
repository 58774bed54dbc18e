"""The county's supervisor training as its training administrator keeps it: the
calendar of sessions and the form of a new one; a session's page (its seats and
waitlist, whom it invites and whom it may invite still, what it cost, the certificates
it granted); attendance marked on the day; and what to order for it. The year's costs
against the budget, the evaluation and the certificates running out are in
`course_figures`.

Training keeps the rules (who a course is for, a seat or the waitlist, when attendance
may be marked); the portal reads its answers and shows its refusals beside the fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any, Literal
from zoneinfo import ZoneInfo

from services.portal.domain.dates import read_day, read_moment
from services.portal.domain.places import FORMS, Section, read_form

INVITE_REASONS: tuple[str, ...] = ("uncertified", "certification_expired",
                                   "certification_expiring", "workplace_not_open")
"""Why training invites a person (`staff.courses.reason.<code>`)."""
SessionAction = Literal["invite", "enrol", "cancel_enrolment", "costs"]
"""What the session's page does (`staff.courses.done.<action>` says it was done)."""
COST_KINDS: tuple[str, ...] = ("venue", "food", "material")
DONE: tuple[str, ...] = ("invite", "enrol", "cancel_enrolment", "costs", "attendance",
                         "scheduled")


def money(value: Any) -> Decimal:
    """An amount in SEK as training writes it ("1500.00"); anything else is 0."""
    try:
        return Decimal(str(value)) if value is not None else Decimal(0)
    except InvalidOperation:
        return Decimal(0)


def part(entry: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    """An object inside a service's answer (anything else: an empty one)."""
    found = entry.get(name)
    return found if isinstance(found, dict) else {}


@dataclass(frozen=True)
class SessionRow:
    ident: str
    course: str
    topic: str
    starts_at: datetime | None
    ends_at: datetime | None
    municipality_code: str
    venue: str
    digital: bool
    capacity: int
    enrolled: int
    waitlisted: int
    cancelled: bool
    lunch: bool
    trainers: tuple[str, ...]
    costs: dict[str, Decimal]
    """venue, food, material and total."""

    @property
    def free_seats(self) -> int:
        return max(0, self.capacity - self.enrolled)


def session_row(entry: Mapping[str, Any]) -> SessionRow:
    costs = part(entry, "costs")
    return SessionRow(
        str(entry.get("session_id") or ""), str(entry.get("course") or ""),
        str(entry.get("topic") or ""), read_moment(entry.get("starts_at")),
        read_moment(entry.get("ends_at")), str(entry.get("municipality_code") or ""),
        str(entry.get("venue") or ""), bool(entry.get("digital")),
        int(entry.get("capacity") or 0), int(entry.get("enrolled") or 0),
        int(entry.get("waitlisted") or 0), bool(entry.get("cancelled")),
        bool(entry.get("lunch")), tuple(str(t) for t in entry.get("trainers") or ()),
        {kind: money(costs.get(kind)) for kind in (*COST_KINDS, "total")})


@dataclass(frozen=True)
class CalendarPage:
    """The year's sessions, month by month (the first day of each month with sessions)."""

    year: int
    months: list[tuple[date, list[SessionRow]]]
    budget: Decimal
    spent: Decimal
    read_only: bool = False
    done: str = ""

    @property
    def years(self) -> tuple[int, int]:
        return self.year - 1, self.year + 1


def calendar(year: int, rows: list[SessionRow]) -> list[tuple[date, list[SessionRow]]]:
    months: dict[date, list[SessionRow]] = {}
    for row in sorted((r for r in rows if r.starts_at), key=lambda r: (r.starts_at, r.ident)):
        assert row.starts_at is not None
        months.setdefault(date(row.starts_at.year, row.starts_at.month, 1), []).append(row)
    return sorted(months.items())


@dataclass(frozen=True)
class SessionFormPage:
    """A new session's form."""

    values: dict[str, str]
    options: dict[str, list[tuple[str, str]]]
    problems: dict[str, str] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)

    @property
    def sections(self) -> tuple[Section, ...]:
        return FORMS["session"]

    @property
    def status(self) -> int:
        return 422 if self.problems else 200


def read_session_form(form: Mapping[str, str], options: Mapping[str, list[tuple[str, str]]],
                      timezone: str) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    """Training's `POST /sessions` body, the values typed, and each field's problem: the
    day and the two times, typed where the county is, become the start and the end."""
    body, values, problems = read_form("session", form, options)
    day = read_day(body.pop("day"))
    for name in ("starts_at", "ends_at"):
        at = body[name]
        body[name] = (datetime.combine(day, time.fromisoformat(at), ZoneInfo(timezone))
                      .isoformat() if day and at and name not in problems else None)
    body["topic"] = body["topic"] or None
    return body, values, problems


@dataclass(frozen=True)
class Seat:
    person_id: str
    role: str
    status: str
    position: int
    name: str
    dietary_needs: tuple[str, ...]
    attended: bool | None


def seat(entry: Mapping[str, Any]) -> Seat:
    attended = entry.get("attended")
    return Seat(str(entry.get("person_id") or ""), str(entry.get("role") or ""),
                str(entry.get("status") or ""), int(entry.get("position") or 0),
                str(entry.get("name") or ""),
                tuple(str(n) for n in entry.get("dietary_needs") or ()),
                attended if isinstance(attended, bool) else None)


@dataclass(frozen=True)
class Invitee:
    person_id: str
    role: str
    reason: str
    workplace_name: str
    municipality_code: str
    enrolment: str
    """enrolled, waitlisted, cancelled, or "" (not enrolled)."""


def invitee(entry: Mapping[str, Any]) -> Invitee:
    return Invitee(str(entry.get("person_id") or ""), str(entry.get("role") or ""),
                   str(entry.get("reason") or ""), str(entry.get("workplace_name") or ""),
                   str(entry.get("municipality_code") or ""),
                   str(entry.get("enrolment") or ""))


@dataclass(frozen=True)
class Certificate:
    supervisor_id: str
    name: str
    workplace_name: str
    municipality_code: str
    certified_at: date | None
    valid_until: date | None
    renewal_at: datetime | None
    """The start of the upcoming base course the supervisor is invited to or enrolled
    in; None: none."""


def certificate(entry: Mapping[str, Any]) -> Certificate:
    renewal = part(entry, "renewal")
    return Certificate(str(entry.get("supervisor_id") or ""), str(entry.get("name") or ""),
                       str(entry.get("workplace_name") or ""),
                       str(entry.get("municipality_code") or ""),
                       read_day(entry.get("certified_at")), read_day(entry.get("valid_until")),
                       read_moment(renewal.get("starts_at")))


@dataclass(frozen=True)
class CourseSessionPage:
    session: SessionRow
    seats: list[Seat]
    invited: list[Invitee]
    to_invite: list[Invitee]
    certificates: list[Certificate]
    read_only: bool = False
    done: str = ""
    values: dict[str, str] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)

    @property
    def enrolled(self) -> list[Seat]:
        return [s for s in self.seats if s.status == "enrolled"]

    @property
    def waitlist(self) -> list[Seat]:
        return [s for s in self.seats if s.status == "waitlisted"]

    @property
    def to_enrol(self) -> list[Invitee]:
        """The invited who hold no place: the ones to enrol when they answer."""
        return [i for i in self.invited if i.enrolment in ("", "cancelled")]

    @property
    def sections(self) -> tuple[Section, ...]:
        return FORMS["costs"]

    @property
    def status(self) -> int:
        return 422 if self.problems else 200


def cost_values(row: SessionRow) -> dict[str, str]:
    """The costs form as training has them (whole kronor, as typed)."""
    return {kind: str(row.costs[kind].quantize(Decimal(1))) for kind in COST_KINDS}


def checked(form: Mapping[str, str], prefix: str) -> list[str]:
    """The ids of a form's ticked boxes named `<prefix><id>`."""
    return [name.removeprefix(prefix) for name, value in form.items()
            if name.startswith(prefix) and value == "on"]


@dataclass(frozen=True)
class AttendancePage:
    """Attendance on the day: the enrolled, each with a box to tick when they came."""

    session: SessionRow
    seats: list[Seat]
    read_only: bool = False
    done: str = ""
    problems: dict[str, str] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)

    @property
    def status(self) -> int:
        return 422 if self.problems else 200


def attendance_body(form: Mapping[str, str], seats: list[Seat]) -> dict[str, list[str]]:
    """Training's attendance: the ticked present, the others absent (but those already
    recorded as present: a completion stands)."""
    present = set(checked(form, "narvaro_"))
    enrolled = [s for s in seats if s.status == "enrolled"]
    return {"present": [s.person_id for s in enrolled if s.person_id in present],
            "absent": [s.person_id for s in enrolled
                       if s.person_id not in present and not s.attended]}


@dataclass(frozen=True)
class CateringPage:
    """What to order for one session, to print: coffee and lunch, dietary needs."""

    session: SessionRow
    participants: int
    waitlisted: int
    trainers: int
    coffee: int
    coffee_breaks: int
    lunch: int
    dietary_needs: list[tuple[str, int]]


def catering_page(answer: Mapping[str, Any]) -> CateringPage:
    food = part(answer, "catering")

    def count(name: str) -> int:
        return int(food.get(name) or 0)

    return CateringPage(session_row(part(answer, "session")), count("participants"),
                        count("waitlisted"), count("trainers"), count("coffee"),
                        count("coffee_breaks"), count("lunch"),
                        sorted((str(k), int(v)) for k, v in part(food, "dietary_needs").items()))
