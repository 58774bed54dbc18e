"""Statistics for funders, the read side: one `Fact` per placement request, from the
live tables and from the anonymous facts erasures left (`orm.erased_facts`). The
grouping is the domain's (`domain/statistics.py`), the files `shared/downloads.py`."""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

from sqlalchemy import Select, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from services.matching.adapters import orm
from services.matching.domain.statistics import Fact, Window

COUNTED = ("proposed", "accepted", "confirmed", "completed")
"""The placement of a request that counts: the open one, or the completed one."""


def _counted_placements() -> Any:
    """Per request, the placement that counts (the latest proposed, if ever two)."""
    p = orm.placements
    return (select(p.c.request_id, p.c.status, p.c.sector, p.c.outcome, p.c.gender,
                   p.c.follow_up_outcome)
            .where(p.c.status.in_(COUNTED))
            .distinct(p.c.request_id)
            .order_by(p.c.request_id, p.c.proposed_at.desc())
            .subquery("counted"))


def _live(conditions: list[ColumnElement[bool]]) -> Select[Any]:
    r, pa = orm.requests, orm.participants
    c = _counted_placements()
    return (select(r.c.participant_id, r.c.program, r.c.municipality_code,
                   func.coalesce(pa.c.gender, c.c.gender, "unspecified").label("gender"),
                   r.c.period_start, r.c.period_end, r.c.status.label("request_status"),
                   c.c.status.label("placement_status"), c.c.sector, c.c.outcome,
                   c.c.follow_up_outcome.label("follow_up"))
            .select_from(r.outerjoin(pa, pa.c.participant_id == r.c.participant_id)
                         .outerjoin(c, c.c.request_id == r.c.request_id))
            .where(r.c.participant_id.is_not(None), *conditions))


def _where(table: Any, scope: frozenset[str] | None, municipality_code: str | None,
           program: str | None, within: Window) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if scope is not None:
        conditions.append(table.c.municipality_code.in_(sorted(scope)))
    if municipality_code is not None:
        conditions.append(table.c.municipality_code == municipality_code)
    if program is not None:
        conditions.append(table.c.program == program)
    if within.start is not None:
        conditions.append(table.c.period_start >= within.start)
    if within.end is not None:
        conditions.append(table.c.period_start <= within.end)
    return conditions


async def facts(session: AsyncSession, scope: frozenset[str] | None,
                municipality_code: str | None, program: str | None,
                within: Window) -> list[Fact]:
    """The requests of the caller's municipalities in the window, erased ones included."""
    live = await session.execute(_live(_where(orm.requests, scope, municipality_code,
                                              program, within)))
    e = orm.erased_facts
    erased = await session.execute(select(e).where(
        *_where(e, scope, municipality_code, program, within)))
    found = [_fact(str(row.participant_id), row) for row in live]
    found += [_fact(str(row.person_key), row) for row in erased]
    return found


def _fact(person: str, row: Any) -> Fact:
    return Fact(person=person, program=row.program, municipality_code=row.municipality_code,
                gender=row.gender, period_start=row.period_start,
                request_status=row.request_status, placement_status=row.placement_status,
                sector=row.sector, outcome=row.outcome, follow_up=row.follow_up)


async def keep_anonymous(session: AsyncSession, participant_id: UUID) -> int:
    """Before a participant is erased: an anonymous fact per request of theirs, under one
    random key, so that the counts stay as they were. Returns how many were kept."""
    rows = list(await session.execute(_live([orm.requests.c.participant_id == participant_id])))
    if not rows:
        return 0
    key = uuid.uuid4()
    await session.execute(insert(orm.erased_facts), [{
        "person_key": key, "municipality_code": row.municipality_code,
        "program": row.program, "gender": row.gender, "period_start": row.period_start,
        "period_end": row.period_end, "request_status": row.request_status,
        "placement_status": row.placement_status, "sector": row.sector,
        "outcome": row.outcome, "follow_up": row.follow_up,
    } for row in rows])
    return len(rows)
