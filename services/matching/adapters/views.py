"""Read side for HTTP: placements, requests and their explanations (the statistics are in
`statistics.py`), straight from the tables (no lock, no unit of work, nothing
published). The rules of an explanation live in the domain (`domain/explanation.py`)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.matching.adapters import loading, orm
from services.matching.adapters.rows import placement_from_row, request_from_row
from services.matching.domain.explanation import explain
from services.matching.domain.placements import OPEN, Placement


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


async def requests(session: AsyncSession, municipality_code: str, status: str | None,
                   limit: int) -> list[Any]:
    """A municipality's requests as matching holds them, oldest first (`status`:
    waitlisted, placed, awaiting_round, ...)."""
    r = orm.requests
    query = select(r).where(r.c.municipality_code == municipality_code)
    if status:
        query = query.where(r.c.status == status)
    return list(await session.execute(query.order_by(r.c.requested_at).limit(limit)))


async def rounds(session: AsyncSession, municipality_code: str, limit: int) -> list[Any]:
    """A municipality's rounds, the latest first."""
    r = orm.rounds
    return list(await session.execute(select(r).where(
        r.c.municipality_code == municipality_code).order_by(r.c.ran_at.desc()).limit(limit)))


async def round_draw(session: AsyncSession, round_id: UUID) -> tuple[Any, list[Any]] | None:
    """The round's row and its draws by lottery number, or None."""
    found = (await session.execute(select(orm.rounds).where(
        orm.rounds.c.round_id == round_id))).first()
    if found is None:
        return None
    d = orm.round_draws
    draws = await session.execute(select(d.c.request_id, d.c.lottery).where(
        d.c.round_id == round_id).order_by(d.c.lottery))
    return found, list(draws)


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
    p = orm.placements
    history = [placement_from_row(r) for r in await session.execute(select(p).where(
        p.c.request_id == row.request_id, p.c.status.not_in(sorted(OPEN))))]
    return explain(book, found, lottery, history)
