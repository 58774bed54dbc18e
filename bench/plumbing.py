"""Outbox relay and inbox consumer throughput, each beside raw aiokafka in the same run."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from bench.support import fresh_topic, raw_consume_rate, raw_produce_rate
from devkit import probe
from devkit.bus import topic_prefix
from devkit.infra import Infra
from devkit.wait import eventually
from shared.contracts import topics
from shared.contracts.registry import EVENTS_BY_TOPIC
from shared.db import make_engine, make_session_factory
from shared.kafka.clients import make_producer
from shared.outbox import OutboxRelay
from shared.settings import ServiceSettings
from shared.unit_of_work import UnitOfWork

EVENTS = 40000


async def stage(url: str, topic: str, count: int) -> None:
    engine = make_engine(url)
    factory = make_session_factory(engine)
    chunk = 5000
    for start in range(0, count, chunk):
        uow = UnitOfWork(factory, probe.tables.outbox, "urn:bench")
        async with uow:
            for _ in range(min(chunk, count - start)):
                uow.publish(probe.request(), topic=topic)
            await uow.commit()
    await engine.dispose()


async def relay_rate(infra: Infra, topic: str, count: int) -> float:
    engine = make_engine(infra.admin_database_url)
    producer = make_producer(infra.kafka_bootstrap, "bench-relay",
                             security=infra.kafka_security)
    await producer.start()
    relay = OutboxRelay(engine, probe.tables.outbox, producer, batch_size=1000,
                        topic_prefix=topic_prefix())
    sent = 0
    started = time.perf_counter()
    while sent < count:
        sent += await relay.publish_batch()
    elapsed = time.perf_counter() - started
    await producer.stop()
    await engine.dispose()
    return count / elapsed


async def inbox_consumer_rate(infra: Infra, topic: str, count: int) -> float:
    settings = ServiceSettings(
        database_url=infra.admin_database_url, kafka_bootstrap_servers=infra.kafka_bootstrap,
        **infra.service_security_settings("plumbing"),
        consumer_group=f"bench-{topic}", consumer_auto_offset_reset="earliest",
        consumer_batch_size=1000, log_json=False, log_level="WARNING",
    )
    service = probe.build(settings, topic)
    engine = create_async_engine(infra.admin_database_url)
    stop = asyncio.Event()
    started = time.perf_counter()
    tasks = await service.start_messaging(stop)

    async def handled() -> bool:
        async with engine.connect() as conn:
            done = await conn.scalar(select(func.count()).select_from(probe.effects))
        return (done or 0) >= count

    try:
        await eventually(handled, 600, f"the probe to handle {count} events")
        elapsed = time.perf_counter() - started
    finally:
        stop.set()
        await service.stop_messaging(tasks)
        await engine.dispose()
    return count / elapsed


async def run(infra: Infra) -> dict[str, Any]:
    await probe.reset(infra.admin_database_url)
    topic = await fresh_topic(infra.kafka_bootstrap, "plumbing", security=infra.kafka_security)
    EVENTS_BY_TOPIC[topic] = EVENTS_BY_TOPIC[topics.REGISTRATION_EVENTS]

    raw_produce = await raw_produce_rate(infra.kafka_bootstrap, EVENTS,
                                         security=infra.kafka_security)
    print(f"raw aiokafka produce (idempotent, pipelined): {raw_produce:,.0f} msg/s")

    await stage(infra.admin_database_url, topic, EVENTS)
    relay = await relay_rate(infra, topic, EVENTS)
    print(f"outbox relay: {relay:,.0f} events/s  ratio to raw produce {relay / raw_produce:.2f}")

    raw_consume = await raw_consume_rate(infra.kafka_bootstrap, topic, EVENTS,
                                         infra.kafka_security)
    print(f"raw aiokafka consume (getmany 1000): {raw_consume:,.0f} msg/s")
    consumer = await inbox_consumer_rate(infra, topic, EVENTS)
    print(f"consumer with inbox + effect in Postgres: {consumer:,.0f} events/s  "
          f"ratio to raw consume {consumer / raw_consume:.3f}")
    return {
        "events": EVENTS,
        "raw_produce_per_s": round(raw_produce),
        "relay_per_s": round(relay),
        "relay_ratio": round(relay / raw_produce, 3),
        "raw_consume_per_s": round(raw_consume),
        "inbox_consumer_per_s": round(consumer),
        "inbox_consumer_ratio": round(consumer / raw_consume, 4),
    }
