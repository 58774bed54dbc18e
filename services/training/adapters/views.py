"""Read side for the administration: listings and summaries straight from the tables
(no unit of work, nothing published). The arithmetic lives in the domain; whom a session
may invite still is the repository's query (`SqlRecords.candidates`), the one the
handler that invites checks against."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import and_, case, exists, extract, func, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from services.training.adapters.orm import (
    certifications,
    completions,
    enrolments,
    evaluation_answers,
    evaluation_respondents,
    invitations,
    sessions,
    supervisors,
    tables,
    workplaces,
)
from services.training.adapters.repository import (
    SqlRecords,
    certificate_from_row,
    session_from_row,
)
from services.training.domain.administration import (
    BudgetLine,
    BudgetReport,
    Catering,
    budget_report,
    catering,
)
from services.training.domain.commands import Scope
from services.training.domain.evaluation import (
    CourseEvaluation,
    EvaluationAnswer,
    SessionEvaluation,
    by_course,
    by_session,
)
from services.training.domain.invitations import county_of
from services.training.domain.model import BASE_COURSE, MANAGER_BREAKFAST, Session


@dataclass(frozen=True)
class SessionView:
    session: Session
    enrolled: int
    waitlisted: int


@dataclass(frozen=True)
class Participant:
    person_id: UUID
    role: str
    status: str
    position: int
    """Seat number among the enrolled, or place on the waitlist."""
    name: str | None
    dietary_needs: tuple[str, ...]
    attended: bool | None


def _counts() -> tuple[Any, Any]:
    enrolled = func.count().filter(enrolments.c.status == "enrolled")
    waitlisted = func.count().filter(enrolments.c.status == "waitlisted")
    return enrolled, waitlisted


async def list_sessions(db: AsyncSession, scope: Scope, year: int | None = None,
                        course: str | None = None) -> list[SessionView]:
    enrolled, waitlisted = _counts()
    counts = (
        select(enrolments.c.session_id, enrolled.label("enrolled"),
               waitlisted.label("waitlisted"))
        .group_by(enrolments.c.session_id).subquery()
    )
    query = (
        select(sessions, func.coalesce(counts.c.enrolled, 0).label("n_enrolled"),
               func.coalesce(counts.c.waitlisted, 0).label("n_waitlisted"))
        .outerjoin(counts, counts.c.session_id == sessions.c.session_id)
        .order_by(sessions.c.starts_at, sessions.c.session_id)
    )
    if scope is not None:
        query = query.where(sessions.c.municipality_code.in_(sorted(scope)))
    if year is not None:
        query = query.where(extract("year", sessions.c.starts_at) == year)
    if course is not None:
        query = query.where(sessions.c.course == course)
    rows = (await db.execute(query)).all()
    return [SessionView(session_from_row(r), r.n_enrolled, r.n_waitlisted) for r in rows]


async def session_view(db: AsyncSession, session_id: UUID) -> SessionView | None:
    row = (await db.execute(select(sessions).where(sessions.c.session_id == session_id))).first()
    if row is None:
        return None
    enrolled, waitlisted = _counts()
    counts = (await db.execute(
        select(enrolled, waitlisted).where(enrolments.c.session_id == session_id)
    )).one()
    return SessionView(session_from_row(row), counts[0], counts[1])


async def participants(db: AsyncSession, session_id: UUID,
                       include_waitlist: bool = True) -> list[Participant]:
    order = case((enrolments.c.status == "enrolled", 0), (enrolments.c.status == "waitlisted", 1),
                 else_=2)
    query = (
        select(enrolments).where(enrolments.c.session_id == session_id)
        .order_by(order, enrolments.c.queue)
    )
    statuses = ("enrolled", "waitlisted") if include_waitlist else ("enrolled",)
    rows = (await db.execute(query.where(enrolments.c.status.in_(statuses)))).all()
    result, positions = [], {"enrolled": 0, "waitlisted": 0}
    for row in rows:
        positions[row.status] += 1
        result.append(Participant(row.person_id, row.role, row.status, positions[row.status],
                                  row.name, tuple(row.dietary_needs or ()), row.attended))
    return result


async def administration(db: AsyncSession, session: Session) -> Catering:
    """Coffee and lunch to order, with dietary needs, for one session."""
    rows = (await db.execute(
        select(enrolments.c.status, enrolments.c.dietary_needs)
        .where(enrolments.c.session_id == session.session_id,
               enrolments.c.status.in_(("enrolled", "waitlisted")))
    )).all()
    enrolled = [r.dietary_needs or () for r in rows if r.status == "enrolled"]
    return catering(session, len(enrolled), len(rows) - len(enrolled), enrolled)


async def evaluation_summary(db: AsyncSession, scope: Scope, year: int | None = None,
                             course: str | None = None
                             ) -> tuple[dict[str, CourseEvaluation], list[SessionEvaluation]]:
    """The attendees' answers counted per course and per session."""
    a = evaluation_answers.c
    query = select(evaluation_answers, sessions.c.starts_at).join(
        sessions, sessions.c.session_id == a.session_id)
    if scope is not None:
        query = query.where(sessions.c.municipality_code.in_(sorted(scope)))
    if year is not None:
        query = query.where(extract("year", sessions.c.starts_at) == year)
    if course is not None:
        query = query.where(a.course == course)
    rows = (await db.execute(query.order_by(a.id))).all()
    answers = [(EvaluationAnswer(r.session_id, r.course, r.overall, r.usefulness, r.comment),
                r.starts_at) for r in rows]
    return by_course(answer for answer, _ in answers), by_session(answers)


