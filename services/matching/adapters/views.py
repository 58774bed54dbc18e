"""Read side for HTTP: placements, requests, their explanations and the statistics,
straight from the tables (no lock, no unit of work, nothing published). The rules of
an explanation live in the domain (`domain/explanation.py`)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from services.matching.adapters import loading, orm
from services.matching.adapters.rows import placement_from_row, request_from_row
from services.matching.domain.explanation import explain
from services.matching.domain.placements import Placement


async def placement(session: AsyncSession, placement_id: UUID) -> Any:
    """The placement's row, or None."""
    return (await session.execute(select(orm.placements).where(
        orm.placements.c.placement_id == placement_id))).first()


async def stored_placement(session: AsyncSession, placement_id: UUID) -> Placement | None:
    """The placement as a domain value (open or not), or None."""
    row = await placement(session, placement_id)
    return None if row is None else placement_from_row(row)


async def guardian_ids(session: AsyncSession, participant_id: UUID | None) -> tuple[UUID, ...]:
    """The participant's guardians as registration named them (none once erased)."""
    if participant_id is None:
        return ()
    found = await loading.participant(session, participant_id)
    return () if found is None else found.guardian_ids


async def link_used(session: AsyncSession, token_id: str) -> bool:
    t = orm.tables.used_links
    return (await session.execute(select(t.c.token_id).where(
        t.c.token_id == token_id))).first() is not None


async def placements(session: AsyncSession, municipality_code: str, status: str | None,
                     limit: int) -> list[Any]:
    """A municipality's placements, newest proposal first."""
    p = orm.placements
    query = select(p).where(p.c.municipality_code == municipality_code)
    if status:
        query = query.where(p.c.status == status)
    return list(await session.execute(query.order_by(p.c.proposed_at.desc()).limit(limit)))


async def request(session: AsyncSession, request_id: UUID) -> Any:
    """The request's row, or None."""
    return (await session.execute(select(orm.requests).where(
        orm.requests.c.request_id == request_id))).first()


async def explanation(session: AsyncSession, row: Any) -> dict[str, object]:
    """Why the request of `row` got what it got (`domain.explanation.explain`), on its
    municipality's Book as it stands."""
    offer_rows: dict[UUID, dict[str, Any]] = {}
    # No deadlines: an explanation decides nothing.
    book = (await loading.load_books(session, [row.municipality_code], {}, offer_rows))[
        row.municipality_code]
    found = book.requests.get(row.request_id)
    if found is None:
        found = request_from_row(row)
    await loading.add_participant(session, book, found.participant_id)
    lottery = {r.request_id: r.lottery for r in book.requests.values()}
    return explain(book, found, lottery)


async def statistics(session: AsyncSession, scope: frozenset[str] | None, program: str | None,
                     municipality_code: str | None) -> list[Any]:
    """Counts of placements by programme, municipality, sector, gender, status, outcome."""
    p = orm.placements
    conditions: list[ColumnElement[bool]] = [
        p.c.status.in_(("proposed", "accepted", "confirmed", "completed"))]
    if scope is not None:
        conditions.append(p.c.municipality_code.in_(sorted(scope)))
    if program:
        conditions.append(p.c.program == program)
    if municipality_code:
        conditions.append(p.c.municipality_code == municipality_code)
    query = (select(p.c.program, p.c.municipality_code, p.c.sector, p.c.gender,
                    p.c.status, p.c.outcome, func.count().label("count"))
             .where(and_(*conditions))
             .group_by(p.c.program, p.c.municipality_code, p.c.sector, p.c.gender,
                       p.c.status, p.c.outcome)
             .order_by(p.c.program, p.c.municipality_code, p.c.sector, p.c.gender))
    return list(await session.execute(query))
