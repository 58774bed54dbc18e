"""The people and workplaces training knows from registration's events, and a
workplace's openness (SQLAlchemy Core). `tests/unit/fakes.py` implements the port in
memory."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.training.adapters.orm import supervisors, workplaces
from services.training.domain.people import Person, Workplace
from shared.contracts.types import ClosedReason


class PeopleRepository(Protocol):
    async def add_workplace(self, workplace_id: UUID, municipality_code: str,
                            manager_id: UUID, name: str, sector: str | None = None) -> None: ...
    async def add_supervisor(self, supervisor_id: UUID, workplace_id: UUID,
                             municipality_code: str) -> None: ...
    async def person(self, person_id: UUID) -> Person | None: ...
    async def workplace(self, workplace_id: UUID, lock: bool = False) -> Workplace | None: ...
    async def workplaces_of_manager(self, manager_id: UUID) -> list[Workplace]: ...
    async def mark_opened(self, workplace_id: UUID, at: datetime) -> bool: ...
    async def mark_closed(self, workplace_id: UUID, at: datetime,
                          reason: ClosedReason) -> bool: ...
    async def supervisor_left(self, supervisor_id: UUID, workplace_id: UUID,
                              at: datetime) -> bool: ...
    async def remove_manager(self, manager_id: UUID) -> list[UUID]: ...


def _workplace(row: Any) -> Workplace:
    return Workplace(row.workplace_id, row.municipality_code, row.manager_id,
                     row.opened_at is not None)


class SqlPeople:
    def __init__(self, db: AsyncSession) -> None:
        self.db = db

    async def add_workplace(self, workplace_id: UUID, municipality_code: str,
                            manager_id: UUID, name: str, sector: str | None = None) -> None:
        statement = insert(workplaces).values(
            workplace_id=workplace_id, municipality_code=municipality_code,
            manager_id=manager_id, name=name, sector=sector,
        )
        await self.db.execute(statement.on_conflict_do_update(
            index_elements=["workplace_id"],
            set_={"municipality_code": municipality_code, "manager_id": manager_id,
                  "name": name, "sector": sector},
        ))

    async def add_supervisor(self, supervisor_id: UUID, workplace_id: UUID,
                             municipality_code: str) -> None:
        """Registered (again): supervises at this workplace from now on."""
        statement = insert(supervisors).values(
            supervisor_id=supervisor_id, workplace_id=workplace_id,
            municipality_code=municipality_code,
        )
        await self.db.execute(statement.on_conflict_do_update(
            index_elements=["supervisor_id"],
            set_={"workplace_id": workplace_id, "municipality_code": municipality_code,
                  "left_at": None},
        ))

    async def person(self, person_id: UUID) -> Person | None:
        """A supervisor who has not left, or a manager of a workplace."""
        row = (await self.db.execute(
            select(supervisors).where(supervisors.c.supervisor_id == person_id,
                                      supervisors.c.left_at.is_(None))
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

    async def workplace(self, workplace_id: UUID, lock: bool = False) -> Workplace | None:
        """`lock`: a row lock, so that openness changes of one workplace are serialised."""
        query = select(workplaces).where(workplaces.c.workplace_id == workplace_id)
        row = (await self.db.execute(query.with_for_update() if lock else query)).first()
        return _workplace(row) if row else None

    async def workplaces_of_manager(self, manager_id: UUID) -> list[Workplace]:
        rows = (await self.db.execute(
            select(workplaces).where(workplaces.c.manager_id == manager_id)
            .order_by(workplaces.c.workplace_id)
        )).all()
        return [_workplace(r) for r in rows]

    async def mark_opened(self, workplace_id: UUID, at: datetime) -> bool:
        """Conditional update: of two transactions racing, exactly one opens the workplace."""
        result = await self.db.execute(
            update(workplaces)
            .where(workplaces.c.workplace_id == workplace_id, workplaces.c.opened_at.is_(None))
            .values(opened_at=at, closed_at=None, closed_reason=None)
            .returning(workplaces.c.workplace_id)
        )
        return result.first() is not None

    async def mark_closed(self, workplace_id: UUID, at: datetime,
                          reason: ClosedReason) -> bool:
        """Conditional update: an open workplace closes once."""
        result = await self.db.execute(
            update(workplaces)
            .where(workplaces.c.workplace_id == workplace_id,
                   workplaces.c.opened_at.is_not(None))
            .values(opened_at=None, closed_at=at, closed_reason=reason)
            .returning(workplaces.c.workplace_id)
        )
        return result.first() is not None

    async def supervisor_left(self, supervisor_id: UUID, workplace_id: UUID,
                              at: datetime) -> bool:
        """The supervisor no longer supervises at the workplace (False: not there, or
        already gone)."""
        result = await self.db.execute(
            update(supervisors)
            .where(supervisors.c.supervisor_id == supervisor_id,
                   supervisors.c.workplace_id == workplace_id, supervisors.c.left_at.is_(None))
            .values(left_at=at).returning(supervisors.c.supervisor_id)
        )
        return result.first() is not None

    async def remove_manager(self, manager_id: UUID) -> list[UUID]:
        """The manager is erased: the workplaces they managed have none (and are not open
        until a new manager who attended the breakfast meeting is registered)."""
        result = await self.db.execute(
            update(workplaces).where(workplaces.c.manager_id == manager_id)
            .values(manager_id=None).returning(workplaces.c.workplace_id)
        )
        return sorted(result.scalars().all(), key=str)
