"""Reading Books from Postgres: what the write side locks and decides on, and what the
read side explains (no locks taken here).

A Book holds only what is in play: offers not withdrawn, open requests and
placements, and the people (with their consents) of those; `add_participant` brings
in anyone else a decision needs.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy import any_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.matching.adapters import orm
from services.matching.adapters.rows import (
    certificate_from_row,
    offer_from_row,
    offer_row,
    participant_from_row,
    placement_from_row,
    request_from_row,
    rules_from_row,
    supervisor_from_row,
    text_array,
    uuid_array,
    workplace_from_row,
)
from services.matching.domain.book import Book
from services.matching.domain.parties import Participant
from services.matching.domain.placements import OPEN, OPEN_REQUEST

Parts = dict[str, dict[str, Any]]
"""Per municipality: the keyword arguments of its `Book`, as they are read."""


async def load_books(session: AsyncSession, ms: list[str], deadlines: dict[str, timedelta],
                     offer_rows: dict[UUID, dict[str, Any]]) -> dict[str, Book]:
    """The municipalities' Books, one query per table for all of them; each loaded
    offer's row goes into `offer_rows` (what a later save compares with)."""
    parts: Parts = {m: {
        "offers": {}, "workplaces": {}, "supervisors": {}, "certificates": {},
        "requests": {}, "placements": {}, "participants": {}, "consents": {},
        "consent_states": {}, "excluded": set(), "rules": None,
        "open_workplaces": set(), "trained_for": {},
    } for m in ms}
    await _read_market(session, ms, parts, offer_rows)
    await _read_people(session, parts)
    await _read_exclusions(session, parts)
    return {m: Book(municipality_code=m, deadlines=deadlines, **part)
            for m, part in parts.items()}


async def _rows(session: AsyncSession, table: sa.Table, ms: list[str], *where: Any) -> Any:
    return await session.execute(
        select(table).where(table.c.municipality_code == any_(text_array("ms")), *where),
        {"ms": ms})


async def _read_market(session: AsyncSession, ms: list[str], parts: Parts,
                       offer_rows: dict[UUID, dict[str, Any]]) -> None:
    for row in await _rows(session, orm.offers, ms, orm.offers.c.withdrawn.is_(False)):
        offer = offer_from_row(row)
        parts[row.municipality_code]["offers"][offer.offer_id] = offer
        offer_rows[offer.offer_id] = offer_row(offer)
    for row in await _rows(session, orm.offer_rules, ms):
        parts[row.municipality_code]["rules"] = rules_from_row(row)
    for row in await _rows(session, orm.workplaces, ms):
        parts[row.municipality_code]["workplaces"][row.workplace_id] = workplace_from_row(row)
    for row in await _rows(session, orm.supervisors, ms):
        parts[row.municipality_code]["supervisors"][row.supervisor_id] = (
            supervisor_from_row(row))
    for row in await _rows(session, orm.certificates, ms):
        parts[row.municipality_code]["certificates"][row.supervisor_id] = (
            certificate_from_row(row))
    for row in await _rows(session, orm.open_workplaces, ms):
        parts[row.municipality_code]["open_workplaces"].add(row.workplace_id)
    for row in await _rows(session, orm.supervisor_supports, ms):
        parts[row.municipality_code]["trained_for"][row.supervisor_id] = frozenset(
            row.supports)
    for row in await _rows(session, orm.requests, ms,
                           orm.requests.c.status.in_(OPEN_REQUEST)):
        parts[row.municipality_code]["requests"][row.request_id] = request_from_row(row)
    for row in await _rows(session, orm.placements, ms, orm.placements.c.status.in_(OPEN)):
        parts[row.municipality_code]["placements"][row.placement_id] = placement_from_row(row)


