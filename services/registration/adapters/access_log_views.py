"""The access log as the auditor reads it: newest first, in the auditor's municipalities,
by participant or by reader (`domain.access`)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from uuid import UUID

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.registration.adapters import orm
from services.registration.adapters.views import Page


class AccessEntryOut(BaseModel):
    read_at: datetime
    reader: str
    reader_role: str
    participant_id: UUID
    municipality_code: str
    record: str
    purpose: str


async def access_log(session: AsyncSession, municipalities: Collection[str] | None,
                     participant_id: UUID | None, reader: str | None, limit: int,
                     offset: int) -> Page[AccessEntryOut]:
    t = orm.access_log
    query = select(t)
    if municipalities is not None:
        query = query.where(t.c.municipality_code.in_(municipalities))
    if participant_id is not None:
        query = query.where(t.c.participant_id == participant_id)
    if reader is not None:
        query = query.where(t.c.reader == reader)
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = (await session.execute(
        query.order_by(t.c.read_at.desc(), t.c.id.desc()).limit(limit).offset(offset))).all()
    return Page[AccessEntryOut](
        items=[AccessEntryOut(read_at=r.read_at, reader=r.reader, reader_role=r.reader_role,
                              participant_id=r.participant_id,
                              municipality_code=r.municipality_code, record=r.record,
                              purpose=r.purpose) for r in rows],
        total=int(total or 0), limit=limit, offset=offset)