async def link_used(db: AsyncSession, token_id: str) -> bool:
    used = tables.used_links.c
    return bool(await db.scalar(select(exists().where(used.token_id == token_id))))


@dataclass(frozen=True)
class EnrolmentPage:
    """What the enrolment link's page shows one person."""

    session: Session
    status: str
    waitlist_position: int | None
    confirmed_at: datetime | None


async def enrolment_page(db: AsyncSession, session_id: UUID,
                         person_id: UUID) -> EnrolmentPage | None:
    """The session and this person's place in it; None when they hold none."""
    row = (await db.execute(
        select(sessions, enrolments.c.status, enrolments.c.queue, enrolments.c.confirmed_at)
        .join(enrolments, enrolments.c.session_id == sessions.c.session_id)
        .where(sessions.c.session_id == session_id, enrolments.c.person_id == person_id)
    )).first()
    if row is None:
        return None
    position = None
    if row.status == "waitlisted":
        position = int(await db.scalar(select(func.count()).where(
            enrolments.c.session_id == session_id, enrolments.c.status == "waitlisted",
            enrolments.c.queue <= row.queue)) or 0)
    return EnrolmentPage(session_from_row(row), row.status, position, row.confirmed_at)


async def evaluation_page(db: AsyncSession, session_id: UUID,
                          person_id: UUID) -> tuple[Session, bool] | None:
    """The session an attendee evaluates, and whether they have answered; None when they
    did not complete it."""
    row = (await db.execute(
        select(sessions).join(completions, completions.c.session_id == sessions.c.session_id)
        .where(sessions.c.session_id == session_id, completions.c.person_id == person_id)
    )).first()
    if row is None:
        return None
    answered = await db.scalar(select(exists().where(
        evaluation_respondents.c.session_id == session_id,
        evaluation_respondents.c.person_id == person_id)))
    return session_from_row(row), bool(answered)


async def budget(db: AsyncSession, year: int, amount: Decimal, scope: Scope) -> BudgetReport:
    start = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    query = select(sessions).where(sessions.c.starts_at >= start, sessions.c.starts_at < end)
    if scope is not None:
        query = query.where(sessions.c.municipality_code.in_(sorted(scope)))
    rows = (await db.execute(query)).all()
    lines = []
    for row in rows:
        session = session_from_row(row)
        lines.append(BudgetLine(session.session_id, session.course, session.starts_at,
                                session.municipality_code, session.cancelled, session.costs))
    return budget_report(year, amount, lines)


