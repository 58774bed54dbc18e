"""The bus as a run sees it: its topics' names, and the one reader of them that the tests,
the benchmarks and the demo share.

Topics are named by the contract (or by a test); on the broker each carries the run's
topic prefix (`PRAKTIK_TOPIC_PREFIX`, set by the `infra` fixture and the benchmarks:
shared.kafka.naming), so a run never reads the topics of a running system or of another
run. The demo reads the prefix of the system it plays against instead. The run's clients
connect as the run (`PRAKTIK_KAFKA_SECURITY_PROTOCOL`, ...: `run_security`) unless given
another `KafkaSecurity`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeAlias

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaError

from devkit.wait import eventually
from shared.contracts.topics import DLQ_SUFFIX
from shared.kafka import naming
from shared.kafka.security import KafkaSecurity

Record: TypeAlias = ConsumerRecord[bytes, bytes]
Decoder: TypeAlias = Callable[[str, bytes], Any]
"""(contract topic, value) → the event as a reader keeps it, or None to skip it."""
BatchHook: TypeAlias = Callable[[list[Record], float], None]
"""Called with each poll's records and `time.perf_counter()` when the poll returned."""


def topic_prefix() -> str:
    """This run's topic prefix (the services it starts get the same)."""
    return naming.env_prefix()


def run_security() -> KafkaSecurity:
    """How this run's own clients connect (`PRAKTIK_KAFKA_*`, which `scripts/test` reads from
    .stack/env; none: PLAINTEXT), as `topic_prefix` is where they read and write."""
    return KafkaSecurity.from_env()


def physical(topic: str) -> str:
    """The broker's name of a topic in this run."""
    return naming.physical(topic_prefix(), topic)


def logical(topic: str) -> str:
    """The contract's (or test's) name of one of this run's broker topics."""
    return naming.logical(topic_prefix(), topic)


def group(name: str) -> str:
    """A consumer group id as a service of this run would have it (with the prefix)."""
    return topic_prefix() + name


class TopicMissing(LookupError):
    """A topic the reader was asked for is not on the broker."""


def json_value(_topic: str, value: bytes) -> Any:
    """Any JSON value (None for what is not JSON, or nested past the parser)."""
    try:
        return json.loads(value)
    except (ValueError, RecursionError):
        return None


async def partitions_of(consumer: AIOKafkaConsumer, topic: str,
                        timeout_s: float = 10.0) -> list[TopicPartition]:
    """The partitions of a broker topic, once the consumer's metadata knows them."""

    async def known() -> set[int] | None:
        found = consumer.partitions_for_topic(topic)
        if not found:
            await consumer._client.force_metadata_update()
            found = consumer.partitions_for_topic(topic)
        return found

    try:
        found = await eventually(known, timeout_s, f"partitions of topic {topic}")
    except AssertionError:
        raise TopicMissing(f"topic {topic} not found on the broker") from None
    return [TopicPartition(topic, p) for p in sorted(found)]


