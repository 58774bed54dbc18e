"""The outbox relay does not lose a wake: a commit that lands while the relay is reading
the outbox is published at once, not after the relay's idle interval."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import pytest

from devkit import probe
from devkit.infra import Infra
from devkit.wait import eventually
from shared.db import make_engine, make_session_factory
from shared.outbox import OutboxRelay
from shared.unit_of_work import UnitOfWork

pytestmark = pytest.mark.infra

IDLE_S = 60.0
"""Far longer than the test waits: a row published in time was not left to the idle poll."""


class RecordingProducer:
    """The relay's port to Kafka, keeping what it is given (the broker is not what this
    test is about)."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send(self, topic: str, value: bytes | None = None, key: bytes | None = None,
                   headers: list[tuple[str, bytes]] | None = None) -> asyncio.Future[Any]:
        self.sent.append(dict(headers or [])["ce_id"].decode())
        done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done


class CommitDuringRead(OutboxRelay):
    """After its first read finds nothing, another transaction commits a row and wakes
    the relay, before the relay goes back to waiting: the moment a wake used to be lost."""

    def __init__(self, *args: Any, stage: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._stage = stage
        self.staged: str | None = None

    async def _publish(self) -> int | None:
        sent = await super()._publish()
        if sent == 0 and self.staged is None:
            self.staged = await self._stage()
            self.wake()
        return sent


async def test_a_commit_during_an_empty_read_is_published_without_waiting(infra: Infra) -> None:
    await probe.reset(infra.admin_database_url)
    engine = make_engine(infra.admin_database_url)
    factory = make_session_factory(engine)

    async def stage() -> str:
        async with UnitOfWork(factory, probe.tables.outbox, "urn:test:relay") as uow:
            uow.publish(probe.request(), topic="plumbing.wakeup.v1")
            event_id = uow.published[0].id
            await uow.commit()
        return event_id

    producer = RecordingProducer()
    relay = CommitDuringRead(engine, probe.tables.outbox, producer, idle_interval_s=IDLE_S,
                             stage=stage)
    stop = asyncio.Event()
    running = asyncio.create_task(relay.run(stop))
    try:
        with contextlib.suppress(AssertionError):  # the asserts below say which step failed
            await eventually(lambda: relay.staged is not None and relay.staged in producer.sent,
                             5, "the staged row to be published", interval_s=0.05)
        assert relay.staged is not None, "the relay never read the empty outbox"
        assert producer.sent == [relay.staged], "the woken relay did not publish the row"
    finally:
        stop.set()
        relay.wake()
        await asyncio.wait_for(running, timeout=10)
        await engine.dispose()
