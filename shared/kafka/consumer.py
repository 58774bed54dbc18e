"""Consuming events: a batch of records, one transaction, inbox dedupe, dead letters.

For each batch from Kafka:

1. every record is decoded (a CloudEvent in structured or binary mode,
   `shared.contracts.binding`) and validated against the contract; one that fails is
   dead-lettered (through the outbox) with the reason;
2. its id is claimed in the inbox with a digest of its content; a redelivered id
   is skipped, a reused id with another payload is dead-lettered as a conflict;
3. the handler for its type runs with the unit of work; a handler that raises
   (anything but a transient infrastructure error) dead-letters the message;
4. the transaction commits (state, inbox, outbox, dead letters), and only then
   the offsets are due for commit (`shared.kafka.offsets`).

The fast path runs the batch without savepoints; when a handler fails, the batch
is rolled back and run again with a savepoint per message, so the one bad message
is dead-lettered and the others keep their effects. A transient error (database or
broker away) rolls back: nothing is dead-lettered for it and nothing is committed, and
the batch is rewound and tried again (`shared.kafka.delivery`). Any other failure of the
batch as a whole (a bug, a value the database refuses) is tried `max_attempts` times;
then each record is handled alone (`process_alone`), and one that still fails is
dead-lettered with the error's type: whatever bytes arrive, the partition moves on.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import structlog
from sqlalchemy import Table
from sqlalchemy.exc import DBAPIError

from shared.contracts.base import EventData
from shared.contracts.binding import decode_message
from shared.contracts.envelope import CloudEvent
from shared.contracts.errors import MessageRejected
from shared.contracts.registry import parse_data
from shared.inbox import Claim, Claims, Inbox, InboxTable, digest
from shared.kafka.dead_letter import DEFAULT_MAX_MESSAGE_BYTES, dead_letter, record_id
from shared.kafka.naming import logical, physical
from shared.kafka.progress import Progress
from shared.logging import get_logger
from shared.transient import RACE_ATTEMPTS, is_transient, is_write_race
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
    pattern: str | None = None
    """Instead of `topics`: a regular expression over contract topic names (the broker's
    carry the prefix), for topics that come and go (registration's senders' intake)."""
    auto_offset_reset: Literal["earliest", "latest"] | None = None
    """Where this group starts on a partition it has no offset for (default: settings')."""


@dataclass
class BatchOutcome:
    handled: int = 0
    duplicates: int = 0
    skipped: int = 0
    dead_lettered: int = 0
    dead: list[tuple[Any, CloudEvent | None, MessageRejected]] = field(default_factory=list)

    def add(self, other: BatchOutcome) -> None:
        self.handled += other.handled
        self.duplicates += other.duplicates
        self.skipped += other.skipped
        self.dead_lettered += other.dead_lettered
        self.dead += other.dead


@dataclass
class _Prepared:
    record: Any
    event: CloudEvent | None = None
    data: EventData | None = None
    handler: EventHandler | None = None
    error: MessageRejected | None = None
    tombstone: str | None = None
    """The key of a tombstone (a null value on a log-compacted topic)."""
    digest: str | None = None


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
        inbox: Table | Inbox,
        label: str | None = None,
        max_attempts: int = 3,
        max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
        topic_prefix: str = "",
    ) -> None:
        self.subscription = subscription
        self._contract_topics = {physical(topic_prefix, t): t for t in subscription.topics}
        """Broker topic → contract topic (they differ with a topic prefix)."""
        self._prefix = topic_prefix
        self.uow_factory = uow_factory
        self.inbox: Inbox = InboxTable(inbox) if isinstance(inbox, Table) else inbox
        """The service's inbox table, or what a unit test has instead (`shared.inbox.Inbox`)."""
        self.label = label or subscription.name
        """Names this consumer in dead letters: `<service>.<subscription>`."""
        self.max_attempts = max_attempts
        self.max_message_bytes = max_message_bytes
        self.failures = 0
        """Consecutive failures of whole batches with an error not known to be transient."""
        self.progress = Progress()

    async def process(self, records: Sequence[Any]) -> BatchOutcome:
        """Handle a batch durably; raises only on transient errors (then nothing is stored)
        and on failures the batch as a whole cannot get past (see `process_alone`)."""
        try:
            return await self._run(records, isolate=False)
        except _HandlerFailed:
            return await self._run(records, isolate=True)

    async def process_alone(self, records: Sequence[Any]) -> BatchOutcome:
        """After `max_attempts` failed tries of a batch: each record in a transaction of
        its own, and one that fails again is dead-lettered with the error's type."""
        total = BatchOutcome()
        for record in records:
            try:
                outcome = await self.process([record])
            except Exception as error:
                if is_transient(error):
                    raise
                log.exception("message failed alone; dead-lettering it",
                              topic=record.topic, partition=record.partition,
                              offset=record.offset)
                outcome = await self._give_up(record, error)
            total.add(outcome)
        return total

    async def _give_up(self, record: Any, error: Exception) -> BatchOutcome:
        outcome = BatchOutcome()
        rejected = MessageRejected(
            "rejected", f"failed {self.max_attempts} times: {type(error).__name__}")
        async with self.uow_factory() as uow:
            await self._dead_letter(uow, None, record, rejected, outcome,
                                    claim_id=record_id(record),
                                    exception_type=type(error).__name__, answer=False)
            await uow.commit()
        return outcome

    async def _run(self, records: Sequence[Any], isolate: bool) -> BatchOutcome:
        outcome = BatchOutcome()
        prepared = [self._prepare(record) for record in records]
        if not any(item.handler or item.error or item.tombstone is not None for item in prepared):
            # Only events this consumer does not handle: no transaction to open.
            outcome.skipped = len(prepared)
            return outcome
        async with self.uow_factory() as uow:
            claims: Claims | None = None
            if not isolate:
                # One statement claims the whole batch; the slow path claims one by one.
                claims = await self.inbox.claim_many(
                    uow.session, self.subscription.name,
                    [(item.event.id, item.digest) for item in prepared
                     if item.handler and item.event and item.error is None],
                )
            group: list[_Prepared] = []
            for index, item in enumerate(prepared):
                if claims is not None and self._batchable(item, claims):
                    if group and type(group[0].data) is not type(item.data):
                        await self._flush(uow, index, group, outcome)
                    assert item.event is not None
                    claims.take(item.event.id, item.digest)
                    group.append(item)
                    continue
                await self._flush(uow, index, group, outcome)
                await self._one(uow, index, item, claims, outcome)
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

    def _batchable(self, item: _Prepared, claims: Claims) -> bool:
        return (
            item.event is not None and item.error is None and item.handler is not None
            and type(item.data) in self.subscription.batch_handlers
            and claims.is_new(item.event.id)
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

    def contract_topic(self, record: Any) -> str:
        """The contract's name of the record's topic (the broker's may carry a prefix)."""
        return (self._contract_topics.get(record.topic)
                or logical(self._prefix, record.topic))

    def _prepare(self, record: Any) -> _Prepared:
        """Decode and validate (no I/O): what to do with the record. Never raises."""
        try:
            return self._decide(record)
        except Exception as error:  # a bug in a validator must not hold the partition
            log.exception("validating a message failed", topic=record.topic,
                          partition=record.partition, offset=record.offset)
            return _Prepared(record, error=MessageRejected(
                "schema_violation", f"cannot be validated: {type(error).__name__}"))

    def _decide(self, record: Any) -> _Prepared:
        if record.value is None and self.subscription.on_tombstone and record.key is not None:
            key = text_key(record.key)
            if key is None:
                return _Prepared(record, error=MessageRejected(
                    "malformed_json", "a tombstone's key is not printable UTF-8 text"))
            return _Prepared(record, tombstone=key)
        try:  # structured or binary mode; a test's stand-in record may have neither
            event = decode_message(record.value, getattr(record, "headers", None),
                                   getattr(record, "timestamp", None))
        except MessageRejected as error:
            return _Prepared(record, error=error)
        content = digest(event)
        try:
            data = parse_data(self.contract_topic(record), event)
        except MessageRejected as error:
            return _Prepared(record, event=event, error=error, digest=content)
        handler = self.subscription.handlers.get(type(data))
        return _Prepared(record, event=event, data=data, handler=handler, digest=content)

    async def _one(
        self, uow: UnitOfWork, index: int, item: _Prepared, claims: Claims | None,
        outcome: BatchOutcome,
    ) -> None:
        record, event = item.record, item.event
        structlog.contextvars.unbind_contextvars("event_id", "event_type", "correlation_id")
        if item.tombstone is not None:
            assert self.subscription.on_tombstone is not None
            await self.subscription.on_tombstone(item.tombstone, uow)
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
            await self._dead_letter(uow, event, record, item.error, outcome, claim_id=event.id,
                                    digest=item.digest)
            return
        if item.handler is None or item.data is None:
            outcome.skipped += 1
            return
        verdict = claims.take(event.id, item.digest) if claims is not None else None
        if verdict is not Claim.CONFLICT:
            verdict = await self._handle(uow, index, event, item, claims, verdict, outcome)
        if verdict is Claim.CONFLICT:
            await self._conflict(uow, event, record, outcome)

    async def _handle(
        self, uow: UnitOfWork, index: int, event: CloudEvent, item: _Prepared,
        claims: Claims | None, verdict: Claim | None, outcome: BatchOutcome,
    ) -> Claim | None:
        """Run the handler of one new event (claimed in the batch's `claims`, or here in a
        savepoint of its own when there are none); the verdict of its claim. A failure in
        a batch fails the batch (`_HandlerFailed`); alone, the event is dead-lettered."""
        assert item.handler is not None
        uow.cause, uow.cause_topic = event, self.contract_topic(item.record)
        try:
            if claims is None:
                return await self._isolated(uow, event, item, outcome)
            if verdict is Claim.NEW:  # a second copy in the same batch is a duplicate
                await item.handler(item.data, uow)
                outcome.handled += 1
            else:
                outcome.duplicates += 1
            return verdict
        except Exception as error:
            if is_transient(error):
                raise
            if claims is not None:
                raise _HandlerFailed(index, error) from error
            rejected = error if isinstance(error, MessageRejected) else MessageRejected(
                "rejected", failure_reason(error)
            )
            if not isinstance(error, MessageRejected):
                log.exception("handler failed", consumer=self.subscription.name)
            await self._dead_letter(uow, event, item.record, rejected, outcome,
                                    claim_id=event.id, exception_type=type(error).__name__)
            return None
        finally:
            uow.cause = uow.cause_topic = None

    async def _isolated(
        self, uow: UnitOfWork, event: CloudEvent, item: _Prepared, outcome: BatchOutcome,
    ) -> Claim:
        """One message in a savepoint of its own; a lost write race (another replica or
        the HTTP door created the same row meanwhile) is run again a few times, then
        treated as the handler's failure."""
        for attempt in range(1, RACE_ATTEMPTS + 1):
            try:
                async with uow.savepoint():
                    return await self._claim_and_handle(uow, event, item, outcome)
            except Exception as error:
                if attempt == RACE_ATTEMPTS or not is_write_race(error):
                    raise
        raise AssertionError("unreachable")

    async def _claim_and_handle(
        self, uow: UnitOfWork, event: CloudEvent, item: _Prepared, outcome: BatchOutcome,
    ) -> Claim:
        assert item.handler is not None
        verdict = await self.inbox.claim(uow.session, self.subscription.name, event.id,
                                         item.digest)
        if verdict is Claim.NEW:
            await item.handler(item.data, uow)
            outcome.handled += 1
        elif verdict is Claim.DUPLICATE:
            outcome.duplicates += 1
        return verdict

    async def _conflict(self, uow: UnitOfWork, event: CloudEvent, record: Any,
                        outcome: BatchOutcome, was: MessageRejected | None = None) -> None:
        """A reused event id with another payload: dead-lettered (and answered), never
        taken for a redelivery; claimed by the record's position, which is its own."""
        reason = (f"event id {event.id!r} was already used for another message; "
                  "an id names one event")
        if was is not None:
            reason += f" (and it is refused: {was.reason})"
        await self._dead_letter(uow, event, record, MessageRejected("conflict", reason),
                                outcome, claim_id=record_id(record))

    async def _dead_letter(
        self, uow: UnitOfWork, event: CloudEvent | None, record: Any, error: MessageRejected,
        outcome: BatchOutcome, claim_id: str, exception_type: str | None = None,
        digest: str | None = None, answer: bool = True,
    ) -> None:
        async with uow.savepoint():
            verdict = await self.inbox.claim(uow.session, self.subscription.name,
                                             f"dlq:{claim_id}", digest)
            if verdict is Claim.DUPLICATE:
                outcome.duplicates += 1
                return
            if verdict is Claim.NEW:
                uow.publish_message(dead_letter(record, error, self.label, exception_type,
                                                max_bytes=self.max_message_bytes,
                                                topic=self.contract_topic(record)))
                if answer and self.subscription.on_rejected is not None:
                    uow.cause, uow.cause_topic = event, self.contract_topic(record)
                    await self.subscription.on_rejected(event, record, error, uow)
        if verdict is Claim.CONFLICT:  # refused before, under the same id, as another message
            assert event is not None
            await self._conflict(uow, event, record, outcome, was=error)
            return
        outcome.dead_lettered += 1
        outcome.dead.append((record, event, error))


def failure_reason(error: BaseException) -> str:
    """What a dead letter says of a handler's crash. Of a database error only its kind:
    its text holds the statement and its parameters, which may be personal data."""
    if isinstance(error, DBAPIError):
        return f"{type(error).__name__} ({type(error.orig).__name__})"
    return f"{type(error).__name__}: {error}"


def text_key(key: bytes) -> str | None:
    """A record key as text, or None when it is not printable UTF-8 (it could be stored
    nowhere: Postgres text refuses NUL)."""
    try:
        text = key.decode()
    except UnicodeDecodeError:
        return None
    return text if text.isprintable() else None
