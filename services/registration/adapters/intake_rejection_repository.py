"""The intake requests registration refused (`orm.intake_rejections`): kept in the
transaction that refuses each, listed for coordinators, purged past their retention."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.registration.adapters import orm
from shared.contracts.registration import IntakeRejected


class IntakeRejectionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, answer: IntakeRejected, at: datetime) -> None:
        await self.session.execute(insert(orm.intake_rejections).values(
            rejected_at=at, source_event_id=answer.source_event_id, source=answer.source,
            municipality_code=answer.municipality_code, reason=answer.reason or "rejected",
            errors=[{"field": e.field, "message": e.message} for e in answer.errors]))

    async def purge(self, before: datetime) -> int:
        t = orm.intake_rejections
        done = await self.session.execute(delete(t).where(t.c.rejected_at < before))
        return int(getattr(done, "rowcount", 0) or 0)


async def listed(session: AsyncSession, municipality_code: str, since: datetime,
                 limit: int) -> list[Any]:
    """A municipality's refused requests since `since`, the latest first."""
    t = orm.intake_rejections
    return list((await session.execute(
        select(t).where(t.c.municipality_code == municipality_code, t.c.rejected_at >= since)
        .order_by(t.c.rejected_at.desc(), t.c.id.desc()).limit(limit))).all())
