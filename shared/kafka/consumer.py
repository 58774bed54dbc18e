"""Consuming events: a batch of records, one transaction, inbox dedupe, dead letters.

For each batch from Kafka:

1. every record is decoded and validated against the contract; one that fails is
   dead-lettered (through the outbox) with the reason;
2. its id is claimed in the inbox; a redelivered id is skipped;
3. the handler for its type runs with the unit of work; a handler that raises
   (anything but a transient infrastructure error) dead-letters the message;
4. the transaction commits (state, inbox, outbox, dead letters), and only then
   the offsets are due for commit (`shared.kafka.offsets`).

The fast path runs the batch without savepoints; when a handler fails, the batch
is rolled back and run again with a savepoint per message, so the one bad message
is dead-lettered and the others keep their effects. A transient error (database or
broker away) rolls back, rewinds the partitions and retries with backoff: nothing is
dead-lettered for it and nothing is committed.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import structlog
from aiokafka import TopicPartition
from sqlalchemy import Table

from shared.contracts.base import EventData
from shared.contracts.envelope import CloudEvent
from shared.contracts.errors import MessageRejected
from shared.contracts.registry import decode, parse_data
from shared.errors import RACE_ATTEMPTS, is_transient, is_write_race
from shared.inbox import claim, claim_many
from shared.kafka.dead_letter import dead_letter, record_id
from shared.kafka.offsets import OffsetCommitter
from shared.logging import get_logger
from shared.unit_of_work import UnitOfWork

log = get_logger(__name__)

EventHandler = Callable[[Any, Any], Awaitable[None]]
RejectionHook = Callable[[CloudEvent | None, Any, MessageRejected, Any], Awaitable[None]]
TombstoneHandler = Callable[[str, Any], Awaitable[None]]
BatchHandler = Callable[[list[tuple[CloudEvent, Any]], Any], Awaitable[None]]


@dataclass
class Subscription:
    """What one consumer group of a service reads and how it reacts.

    `handlers` maps contract models to handlers; an event of a known type that the
    service does not handle is skipped (not an error). `on_rejected` lets a service
    answer a refused message in the same transaction (registration's `IntakeRejected`).
    """

    name: str
    topics: Sequence[str]
    handlers: Mapping[type[EventData], EventHandler]
    on_rejected: RejectionHook | None = None
    consumer_group: str | None = None
    on_tombstone: TombstoneHandler | None = None
    """For log-compacted topics: `(key, uow)` when a record's value is null (erasure)."""
    batch_handlers: Mapping[type[EventData], BatchHandler] = field(default_factory=dict)
    """Optional set-based handlers: `(list of (event, data), uow)` for a run of consecutive
    new events of one type. They must have the same effects as the per-message handler
    applied in order (publishing with `uow.caused_by(event)`); when one raises, the batch
    is rolled back and replayed message by message, so a bad message is isolated."""


@dataclass
class BatchOutcome:
    handled: int = 0
    duplicates: int = 0
    skipped: int = 0
    dead_lettered: int = 0
    dead: list[tuple[Any, CloudEvent | None, MessageRejected]] = field(default_factory=list)


@dataclass
class _Prepared:
    record: Any
    event: CloudEvent | None = None
    data: EventData | None = None
    handler: EventHandler | None = None
    error: MessageRejected | None = None
    tombstone: bool = False


class _HandlerFailed(Exception):
    def __init__(self, index: int, error: BaseException) -> None:
        super().__init__(str(error))
        self.index = index
        self.error = error


class BatchProcessor:
    def __init__(
        self,
        subscription: Subscription,
        uow_factory: Callable[[], UnitOfWork],
        inbox: Table,
        label: str | None = None,
    ) -> None:
        self.subscription = subscription
        self.uow_factory = uow_factory
        self.inbox = inbox
        self.label = label or subscription.name
        """Names this consumer in dead letters: `<service>.<subscription>`."""

    async def process(self, records: Sequence[Any]) -> BatchOutcome:
        """Handle a batch durably; raises only on transient errors (then nothing is stored)."""
        try:
            return await self._run(records, isolate=False)
        except _HandlerFailed:
            return await self._run(records, isolate=True)

    async def _run(self, records: Sequence[Any], isolate: bool) -> BatchOutcome:
        outcome = BatchOutcome()
        prepared = [self._prepare(record) for record in records]
        if not any(item.handler or item.error or item.tombstone for item in prepared):
            # Only events this consumer does not handle: no transaction to open.
            outcome.skipped = len(prepared)
            return outcome
        async with self.uow_factory() as uow:
            fresh: set[str] | None = None
            if not isolate:
                # One statement claims the whole batch; the slow path claims one by one.
                fresh = await claim_many(
                    uow.session, self.inbox, self.subscription.name,
                    [item.event.id for item in prepared if item.handler and item.event],
                )
            group: list[_Prepared] = []
            for index, item in enumerate(prepared):
                if fresh is not None and self._batchable(item, fresh):
                    if group and type(group[0].data) is not type(item.data):
                        await self._flush(uow, index, group, outcome)
                    assert item.event is not None
                    fresh.discard(item.event.id)
                    group.append(item)
                    continue
                await self._flush(uow, index, group, outcome)
                await self._one(uow, index, item, fresh, outcome)
            await self._flush(uow, len(prepared), group, outcome)
            await uow.commit()
        structlog.contextvars.unbind_contextvars("event_id", "event_type", "correlation_id")
        for record, event, error in outcome.dead:
            log.warning(
                "message dead-lettered",
                topic=record.topic, partition=record.partition, offset=record.offset,
                event_id=event.id if event else None, event_type=event.type if event else None,
                reason_kind=error.kind, reason=error.reason, failing_field=error.first_field,
            )
        return outcome

    def _batchable(self, item: _Prepared, fresh: set[str]) -> bool:
        return (
            item.event is not None and item.error is None and item.handler is not None
            and type(item.data) in self.subscription.batch_handlers and item.event.id in fresh
        )

    async def _flush(
        self, uow: UnitOfWork, index: int, group: list[_Prepared], outcome: BatchOutcome
    ) -> None:
        """Run a batch handler over the group gathered so far (then empty it)."""
        if not group:
            return
        items: list[tuple[CloudEvent, Any]] = []
        for item in group:
            assert item.event is not None and item.data is not None
            items.append((item.event, item.data))
        group.clear()
        handler = self.subscription.batch_handlers[type(items[0][1])]
        try:
            await handler(items, uow)
        except Exception as error:
            if is_transient(error):
                raise
            raise _HandlerFailed(index, error) from error
        outcome.handled += len(items)

    def _prepare(self, record: Any) -> _Prepared:
        """Decode and validate (no I/O): what to do with the record."""
        if record.value is None and self.subscription.on_tombstone and record.key is not None:
            return _Prepared(record, tombstone=True)
        try:
            event = decode(record.value)
        except MessageRejected as error:
            return _Prepared(record, error=error)
        try:
            data = parse_data(record.topic, event)
        except MessageRejected as error:
            return _Prepared(record, event=event, error=error)
        handler = self.subscription.handlers.get(type(data))
        return _Prepared(record, event=event, data=data, handler=handler)

    async def _one(
        self, uow: UnitOfWork, index: int, item: _Prepared, fresh: set[str] | None,
        outcome: BatchOutcome,
    ) -> None:
        record, event = item.record, item.event
        structlog.contextvars.unbind_contextvars("event_id", "event_type", "correlation_id")
        if item.tombstone:
            assert self.subscription.on_tombstone is not None
            await self.subscription.on_tombstone(record.key.decode(), uow)
            outcome.handled += 1
            return
        if event is None:
            assert item.error is not None
            await self._dead_letter(uow, None, record, item.error, outcome,
                                    claim_id=record_id(record))
            return
        structlog.contextvars.bind_contextvars(
            event_id=event.id, event_type=event.type, correlation_id=event.correlationid
        )
        if item.error is not None:
            await self._dead_letter(uow, event, record, item.error, outcome, claim_id=event.id)
            return
        if item.handler is None or item.data is None:
            outcome.skipped += 1
            return
        uow.cause = event
        try:
            if fresh is None:
                await self._isolated(uow, event, item.data, item.handler, outcome)
            elif event.id in fresh:
                fresh.discard(event.id)  # a second copy in the same batch is a duplicate
                await item.handler(item.data, uow)
                outcome.handled += 1
            else:
                outcome.duplicates += 1
        except Exception as error:
            if is_transient(error):
                raise
            if fresh is not None:
                raise _HandlerFailed(index, error) from error
            rejected = error if isinstance(error, MessageRejected) else MessageRejected(
                "rejected", f"{type(error).__name__}: {error}"
            )
            if not isinstance(error, MessageRejected):
                log.exception("handler failed", consumer=self.subscription.name)
            await self._dead_letter(uow, event, record, rejected, outcome, claim_id=event.id,
                                    exception_type=type(error).__name__)
        finally:
            uow.cause = None

    async def _isolated(
        self, uow: UnitOfWork, event: CloudEvent, data: EventData,
        handler: EventHandler, outcome: BatchOutcome,
    ) -> None:
        """One message in a savepoint of its own; a lost write race (another replica or
        the HTTP door created the same row meanwhile) is run again a few times, then
        treated as the handler's failure."""
        for attempt in range(1, RACE_ATTEMPTS + 1):
            try:
                async with uow.savepoint():
                    await self._claim_and_handle(uow, event, data, handler, outcome)
                return
            except Exception as error:
                if attempt == RACE_ATTEMPTS or not is_write_race(error):
                    raise

    async def _claim_and_handle(
        self, uow: UnitOfWork, event: CloudEvent, data: EventData,
        handler: EventHandler, outcome: BatchOutcome,
    ) -> None:
        if not await claim(uow.session, self.inbox, self.subscription.name, event.id):
            outcome.duplicates += 1
            return
        await handler(data, uow)
        outcome.handled += 1

    async def _dead_letter(
        self, uow: UnitOfWork, event: CloudEvent | None, record: Any, error: MessageRejected,
        outcome: BatchOutcome, claim_id: str, exception_type: str | None = None,
    ) -> None:
        async with uow.savepoint():
            if not await claim(uow.session, self.inbox, self.subscription.name, f"dlq:{claim_id}"):
                outcome.duplicates += 1
                return
            uow.publish_message(
                dead_letter(record, error, self.label, exception_type)
            )
            if self.subscription.on_rejected is not None:
                uow.cause = event
                await self.subscription.on_rejected(event, record, error, uow)
        outcome.dead_lettered += 1
        outcome.dead.append((record, event, error))


class Backoff:
    """Exponential backoff for transient failures, reset by a success."""

    def __init__(self, initial_s: float = 0.5, maximum_s: float = 30.0) -> None:
        self.initial, self.maximum, self.current = initial_s, maximum_s, initial_s

    def reset(self) -> None:
        self.current = self.initial

    async def wait(self) -> None:
        await asyncio.sleep(self.current)
        self.current = min(self.current * 2, self.maximum)


async def run_batch(processor: BatchProcessor, message: Any, backoff: Backoff,
                    offsets: OffsetCommitter, linger_s: float = 0.0,
                    max_records: int = 500) -> None:
    """What a FastStream batch subscriber does with one batch (`message` is its KafkaMessage).

    A batch smaller than `max_records` first waits `linger_s` and takes what arrived
    meanwhile: at a trickle, one transaction (and one relay round, one commit) for
    several messages instead of one each. Success: its offsets are due for commit.
    Transient failure: rewind every partition of the batch and back off.
    """
    records = message.raw_message
    batch = list(records) if isinstance(records, tuple | list) else [records]
    if not batch:
        return
    generation = offsets.generation
    if linger_s and len(batch) < max_records:
        await asyncio.sleep(linger_s)
        # The subscriber's loop is waiting for this handler: nothing else reads meanwhile.
        more = await message.consumer.getmany(timeout_ms=0,
                                              max_records=max_records - len(batch))
        for arrived in more.values():
            batch.extend(arrived)
    try:
        await processor.process(batch)
    except Exception as error:
        if not is_transient(error):
            log.exception("unexpected failure handling a batch; will retry")
        else:
            log.warning("transient failure, retrying batch", error_type=type(error).__name__,
                        backoff_s=backoff.current)
        rewind(message.consumer, batch)
        await backoff.wait()
        return
    backoff.reset()
    await offsets.handled(batch, generation)


def rewind(consumer: Any, records: Sequence[Any]) -> None:
    """Seek each partition of `records` back to its earliest one: they are fetched again."""
    earliest: dict[TopicPartition, int] = {}
    for record in records:
        tp = TopicPartition(record.topic, record.partition)
        earliest[tp] = min(record.offset, earliest.get(tp, record.offset))
    for tp, offset in earliest.items():
        with contextlib.suppress(Exception):
            # A partition revoked meanwhile: its next owner starts at the committed offset.
            consumer.seek(tp, offset)
