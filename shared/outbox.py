"""Transactional outbox: events are rows written in the same transaction as the state.

`stage()` inserts; `OutboxRelay` publishes rows to Kafka in id order and deletes
them in one transaction. Several replicas may run the relay: each batch first takes
a transaction-scoped advisory lock for the service's outbox, so exactly one relay
publishes at a time (no row sent twice by two relays, no key reordered by two
relays racing). A relay killed after sending and before committing sends the batch
again on restart: consumers deduplicate on the event id (the inbox), so the effect
stays single.

A row that can never be sent (over the record size limit, refused by the broker for
what it is) is moved to `outbox_dead` with the reason instead of holding back every
row after it; a transient failure (broker away) retries the whole batch.
"""

from __future__ import annotations

import asyncio
import contextlib
import zlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from aiokafka import errors as kafka_errors
from aiokafka.producer.transaction_manager import NO_PRODUCER_EPOCH, NO_PRODUCER_ID, PidAndEpoch
from sqlalchemy import BigInteger, Table, Text, any_, bindparam, delete, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from shared.contracts.binding import CONTENT_TYPE, STRUCTURED_CONTENT_TYPE
from shared.contracts.envelope import CloudEvent
from shared.contracts.registry import encode
from shared.logging import get_logger
from shared.settings import ServiceSettings
from shared.transient import is_transient
from shared.waits import RetryWaits

log = get_logger(__name__)

_Row = Row[*tuple[Any, ...]]

DEFAULT_MAX_MESSAGE_BYTES: int = ServiceSettings.model_fields["kafka_max_message_bytes"].default
"""The settings' default record limit, for callers without settings (tests, tools)."""
RECORD_OVERHEAD_BYTES = 128
"""What a record adds to its key, value and headers on the wire (batch header 61 bytes,
a record's varints; each header another 10 below), rounded up: a margin, not exact."""
HEADER_OVERHEAD_BYTES = 10
REASON_MAX_CHARS = 2000


@dataclass(frozen=True)
class OutboxMessage:
    topic: str
    key: str | None
    value: bytes | None
    event_id: str
    headers: dict[str, str]


