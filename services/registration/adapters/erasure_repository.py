"""What remains of erased supervisors, managers and guardians (`domain.erasure`)."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.registration.adapters import orm
from services.registration.domain.erasure import ErasedPerson


class ErasureRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(self, erased: ErasedPerson) -> None:
        await self.session.execute(insert(orm.person_erasures).values(
            person_id=erased.person_id, role=erased.role,
            municipality_code=erased.municipality_code, workplace_id=erased.workplace_id,
            participant_ids=[str(p) for p in erased.participant_ids],
        ).on_conflict_do_nothing())

    async def get(self, person_id: UUID) -> ErasedPerson | None:
        t = orm.person_erasures
        row = (await self.session.execute(select(t).where(t.c.person_id == person_id))).first()
        if row is None:
            return None
        return ErasedPerson(row.person_id, row.role, row.municipality_code, row.workplace_id,
                            tuple(UUID(p) for p in row.participant_ids))