async def supervisor_status(db: AsyncSession, supervisor_id: UUID) -> dict[str, Any] | None:
    row = (await db.execute(
        select(supervisors, workplaces.c.opened_at)
        .outerjoin(workplaces, workplaces.c.workplace_id == supervisors.c.workplace_id)
        .where(supervisors.c.supervisor_id == supervisor_id)
    )).first()
    if row is None:
        return None
    cert_row = (await db.execute(
        select(certifications).where(certifications.c.supervisor_id == supervisor_id)
        .order_by(certifications.c.valid_until.desc()).limit(1)
    )).first()
    certificate = certificate_from_row(cert_row) if cert_row else None
    deep_dives = (await db.execute(
        select(sessions.c.supports).select_from(completions.join(
            sessions, sessions.c.session_id == completions.c.session_id))
        .where(completions.c.person_id == supervisor_id, completions.c.course == "deep_dive")
    )).scalars().all()
    return {
        "supervisor_id": str(supervisor_id),
        "workplace_id": str(row.workplace_id),
        "municipality_code": row.municipality_code,
        "workplace_open": row.opened_at is not None,
        "certified": certificate is not None and certificate.expired_at is None,
        "certified_at": certificate.certified_at.isoformat() if certificate else None,
        "valid_until": certificate.valid_until.isoformat() if certificate else None,
        "expired_at": (certificate.expired_at.isoformat()
                       if certificate and certificate.expired_at else None),
        "left": row.left_at is not None,
        "supports": sorted({tag for tags in deep_dives for tag in tags or ()}),
    }


@dataclass(frozen=True)
class Invitation:
    """A person invited to a session, or whom it may invite still (then no `invited_at`
    and no `enrolment`)."""

    person_id: UUID
    role: str
    reason: str
    workplace_id: UUID | None
    workplace_name: str | None
    municipality_code: str | None
    invited_at: datetime | None = None
    enrolment: str | None = None
    """Their place in the session: `enrolled`, `waitlisted`, `cancelled`, or None."""


async def invited(db: AsyncSession, session: Session) -> list[Invitation]:
    """The invitations to the session, in the order made. The rules invite managers to a
    breakfast meeting (by the first workplace they manage) and supervisors to anything
    else (by the workplace they supervise at)."""
    i, manager = invitations.c, session.course == MANAGER_BREAKFAST
    managed = (select(workplaces.c.manager_id, workplaces.c.workplace_id)
               .distinct(workplaces.c.manager_id)
               .order_by(workplaces.c.manager_id, workplaces.c.workplace_id).subquery())
    workplace_id = managed.c.workplace_id if manager else supervisors.c.workplace_id
    rows = (await db.execute(
        select(i.person_id, i.reason, i.invited_at, enrolments.c.status,
               workplace_id.label("workplace_id"), workplaces.c.name,
               func.coalesce(workplaces.c.municipality_code,
                             supervisors.c.municipality_code).label("municipality_code"))
        .select_from(
            invitations.outerjoin(enrolments, and_(enrolments.c.session_id == i.session_id,
                                                   enrolments.c.person_id == i.person_id))
            .outerjoin(supervisors, supervisors.c.supervisor_id == i.person_id)
            .outerjoin(managed, managed.c.manager_id == i.person_id)
            .outerjoin(workplaces, workplaces.c.workplace_id == workplace_id))
        .where(i.session_id == session.session_id)
        .order_by(i.invited_at, i.person_id)
    )).all()
    return [Invitation(r.person_id, "manager" if manager else "supervisor", r.reason,
                       r.workplace_id, r.name, r.municipality_code, r.invited_at, r.status)
            for r in rows]