def message_for(event: CloudEvent, topic: str, key: str | None) -> OutboxMessage:
    """An event in structured mode (CloudEvents Kafka binding): the envelope is the value."""
    return OutboxMessage(
        topic=topic,
        key=key,
        value=encode(event),
        event_id=event.id,
        headers={CONTENT_TYPE: STRUCTURED_CONTENT_TYPE, "ce_type": event.type,
                 "ce_id": event.id},
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


def record_size(value: bytes | None, key: bytes | None,
                headers: Sequence[tuple[str, bytes]]) -> int:
    """A record's size on the wire, overhead margin included (never less than the real one)."""
    return (RECORD_OVERHEAD_BYTES + len(value or b"") + len(key or b"")
            + sum(len(k.encode()) + len(v) + HEADER_OVERHEAD_BYTES for k, v in headers))


class RecordTooLarge(Exception):
    """A row over the relay's record limit: refused before it is sent."""


_NOT_THE_ROW: tuple[type[BaseException], ...] = (
    kafka_errors.TopicAuthorizationFailedError,
    kafka_errors.ClusterAuthorizationFailedError,
    kafka_errors.TransactionalIdAuthorizationFailed,
)
"""Broker refusals that concern the producer's rights, not the record: fixed by an
operator, after which every row goes out as it is."""
_OUT_OF_SYNC: tuple[type[BaseException], ...] = (
    kafka_errors.OutOfOrderSequenceNumber,
    kafka_errors.UnknownProducerId,
    kafka_errors.InvalidProducerEpoch,
    kafka_errors.InvalidProducerIdMapping,
)
"""What an idempotent producer's later batches of a partition get once the broker refused
one of its batches (its sequence numbers ran ahead of the broker's)."""


def unsendable(error: BaseException) -> bool:
    """True when this record can never be sent as it is: too large, a topic or record the
    broker refuses. Not for a broker that is away, nor for the producer's own state."""
    if isinstance(error, RecordTooLarge | kafka_errors.RecordTooLargeError | UnicodeError):
        return True
    return (
        isinstance(error, kafka_errors.BrokerResponseError)
        and not error.retriable
        and not is_transient(error)
        and not isinstance(error, _NOT_THE_ROW + _OUT_OF_SYNC)
    )


def resynchronise(producer: Any) -> None:
    """Give an idempotent aiokafka producer a new producer id before its next batch.

    A batch the broker refused left the producer's sequence numbers for that partition
    ahead of the broker's, so every later batch there fails as out of order (aiokafka,
    unlike the Java client, does not rewind them). With nothing in flight (the relay
    awaited every send) a fresh id is safe: the broker knows no sequence for it."""
    manager = getattr(producer, "_txn_manager", None)
    if manager is None or manager.transactional_id is not None or not manager.has_pid():
        return
    manager._pid_and_epoch = PidAndEpoch(NO_PRODUCER_ID, NO_PRODUCER_EPOCH)
    manager._pid_waiter = asyncio.get_running_loop().create_future()
    manager._sequence_numbers.clear()


def _reason(error: BaseException) -> str:
    text = str(error)
    return (f"{type(error).__name__}: {text}" if text else type(error).__name__)[
        :REASON_MAX_CHARS]


def _set_aside(outbox: Table, dead: Table) -> Any:
    """Copy one outbox row, by id, into `outbox_dead` with its reason (executemany)."""
    return dead.insert().from_select(
        ["id", "event_id", "topic", "key", "value", "headers", "created_at", "reason"],
        select(outbox.c.id, outbox.c.event_id, outbox.c.topic, outbox.c.key, outbox.c.value,
               outbox.c.headers, outbox.c.created_at, bindparam("reason", type_=Text))
        .where(outbox.c.id == bindparam("row_id")),
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
        dead_table: Table | None = None,
        max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
        topic_prefix: str = "",
    ) -> None:
        """Without `dead_table`, an unsendable row is retried like a transient failure.
        Rows name contract topics; each is sent to `topic_prefix` + its topic."""
        self._engine = engine
        self._table = table
        self._dead = dead_table
        self._max_bytes = max_message_bytes
        self._prefix = topic_prefix
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
        """Publish and delete up to one batch; returns how many rows left the outbox, sent
        or set aside (0: none, or locked)."""
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
                    select(table.c.id, table.c.event_id, table.c.topic, table.c.key,
                           table.c.value, table.c.headers)
                    .order_by(table.c.id)
                    .limit(self._batch_size)
                    .with_for_update()
                )
            ).all()
            if not rows:
                return 0
            dead: list[tuple[_Row, BaseException]] = []
            sending: list[_Row] = []
            futures: list[Awaitable[Any]] = []
            for row in rows:
                try:
                    futures.append(await self._send(row))
                except Exception as error:  # refused before sending: too large, bad topic
                    if not unsendable(error):
                        raise
                    dead.append((row, error))
                    continue
                sending.append(row)
            results = await asyncio.gather(*futures, return_exceptions=True)
            failed = [(row, result) for row, result in zip(sending, results, strict=True)
                      if isinstance(result, BaseException)]
            waiting: set[int] = set()
            if failed:
                dead_alone, waiting = await self._isolate(failed)
                dead += dead_alone
            if dead:
                await self._move_to_dead(conn, dead)
            # By id list, not range: a row with a lower id may commit after this read.
            await conn.execute(_delete_sent(table),
                               {"ids": [row.id for row in rows if row.id not in waiting]})
        handled = len(rows) - len(waiting)
        if self._on_published:
            self._on_published(handled - len(dead))
        return handled

    async def _send(self, row: _Row) -> Awaitable[Any]:
        key = row.key.encode() if row.key is not None else None
        headers = [(k, str(v).encode()) for k, v in (row.headers or {}).items()]
        size = record_size(row.value, key, headers)
        if size > self._max_bytes:
            raise RecordTooLarge(f"{size} bytes with overhead, over the limit of "
                                 f"{self._max_bytes}")
        return await self._producer.send(self._prefix + row.topic, value=row.value, key=key,
                                         headers=headers)

    async def _isolate(self, failed: list[tuple[_Row, BaseException]]
                       ) -> tuple[list[tuple[_Row, BaseException]], set[int]]:
        """Find the row the broker refused among a batch's failed sends.

        The broker refuses a whole produce batch for one record in it, and an idempotent
        producer's later batches of that partition then fail as out of order: the failed
        rows are resent one at a time, in id order, and the first that fails alone is set
        aside. Returns it (or nothing) and the ids of the failed rows after it, which wait
        for the next round. A transient or unknown failure raises: the batch is retried.
        """
        refused = [error for _, error in failed
                   if unsendable(error) or isinstance(error, _OUT_OF_SYNC)]
        if refused:
            resynchronise(self._producer)
        if len(refused) < len(failed):
            raise next(error for _, error in failed if error not in refused)
        for n, (row, _) in enumerate(failed):
            try:
                await (await self._send(row))
            except Exception as error:
                resynchronise(self._producer)
                if not unsendable(error):
                    raise
                return [(row, error)], {later.id for later, _ in failed[n + 1:]}
        return [], set()

    async def _move_to_dead(self, conn: AsyncConnection,
                            dead: list[tuple[_Row, BaseException]]) -> None:
        """Set rows aside in `outbox_dead` (deleted from the outbox with the sent ones)."""
        if self._dead is None:
            raise dead[0][1]
        for row, error in dead:
            log.error("outbox row set aside: it can never be sent", id=row.id,
                      event_id=row.event_id, topic=row.topic, reason=_reason(error))
        await conn.execute(_set_aside(self._table, self._dead),
                           [{"row_id": row.id, "reason": _reason(error)} for row, error in dead])

    async def run(self, stop: asyncio.Event) -> None:
        """Publish until `stop`: at once after a commit wakes it, every idle interval
        otherwise; a failed round is waited out (`shared.waits`) and tried again."""
        waits = RetryWaits("outbox relay", initial_s=0.1, max_s=self._backoff_max)
        while not stop.is_set():
            # Cleared before the read, not after it: a commit landing while a batch is
            # read or sent wakes the next wait instead of being lost to it (which left
            # its rows waiting out a whole idle interval).
            self._wake.clear()
            try:
                sent = await self._publish()
            except Exception as exc:
                if not is_transient(exc):
                    log.exception("outbox relay failed", error_type=type(exc).__name__)
                await waits.failed(exc)
                continue
            waits.succeeded()
            if sent is None:
                # A replica's relay is publishing; it may have read before our last
                # commit, so try again soon rather than after a whole idle interval.
                await asyncio.sleep(self._contended)
            elif sent == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self._idle)


async def outbox_status(engine: AsyncEngine, outbox: Table, dead: Table,
                        limit: int = 1000) -> dict[str, Any]:
    """What `GET /health/outbox` answers: how many rows wait, and the rows set aside
    (newest first, at most `limit`; never a value, which may carry personal data)."""
    async with engine.connect() as conn:
        pending = await conn.scalar(select(func.count()).select_from(outbox))
        dead_count = await conn.scalar(select(func.count()).select_from(dead))
        rows = (await conn.execute(
            select(dead.c.id, dead.c.event_id, dead.c.topic, dead.c.reason, dead.c.failed_at)
            .order_by(dead.c.id.desc()).limit(limit)
        )).all()
    return {
        "pending": int(pending or 0),
        "dead_count": int(dead_count or 0),
        "dead": [{"id": row.id, "event_id": row.event_id, "topic": row.topic,
                  "reason": row.reason, "failed_at": row.failed_at.isoformat()}
                 for row in rows],
    }
