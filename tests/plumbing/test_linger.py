"""`run_batch` on the real broker: a small batch takes in what arrives while it lingers,
and a transient failure rewinds every partition of the whole batch."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from sqlalchemy.exc import OperationalError

from devkit import probe
from devkit.infra import Infra
from shared.kafka.delivery import run_batch
from shared.kafka.offsets import OffsetCommitter
from shared.kafka.progress import Progress
from shared.waits import RetryWaits

pytestmark = pytest.mark.infra


@dataclass
class Message:
    """What run_batch reads of FastStream's KafkaMessage."""

    raw_message: tuple[Any, ...]
    consumer: AIOKafkaConsumer


class Processor:
    """Records the batches it is given; fails transiently while `failing`."""

    def __init__(self, failing: bool = False) -> None:
        self.batches: list[list[Any]] = []
        self.failing = failing
        self.failures = 0
        self.max_attempts = 3
        self.progress = Progress()

    async def process(self, records: Sequence[Any]) -> None:
        self.batches.append(list(records))
        if self.failing:
            raise OperationalError("SELECT 1", {}, ConnectionResetError("database away"))

    async def process_alone(self, records: Sequence[Any]) -> None:
        await self.process(records)


@pytest.fixture
async def consumer(infra: Infra) -> AsyncIterator[AIOKafkaConsumer]:
    async with probe.reading_records(infra.kafka_bootstrap, 10, 2) as consumer:
        yield consumer

async def _first(consumer: AIOKafkaConsumer) -> Any:
    """One record, as a subscriber's loop would hand over a batch of one (the rest stays
    buffered in the client, as records that arrive during a linger do)."""
    for _ in range(50):
        got = await consumer.getmany(timeout_ms=200, max_records=1)
        if got:
            return next(iter(got.values()))[0]
    raise AssertionError("nothing to read")


async def _positions(consumer: AIOKafkaConsumer) -> dict[TopicPartition, int]:
    return {tp: await consumer.position(tp) for tp in consumer.assignment()}


async def test_a_small_batch_takes_in_what_arrived_while_it_lingered(
        consumer: AIOKafkaConsumer) -> None:
    first = await _first(consumer)
    processor = Processor()
    offsets = OffsetCommitter("test", lambda: consumer)
    await run_batch(processor, Message((first,), consumer), RetryWaits("test", 0.01, 0.01),
                    offsets, linger_s=0.5, max_records=500)
    assert len(processor.batches) == 1, "one batch, one transaction"
    assert sorted(r.value for r in processor.batches[0]) == \
        sorted(f"record {n}".encode() for n in range(10))
    assert sum(offsets.pending.values()) == 10, "every record's offset is due"


async def test_a_transient_failure_rewinds_every_partition_of_the_whole_batch(
        consumer: AIOKafkaConsumer) -> None:
    first = await _first(consumer)
    processor = Processor(failing=True)
    offsets = OffsetCommitter("test", lambda: consumer)
    await run_batch(processor, Message((first,), consumer), RetryWaits("test", 0.01, 0.01),
                    offsets, linger_s=0.5, max_records=500)
    assert len(processor.batches[0]) == 10
    assert set((await _positions(consumer)).values()) == {0}, "both partitions rewound"
    assert offsets.pending == {}, "nothing is due after a failure"
