"""Fakes for driving the consumer without a broker or a database: records as aiokafka
builds them, a partition log the batch is fetched from (and rewound into), and a
transactional store behind the real `UnitOfWork` and a fake `shared.inbox.Inbox`.

The store keeps what Postgres would: the inbox claims, the handlers' effects and the
outbox rows, visible to others only once committed; a savepoint rolls back to where it
began. `refused` makes it refuse a commit holding the effect of a given request (as a
constraint would: an error not known to be transient); `away` makes the next claims
fail as if the database were gone (transient).
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

from aiokafka import TopicPartition
from aiokafka.structs import ConsumerRecord
from sqlalchemy import MetaData
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.sql.dml import Insert

from shared.contracts.envelope import CloudEvent, new_event
from shared.contracts.registration import PlacementRequested
from shared.contracts.registry import encode
from shared.errors import Rejected
from shared.inbox import Claim, Claims
from shared.tables import outbox_table
from shared.unit_of_work import UnitOfWork

OUTBOX = outbox_table(MetaData(schema="fake"))


@dataclass
class State:
    claims: dict[tuple[str, str], str | None] = field(default_factory=dict)
    effects: list[str] = field(default_factory=list)
    """The request ids the handler has acted on, in order."""
    outbox: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Store:
    committed: State = field(default_factory=State)
    refused: set[str] = field(default_factory=set)
    away: int = 0
    """How many of the next claims fail as if the database were gone."""
    commits: int = 0

    def uow(self) -> UnitOfWork:
        factory = cast(async_sessionmaker[AsyncSession], lambda: Session(self))
        return UnitOfWork(factory, OUTBOX, "urn:test:consumer")

    def letters(self) -> list[dict[str, Any]]:
        return [row for row in self.committed.outbox if row["topic"].endswith(".dlq")]


class Session:
    """What `UnitOfWork` and the handlers use of an `AsyncSession`."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.state = State()
        self._open = False

    async def begin(self) -> None:
        self.state = copy.deepcopy(self.store.committed)
        self._open = True

    def in_transaction(self) -> bool:
        return self._open

    @asynccontextmanager
    async def begin_nested(self) -> AsyncIterator[None]:
        mark = copy.deepcopy(self.state)
        try:
            yield
        except BaseException:
            self.state = mark
            raise

    async def execute(self, statement: Any, rows: Sequence[dict[str, Any]]) -> None:
        assert isinstance(statement, Insert) and statement.table is OUTBOX, statement
        self.state.outbox.extend(rows)

    async def commit(self) -> None:
        refused = self.store.refused.intersection(self.state.effects)
        if refused:
            raise IntegrityError("INSERT INTO effects ...", {}, ValueError("check violated"))
        self.store.committed = self.state
        self.store.commits += 1
        self._open = False

    async def rollback(self) -> None:
        self._open = False

    async def close(self) -> None:
        self._open = False


class Inbox:
    """`shared.inbox.Inbox` on the store's transaction, with Postgres' answers."""

    def _claims(self, session: Any) -> dict[tuple[str, str], str | None]:
        store: Store = session.store
        if store.away:
            store.away -= 1
            raise OperationalError("INSERT INTO inbox ...", {},
                                   ConnectionResetError("the database went away"))
        claims: dict[tuple[str, str], str | None] = session.state.claims
        return claims

    async def claim(self, session: Any, consumer: str, event_id: str,
                    event_digest: str | None = None) -> Claim:
        claims = self._claims(session)
        if (consumer, event_id) not in claims:
            claims[consumer, event_id] = event_digest
            return Claim.NEW
        stored = claims[consumer, event_id]
        return Claim.CONFLICT if stored and event_digest and stored != event_digest \
            else Claim.DUPLICATE

    async def claim_many(self, session: Any, consumer: str,
                         events: Sequence[tuple[str, str | None]]) -> Claims:
        claims = self._claims(session)
        unique: dict[str, str | None] = {}
        for event_id, event_digest in events:
            unique.setdefault(event_id, event_digest)
        new = {event_id for event_id in unique if (consumer, event_id) not in claims}
        for event_id in new:
            claims[consumer, event_id] = unique[event_id]
        return Claims(new, {event_id: unique[event_id] if event_id in new
                            else claims[consumer, event_id] for event_id in unique})


async def act(data: PlacementRequested, uow: UnitOfWork) -> None:
    """The handler: priority -1 is refused (`Rejected`), -2 crashes; any other is acted on."""
    if data.priority == -1:
        raise Rejected.field("data.priority", "refused")
    if data.priority == -2:
        raise RuntimeError("the handler crashes on priority -2")
    session = cast(Session, uow.session)
    session.state.effects.append(str(data.request_id))


def event(priority: int = 0, event_id: str | None = None) -> CloudEvent:
    data = PlacementRequested(
        request_id=uuid.uuid4(), participant_id=uuid.uuid4(), municipality_code="1380",
        program="work_trial", period_start=date(2027, 3, 1), period_end=date(2027, 4, 30),
        priority=priority)
    return new_event(data, source="urn:test", event_id=event_id)


def request_id(of: CloudEvent) -> str:
    return str(of.data["request_id"])


class Log:
    """Partitions of one topic as a consumer sees them: `fetch` hands out what lies past
    each partition's position and moves it on, `seek` sets it back (a rewind)."""

    def __init__(self, topic: str, partitions: int = 1) -> None:
        self.topic = topic
        self.records: dict[int, list[ConsumerRecord[bytes, bytes]]] = {
            p: [] for p in range(partitions)}
        self.positions = dict.fromkeys(range(partitions), 0)

    def append(self, value: bytes | CloudEvent, partition: int = 0,
               key: bytes = b"1380", headers: list[tuple[str, bytes]] | None = None,
               ) -> ConsumerRecord[bytes, bytes]:
        """Add a record (`headers`: the sender's, default a structured event's)."""
        raw = encode(value) if isinstance(value, CloudEvent) else value
        log = self.records[partition]
        record = ConsumerRecord(self.topic, partition, len(log), 0, 0, key, raw, None,
                                len(key), len(raw),
                                [("ce_type", b"PlacementRequested")] if headers is None
                                else headers)
        log.append(record)
        return record

    def fetch(self, max_records: int = 500) -> tuple[ConsumerRecord[bytes, bytes], ...]:
        batch: list[ConsumerRecord[bytes, bytes]] = []
        for partition, log in self.records.items():
            taken = log[self.positions[partition]:][:max_records - len(batch)]
            self.positions[partition] += len(taken)
            batch += taken
        return tuple(batch)

    def seek(self, tp: TopicPartition, offset: int) -> None:
        assert tp.topic == self.topic
        self.positions[tp.partition] = offset

    async def getmany(self, timeout_ms: int = 0, max_records: int = 500
                      ) -> dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]]:
        fetched: dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]] = {}
        for record in self.fetch(max_records):
            fetched.setdefault(TopicPartition(record.topic, record.partition), []).append(record)
        return fetched


@dataclass
class Delivery:
    """What a batch subscriber hands its handler (FastStream's KafkaMessage, in part)."""

    raw_message: tuple[ConsumerRecord[bytes, bytes], ...]
    consumer: Log