async def _read_people(session: AsyncSession, parts: Parts) -> None:
    """Only the people of open requests and placements: a Book stays the size of what
    is in play, not of everyone ever registered (`add_participant` adds others)."""
    in_play: dict[UUID, list[str]] = {}
    for m, part in parts.items():
        for pid in {r.participant_id for r in part["requests"].values()} | {
                p.participant_id for p in part["placements"].values()}:
            in_play.setdefault(pid, []).append(m)
    if not in_play:
        return
    ids = {"ids": sorted(in_play)}
    for row in await session.execute(select(orm.participants).where(
            orm.participants.c.participant_id == any_(uuid_array("ids"))), ids):
        for m in in_play[row.participant_id]:
            parts[m]["participants"][row.participant_id] = participant_from_row(row)
    for row in await session.execute(select(orm.consents).where(
            orm.consents.c.participant_id == any_(uuid_array("ids"))), ids):
        for m in in_play[row.participant_id]:
            parts[m]["consents"].setdefault(row.participant_id, {})[
                (row.guardian_id, row.program)] = row.granted
    for row in await session.execute(select(orm.consent_states).where(
            orm.consent_states.c.participant_id == any_(uuid_array("ids"))), ids):
        for m in in_play[row.participant_id]:
            parts[m]["consent_states"].setdefault(row.participant_id, {})[row.program] = (
                row.state)


async def _read_exclusions(session: AsyncSession, parts: Parts) -> None:
    """The offers each open request already had and lost (declined, cancelled)."""
    open_requests = {rid: m for m, part in parts.items() for rid in part["requests"]}
    if not open_requests:
        return
    for row in await session.execute(
        select(orm.placements.c.request_id, orm.placements.c.offer_id).where(
            orm.placements.c.request_id == any_(uuid_array("ids")),
            orm.placements.c.status.in_(("declined", "cancelled")),
            # Left for a place ranked higher: not lost, the request may come back to it.
            orm.placements.c.end_reason.is_distinct_from("moved_to_preferred")),
            {"ids": sorted(open_requests)}):
        parts[open_requests[row.request_id]]["excluded"].add((row.request_id, row.offer_id))


async def participant(session: AsyncSession, participant_id: UUID) -> Participant | None:
    row = (await session.execute(select(orm.participants).where(
        orm.participants.c.participant_id == participant_id))).first()
    return participant_from_row(row) if row is not None else None


async def add_participant(session: AsyncSession, book: Book, participant_id: UUID) -> bool:
    """Bring a participant (and their consents) into the Book if it does not hold them;
    False when the participant is unknown."""
    if participant_id in book.participants:
        return True
    found = await participant(session, participant_id)
    if found is None:
        return False
    book.participants[participant_id] = found
    for row in await session.execute(select(orm.consents).where(
            orm.consents.c.participant_id == participant_id)):
        book.consents.setdefault(participant_id, {})[(row.guardian_id, row.program)] = (
            row.granted)
    for row in await session.execute(select(orm.consent_states).where(
            orm.consent_states.c.participant_id == participant_id)):
        book.consent_states.setdefault(participant_id, {})[row.program] = row.state
    return True


async def add_participants(session: AsyncSession, wanted: list[tuple[Book, UUID]]) -> None:
    """`add_participant` for many (book, participant) pairs in two queries."""
    missing = [(book, pid) for book, pid in wanted if pid not in book.participants]
    if not missing:
        return
    ids = sorted({pid for _, pid in missing})
    found = {
        row.participant_id: participant_from_row(row)
        for row in await session.execute(select(orm.participants).where(
            orm.participants.c.participant_id.in_(ids)))
    }
    consents: dict[UUID, dict[tuple[UUID, str], bool]] = {}
    states: dict[UUID, dict[str, Any]] = {}
    if found:
        for row in await session.execute(select(orm.consents).where(
                orm.consents.c.participant_id.in_(sorted(found)))):
            consents.setdefault(row.participant_id, {})[(row.guardian_id, row.program)] = (
                row.granted)
        for row in await session.execute(select(orm.consent_states).where(
                orm.consent_states.c.participant_id.in_(sorted(found)))):
            states.setdefault(row.participant_id, {})[row.program] = row.state
    for book, pid in missing:
        person = found.get(pid)
        if person is None or pid in book.participants:
            continue
        book.participants[pid] = person
        for key, granted in consents.get(pid, {}).items():
            book.consents.setdefault(pid, {})[key] = granted
        for program, state in states.get(pid, {}).items():
            book.consent_states.setdefault(pid, {})[program] = state