class TopicReader:
    """Reads topics from the offsets they had when the reader started (no group).

    Records come back with the topic names they were asked for (the prefix taken off),
    in `records`; `events` decodes them (once each). `poll` reads on demand (the tests);
    `follow` reads in the background until `stop` (the demo's log, the load benchmark's
    watcher, which takes each batch through `on_batch` and keeps nothing).
    """

    def __init__(self, bootstrap: str, topics: Iterable[str], *, prefix: str | None = None,
                 decode: Decoder = json_value, on_batch: BatchHook | None = None,
                 keep: bool = True, max_records: int = 5000,
                 security: KafkaSecurity | None = None, **consumer_config: Any) -> None:
        self.bootstrap = bootstrap
        self.security = run_security() if security is None else security
        self.topics = list(topics)
        self.prefix = topic_prefix() if prefix is None else prefix
        self.records: list[Record] = []
        self.start_offsets: dict[TopicPartition, int] = {}
        """Where the reader started, by the broker's partitions."""
        self._decode = decode
        self._on_batch = on_batch
        self._keep = keep
        self._max_records = max_records
        self._config = consumer_config
        self._decoded: list[tuple[str, Any]] = []
        self._decoded_upto = 0
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> TopicReader:
        consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False,
                                    **self.security.aiokafka_kwargs(), **self._config)
        try:
            await consumer.start()
        except KafkaError:
            await consumer.stop()
            raise
        try:
            partitions = [tp for topic in self.topics for tp in await partitions_of(
                consumer, naming.physical(self.prefix, topic))]
            consumer.assign(partitions)
            await consumer.seek_to_end(*partitions)
            for tp in partitions:  # resolve positions now, before anything is published
                self.start_offsets[tp] = await consumer.position(tp)
        except BaseException:
            await consumer.stop()
            raise
        self._consumer = consumer
        return self

    def follow(self, poll_s: float = 0.2) -> TopicReader:
        """Read in the background from now on (`check` raises what stopped it)."""
        self._task = asyncio.create_task(self._follow(poll_s))
        return self

    async def _follow(self, poll_s: float) -> None:
        while True:
            await self.poll(poll_s)

    def check(self) -> None:
        if self._task is not None and self._task.done():
            self._task.result()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass
            self._task = None
        if self._consumer is not None:
            await self._consumer.stop()

    async def __aenter__(self) -> TopicReader:
        return await self.start()

    async def __aexit__(self, *_: Any) -> None:
        await self.stop()

    @property
    def consumer(self) -> AIOKafkaConsumer:
        assert self._consumer is not None, "the reader is not started"
        return self._consumer

    async def poll(self, timeout_s: float = 0.2) -> None:
        batches = await self.consumer.getmany(timeout_ms=int(timeout_s * 1000),
                                              max_records=self._max_records)
        if self._on_batch is not None:
            self._on_batch([r for records in batches.values() for r in records],
                           time.perf_counter())
        if not self._keep:
            return
        for records in batches.values():
            if self.prefix:
                records = [dataclasses.replace(r, topic=naming.logical(self.prefix, r.topic))
                           for r in records]
            self.records.extend(records)

    async def wait_for(self, predicate: Callable[[list[Record]], Any],
                       timeout_s: float = 30.0) -> list[Record]:
        """Poll until `predicate(records)` holds; fail after `timeout_s`."""

        async def seen() -> bool:
            if predicate(self.records):
                return True
            await self.poll()
            return False

        await eventually(seen, timeout_s, lambda: f"a condition on {self.topics} "
                         f"({len(self.records)} records seen)", interval_s=0)
        return self.records

    async def ends(self) -> dict[TopicPartition, int]:
        """Each of the reader's partitions' end offset now (by the broker's names)."""
        return dict(await self.consumer.end_offsets(list(self.start_offsets)))

    async def reached(self, ends: dict[TopicPartition, int]) -> bool:
        """Whether the reader has read every partition up to `ends`."""
        for tp, end in ends.items():
            if await self.consumer.position(tp) < end:
                return False
        return True

    def with_topics(self) -> list[tuple[str, Any]]:
        """(topic, decoded event) for each record read so far that decodes, in order."""
        for record in self.records[self._decoded_upto:]:
            if record.value is not None:
                event = self._decode(record.topic, record.value)
                if event is not None:
                    self._decoded.append((record.topic, event))
        self._decoded_upto = len(self.records)
        return self._decoded

    def events(self, topic: str | None = None, type_: str | None = None) -> list[Any]:
        """Decoded events seen so far (tombstones and what does not decode skipped)."""
        return [event for t, event in self.with_topics() if (not topic or t == topic) and (
            not type_ or (isinstance(event, dict) and event.get("type") == type_))]

    def of(self, type_: str, topic: str | None = None) -> list[Any]:
        """Events of a type: on `topic`, or on any topic but a dead-letter one (a dead
        letter is no fact: it is what a service refused; read it from `events`)."""
        return [e for t, e in self.with_topics()
                if isinstance(e, dict) and e.get("type") == type_ and (
                    t == topic if topic is not None else not t.endswith(DLQ_SUFFIX))]


async def end_offsets(bootstrap: str, topics: list[str]) -> dict[tuple[str, int], int]:
    """Each partition's end now, by (broker topic name, partition): what was published
    before the call lies below it."""
    async with TopicReader(bootstrap, topics) as reader:
        ends = await reader.ends()
    return {(tp.topic, tp.partition): int(offset) for tp, offset in ends.items()}
