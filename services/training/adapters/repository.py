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

from sqlalchemy import and_, exists, func, or_, select, update
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
from services.training.domain.model import BASE_COURSE, Costs, Enrolment, Roster, Session
from services.training.domain.people import Person, Workplace
from shared.contracts.types import Course, TrainingRole


class SessionRepository(Protocol):
    async def add(self, session: Session) -> None: ...
    async def get(self, session_id: UUID) -> Session | None: ...
    async def lock_roster(self, session_id: UUID) -> Roster | None: ...
    async def save(self, roster: Roster) -> None: ...
    async def save_session(self, session: Session) -> None: ...
    async def upcoming_base_courses(self, now: datetime) -> list[Session]: ...
    async def rosters_of(self, person_id: UUID) -> list[Roster]: ...
    async def purge_dietary_needs(self, ended_before: datetime) -> int: ...


class PeopleRepository(Protocol):
    async def add_workplace(self, workplace_id: UUID, municipality_code: str,
                            manager_id: UUID, name: str) -> None: ...
    async def add_supervisor(self, supervisor_id: UUID, workplace_id: UUID,
                             municipality_code: str) -> None: ...
    async def person(self, person_id: UUID) -> Person | None: ...
    async def workplace(self, workplace_id: UUID) -> Workplace | None: ...
    async def workplaces_of_manager(self, manager_id: UUID) -> list[Workplace]: ...
    async def mark_opened(self, workplace_id: UUID, at: datetime) -> bool: ...


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
    async def to_invite(self, county: str, now: datetime) -> list[tuple[Person, str]]: ...
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
    }


def certificate_from_row(row: Any) -> Certificate:
    return Certificate(row.supervisor_id, row.session_id, row.workplace_id,
                       row.municipality_code, row.certified_at, row.valid_until, row.expired_at)


def _enrolment(row: Any) -> Enrolment:
    return Enrolment(row.person_id, row.role, row.status, row.queue, row.name,
                     tuple(row.dietary_needs or ()), row.attended, row.confirmed_at)


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
        rows = (await self.db.execute(
            select(sessions).where(
                sessions.c.course == BASE_COURSE, sessions.c.starts_at > now,
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


class SqlPeople:
    def __init__(self, db: AsyncSession) -> None:
        self.db = db

    async def add_workplace(self, workplace_id: UUID, municipality_code: str,
                            manager_id: UUID, name: str) -> None:
        statement = insert(workplaces).values(
            workplace_id=workplace_id, municipality_code=municipality_code,
            manager_id=manager_id, name=name,
        )
        await self.db.execute(statement.on_conflict_do_update(
            index_elements=["workplace_id"],
            set_={"municipality_code": municipality_code, "manager_id": manager_id,
                  "name": name},
        ))

    async def add_supervisor(self, supervisor_id: UUID, workplace_id: UUID,
                             municipality_code: str) -> None:
        statement = insert(supervisors).values(
            supervisor_id=supervisor_id, workplace_id=workplace_id,
            municipality_code=municipality_code,
        )
        await self.db.execute(statement.on_conflict_do_update(
            index_elements=["supervisor_id"],
            set_={"workplace_id": workplace_id, "municipality_code": municipality_code},
        ))

    async def person(self, person_id: UUID) -> Person | None:
        row = (await self.db.execute(
            select(supervisors).where(supervisors.c.supervisor_id == person_id)
        )).first()
        if row is not None:
            return Person(person_id, "supervisor", row.municipality_code, row.workplace_id)
        row = (await self.db.execute(
            select(workplaces).where(workplaces.c.manager_id == person_id)
            .order_by(workplaces.c.workplace_id).limit(1)
        )).first()
        if row is not None:
            return Person(person_id, "manager", row.municipality_code, row.workplace_id)
        return None

    async def workplace(self, workplace_id: UUID) -> Workplace | None:
        row = (await self.db.execute(
            select(workplaces).where(workplaces.c.workplace_id == workplace_id)
        )).first()
        return Workplace(row.workplace_id, row.municipality_code, row.manager_id,
                         row.opened_at is not None) if row else None

    async def workplaces_of_manager(self, manager_id: UUID) -> list[Workplace]:
        rows = (await self.db.execute(
            select(workplaces).where(workplaces.c.manager_id == manager_id)
            .order_by(workplaces.c.workplace_id)
        )).all()
        return [Workplace(r.workplace_id, r.municipality_code, r.manager_id,
                          r.opened_at is not None) for r in rows]

    async def mark_opened(self, workplace_id: UUID, at: datetime) -> bool:
        """Conditional update: of two transactions racing, exactly one opens the workplace."""
        result = await self.db.execute(
            update(workplaces)
            .where(workplaces.c.workplace_id == workplace_id, workplaces.c.opened_at.is_(None))
            .values(opened_at=at).returning(workplaces.c.workplace_id)
        )
        return result.first() is not None


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
        """Invited to, or enrolled in, an upcoming base course that still takes place."""
        upcoming = and_(sessions.c.course == BASE_COURSE, sessions.c.starts_at > now,
                        sessions.c.cancelled.is_(False))
        invited = exists().where(invitations.c.person_id == person_id,
                                 invitations.c.session_id == sessions.c.session_id, upcoming)
        enrolled = exists().where(enrolments.c.person_id == person_id,
                                  enrolments.c.session_id == sessions.c.session_id,
                                  enrolments.c.status != "cancelled", upcoming)
        return bool(await self.db.scalar(select(or_(invited, enrolled))))

    async def to_invite(self, county: str, now: datetime) -> list[tuple[Person, str]]:
        """Supervisors of the county without a valid certificate who are neither invited to
        nor enrolled in an upcoming base course, with the reason (one query)."""
        upcoming = and_(sessions.c.course == BASE_COURSE, sessions.c.starts_at > now,
                        sessions.c.cancelled.is_(False))
        person = supervisors.c.supervisor_id
        valid = exists().where(certifications.c.supervisor_id == person,
                               certifications.c.expired_at.is_(None),
                               certifications.c.superseded.is_(False))
        ever = exists().where(certifications.c.supervisor_id == person)
        invited = exists().where(invitations.c.person_id == person,
                                 invitations.c.session_id == sessions.c.session_id, upcoming)
        enrolled = exists().where(enrolments.c.person_id == person,
                                  enrolments.c.session_id == sessions.c.session_id,
                                  enrolments.c.status != "cancelled", upcoming)
        rows = (await self.db.execute(
            select(supervisors, ever.label("ever_certified"))
            .where(supervisors.c.municipality_code.startswith(county), ~valid, ~invited,
                   ~enrolled)
            .order_by(person)
        )).all()
        return [
            (Person(r.supervisor_id, "supervisor", r.municipality_code, r.workplace_id),
             "certification_expired" if r.ever_certified else "uncertified")
            for r in rows
        ]

    async def warn_due(self, on: date, through: date) -> list[Certificate]:
        """Conditional update: each certificate still valid on `on` and valid until
        `through` or earlier is warned of once, whichever replica runs the job."""
        c = certifications.c
        result = await self.db.execute(
            update(certifications)
            .where(c.expired_at.is_(None), c.superseded.is_(False), c.warned_at.is_(None),
                   c.valid_until >= on, c.valid_until <= through)
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
