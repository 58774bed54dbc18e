"""Unit of work: one Postgres transaction holding a service's state changes and the
events it publishes (staged into the outbox at commit).

    async with uow:
        ...            # repositories use uow.session
        uow.publish(SomethingHappened(...))
        await uow.commit()

A service subclasses `UnitOfWork` to add its repositories in `_open()`; what else its
repositories need (settings, a cache kept between transactions) its `__init__` takes as
keyword arguments after the plumbing's, and `bootstrap` hands the runtime a
`functools.partial` of the class (a `UnitOfWorkFactory`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any, Protocol, Self

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.contracts.base import EventData
from shared.contracts.envelope import CloudEvent, new_event
from shared.contracts.registry import topic_of
from shared.outbox import OutboxMessage, message_for, stage, tombstone


class UnitOfWorkFactory(Protocol):
    """What the runtime calls to open a unit of work for a request, batch or job."""

    def __call__(self, session_factory: async_sessionmaker[AsyncSession], outbox: Table,
                 source: str, after_commit: Callable[[], None] | None = None) -> UnitOfWork: ...


class UnitOfWork:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        outbox: Table,
        source: str,
        after_commit: Callable[[], None] | None = None,
    ) -> None:
        self._session_factory = session_factory
        self._outbox = outbox
        self.source = source
        self._after_commit = after_commit
        self._pending: list[OutboxMessage] = []
        self.published: list[CloudEvent] = []
        self.cause: CloudEvent | None = None
        """The event being handled, if any: new events join its flow."""
        self.cause_topic: str | None = None
        """The contract topic `cause` was read from (a sender's intake topic names the
        sender: `shared.contracts.topics.sender_of`)."""
        self.session: AsyncSession

    async def __aenter__(self) -> Self:
        self.session = self._session_factory()
        await self.session.begin()
        self._pending = []
        self.published = []
        self._open()
        return self

    def _open(self) -> None:
        """Hook: build repositories on `self.session`."""

    async def __aexit__(self, *exc_info: Any) -> None:
        try:
            if self.session.in_transaction():
                await self.session.rollback()
        finally:
            await self.session.close()

    def publish(
        self,
        data: EventData,
        *,
        subject: str | None = None,
        topic: str | None = None,
        correlationid: str | None = None,
    ) -> CloudEvent:
        """Stage an event; it reaches Kafka only if this unit of work commits."""
        event = new_event(
            data,
            source=self.source,
            subject=subject if subject is not None else default_subject(data),
            cause=self.cause,
            correlationid=correlationid,
        )
        key = data.kafka_key(event.subject)
        self._pending.append(message_for(event, topic or topic_of(data), key))
        self.published.append(event)
        return event

    def publish_message(self, message: OutboxMessage) -> None:
        """Stage a ready-made message (a tombstone, a dead letter)."""
        self._pending.append(message)

    def publish_tombstone(self, topic: str, key: str, event_id: str) -> None:
        self._pending.append(tombstone(topic, key, event_id))

    @contextmanager
    def caused_by(self, event: CloudEvent) -> Iterator[None]:
        """Within this block, published events name `event` as their cause."""
        previous, self.cause = self.cause, event
        try:
            yield
        finally:
            self.cause = previous

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """A nested transaction: on error, its writes and staged events are undone."""
        mark_pending, mark_published = len(self._pending), len(self.published)
        try:
            async with self.session.begin_nested():
                yield
        except BaseException:
            del self._pending[mark_pending:]
            del self.published[mark_published:]
            raise

    async def commit(self) -> None:
        await stage(self.session, self._outbox, self._pending)
        await self.session.commit()
        staged = bool(self._pending)
        self._pending = []
        if staged and self._after_commit:
            self._after_commit()

    async def rollback(self) -> None:
        self._pending = []
        self.published = []
        await self.session.rollback()


def default_subject(data: EventData) -> str | None:
    """The aggregate an event is about: its first `*_id` field (request_id, offer_id...)."""
    for name in type(data).model_fields:
        if name.endswith("_id"):
            value = getattr(data, name)
            if value is not None:
                return str(value)
    return None
