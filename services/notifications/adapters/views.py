"""Notifications' read side for HTTP: what reached whom for a placement (a session of its
own, nothing written)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.notifications.adapters.orm import notifications, placements


async def placement_municipality(db: AsyncSession, placement_id: UUID) -> str | None:
    value: str | None = await db.scalar(
        select(placements.c.municipality_code)
        .where(placements.c.placement_id == placement_id))
    return value


async def for_placement(db: AsyncSession, placement_id: UUID) -> list[Any]:
    """The placement's messages, oldest first (e-mail before SMS of one cause)."""
    n = notifications
    rows = await db.execute(
        select(n.c.notification_id, n.c.recipient_id, n.c.recipient_role, n.c.channel,
               n.c.template, n.c.status, n.c.attempts, n.c.last_error, n.c.sent_at,
               n.c.receipt_status, n.c.created_at)
        .where(n.c.placement_id == placement_id).order_by(n.c.created_at, n.c.channel))
    return list(rows)
