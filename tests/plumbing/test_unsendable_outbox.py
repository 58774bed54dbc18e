"""An outbox row that can never be sent is set aside (`outbox_dead`, with the reason) and
the rows after it go on, in order: the relay no longer retries it for ever."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from devkit.bus import TopicReader, topic_prefix
from devkit.infra import Infra
from devkit.publisher import Publisher
from devkit.services import http_client, service_settings
from shared.contracts.topics import TopicSpec, dead_letter_topic
from shared.db import make_engine, make_session_factory, service_metadata
from shared.errors import Rejected
from shared.kafka.admin import ensure_topics
from shared.kafka.clients import make_producer
from shared.kafka.dead_letter import (
    HEADER_OFFSET,
    HEADER_PARTITION,
    HEADER_TOPIC,
    HEADER_TRUNCATED,
    dead_letter,
)
from shared.outbox import OutboxMessage, OutboxRelay, stage
from shared.runtime import Service
from shared.settings import ServiceSettings
from shared.tables import Tables

pytestmark = pytest.mark.infra

KEY = "1380"
"""One key for every row: one partition, so the order on the topic is the outbox's."""


@dataclass
class Outbox:
    engine: AsyncEngine
    tables: Tables
    producer: AIOKafkaProducer
    relay: OutboxRelay

    async def stage_messages(self, messages: list[OutboxMessage]) -> None:
        async with make_session_factory(self.engine)() as session, session.begin():
            await stage(session, self.tables.outbox, messages)

    async def stage(self, topic: str, sizes: list[int]) -> list[str]:
        """Commit one row per size (its value that many bytes); returns their event ids."""
        messages = [
            OutboxMessage(topic=topic, key=KEY, value=b"x" * size,
                          event_id=f"row-{n}-{uuid.uuid4().hex[:6]}",
                          headers={"ce_id": f"row-{n}"})
            for n, size in enumerate(sizes)
        ]
        await self.stage_messages(messages)
        return [m.event_id for m in messages]

    async def drain(self) -> None:
        """Run the relay until the outbox is empty (a bounded number of rounds)."""
        for _ in range(20):
            if await self.relay.publish_batch() == 0:
                return
        raise AssertionError("the relay did not empty the outbox in 20 rounds")

    async def dead(self) -> dict[str, str]:
        """event_id → reason of the rows set aside."""
        dead = self.tables.outbox_dead
        async with self.engine.connect() as conn:
            rows = (await conn.execute(select(dead.c.event_id, dead.c.reason))).all()
        return {row.event_id: row.reason for row in rows}


@pytest.fixture
async def outbox(infra: Infra) -> AsyncIterator[Outbox]:
    """An outbox and outbox_dead in a schema of this test's own, and a relay over them
    with the services' producer and the default record limit."""
    schema = f"plumbing_unsendable_{uuid.uuid4().hex[:8]}"
    tables = Tables.for_metadata(service_metadata(schema))
    engine = make_engine(infra.admin_database_url)
    async with engine.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        await conn.run_sync(tables.metadata.create_all)
    producer = make_producer(infra.kafka_bootstrap, "test-unsendable",
                             security=infra.kafka_security)
    await producer.start()
    relay = OutboxRelay(engine, tables.outbox, producer, dead_table=tables.outbox_dead,
                        topic_prefix=topic_prefix())
    try:
        yield Outbox(engine, tables, producer, relay)
    finally:
        await producer.stop()
        async with engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await engine.dispose()


async def _topic(infra: Infra, config: dict[str, str] | None = None) -> str:
    """A topic of this test's own, one partition, and its `.dlq` twin."""
    name = f"plumbing.unsendable.{uuid.uuid4().hex[:10]}.v1"
    await ensure_topics(infra.kafka_bootstrap, 1, [TopicSpec(name, config or {}),
                                                   TopicSpec(dead_letter_topic(name))],
                        prefix=topic_prefix(), security=infra.kafka_security)
    return name


def _ids(reader: TopicReader) -> list[str]:
    return [dict(r.headers)["ce_id"].decode() for r in reader.records]


