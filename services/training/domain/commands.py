"""One small dataclass per intent. `scope` is the caller's municipalities (None: all),
checked by the handler inside its transaction, against the data it loads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from shared.contracts.types import Course
from shared.links import Link

Scope = frozenset[str] | None


def may_access(scope: Scope, *municipality_codes: str) -> bool:
    """True when the caller reaches at least one of the municipalities."""
    return scope is None or any(code in scope for code in municipality_codes)


@dataclass(frozen=True)
class ScheduleSession:
    session_id: UUID
    course: Course
    topic: str | None
    starts_at: datetime
    ends_at: datetime
    municipality_code: str
    venue: str
    digital: bool
    capacity: int
    trainers: tuple[str, ...] = ()
    lunch: bool | None = None
    scope: Scope = None
    supports: tuple[str, ...] = ()
    """A deep dive's need tags (what a supervisor who completes it is trained for)."""


@dataclass(frozen=True)
class ChangeSession:
    session_id: UUID
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    venue: str | None = None
    digital: bool | None = None
    capacity: int | None = None
    topic: str | None = None
    trainers: tuple[str, ...] | None = None
    lunch: bool | None = None
    scope: Scope = None
    supports: tuple[str, ...] | None = None


@dataclass(frozen=True)
class CancelSession:
    session_id: UUID
    scope: Scope = None


@dataclass(frozen=True)
class Enrol:
    session_id: UUID
    person_id: UUID
    name: str | None = None
    dietary_needs: tuple[str, ...] = ()
    scope: Scope = None


@dataclass(frozen=True)
class CancelEnrolment:
    session_id: UUID
    person_id: UUID
    scope: Scope = None


@dataclass(frozen=True)
class RecordAttendance:
    session_id: UUID
    present: tuple[UUID, ...]
    absent: tuple[UUID, ...] = ()
    scope: Scope = None


@dataclass(frozen=True)
class RecordCosts:
    session_id: UUID
    venue: Decimal
    food: Decimal
    material: Decimal
    scope: Scope = None


@dataclass(frozen=True)
class AnswerEnrolment:
    """The enrolled (or waitlisted) person's answer by the link in their letter (`link`,
    checked: purpose `enrolment`, sub the session, for the person): `attend` confirms the
    place, otherwise it is cancelled and the waitlist moves up."""

    link: Link
    attend: bool


@dataclass(frozen=True)
class AnswerEvaluation:
    """An attendee's evaluation by link (purpose `evaluation`, sub the session): once."""

    link: Link
    overall: int
    usefulness: int
    comment: str | None = None


@dataclass(frozen=True)
class ExpireCertifications:
    """Expire every certification whose validity ended before `on` (the daily job)."""

    on: date


@dataclass(frozen=True)
class WarnExpiringCertifications:
    """Tell each supervisor once whose certificate runs out within the policy's warning
    days as of `on` (the daily job)."""

    on: date


@dataclass(frozen=True)
class ErasePersonalData:
    """Drop what training holds about a person's identity: names and dietary needs."""

    person_id: UUID
    scope: Scope = None


@dataclass(frozen=True)
class PurgeDietaryNeeds:
    """Retention: dietary needs are only needed to order food; drop them after the session."""

    ended_before: datetime


@dataclass(frozen=True)
class InviteToSession:
    """A training administrator invites people to a session: each must be whom the course
    is for by the invitation rules and not yet invited to or enrolled in it."""

    session_id: UUID
    person_ids: tuple[UUID, ...]
    scope: Scope = None


@dataclass(frozen=True)
class RenewCertificates:
    """Invite supervisors holding a valid certificate to the next base course in or near
    their municipality (`certification_expiring`), unless they await one already."""

    supervisor_ids: tuple[UUID, ...]
    scope: Scope = None
