"""Notifications' read side for HTTP: what reached whom for a placement, and what an
opt-out link's page shows (a session of its own, nothing written)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.notifications.adapters.orm import (
    contacts,
    municipalities,
    notifications,
    placements,
    tables,
)
from services.notifications.domain.sender import MunicipalityProfile


async def profile(db: AsyncSession, municipality_code: str) -> MunicipalityProfile | None:
    """The profile that signs a municipality's messages, as registration last sent it."""
    row = (await db.execute(select(municipalities).where(
        municipalities.c.municipality_code == municipality_code))).first()
    return None if row is None else MunicipalityProfile(
        row.municipality_code, row.name, row.coordinator_name, row.coordinator_email,
        row.coordinator_phone)


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


async def undelivered(db: AsyncSession, municipality_code: str, since: datetime,
                      limit: int) -> list[Any]:
    """The messages since `since` that reached no one: every channel tried failed (or the
    network's receipt says so) and none is still under way. One row per message (its
    cause, recipient and template), the latest first."""
    n, other = notifications, notifications.alias("other")
    failed = or_(n.c.status == "failed", n.c.receipt_status == "failed")
    reached = exists().where(
        other.c.cause_event_id == n.c.cause_event_id, other.c.recipient_id == n.c.recipient_id,
        other.c.template == n.c.template, other.c.status.in_(("pending", "sending", "sent")),
        func.coalesce(other.c.receipt_status, "") != "failed")
    rows = await db.execute(
        select(n.c.notification_id, n.c.cause_event_id, n.c.recipient_id, n.c.placement_id,
               n.c.about_participant_id, n.c.recipient_role, n.c.channel, n.c.template,
               n.c.last_error, n.c.created_at)
        .where(n.c.municipality_code == municipality_code, n.c.created_at >= since, failed,
               ~reached)
        .order_by(n.c.created_at.desc(), n.c.notification_id).limit(limit * 2))
    seen: set[tuple[str, UUID, str]] = set()
    found = []
    for row in rows:  # each channel tried has a row: one per message
        key = (row.cause_event_id, row.recipient_id, row.template)
        if key not in seen:
            seen.add(key)
            found.append(row)
    return found[:limit]


async def contact_municipality(db: AsyncSession, person_id: UUID) -> tuple[str | None] | None:
    """The municipality a person's contact details belong to (a 1-tuple: it may be
    unknown); None when there are no details for them."""
    row = (await db.execute(select(contacts.c.municipality_code)
                            .where(contacts.c.person_id == person_id))).first()
    return None if row is None else (row[0],)


async def opted_out(db: AsyncSession, person_id: UUID, channel: str) -> bool | None:
    """Whether the person stopped `channel`; None when their details are not known."""
    column = contacts.c.sms_opt_out if channel == "sms" else contacts.c.email_opt_out
    row = (await db.execute(select(column).where(contacts.c.person_id == person_id))).first()
    return None if row is None else bool(row[0])


async def link_used(db: AsyncSession, token_id: str) -> bool:
    t = tables.used_links
    return (await db.execute(select(t.c.token_id).where(t.c.token_id == token_id))).first() \
        is not None
