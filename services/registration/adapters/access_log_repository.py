"""The access log in registration's schema (`domain.access`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.registration.adapters import orm
from services.registration.domain.access import AccessEntry


class AccessLogRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, entry: AccessEntry) -> None:
        await self.session.execute(insert(orm.access_log).values(
            read_at=entry.read_at, reader=entry.reader, reader_role=entry.reader_role,
            participant_id=entry.participant_id, municipality_code=entry.municipality_code,
            record=entry.record, purpose=entry.purpose))

    async def purge(self, before: datetime) -> int:
        t = orm.access_log
        done = await self.session.execute(delete(t).where(t.c.read_at < before))
        return int(getattr(done, "rowcount", 0) or 0)
