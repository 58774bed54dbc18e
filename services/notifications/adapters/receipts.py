"""The SMS provider's delivery receipts, whether or not the SMS is known yet.

The provider may post a receipt before the dispatcher has committed the id it gave the
SMS (the dispatcher sends over HTTP, gets the id, then settles). Such a receipt is kept in
`sms_receipts` and applied when the dispatcher settles that SMS. The receipt's
transaction and the settling one both take a transaction-scoped advisory lock on the
provider's id before they look at the other's rows, so they cannot both miss each other:
whichever comes second waits for the first to commit, and (READ COMMITTED: each statement
sees what committed before it began) its next statement sees what the first wrote.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import String, any_, bindparam, delete, text, update
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.notifications.adapters.orm import notifications, sms_receipts
from services.notifications.adapters.repository import Claimed

LOCK_CLASS = zlib.crc32(b"notifications.sms_receipts") - 2**31
"""The first key of the two-key advisory locks (a key space of its own: one-key locks,
as the outbox and the migrations take, never meet these)."""

FINAL = ("delivered", "failed")


def lock_key(provider_ref: str) -> int:
    """The second key: a signed 32-bit hash of the provider's id (a collision only makes
    two receipts wait for each other)."""
    return zlib.crc32(provider_ref.encode()) - 2**31


def _claimed(row: Any) -> Claimed:
    return Claimed(row.notification_id, row.cause_event_id, row.recipient_id, row.channel,
                   row.template, row.context, row.attempts, row.correlation_id,
                   row.created_at, None, row.placement_id, row.about_participant_id,
                   row.municipality_code, row.recipient_role)


class Receipts:
    """Receipts recorded on their SMS, or kept until the SMS is known."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _lock(self, provider_refs: Iterable[str]) -> None:
        """Lock the ids' keys in one order (two settling batches never deadlock)."""
        keys = sorted({lock_key(r) for r in provider_refs})
        for key in keys:
            await self.session.execute(text("SELECT pg_advisory_xact_lock(:c, :k)"),
                                       {"c": LOCK_CLASS, "k": key})

    async def _mark(self, provider_ref: str, status: str) -> Claimed | None:
        n = notifications
        row = (await self.session.execute(
            update(n).where(n.c.provider_ref == provider_ref, n.c.channel == "sms")
            .values(receipt_status=status)
            .returning(n.c.notification_id, n.c.cause_event_id, n.c.recipient_id, n.c.channel,
                       n.c.template, n.c.context, n.c.attempts, n.c.correlation_id,
                       n.c.created_at, n.c.placement_id, n.c.about_participant_id,
                       n.c.municipality_code, n.c.recipient_role))).first()
        return _claimed(row) if row is not None else None

    async def record(self, provider_ref: str, status: str, now: datetime) -> Claimed | None:
        """The receipt on its SMS (returned), else kept for when the SMS is settled
        (None). A kept final status is not overwritten by a later `sent`."""
        await self._lock([provider_ref])
        row = await self._mark(provider_ref, status)
        if row is not None:
            return row
        stmt = insert(sms_receipts).values(provider_ref=provider_ref, status=status,
                                           received_at=now)
        await self.session.execute(stmt.on_conflict_do_update(
            index_elements=[sms_receipts.c.provider_ref],
            set_={"status": stmt.excluded.status, "received_at": stmt.excluded.received_at},
            where=stmt.excluded.status.in_(FINAL)))
        return None

    async def apply_kept(self, provider_refs: Iterable[str]) -> list[tuple[Claimed, str]]:
        """In the settling transaction, after the SMS's provider ids are written: the
        receipts that came first, recorded on their SMS and no longer kept."""
        refs = sorted(set(provider_refs))
        if not refs:
            return []
        await self._lock(refs)
        kept = (await self.session.execute(
            delete(sms_receipts)
            .where(sms_receipts.c.provider_ref == any_(bindparam("refs", type_=ARRAY(String))))
            .returning(sms_receipts.c.provider_ref, sms_receipts.c.status),
            {"refs": refs})).all()
        applied = []
        for ref, status in sorted(kept):
            row = await self._mark(ref, status)
            if row is not None:
                applied.append((row, status))
        return applied

    async def forget(self, before: datetime) -> int:
        """Kept receipts older than `before`: their SMS never appeared (another
        provider account's, or an SMS whose dispatcher died before settling)."""
        result = await self.session.execute(
            delete(sms_receipts).where(sms_receipts.c.received_at < before)
            .returning(sms_receipts.c.provider_ref))
        return len(result.all())