async def to_invite(db: AsyncSession, session: Session, now: datetime) -> list[Invitation]:
    """Whom the session may invite still (`SqlRecords.candidates` for the session), by
    municipality, workplace and person."""
    county = county_of(session.municipality_code)
    found = await SqlRecords(db).candidates(session.course, county, now, session.session_id)
    if not found:
        return []
    names = dict((await db.execute(
        select(workplaces.c.workplace_id, workplaces.c.name)
        .where(workplaces.c.municipality_code.startswith(county))
    )).tuples().all())
    rows = [Invitation(p.person_id, p.role, reason, p.workplace_id,
                       names.get(p.workplace_id) if p.workplace_id else None,
                       p.municipality_code) for p, reason in found]
    return sorted(rows, key=lambda r: (r.municipality_code or "", r.workplace_name or "",
                                       str(r.person_id)))


@dataclass(frozen=True)
class CertificateRow:
    supervisor_id: UUID
    name: str | None
    """The name on the enrolment of the session that granted it (optional, erasable)."""
    workplace_id: UUID
    workplace_name: str | None
    municipality_code: str
    session_id: UUID
    certified_at: date
    valid_until: date
    renewal: tuple[UUID, datetime] | None
    """The upcoming base course the supervisor is invited to or enrolled in (the
    earliest): its id and start."""


def _renewals(now: datetime) -> Any:
    """Per person, the earliest upcoming base course that still takes place which they
    are invited to or hold a place in."""
    upcoming = (sessions.c.course == BASE_COURSE, sessions.c.starts_at > now,
                sessions.c.cancelled.is_(False))
    held = enrolments.alias("held")
    awaited = union_all(
        select(invitations.c.person_id, sessions.c.session_id, sessions.c.starts_at)
        .select_from(invitations.join(sessions,
                                      sessions.c.session_id == invitations.c.session_id))
        .where(*upcoming),
        select(held.c.person_id, sessions.c.session_id, sessions.c.starts_at)
        .select_from(held.join(sessions, sessions.c.session_id == held.c.session_id))
        .where(*upcoming, held.c.status != "cancelled"),
    ).subquery("awaited")
    return (select(awaited).distinct(awaited.c.person_id)
            .order_by(awaited.c.person_id, awaited.c.starts_at, awaited.c.session_id)
            .subquery("renewal"))


async def certificates(db: AsyncSession, scope: Scope, now: datetime, *,
                       through: date | None = None,
                       session_id: UUID | None = None) -> list[CertificateRow]:
    """The valid certificates (neither expired nor superseded) of supervisors who have
    not left, of the municipalities in `scope`, by `valid_until` then supervisor: those
    valid until `through` or earlier, or those the session `session_id` granted."""
    c, renewal = certifications.c, _renewals(now)
    query = (
        select(certifications, enrolments.c.name, workplaces.c.name.label("workplace_name"),
               renewal.c.session_id.label("renewal_id"),
               renewal.c.starts_at.label("renewal_starts_at"))
        .select_from(
            certifications.join(supervisors, supervisors.c.supervisor_id == c.supervisor_id)
            .outerjoin(workplaces, workplaces.c.workplace_id == c.workplace_id)
            .outerjoin(enrolments, and_(enrolments.c.session_id == c.session_id,
                                        enrolments.c.person_id == c.supervisor_id))
            .outerjoin(renewal, renewal.c.person_id == c.supervisor_id))
        .where(c.expired_at.is_(None), c.superseded.is_(False),
               supervisors.c.left_at.is_(None))
        .order_by(c.valid_until, c.supervisor_id)
    )
    if scope is not None:
        query = query.where(c.municipality_code.in_(sorted(scope)))
    if through is not None:
        query = query.where(c.valid_until <= through)
    if session_id is not None:
        query = query.where(c.session_id == session_id)
    return [CertificateRow(r.supervisor_id, r.name, r.workplace_id, r.workplace_name,
                           r.municipality_code, r.session_id, r.certified_at, r.valid_until,
                           (r.renewal_id, r.renewal_starts_at) if r.renewal_id else None)
            for r in (await db.execute(query)).all()]
