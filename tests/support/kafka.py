"""Test helpers to publish into and read from the real broker.

They take and give back the contract's topic names; on the broker each carries the run's
topic prefix (`PRAKTIK_TOPIC_PREFIX`, set by the `infra` fixture: shared.kafka.naming),
so a test run never reads or writes the topics of a running system or of another run.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition

from shared.contracts.base import EventData
from shared.contracts.envelope import CloudEvent, new_event
from shared.contracts.registry import encode
from shared.kafka import naming


def topic_prefix() -> str:
    """This run's topic prefix (the services it starts get the same)."""
    return naming.env_prefix()


def physical(topic: str) -> str:
    """The broker's name of a topic in this run."""
    return naming.physical(topic_prefix(), topic)


def logical(topic: str) -> str:
    """The contract's (or test's) name of one of this run's broker topics."""
    return naming.logical(topic_prefix(), topic)


def group(name: str) -> str:
    """A consumer group id as a service of this run would have it (with the prefix)."""
    return topic_prefix() + name


class TopicReader:
    """Reads topics from the offsets they had when the reader started (no group).

    Records come back with the topic names they were asked for (the prefix taken off)."""

    def __init__(self, bootstrap: str, topics: Iterable[str]) -> None:
        self.bootstrap = bootstrap
        self.topics = list(topics)
        self.prefix = topic_prefix()
        self.records: list[ConsumerRecord[bytes, bytes]] = []
        self._consumer: AIOKafkaConsumer | None = None

    async def start(self) -> TopicReader:
        consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False)
        await consumer.start()
        partitions = [
            TopicPartition(topic, p)
            for topic in (naming.physical(self.prefix, t) for t in self.topics)
            for p in (consumer.partitions_for_topic(topic) or await _partitions(consumer, topic))
        ]
        consumer.assign(partitions)
        await consumer.seek_to_end(*partitions)
        for tp in partitions:  # resolve positions now, before anything is published
            await consumer.position(tp)
        self._consumer = consumer
        return self

    async def stop(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()

    async def __aenter__(self) -> TopicReader:
        return await self.start()

    async def __aexit__(self, *_: Any) -> None:
        await self.stop()

    async def poll(self, timeout_s: float = 0.2) -> None:
        assert self._consumer is not None
        batches = await self._consumer.getmany(timeout_ms=int(timeout_s * 1000), max_records=5000)
        for records in batches.values():
            if self.prefix:
                records = [dataclasses.replace(r, topic=naming.logical(self.prefix, r.topic))
                           for r in records]
            self.records.extend(records)

    async def wait_for(
        self,
        predicate: Callable[[list[ConsumerRecord[bytes, bytes]]], bool],
        timeout_s: float = 30.0,
    ) -> list[ConsumerRecord[bytes, bytes]]:
        deadline = asyncio.get_running_loop().time() + timeout_s
        while not predicate(self.records):
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(
                    f"timed out after {timeout_s}s; {len(self.records)} records seen on "
                    f"{self.topics}"
                )
            await self.poll()
        return self.records

    def events(self, topic: str | None = None, type_: str | None = None) -> list[dict[str, Any]]:
        """Decoded envelopes seen so far (tombstones and non-JSON skipped)."""
        found = []
        for record in self.records:
            if topic and record.topic != topic:
                continue
            if record.value is None:
                continue
            try:
                event = json.loads(record.value)
            except (ValueError, RecursionError):  # not JSON, or nested past the parser
                continue
            if type_ and event.get("type") != type_:
                continue
            found.append(event)
        return found


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> set[int]:
    from tests.support.wait import eventually

    async def known() -> set[int] | None:
        await consumer._client.force_metadata_update()
        return consumer.partitions_for_topic(topic)

    return set(await eventually(known, 5, f"partitions of topic {topic}"))


class RunProducer(AIOKafkaProducer):
    """An `AIOKafkaProducer` that sends a topic named by the contract (or a test) to the
    run's topic of that name (the prefix put before it)."""

    def __init__(self, **config: Any) -> None:
        super().__init__(**config)
        self.prefix = topic_prefix()

    async def send(self, topic: str, *args: Any, **kwargs: Any) -> Any:
        return await super().send(naming.physical(self.prefix, topic), *args, **kwargs)


class Publisher:
    """Publishes to the run's topics: `topic` is the contract's name, sent to the prefixed
    one (also through `publisher.producer` directly)."""

    def __init__(self, bootstrap: str) -> None:
        self.producer = RunProducer(bootstrap_servers=bootstrap, enable_idempotence=True,
                                    linger_ms=2)

    async def __aenter__(self) -> Publisher:
        await self.producer.start()
        return self

    async def __aexit__(self, *_: Any) -> None:
        await self.producer.stop()

    async def send_raw(self, topic: str, value: bytes | None, key: str | None = None,
                       headers: list[tuple[str, bytes]] | None = None) -> None:
        await self.producer.send_and_wait(
            topic, value=value, key=key.encode() if key else None, headers=headers
        )

    async def send(self, topic: str, event: CloudEvent, key: str | None) -> None:
        await self.send_raw(topic, encode(event), key)

    async def send_data(self, topic: str, data: EventData, source: str = "urn:test",
                        subject: str | None = None) -> CloudEvent:
        event = new_event(data, source=source, subject=subject or str(uuid.uuid4()))
        await self.send(topic, event, data.kafka_key(event.subject))
        return event
