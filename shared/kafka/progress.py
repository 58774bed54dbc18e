"""How far each partition of a consumer has got, and since when it has not moved.

Readiness must notice a consumer that makes no progress: a partition with records
waiting (lag) whose handled offset has stood still for longer than a configured time.
`Progress` is told of every handled batch; `report` adds the consumer's view of each
owned partition's end (its high watermark from the last fetch).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition


@dataclass(frozen=True)
class PartitionReport:
    topic: str
    partition: int
    position: int | None
    """The next offset to handle (None: nothing handled here and nothing committed)."""
    end: int | None
    """The partition's high watermark as the consumer last saw it."""
    lag: int | None
    since_moved_s: float
    """How long records have waited without the position moving (0 when caught up)."""
    stalled: bool


class Progress:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._next: dict[TopicPartition, int] = {}
        self._moved: dict[TopicPartition, float] = {}
        self._waiting_since: dict[TopicPartition, float] = {}

    def handled(self, records: Sequence[Any]) -> None:
        now = self._clock()
        for record in records:
            tp = TopicPartition(record.topic, record.partition)
            if record.offset + 1 > self._next.get(tp, -1):
                self._next[tp] = record.offset + 1
            self._moved[tp] = now

    async def report(self, consumer: AIOKafkaConsumer, stall_s: float) -> list[PartitionReport]:
        now = self._clock()
        reports = []
        for tp in sorted(consumer.assignment()):
            position = self._next.get(tp)
            if position is None:  # nothing handled here by this process: the group's mark
                position = await _committed(consumer, tp)
            end = consumer.highwater(tp)
            lag = None if position is None or end is None else max(end - position, 0)
            if not lag:
                self._waiting_since.pop(tp, None)
                waited = 0.0
            else:
                # Waiting since the later of the last move and when the lag was first seen
                # (a partition idle for an hour is not stalled by its first new record).
                since = self._waiting_since.setdefault(tp, now)
                waited = now - max(since, self._moved.get(tp, since))
            reports.append(PartitionReport(tp.topic, tp.partition, position, end, lag,
                                           round(waited, 3), waited > stall_s))
        return reports


async def _committed(consumer: AIOKafkaConsumer, tp: TopicPartition) -> int | None:
    """The group's committed offset, or None while the coordinator cannot say."""
    try:
        return await asyncio.wait_for(consumer.committed(tp), timeout=2)
    except Exception:
        return None


class ConsumerStalled(Exception):
    """A partition has records waiting and has not moved for longer than allowed."""
