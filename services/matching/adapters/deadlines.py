"""Which municipalities the deadlines job has work in: a deadline passed, or a reminder
due (the rules are `domain/deadlines.py`; these queries only find the Books to lock,
and the Book decides, so a query may find a little more than the Book acts on, never
less: the consent's state, for one, is the Book's to count)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import and_, func, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.matching.adapters import orm

WAITING = ("proposed", "accepted")
"""An open placement that still waits for someone (a confirmed one waits for nobody)."""


def _parties() -> list[tuple[str, Any, Any]]:
    """(party, its deadline, "it has not answered") for each party a placement awaits."""
    p = orm.placements
    return [
        ("workplace", p.c.accept_by, p.c.status == "proposed"),
        ("participant", p.c.answer_by, p.c.participant_accepted_at.is_(None)),
        ("guardian", func.coalesce(p.c.guardian_answer_by, p.c.answer_by),
         and_(p.c.guardian_answer, p.c.guardian_accepted_at.is_(None))),
        ("consent", p.c.consent_by, p.c.consent_required),
    ]


async def _municipalities(session: AsyncSession, condition: Any) -> list[str]:
    p = orm.placements
    rows = await session.execute(select(p.c.municipality_code).where(
        p.c.status.in_(WAITING), condition).distinct())
    return [row[0] for row in rows]


async def overdue(session: AsyncSession, now: datetime) -> list[str]:
    """Municipalities with a placement one of whose awaited parties' deadline passed."""
    return await _municipalities(session, or_(*[
        and_(waiting, deadline.is_not(None), deadline < now)
        for _, deadline, waiting in _parties()]))


async def reminders_due(session: AsyncSession, now: datetime) -> list[str]:
    """Municipalities with a placement whose awaited party is due its reminder: half
    its time gone (as much left as gone since the proposal), and not yet reminded."""
    p = orm.placements
    at = sa.cast(sa.literal(now), sa.DateTime(timezone=True))
    return await _municipalities(session, or_(*[
        and_(waiting, deadline.is_not(None), deadline > at,
             not_(p.c.reminded.contains([party])),
             deadline - at <= at - p.c.proposed_at)
        for party, deadline, waiting in _parties()]))
