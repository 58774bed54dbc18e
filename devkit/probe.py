"""A minimal service on the shared plumbing, for testing (and benchmarking) the plumbing itself.

Two schemas (created by the superuser): `plumbing`, where the writer stages events in
its outbox, and `plumbing_sink`, where the consuming probe service keeps its inbox,
its own outbox (dead letters) and one effect row per handled event. The topic is
private to a test, registered as an alias of `registration.events.v1`.
`priority == -1` makes the handler refuse the event (`Rejected`), `-2` makes it crash.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, func, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from devkit.bus import physical, run_security, topic_prefix
from shared.contracts import topics
from shared.contracts.base import EventData
from shared.contracts.envelope import CloudEvent
from shared.contracts.registration import PlacementRequested
from shared.contracts.registry import EVENTS_BY_TOPIC
from shared.contracts.topics import TopicSpec, dead_letter_topic
from shared.db import service_metadata
from shared.errors import Rejected
from shared.kafka.admin import ensure_topics
from shared.kafka.consumer import BatchHandler, Subscription
from shared.kafka.security import KafkaSecurity
from shared.runtime import Service
from shared.settings import ServiceSettings
from shared.tables import Tables
from shared.unit_of_work import UnitOfWork

SCHEMA = "plumbing"
metadata: MetaData = service_metadata(SCHEMA)
tables = Tables.for_metadata(metadata)
SINK_SCHEMA = "plumbing_sink"
sink_metadata: MetaData = service_metadata(SINK_SCHEMA)
sink_tables = Tables.for_metadata(sink_metadata)
effects = Table(
    "effects",
    sink_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String, nullable=False),
    Column("request_id", String, nullable=False),
    Column("at", DateTime(timezone=True), server_default=func.now()),
)


async def record_effect(event: PlacementRequested, uow: UnitOfWork) -> None:
    if event.priority == -1:
        raise Rejected.field("data.priority", "the probe refuses priority -1")
    if event.priority == -2:
        raise RuntimeError("the probe crashes on priority -2")
    assert uow.cause is not None
    await uow.session.execute(
        effects.insert().values(event_id=uow.cause.id, request_id=str(event.request_id))
    )


async def record_effects(items: list[tuple[CloudEvent, PlacementRequested]],
                         uow: UnitOfWork) -> None:
    """The set-based twin of `record_effect`: one statement for a run of events."""
    if any(event.priority < 0 for _, event in items):
        raise Rejected.field("data.priority", "a refused event in this run")
    await uow.session.execute(effects.insert(), [
        {"event_id": envelope.id, "request_id": str(event.request_id)}
        for envelope, event in items
    ])


def new_topic() -> str:
    """A private topic per test, known to the registry as registration events."""
    name = f"plumbing.{uuid.uuid4().hex[:10]}.v1"
    EVENTS_BY_TOPIC[name] = EVENTS_BY_TOPIC[topics.REGISTRATION_EVENTS]
    return name


async def create_topic(bootstrap: str, name: str, partitions: int = 3,
                       security: KafkaSecurity | None = None) -> None:
    """The topic and its `.dlq` twin, under the run's topic prefix (as the run unless
    given another `security`)."""
    await ensure_topics(bootstrap, partitions,
                        [TopicSpec(name), TopicSpec(dead_letter_topic(name))],
                        prefix=topic_prefix(),
                        security=run_security() if security is None else security)


@asynccontextmanager
async def reading_records(bootstrap: str, count: int, partitions: int,
                          security: KafkaSecurity | None = None
                          ) -> AsyncIterator[AIOKafkaConsumer]:
    """A started consumer, in a group of its own, of a fresh topic holding `count` raw
    records spread round-robin over `partitions` (`record 0`, `record 1`, ...)."""
    topic = new_topic()
    security = run_security() if security is None else security
    await create_topic(bootstrap, topic, partitions=partitions, security=security)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, **security.aiokafka_kwargs())
    await producer.start()
    try:
        for n in range(count):
            await producer.send_and_wait(physical(topic), f"record {n}".encode(),
                                         partition=n % partitions)
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(physical(topic), bootstrap_servers=bootstrap,
                                group_id=f"probe-{uuid.uuid4().hex[:8]}",
                                enable_auto_commit=False, auto_offset_reset="earliest",
                                **security.aiokafka_kwargs())
    await consumer.start()
    try:
        yield consumer
    finally:
        await consumer.stop()


async def reset(database_url: str) -> None:
    engine = create_async_engine(database_url)
    async with engine.begin() as conn:
        for schema, meta in ((SCHEMA, metadata), (SINK_SCHEMA, sink_metadata)):
            await conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            await conn.execute(text(f"CREATE SCHEMA {schema}"))
            await conn.run_sync(meta.create_all)
    await engine.dispose()


async def effect_counts(database_url: str) -> dict[str, int]:
    """request_id → how many times its effect happened."""
    engine = create_async_engine(database_url)
    async with engine.connect() as conn:
        rows = (await conn.execute(
            select(effects.c.request_id, func.count()).group_by(effects.c.request_id)
        )).all()
    await engine.dispose()
    return {row[0]: row[1] for row in rows}


async def outbox_size(database_url: str) -> int:
    engine = create_async_engine(database_url)
    async with engine.connect() as conn:
        count = await conn.scalar(select(func.count()).select_from(tables.outbox))
    await engine.dispose()
    return int(count or 0)


def build(settings: ServiceSettings, topic: str, batch: bool = False) -> Service:
    batch_handlers: dict[type[EventData], BatchHandler] = (
        {PlacementRequested: record_effects} if batch else {}
    )
    return Service(
        name="plumbing",
        settings=settings,
        tables=sink_tables,
        subscriptions=[Subscription("probe", [topic], {PlacementRequested: record_effect},
                                    batch_handlers=batch_handlers)],
    )


def request(priority: int = 0, municipality: str = "1380") -> PlacementRequested:
    return PlacementRequested(
        request_id=uuid.uuid4(),
        participant_id=uuid.uuid4(),
        municipality_code=municipality,
        program="work_trial",
        period_start=date(2027, 3, 1),
        period_end=date(2027, 4, 30),
        priority=priority,
    )