async def test_an_oversized_row_is_set_aside_and_the_rows_around_it_go_out_in_order(
    infra: Infra, outbox: Outbox
) -> None:
    topic = await _topic(infra)
    async with TopicReader(infra.kafka_bootstrap, [topic]) as reader:
        # 1,169,374 bytes: the IntakeRejected of the issue, over the 1,000,000 limit.
        staged = await outbox.stage(topic, [100, 200, 1_169_374, 300, 400])
        await outbox.drain()
        await reader.wait_for(lambda records: len(records) >= 4)
    assert _ids(reader) == ["row-0", "row-1", "row-3", "row-4"]
    dead = await outbox.dead()
    assert list(dead) == [staged[2]]
    assert "RecordTooLarge" in dead[staged[2]] and "1000000" in dead[staged[2]]

    # The operators' view: what waits, what was set aside, never the value.
    settings = ServiceSettings(**service_settings(infra, "plumbing",
                                                  database_url=infra.admin_database_url))
    service = Service(name="plumbing", settings=settings, tables=outbox.tables)
    try:
        async with http_client(service) as client:
            response = await client.get("/health/outbox")
    finally:
        await service.engine.dispose()
    assert response.status_code == 200
    status = response.json()
    assert status["pending"] == 0 and status["dead_count"] == 1
    [row] = status["dead"]
    assert row["event_id"] == staged[2] and row["topic"] == topic
    assert set(row) == {"id", "event_id", "topic", "reason", "failed_at"}


async def test_a_row_the_topic_refuses_is_set_aside_and_later_rows_go_on(
    infra: Infra, outbox: Outbox
) -> None:
    """Under the producer's limit, over the topic's `max.message.bytes`: the broker refuses
    the whole produce batch it is in; the relay finds the one row, and its producer still
    sends to that partition afterwards (its sequence numbers are not left out of step)."""
    topic = await _topic(infra, {"max.message.bytes": "10000"})
    async with TopicReader(infra.kafka_bootstrap, [topic]) as reader:
        staged = await outbox.stage(topic, [100, 200, 50_000, 300, 400])
        await outbox.drain()
        later = await outbox.stage(topic, [500, 600])
        await outbox.drain()
        await reader.wait_for(lambda records: len(records) >= 6)
    assert _ids(reader) == ["row-0", "row-1", "row-3", "row-4", "row-0", "row-1"]
    assert [dict(r.headers)["ce_id"] for r in reader.records][-2:] == [b"row-0", b"row-1"]
    assert {r.value for r in reader.records[-2:]} == {b"x" * 500, b"x" * 600}
    dead = await outbox.dead()
    assert list(dead) == [staged[2]]
    assert "MessageSizeTooLarge" in dead[staged[2]]
    assert later[0] not in dead


async def test_the_dead_letter_of_a_record_just_under_the_broker_limit_is_cut_to_fit(
    infra: Infra, outbox: Outbox
) -> None:
    """The broker takes a record of 1,040,000 bytes (its limit is 1,048,588), but that
    plus the `dlq.*` headers is more than the services publish: the dead letter carries a
    cut value, says so, and points at the original; the broker accepts it."""
    topic = await _topic(infra)
    dlq = dead_letter_topic(topic)
    original = b"{" + b"\x00\xff" * 519_999 + b"}"
    async with TopicReader(infra.kafka_bootstrap, [topic, dlq]) as reader:
        async with Publisher(infra.kafka_bootstrap) as publisher:
            await publisher.send_raw(topic, original, key="1380",
                                     headers=[("ce_id", b"big\x00\xed\xa0\x80")])
        [record] = await reader.wait_for(lambda records: len(records) >= 1)
        await outbox.stage_messages([dead_letter(
            record, Rejected.field("data.preferences", "far too many"), "test-consumer")])
        await outbox.drain()
        letters = await reader.wait_for(
            lambda records: any(r.topic == dlq for r in records))
    [letter] = [r for r in letters if r.topic == dlq]
    headers = {k: v.decode() for k, v in letter.headers}
    assert headers[HEADER_TRUNCATED] == str(len(original))
    assert (headers[HEADER_TOPIC], headers[HEADER_PARTITION], headers[HEADER_OFFSET]) == (
        topic, str(record.partition), str(record.offset))
    assert headers["orig.ce_id"] == "big" + "\ufffd" * 4  # NUL, then one per bad byte
    assert letter.value is not None and original.startswith(letter.value)
    assert 900_000 < len(letter.value) < 1_000_000
    assert await outbox.dead() == {}
