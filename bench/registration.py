"""Registration intake throughput: accepted registrations per second from
`registration.intake.v1` to `registration.events.v1` (durable: read back from Kafka),
beside a raw aiokafka consume-and-produce passthrough measured in the same run.

The service runs in-process with a fresh consumer group on the run's own topics; each
message registers a new adult participant (a synthetic identity number, a unique
`external_ref`), so each one yields `ParticipantRegistered` and `ContactDetailsRecorded`.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from datetime import UTC, date, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from bench.support import fresh_topic
from devkit.bus import Record, TopicReader, physical
from devkit.database import reset_schema
from devkit.infra import Infra
from devkit.services import wait_until_assigned
from services.registration.bootstrap import build
from services.registration.domain.identity import luhn_digit
from services.registration.settings import RegistrationSettings
from shared.contracts import topics
from shared.kafka.security import KafkaSecurity
from shared.logging import configure_logging

REGISTRATIONS = int(os.environ.get("BENCH_REGISTRATIONS", "20000"))
SOURCE = "urn:bench:school"
MUNICIPALITIES = ("1380", "1381", "1383", "1384", "1315", "1382")


def _synthetic_pin(index: int) -> str:
    """A valid, generated number of someone born 1906–1910 (nobody living)."""
    born = date(1906 + index % 5, 1 + index // 5 % 12, 1 + index // 60 % 28)
    nine = f"{born.year % 100:02d}{born.month:02d}{born.day:02d}{index // 1680 % 1000:03d}"
    return f"{born.year // 100:02d}{nine[:6]}-{nine[6:]}{luhn_digit(nine)}"


def intake_messages(run: str, count: int,
                    source: str = SOURCE) -> list[tuple[bytes, bytes]]:
    """`count` adult participants as a school system sends them (keys and values)."""
    now = datetime.now(UTC).isoformat()
    out = []
    for index in range(count):
        code = MUNICIPALITIES[index % len(MUNICIPALITIES)]
        data = {
            "external_ref": f"{run}-{index}",
            "municipality_code": code,
            "personal_identity_number": _synthetic_pin(index),
            "name": f"Bench Person {index}",
            "email": f"bench{index}@example.org",
            "phone": "070-123 45 67",
            "sms_allowed": True,
            "gender": ("female", "male", "other")[index % 3],
            "preferred_language": "sv",
            "needs": ["language_support"] if index % 4 == 0 else [],
        }
        envelope = {"specversion": "1.0", "id": str(uuid.uuid4()),
                    "type": "ParticipantRegistered", "source": source, "time": now,
                    "datacontenttype": "application/json", "data": data}
        out.append((code.encode(), json.dumps(envelope).encode()))
    return out


def _producer(bootstrap: str, security: KafkaSecurity) -> AIOKafkaProducer:
    return AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True,
                            linger_ms=5, max_batch_size=256 * 1024,
                            **security.aiokafka_kwargs())


async def _send_all(producer: AIOKafkaProducer, topic: str,
                    messages: list[tuple[bytes, bytes]]) -> None:
    topic = physical(topic)
    futures = [await producer.send(topic, value, key=key) for key, value in messages]
    await asyncio.gather(*futures)


async def produce(bootstrap: str, topic: str, messages: list[tuple[bytes, bytes]],
                   security: KafkaSecurity) -> None:
    producer = _producer(bootstrap, security)
    await producer.start()
    try:
        await _send_all(producer, topic, messages)
    finally:
        await producer.stop()


async def _count_registered(bootstrap: str, marker: bytes, count: int,
                            ready: asyncio.Event, security: KafkaSecurity) -> float:
    """Read `registration.events.v1` from its current end until `count` registrations of
    this run are there; returns the time the last one was read."""
    seen = 0

    def take(records: list[Record], _: float) -> None:
        nonlocal seen
        seen += sum(1 for r in records if r.value is not None and marker in r.value
                    and dict(r.headers).get("ce_type") == b"ParticipantRegistered")

    async with TopicReader(bootstrap, [topics.REGISTRATION_EVENTS], on_batch=take, keep=False,
                           max_records=10_000, security=security,
                           max_partition_fetch_bytes=4 * 1024 * 1024) as reader:
        ready.set()
        while seen < count:
            await reader.poll(0.2)
        return time.perf_counter()


async def _service_rate(infra: Infra, count: int) -> float:
    configure_logging("registration", "WARNING", json=False)
    run = f"bench-{uuid.uuid4().hex[:8]}"
    settings = RegistrationSettings(
        database_url=infra.database_url("registration"),
        kafka_bootstrap_servers=infra.kafka_bootstrap,
        **infra.service_security_settings("registration"),
        consumer_group=f"registration-bench-{uuid.uuid4().hex[:8]}",
        consumer_auto_offset_reset="latest",
        intake_sources=f"{SOURCE}=*",
        log_level="WARNING", log_json=False,
    )
    service = build(settings)
    await reset_schema(infra, service.name, service.migrations)
    messages = intake_messages(run, count)
    stop = asyncio.Event()
    tasks = await service.start_messaging(stop)
    try:
        await wait_until_assigned(service)
        print("  service consuming (fresh group)", flush=True)
        ready = asyncio.Event()
        counter = asyncio.create_task(
            _count_registered(infra.kafka_bootstrap, run.encode(), count, ready,
                              infra.kafka_security))
        await asyncio.wait([counter, asyncio.create_task(ready.wait())],
                           return_when=asyncio.FIRST_COMPLETED)
        if counter.done():
            counter.result()  # raises what went wrong
        # The clock starts at the first message sent (the producer's start-up is not
        # the service's time).
        producer = _producer(infra.kafka_bootstrap, infra.kafka_security)
        await producer.start()
        try:
            started = time.perf_counter()
            await _send_all(producer, topics.REGISTRATION_INTAKE, messages)
            produced = time.perf_counter()
        finally:
            await producer.stop()
        print(f"  produced {count:,} intake messages in {produced - started:.2f} s")
        finished = await asyncio.wait_for(counter, timeout=300)
    finally:
        stop.set()
        await service.stop_messaging(tasks)
    return count / (finished - started)


async def _passthrough_rate(bootstrap: str, count: int,
                            security: KafkaSecurity = KafkaSecurity()) -> float:
    """Raw aiokafka: consume `count` intake-sized messages and produce each to another
    topic (idempotent producer, pipelined per poll), committing offsets after each poll."""
    source = await fresh_topic(bootstrap, "passthrough-in", security=security)
    sink = await fresh_topic(bootstrap, "passthrough-out", security=security)
    await produce(bootstrap, source, intake_messages("raw", count), security)
    consumer = AIOKafkaConsumer(physical(source), bootstrap_servers=bootstrap,
                                enable_auto_commit=False, auto_offset_reset="earliest",
                                group_id=physical(f"bench-passthrough-{uuid.uuid4().hex[:6]}"),
                                **security.aiokafka_kwargs())
    sink = physical(sink)
    producer = _producer(bootstrap, security)
    await consumer.start()
    await producer.start()
    try:
        done = 0
        started: float | None = None
        while done < count:
            batches = await consumer.getmany(timeout_ms=1000, max_records=1000)
            if not batches:
                continue
            started = started or time.perf_counter()
            futures: list[Any] = []
            for records in batches.values():
                for r in records:
                    futures.append(await producer.send(sink, r.value, key=r.key))
            await asyncio.gather(*futures)
            await consumer.commit()
            done += len(futures)
        assert started is not None
        return count / (time.perf_counter() - started)
    finally:
        await producer.stop()
        await consumer.stop()


async def run(infra: Infra) -> dict[str, Any]:
    raw = await _passthrough_rate(infra.kafka_bootstrap, REGISTRATIONS, infra.kafka_security)
    print(f"raw aiokafka consume-and-produce passthrough: {raw:,.0f} msg/s")
    rate = await _service_rate(infra, REGISTRATIONS)
    print(f"registration intake → registration.events.v1: {rate:,.0f} registrations/s "
          f"(target 2,000)  ratio to passthrough {rate / raw:.3f}")
    return {
        "registrations": REGISTRATIONS,
        "raw_passthrough_per_s": round(raw),
        "registrations_per_s": round(rate),
        "ratio_to_passthrough": round(rate / raw, 4),
        "target_per_s": 2000,
    }
