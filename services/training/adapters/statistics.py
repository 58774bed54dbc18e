"""Training statistics, the read side: certifications with their workplace's sector,
seats with their session, the sessions' costs (the arithmetic is the domain's,
`domain/statistics.py`, the files `shared/downloads.py`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.training.adapters.orm import certifications, enrolments, sessions, workplaces
from services.training.adapters.repository import session_from_row
from services.training.domain.administration import BudgetLine
from services.training.domain.commands import Scope
from services.training.domain.statistics import Certification, Seat


def _scoped(query: Any, column: Any, scope: Scope, municipality_code: str | None) -> Any:
    if scope is not None:
        query = query.where(column.in_(sorted(scope)))
    if municipality_code is not None:
        query = query.where(column == municipality_code)
    return query


async def certified(db: AsyncSession, scope: Scope,
                    municipality_code: str | None) -> list[Certification]:
    c = certifications.c
    query = select(c.supervisor_id, c.workplace_id, c.municipality_code, c.certified_at,
                   workplaces.c.sector).select_from(certifications.outerjoin(
                       workplaces, workplaces.c.workplace_id == c.workplace_id))
    rows = await db.execute(_scoped(query, c.municipality_code, scope, municipality_code))
    return [Certification(r.supervisor_id, r.workplace_id, r.municipality_code, r.sector,
                          r.certified_at) for r in rows]


async def seats(db: AsyncSession, scope: Scope, municipality_code: str | None) -> list[Seat]:
    s, e = sessions.c, enrolments.c
    query = select(e.session_id, s.course, s.starts_at, s.cancelled, e.status,
                   e.attended).select_from(enrolments.join(
                       sessions, s.session_id == e.session_id))
    rows = await db.execute(_scoped(query, s.municipality_code, scope, municipality_code))
    return [Seat(r.session_id, r.course, r.starts_at.date(), r.status, r.attended,
                 r.cancelled) for r in rows]


async def cost_lines(db: AsyncSession, scope: Scope,
                     municipality_code: str | None) -> list[BudgetLine]:
    rows = await db.execute(_scoped(select(sessions), sessions.c.municipality_code, scope,
                                    municipality_code))
    lines = []
    for row in rows:
        session = session_from_row(row)
        lines.append(BudgetLine(session.session_id, session.course, session.starts_at,
                                session.municipality_code, session.cancelled, session.costs))
    return lines
