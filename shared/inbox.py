"""Inbox: the ids of events a consumer has handled, written with the handler's effects.

A redelivered event finds its id here and is skipped: at-least-once delivery,
exactly-once effect. Each id is kept with a digest of what it carried, so a reused
id with another payload is told apart from a redelivery: a conflict, not a duplicate.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import String, Table, any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.contracts.envelope import CloudEvent


class Claim(enum.Enum):
    NEW = "new"
    DUPLICATE = "duplicate"
    """The same event again (at-least-once delivery): skip it."""
    CONFLICT = "conflict"
    """The id was claimed for another payload: the sender reused an id."""


def digest(event: CloudEvent) -> str:
    """What an event says, independent of how it was serialised or when it was re-sent
    (type, source, subject and data; not `time`)."""
    content = json.dumps([event.type, event.source, event.subject, event.data],
                         sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.blake2b(content.encode(errors="surrogatepass"), digest_size=16).hexdigest()


def _verdict(stored: str | None, fresh: str | None) -> Claim:
    # A row from before digests were kept cannot conflict.
    return Claim.CONFLICT if stored and fresh and stored != fresh else Claim.DUPLICATE


async def claim(session: AsyncSession, table: Table, consumer: str, event_id: str,
                event_digest: str | None = None) -> Claim:
    """Record the event as handled, or say why it already was."""
    result = await session.execute(
        insert(table)
        .values(consumer=consumer, event_id=event_id, digest=event_digest)
        .on_conflict_do_nothing()
        .returning(table.c.event_id)
    )
    if result.first() is not None:
        return Claim.NEW
    stored = await session.scalar(select(table.c.digest).where(
        table.c.consumer == consumer, table.c.event_id == event_id))
    return _verdict(stored, event_digest)


class Claims:
    """What `claim_many` found: the ids claimed now, and the digest each id holds."""

    def __init__(self, new: set[str], digests: dict[str, str | None]) -> None:
        self._new = new
        self._digests = digests

    def is_new(self, event_id: str) -> bool:
        return event_id in self._new

    def take(self, event_id: str, event_digest: str | None) -> Claim:
        """The verdict for one copy: the first copy of a new id is NEW, every later copy
        (in this batch too) a duplicate or, with another digest, a conflict."""
        if event_id in self._new:
            self._new.discard(event_id)
            return Claim.NEW
        return _verdict(self._digests.get(event_id), event_digest)


async def claim_many(
    session: AsyncSession, table: Table, consumer: str,
    events: Sequence[tuple[str, str | None]],
) -> Claims:
    """Claim a batch of `(event id, digest)` in one statement.

    The ids travel as array parameters (`unnest`), so the statement is the same for
    any batch size: compiled and prepared once, not once per size with a bind per id.
    The ids already claimed (rare: redeliveries) are looked up in a second statement.
    """
    if not events:
        return Claims(set(), {})
    unique: dict[str, str | None] = {}
    for event_id, event_digest in events:  # an id repeated in the batch: its first copy
        unique.setdefault(event_id, event_digest)
    rows = (func.unnest(bindparam("event_ids", type_=ARRAY(String)),
                        bindparam("digests", type_=ARRAY(String)))
            .table_valued("event_id", "digest").render_derived())
    statement = (
        insert(table)
        .from_select(["consumer", "event_id", "digest"],
                     select(bindparam("consumer", type_=String), rows.c.event_id, rows.c.digest))
        .on_conflict_do_nothing()
        .returning(table.c.event_id)
    )
    result = await session.execute(statement, {
        "consumer": consumer, "event_ids": list(unique), "digests": list(unique.values())})
    new = {row[0] for row in result}
    digests = {event_id: unique[event_id] for event_id in new}
    seen = [event_id for event_id in unique if event_id not in new]
    if seen:
        stored = await session.execute(
            select(table.c.event_id, table.c.digest).where(
                table.c.consumer == consumer,
                table.c.event_id == any_(bindparam("seen", type_=ARRAY(String)))),
            {"seen": seen})
        digests.update({event_id: stored_digest for event_id, stored_digest in stored})
    return Claims(new, digests)


class Inbox(Protocol):
    """What the consumer claims, in its unit of work's transaction (`session`): the
    seam a unit test fills with a fake, so the batch logic runs without Postgres."""

    async def claim(self, session: AsyncSession, consumer: str, event_id: str,
                    event_digest: str | None = None) -> Claim: ...

    async def claim_many(self, session: AsyncSession, consumer: str,
                         events: Sequence[tuple[str, str | None]]) -> Claims: ...


@dataclass(frozen=True)
class InboxTable:
    """The inbox in Postgres: `claim` and `claim_many` on a service's `inbox` table."""

    table: Table

    async def claim(self, session: AsyncSession, consumer: str, event_id: str,
                    event_digest: str | None = None) -> Claim:
        return await claim(session, self.table, consumer, event_id, event_digest)

    async def claim_many(self, session: AsyncSession, consumer: str,
                         events: Sequence[tuple[str, str | None]]) -> Claims:
        return await claim_many(session, self.table, consumer, events)
