"""Transactional outbox: events are rows written in the same transaction as the state.

`stage()` inserts; `OutboxRelay` publishes rows to Kafka in id order and deletes
them in one transaction. Several replicas may run the relay: each batch first takes
a transaction-scoped advisory lock for the service's outbox, so exactly one relay
publishes at a time (no row sent twice by two relays, no key reordered by two
relays racing). A relay killed after sending and before committing sends the batch
again on restart: consumers deduplicate on the event id (the inbox), so the effect
stays single.
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Identity,
    LargeBinary,
    MetaData,
    String,
    Table,
    any_,
    bindparam,
    delete,
    func,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from shared.contracts.envelope import CloudEvent
from shared.contracts.registry import encode
from shared.errors import is_transient
from shared.logging import get_logger

log = get_logger(__name__)


def outbox_table(metadata: MetaData) -> Table:
    return Table(
        "outbox",
        metadata,
        Column("id", BigInteger, Identity(always=False), primary_key=True),
        Column("event_id", String, nullable=False),
        Column("topic", String, nullable=False),
        Column("key", String, nullable=True),
        Column("value", LargeBinary, nullable=True),
        Column("headers", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


@dataclass(frozen=True)
class OutboxMessage:
    topic: str
    key: str | None
    value: bytes | None
    event_id: str
    headers: dict[str, str]


def message_for(event: CloudEvent, topic: str, key: str | None) -> OutboxMessage:
    return OutboxMessage(
        topic=topic,
        key=key,
        value=encode(event),
        event_id=event.id,
        headers={"ce_type": event.type, "ce_id": event.id},
    )


def tombstone(topic: str, key: str, event_id: str) -> OutboxMessage:
    """A null value for a log-compacted topic: the key's record is deleted."""
    return OutboxMessage(topic=topic, key=key, value=None, event_id=event_id, headers={})


async def stage(session: AsyncSession, table: Table, messages: list[OutboxMessage]) -> None:
    """Insert messages into the outbox inside the caller's transaction."""
    if not messages:
        return
    await session.execute(
        table.insert(),
        [
            {
                "event_id": m.event_id,
                "topic": m.topic,
                "key": m.key,
                "value": m.value,
                "headers": m.headers,
            }
            for m in messages
        ],
    )


def _delete_sent(table: Table) -> Any:
    """Delete rows by an array of ids: one statement for any batch size (an `IN` list
    would compile and prepare anew for each size)."""
    return delete(table).where(table.c.id == any_(bindparam("ids", type_=ARRAY(BigInteger))))


class Producer(Protocol):
    async def send(
        self, topic: str, value: bytes | None = ..., key: bytes | None = ...,
        headers: list[tuple[str, bytes]] | None = ...,
    ) -> Awaitable[Any]: ...


class OutboxRelay:
    def __init__(
        self,
        engine: AsyncEngine,
        table: Table,
        producer: Producer,
        batch_size: int = 1000,
        idle_interval_s: float = 0.5,
        contended_interval_s: float = 0.01,
        backoff_max_s: float = 30.0,
        on_published: Callable[[int], None] | None = None,
    ) -> None:
        self._engine = engine
        self._table = table
        self._producer = producer
        self._batch_size = batch_size
        self._idle = idle_interval_s
        self._contended = contended_interval_s
        self._backoff_max = backoff_max_s
        self._on_published = on_published
        self._wake = asyncio.Event()
        name = f"{table.schema}.{table.name}"
        self._lock_id = zlib.crc32(name.encode())

    def wake(self) -> None:
        """Called after a commit that staged events, so the relay need not wait to poll."""
        self._wake.set()

    async def publish_batch(self) -> int:
        """Publish and delete up to one batch; returns how many were sent (0: none, or locked)."""
        return await self._publish() or 0

    async def _publish(self) -> int | None:
        """`publish_batch`, but None when another relay (a replica's) holds the outbox."""
        table = self._table
        async with self._engine.begin() as conn:
            locked = await conn.scalar(
                select(func.pg_try_advisory_xact_lock(self._lock_id))
            )
            if not locked:
                return None
            rows = (
                await conn.execute(
                    select(table.c.id, table.c.topic, table.c.key, table.c.value, table.c.headers)
                    .order_by(table.c.id)
                    .limit(self._batch_size)
                    .with_for_update()
                )
            ).all()
            if not rows:
                return 0
            futures = []
            for row in rows:
                headers = [(k, str(v).encode()) for k, v in (row.headers or {}).items()]
                futures.append(
                    await self._producer.send(
                        row.topic,
                        value=row.value,
                        key=row.key.encode() if row.key is not None else None,
                        headers=headers,
                    )
                )
            await asyncio.gather(*futures)
            # By id list, not range: a row with a lower id may commit after this read.
            await conn.execute(_delete_sent(table), {"ids": [row.id for row in rows]})
        if self._on_published:
            self._on_published(len(rows))
        return len(rows)

    async def run(self, stop: asyncio.Event) -> None:
        backoff = 0.1
        while not stop.is_set():
            # Cleared before the read, not after it: a commit landing while a batch is
            # read or sent wakes the next wait instead of being lost to it (which left
            # its rows waiting out a whole idle interval).
            self._wake.clear()
            try:
                sent = await self._publish()
                backoff = 0.1
            except Exception as exc:
                if not is_transient(exc):
                    log.exception("outbox relay failed", error_type=type(exc).__name__)
                else:
                    log.warning("outbox relay waiting for infrastructure",
                                error_type=type(exc).__name__, backoff_s=backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self._backoff_max)
                continue
            if sent is None:
                # A replica's relay is publishing; it may have read before our last
                # commit, so try again soon rather than after a whole idle interval.
                await asyncio.sleep(self._contended)
            elif sent == 0:
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=self._idle)
                except TimeoutError:
                    pass

