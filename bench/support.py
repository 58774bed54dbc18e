"""Reference rates measured in the same run: raw aiokafka produce and consume.

Topic names here are the contract's (or a benchmark's own); on the broker they carry the
run's topic prefix (devkit/infra.py `claim`), as the services' do.
"""

from __future__ import annotations

import time
import uuid

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from devkit.bus import physical, topic_prefix
from shared.contracts.topics import TopicSpec
from shared.kafka.admin import ensure_topics
from shared.kafka.security import KafkaSecurity


async def fresh_topic(bootstrap: str, prefix: str, partitions: int = 6,
                      security: KafkaSecurity = KafkaSecurity()) -> str:
    """A topic of this benchmark's own (and its `.dlq`), under the run's prefix; returns
    its name without the prefix."""
    name = f"bench.{prefix}.{uuid.uuid4().hex[:8]}"
    await ensure_topics(bootstrap, partitions, [TopicSpec(name), TopicSpec(f"{name}.dlq")],
                        prefix=topic_prefix(), security=security)
    return name


async def raw_produce_rate(bootstrap: str, count: int = 30000, size: int = 300,
                           security: KafkaSecurity = KafkaSecurity()) -> float:
    """Idempotent producer, linger 5 ms, pipelined: messages per second."""
    topic = physical(await fresh_topic(bootstrap, "raw", security=security))
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, linger_ms=5,
                                max_batch_size=256 * 1024, **security.aiokafka_kwargs())
    await producer.start()
    value = b"x" * size
    try:
        started = time.perf_counter()
        futures = [await producer.send(topic, value, key=str(i % 290).encode())
                   for i in range(count)]
        for future in futures:
            await future
        return count / (time.perf_counter() - started)
    finally:
        await producer.stop()


async def raw_consume_rate(bootstrap: str, topic: str, count: int,
                           security: KafkaSecurity = KafkaSecurity()) -> float:
    """getmany with 1,000 records a poll, from the beginning: messages per second."""
    consumer = AIOKafkaConsumer(physical(topic), bootstrap_servers=bootstrap,
                                enable_auto_commit=False, auto_offset_reset="earliest",
                                group_id=f"{topic_prefix()}bench-raw-{uuid.uuid4().hex[:6]}",
                                **security.aiokafka_kwargs())
    await consumer.start()
    try:
        seen = 0
        started: float | None = None
        while seen < count:
            batches = await consumer.getmany(timeout_ms=1000, max_records=1000)
            if started is None and batches:
                started = time.perf_counter()
            seen += sum(len(records) for records in batches.values())
        assert started is not None
        return count / (time.perf_counter() - started)
    finally:
        await consumer.stop()


async def topic_size(bootstrap: str, topic: str,
                     security: KafkaSecurity = KafkaSecurity()) -> int:
    topic = physical(topic)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, **security.aiokafka_kwargs())
    await consumer.start()
    try:
        parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        ends = await consumer.end_offsets(parts)
        return sum(ends.values())
    finally:
        await consumer.stop()
