"""What matching keeps of workplaces and supervisors beside the Books: which workplaces
are open, who left, what supervisors are trained for, and the erasure of supervisors
and guardians (the write side; a Book reads these back in `loading`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy import delete, func, update
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.matching.adapters import orm


class Parties(Protocol):
    """What the handlers ask of these facts (a unit test fakes it)."""

    async def open_workplace(self, workplace_id: UUID, municipality_code: str,
                             opened_at: datetime) -> None: ...
    async def close_workplace(self, workplace_id: UUID) -> None: ...
    async def supervisor_left(self, supervisor_id: UUID) -> None: ...
    async def save_supervisor_supports(self, supervisor_id: UUID, municipality_code: str,
                                       supports: Iterable[str]) -> None: ...
    async def erase_supervisor(self, supervisor_id: UUID) -> None: ...
    async def erase_guardian(self, guardian_id: UUID) -> None: ...


class PartyRepository:
    """`Parties` in Postgres, in the unit of work's transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def open_workplace(self, workplace_id: UUID, municipality_code: str,
                             opened_at: datetime) -> None:
        await self.session.execute(insert(orm.open_workplaces).values(
            workplace_id=workplace_id, municipality_code=municipality_code,
            opened_at=opened_at).on_conflict_do_nothing(index_elements=["workplace_id"]))

    async def close_workplace(self, workplace_id: UUID) -> None:
        await self.session.execute(delete(orm.open_workplaces).where(
            orm.open_workplaces.c.workplace_id == workplace_id))

    async def supervisor_left(self, supervisor_id: UUID) -> None:
        await self.session.execute(update(orm.supervisors).where(
            orm.supervisors.c.supervisor_id == supervisor_id).values(has_left=True))

    async def save_supervisor_supports(self, supervisor_id: UUID, municipality_code: str,
                                       supports: Iterable[str]) -> None:
        row = {"supervisor_id": supervisor_id, "municipality_code": municipality_code,
               "supports": sorted(set(supports))}
        await self.session.execute(insert(orm.supervisor_supports).values(**row)
                                   .on_conflict_do_update(index_elements=["supervisor_id"],
                                                          set_=row))

    async def erase_supervisor(self, supervisor_id: UUID) -> None:
        """Their languages, capacity, certificate and training go; placements keep the
        bare id (counted anonymously)."""
        for table in (orm.supervisors, orm.certificates, orm.supervisor_supports):
            await self.session.execute(delete(table).where(
                table.c.supervisor_id == supervisor_id))

    async def erase_guardian(self, guardian_id: UUID) -> None:
        """No participant names the guardian any more; their consents and their
        acceptances' signature go."""
        p = orm.participants
        await self.session.execute(update(p).where(p.c.guardian_ids.any(guardian_id)).values(
            guardian_ids=func.array_remove(p.c.guardian_ids,
                                           sa.cast(guardian_id, PG_UUID(as_uuid=True)))))
        await self.session.execute(delete(orm.consents).where(
            orm.consents.c.guardian_id == guardian_id))
        await self.session.execute(update(orm.placements).where(
            orm.placements.c.guardian_accepted_by == guardian_id).values(
                guardian_accepted_by=None))
