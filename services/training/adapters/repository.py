"""Load and save training's aggregates and records with SQLAlchemy Core.

The `Protocol`s are the ports the handlers use; `tests/unit/fakes.py` implements them in
memory. Seat allocation is safe across replicas because `lock_roster` takes a row lock on
the session (`SELECT ... FOR UPDATE`): every enrolment change of one session is serialised
by Postgres, whichever process makes it.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol
from uuid import UUID

from sqlalchemy import and_, delete, exists, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
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
    workplaces,
)
from services.training.domain.certification import Certificate
from services.training.domain.evaluation import EvaluationAnswer
from services.training.domain.invitations import (
    CERTIFICATION_EXPIRED,
    CERTIFICATION_EXPIRING,
    UNCERTIFIED,
    WORKPLACE_NOT_OPEN,
)
from services.training.domain.model import (
    BASE_COURSE,
    DEEP_DIVE,
    MANAGER_BREAKFAST,
    Costs,
    Enrolment,
    Roster,
    Session,
)
from services.training.domain.people import Person
from shared.contracts.types import Course, TrainingRole


class SessionRepository(Protocol):
    async def add(self, session: Session) -> None: ...
    async def get(self, session_id: UUID) -> Session | None: ...
    async def lock_roster(self, session_id: UUID) -> Roster | None: ...
    async def save(self, roster: Roster) -> None: ...
    async def save_session(self, session: Session) -> None: ...
    async def upcoming_base_courses(self, now: datetime) -> list[Session]: ...
    async def upcoming_sessions(self, course: Course, now: datetime) -> list[Session]: ...
    async def rosters_of(self, person_id: UUID) -> list[Roster]: ...
    async def purge_dietary_needs(self, ended_before: datetime) -> int: ...


class RecordRepository(Protocol):
    async def add_completion(self, session_id: UUID, person_id: UUID, role: TrainingRole,
                             course: Course, completed_at: datetime) -> bool: ...
    async def has_completed(self, person_id: UUID, course: Course) -> bool: ...
    async def add_certificate(self, certificate: Certificate) -> bool: ...
    async def current_certificate(self, supervisor_id: UUID) -> Certificate | None: ...
    async def certified_supervisors(self, workplace_id: UUID) -> int: ...
    async def expire_due(self, on: date) -> list[Certificate]: ...
    async def warn_due(self, on: date, through: date) -> list[Certificate]: ...
    async def add_invitation(self, person_id: UUID, session_id: UUID, reason: str) -> bool: ...
    async def awaiting_base_course(self, person_id: UUID, now: datetime) -> bool: ...
    async def awaiting_session(self, person_id: UUID, course: Course,
                               now: datetime) -> bool: ...
    async def candidates(self, course: Course, county: str, now: datetime,
                         session_id: UUID | None = None) -> list[tuple[Person, str]]: ...
    async def to_invite(self, county: str, now: datetime,
                        session_id: UUID | None = None) -> list[tuple[Person, str]]: ...
    async def managers_to_invite(self, county: str, now: datetime,
                                 session_id: UUID | None = None) -> list[Person]: ...
    async def forget_invitations(self, person_id: UUID) -> None: ...
    async def deep_dive_supports(self, person_id: UUID) -> list[str]: ...
    async def completers(self, session_id: UUID, role: TrainingRole) -> list[UUID]: ...
    async def completed_session(self, session_id: UUID, person_id: UUID) -> bool: ...
    async def add_evaluation_answer(self, answer: EvaluationAnswer,
                                    person_id: UUID) -> bool: ...


# -- rows <-> domain ---------------------------------------------------------------------


def session_from_row(row: Any) -> Session:
    return Session(
        session_id=row.session_id, course=row.course, topic=row.topic,
        starts_at=row.starts_at, ends_at=row.ends_at, municipality_code=row.municipality_code,
        venue=row.venue, digital=row.digital, capacity=row.capacity,
        trainers=list(row.trainers or []), lunch=row.lunch, cancelled=row.cancelled,
        costs=Costs(Decimal(row.venue_cost), Decimal(row.food_cost), Decimal(row.material_cost)),
        supports=tuple(row.supports or ()),
    )


def session_values(session: Session) -> dict[str, Any]:
    return {
        "session_id": session.session_id, "course": session.course, "topic": session.topic,
        "starts_at": session.starts_at, "ends_at": session.ends_at,
        "municipality_code": session.municipality_code, "venue": session.venue,
        "digital": session.digital, "capacity": session.capacity,
        "trainers": list(session.trainers), "lunch": session.lunch,
        "cancelled": session.cancelled, "venue_cost": session.costs.venue,
        "food_cost": session.costs.food, "material_cost": session.costs.material,
        "supports": list(session.supports),
    }


def certificate_from_row(row: Any) -> Certificate:
    return Certificate(row.supervisor_id, row.session_id, row.workplace_id,
                       row.municipality_code, row.certified_at, row.valid_until, row.expired_at)


def _enrolment(row: Any) -> Enrolment:
    return Enrolment(row.person_id, row.role, row.status, row.queue, row.name,
                     tuple(row.dietary_needs or ()), row.attended, row.confirmed_at)


def _awaiting(person: Any, course: Course, now: datetime) -> Any:
    """The person (an id or a column) is invited to, or enrolled in, an upcoming session of
    the course that still takes place."""
    upcoming = and_(sessions.c.course == course, sessions.c.starts_at > now,
                    sessions.c.cancelled.is_(False))
    invited = exists().where(invitations.c.person_id == person,
                             invitations.c.session_id == sessions.c.session_id, upcoming)
    enrolled = exists().where(enrolments.c.person_id == person,
                              enrolments.c.session_id == sessions.c.session_id,
                              enrolments.c.status != "cancelled", upcoming)
    return or_(invited, enrolled)


def _not_yet(person: Any, course: Course, now: datetime, session_id: UUID | None) -> Any:
    """Not awaiting an upcoming session of the course (`_awaiting`); with `session_id`,
    only: neither invited to nor holding a place in that session (whatever else)."""
    if session_id is None:
        return ~_awaiting(person, course, now)
    invited = exists().where(invitations.c.person_id == person,
                             invitations.c.session_id == session_id)
    enrolled = exists().where(enrolments.c.person_id == person,
                              enrolments.c.session_id == session_id,
                              enrolments.c.status != "cancelled")
    return ~or_(invited, enrolled)


# -- SQL implementations -----------------------------------------------------------------


class SqlSessions:
    def __init__(self, db: AsyncSession) -> None:
        self.db = db

    async def add(self, session: Session) -> None:
        await self.db.execute(sessions.insert().values(**session_values(session)))

    async def get(self, session_id: UUID) -> Session | None:
        row = (await self.db.execute(
            select(sessions).where(sessions.c.session_id == session_id)
        )).first()
        return session_from_row(row) if row else None

    async def lock_roster(self, session_id: UUID) -> Roster | None:
        row = (await self.db.execute(
            select(sessions).where(sessions.c.session_id == session_id).with_for_update()
        )).first()
        if row is None:
            return None
        return await self._roster(session_from_row(row))

    async def _roster(self, session: Session) -> Roster:
        rows = (await self.db.execute(
            select(enrolments).where(enrolments.c.session_id == session.session_id)
        )).all()
        return Roster(session, {r.person_id: _enrolment(r) for r in rows})

    async def save(self, roster: Roster) -> None:
        if roster.session_changed:
            await self.save_session(roster.session)
            roster.session_changed = False
        changed = [roster.enrolments[pid] for pid in sorted(roster.changed)]
        if changed:
            statement = insert(enrolments).values([
                {"session_id": roster.session.session_id, "person_id": e.person_id,
                 "role": e.role, "status": e.status, "queue": e.queue, "name": e.name,
                 "dietary_needs": list(e.dietary_needs), "attended": e.attended,
                 "confirmed_at": e.confirmed_at}
                for e in changed
            ])
            await self.db.execute(statement.on_conflict_do_update(
                index_elements=["session_id", "person_id"],
                set_={name: statement.excluded[name] for name in (
                    "role", "status", "queue", "name", "dietary_needs", "attended",
                    "confirmed_at")}
                | {"updated_at": func.now()},
            ))
        roster.changed.clear()

    async def save_session(self, session: Session) -> None:
        values = session_values(session)
        values.pop("session_id")
        await self.db.execute(
            update(sessions).where(sessions.c.session_id == session.session_id)
            .values(**values, updated_at=func.now())
        )

    async def upcoming_base_courses(self, now: datetime) -> list[Session]:
        return await self.upcoming_sessions(BASE_COURSE, now)

    async def upcoming_sessions(self, course: Course, now: datetime) -> list[Session]:
        rows = (await self.db.execute(
            select(sessions).where(
                sessions.c.course == course, sessions.c.starts_at > now,
                sessions.c.cancelled.is_(False),
            ).order_by(sessions.c.starts_at)
        )).all()
        return [session_from_row(r) for r in rows]

    async def rosters_of(self, person_id: UUID) -> list[Roster]:
        rows = (await self.db.execute(
            select(sessions).join(enrolments, enrolments.c.session_id == sessions.c.session_id)
            .where(enrolments.c.person_id == person_id)
            .order_by(sessions.c.session_id).with_for_update(of=sessions)
        )).all()
        return [await self._roster(session_from_row(r)) for r in rows]

    async def purge_dietary_needs(self, ended_before: datetime) -> int:
        result = await self.db.execute(
            update(enrolments)
            .where(enrolments.c.session_id == sessions.c.session_id,
                   sessions.c.ends_at < ended_before,
                   func.cardinality(enrolments.c.dietary_needs) > 0)
            .values(dietary_needs=[])
        )
        return int(getattr(result, "rowcount", 0) or 0)


class SqlRecords:
    def __init__(self, db: AsyncSession) -> None:
        self.db = db

    async def add_completion(self, session_id: UUID, person_id: UUID, role: TrainingRole,
                             course: Course, completed_at: datetime) -> bool:
        result = await self.db.execute(
            insert(completions).values(
                session_id=session_id, person_id=person_id, role=role, course=course,
                completed_at=completed_at,
            ).on_conflict_do_nothing().returning(completions.c.person_id)
        )
        return result.first() is not None

    async def has_completed(self, person_id: UUID, course: Course) -> bool:
        return bool(await self.db.scalar(select(exists().where(
            completions.c.person_id == person_id, completions.c.course == course))))

    async def add_certificate(self, certificate: Certificate) -> bool:
        """Once per completion: the (supervisor, session) key makes a repeat a no-op."""
        result = await self.db.execute(
            insert(certifications).values(
                supervisor_id=certificate.supervisor_id, session_id=certificate.session_id,
                workplace_id=certificate.workplace_id,
                municipality_code=certificate.municipality_code,
                certified_at=certificate.certified_at, valid_until=certificate.valid_until,
            ).on_conflict_do_nothing().returning(certifications.c.session_id)
        )
        if result.first() is None:
            return False
        await self.db.execute(
            update(certifications).where(
                certifications.c.supervisor_id == certificate.supervisor_id,
                certifications.c.session_id != certificate.session_id,
                certifications.c.expired_at.is_(None),
                certifications.c.valid_until < certificate.valid_until,
            ).values(superseded=True)
        )
        return True

    async def current_certificate(self, supervisor_id: UUID) -> Certificate | None:
        row = (await self.db.execute(
            select(certifications).where(certifications.c.supervisor_id == supervisor_id)
            .order_by(certifications.c.valid_until.desc()).limit(1)
        )).first()
        return certificate_from_row(row) if row else None

    async def certified_supervisors(self, workplace_id: UUID) -> int:
        return int(await self.db.scalar(
            select(func.count(func.distinct(certifications.c.supervisor_id)))
            .select_from(certifications.join(
                supervisors, supervisors.c.supervisor_id == certifications.c.supervisor_id))
            .where(supervisors.c.workplace_id == workplace_id,
                   supervisors.c.left_at.is_(None),
                   certifications.c.expired_at.is_(None),
                   certifications.c.superseded.is_(False))
        ) or 0)

    async def expire_due(self, on: date) -> list[Certificate]:
        """Conditional update: a certificate expires once, whichever replica runs the job."""
        result = await self.db.execute(
            update(certifications)
            .where(certifications.c.expired_at.is_(None),
                   certifications.c.superseded.is_(False),
                   certifications.c.valid_until < on)
            .values(expired_at=certifications.c.valid_until + 1)
            .returning(*certifications.c)
        )
        return sorted((certificate_from_row(r) for r in result.all()),
                      key=lambda c: (c.valid_until, str(c.supervisor_id)))

    async def add_invitation(self, person_id: UUID, session_id: UUID, reason: str) -> bool:
        result = await self.db.execute(
            insert(invitations).values(person_id=person_id, session_id=session_id, reason=reason)
            .on_conflict_do_nothing().returning(invitations.c.person_id)
        )
        return result.first() is not None

    async def awaiting_base_course(self, person_id: UUID, now: datetime) -> bool:
        return await self.awaiting_session(person_id, BASE_COURSE, now)

    async def awaiting_session(self, person_id: UUID, course: Course, now: datetime) -> bool:
        """Invited to, or enrolled in, an upcoming session of the course that still takes
        place."""
        return bool(await self.db.scalar(select(_awaiting(person_id, course, now))))

    async def candidates(self, course: Course, county: str, now: datetime,
                         session_id: UUID | None = None) -> list[tuple[Person, str]]:
        """Whom a session of the course in the county is for, with the reason: supervisors
        to a base course (`to_invite`), managers to a breakfast meeting
        (`managers_to_invite`); no rule says whom to invite to a deep dive or the
        network (nobody). `session_id`: as for that session (`_not_yet`)."""
        if course == BASE_COURSE:
            return await self.to_invite(county, now, session_id)
        if course == MANAGER_BREAKFAST:
            return [(p, WORKPLACE_NOT_OPEN)
                    for p in await self.managers_to_invite(county, now, session_id)]
        return []

    async def to_invite(self, county: str, now: datetime,
                        session_id: UUID | None = None) -> list[tuple[Person, str]]:
        """Supervisors of the county (who have not left) without a valid certificate, or
        whose certificate runs out soon (warned of), who are neither invited to nor
        enrolled in an upcoming base course (with `session_id`: in that session), with
        the reason (one query)."""
        person = supervisors.c.supervisor_id
        valid = and_(certifications.c.supervisor_id == person,
                     certifications.c.expired_at.is_(None),
                     certifications.c.superseded.is_(False))
        lasting = exists().where(valid, certifications.c.warned_at.is_(None))
        expiring = exists().where(valid, certifications.c.warned_at.is_not(None))
        ever = exists().where(certifications.c.supervisor_id == person)
        rows = (await self.db.execute(
            select(supervisors, ever.label("ever_certified"), expiring.label("expiring"))
            .where(supervisors.c.municipality_code.startswith(county),
                   supervisors.c.left_at.is_(None), ~lasting,
                   _not_yet(person, BASE_COURSE, now, session_id))
            .order_by(person)
        )).all()
        return [
            (Person(r.supervisor_id, "supervisor", r.municipality_code, r.workplace_id),
             CERTIFICATION_EXPIRING if r.expiring
             else CERTIFICATION_EXPIRED if r.ever_certified else UNCERTIFIED)
            for r in rows
        ]

    async def managers_to_invite(self, county: str, now: datetime,
                                 session_id: UUID | None = None) -> list[Person]:
        """Managers of the county's workplaces that are not open because the manager has
        not attended a breakfast meeting, who are neither invited to nor enrolled in an
        upcoming one (with `session_id`: in that session; each manager once)."""
        manager = workplaces.c.manager_id
        attended = exists().where(completions.c.person_id == manager,
                                  completions.c.course == MANAGER_BREAKFAST)
        rows = (await self.db.execute(
            select(workplaces)
            .where(workplaces.c.municipality_code.startswith(county), manager.is_not(None),
                   workplaces.c.opened_at.is_(None), ~attended,
                   _not_yet(manager, MANAGER_BREAKFAST, now, session_id))
            .order_by(manager, workplaces.c.workplace_id)
        )).all()
        found: dict[UUID, Person] = {}
        for r in rows:
            found.setdefault(r.manager_id, Person(r.manager_id, "manager", r.municipality_code,
                                                  r.workplace_id))
        return list(found.values())

    async def forget_invitations(self, person_id: UUID) -> None:
        await self.db.execute(delete(invitations).where(invitations.c.person_id == person_id))

    async def deep_dive_supports(self, person_id: UUID) -> list[str]:
        """The union of the needs of every deep dive the person completed, sorted."""
        rows = (await self.db.execute(
            select(sessions.c.supports).select_from(completions.join(
                sessions, sessions.c.session_id == completions.c.session_id))
            .where(completions.c.person_id == person_id, completions.c.course == DEEP_DIVE)
        )).scalars().all()
        return sorted({tag for tags in rows for tag in tags or ()})

    async def completers(self, session_id: UUID, role: TrainingRole) -> list[UUID]:
        rows = (await self.db.execute(
            select(completions.c.person_id).where(completions.c.session_id == session_id,
                                                  completions.c.role == role)
            .order_by(completions.c.person_id)
        )).scalars().all()
        return list(rows)

    async def warn_due(self, on: date, through: date) -> list[Certificate]:
        """Conditional update: each certificate still valid on `on` and valid until
        `through` or earlier is warned of once, whichever replica runs the job."""
        c = certifications.c
        result = await self.db.execute(
            update(certifications)
            .where(c.expired_at.is_(None), c.superseded.is_(False), c.warned_at.is_(None),
                   c.valid_until >= on, c.valid_until <= through,
                   exists().where(supervisors.c.supervisor_id == c.supervisor_id,
                                  supervisors.c.left_at.is_(None)))
            .values(warned_at=on).returning(*certifications.c)
        )
        return sorted((certificate_from_row(r) for r in result.all()),
                      key=lambda c: (c.valid_until, str(c.supervisor_id)))

    async def completed_session(self, session_id: UUID, person_id: UUID) -> bool:
        return bool(await self.db.scalar(select(exists().where(
            completions.c.session_id == session_id, completions.c.person_id == person_id))))

    async def add_evaluation_answer(self, answer: EvaluationAnswer, person_id: UUID) -> bool:
        """The answer, and that this person has answered for this session (apart, so the
        ratings name nobody); False, and nothing written, when they already had."""
        claimed = await self.db.execute(
            insert(evaluation_respondents).values(session_id=answer.session_id,
                                                  person_id=person_id)
            .on_conflict_do_nothing().returning(evaluation_respondents.c.person_id)
        )
        if claimed.first() is None:
            return False
        await self.db.execute(evaluation_answers.insert().values(
            session_id=answer.session_id, course=answer.course, overall=answer.overall,
            usefulness=answer.usefulness, comment=answer.comment,
        ))
        return True
