"""The offset committer on the real broker: handled batches are committed in the
background (the latest offset of each partition), partitions are committed before they
are revoked, everything before the consumer stops, and a batch begun before a revocation
is not committed over its partitions' next owner."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from devkit import probe
from devkit.infra import Infra
from devkit.wait import eventually
from shared.kafka.offsets import OffsetCommitter

pytestmark = pytest.mark.infra

RECORDS = 30


@pytest.fixture
async def consumed(infra: Infra) -> AsyncIterator[tuple[AIOKafkaConsumer, list[Any]]]:
    """A consumer in a group of its own that has read RECORDS records from a fresh
    three-partition topic, and those records."""
    async with probe.reading_records(infra.kafka_bootstrap, RECORDS, 3) as consumer:
        records: list[Any] = []
        for _ in range(100):
            batches = await consumer.getmany(timeout_ms=200)
            records += [r for batch in batches.values() for r in batch]
            if len(records) >= RECORDS:
                break
        assert len(records) == RECORDS
        yield consumer, records


def _next_offsets(records: list[Any]) -> dict[TopicPartition, int]:
    out: dict[TopicPartition, int] = {}
    for r in records:
        tp = TopicPartition(r.topic, r.partition)
        out[tp] = max(out.get(tp, 0), r.offset + 1)
    return out


async def _committed(consumer: AIOKafkaConsumer, tps: Any) -> dict[TopicPartition, int | None]:
    return {tp: await consumer.committed(tp) for tp in tps}


async def test_handled_batches_are_committed_in_the_background(
        consumed: tuple[AIOKafkaConsumer, list[Any]]) -> None:
    consumer, records = consumed
    committer = OffsetCommitter("test", lambda: consumer, interval_s=0.05)
    stop = asyncio.Event()
    running = asyncio.create_task(committer.run(stop))
    try:
        for start in range(0, RECORDS, 7):
            await committer.handled(records[start:start + 7], committer.generation)
        wanted = _next_offsets(records)
        async def all_committed() -> bool:
            return await _committed(consumer, wanted) == wanted

        await eventually(all_committed, 10, "the handled offsets to be committed")
        assert committer.pending == {}
    finally:
        stop.set()
        await asyncio.wait_for(running, timeout=10)


async def test_revoked_partitions_are_committed_first_and_a_stale_batch_never(
        consumed: tuple[AIOKafkaConsumer, list[Any]]) -> None:
    consumer, records = consumed
    committer = OffsetCommitter("test", lambda: consumer)  # its task is not running
    wanted = _next_offsets(records)
    partitions = sorted(wanted, key=lambda tp: tp.partition)
    leaving, staying = partitions[:1], partitions[1:]
    begun = committer.generation
    await committer.handled(records, begun)
    await committer.before_revoke(leaving)
    committed = await _committed(consumer, wanted)
    assert {tp: committed[tp] for tp in leaving} == {tp: wanted[tp] for tp in leaving}
    assert all(committed[tp] is None for tp in staying), "only the leaving partitions"
    assert set(committer.pending) == set(staying)

    # A batch that was being handled when the partitions were revoked: not committed.
    await committer.close()
    assert committer.pending == {}
    stale = [r for r in records if TopicPartition(r.topic, r.partition) in staying]
    before = await _committed(consumer, wanted)
    await committer.handled(stale[:1], begun)
    assert await _committed(consumer, wanted) == before


async def test_after_close_each_batch_is_committed_as_it_finishes(
        consumed: tuple[AIOKafkaConsumer, list[Any]]) -> None:
    consumer, records = consumed
    committer = OffsetCommitter("test", lambda: consumer)  # its task is not running
    await committer.handled(records[:10], committer.generation)
    await committer.close()
    assert await _committed(consumer, _next_offsets(records[:10])) == \
        _next_offsets(records[:10])
    await committer.handled(records[10:], committer.generation)
    assert await _committed(consumer, _next_offsets(records)) == _next_offsets(records)
