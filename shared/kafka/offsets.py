"""Committing what a consumer has handled, off the path of the next batch.

A batch's offsets used to be committed right after it, and the next fetch waited for the
group coordinator's answer: a round trip on every hop of every event, and at a steady
trickle nearly one commit per message. `OffsetCommitter` takes each handled batch's next
offsets and commits them from a task of its own: one commit in flight at a time, at most
one every `interval_s`, the latest offset of each partition (one commit covers every batch
before it).

What is handled but not yet committed when a process dies is delivered again to the next
owner of its partitions; the inbox makes that harmless, as it already did for a commit
lost to a rebalance. Partitions are flushed before they are revoked, and everything before
the service stops (`close`): a rebalance or a clean stop redelivers at most a batch that
was still being handled when it came.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Collection, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from shared.logging import get_logger

log = get_logger(__name__)


class OffsetCommitter:
    """`consumer` returns the subscriber's consumer (`None` before it starts and after it
    stops)."""

    def __init__(self, group: str, consumer: Callable[[], AIOKafkaConsumer | None],
                 interval_s: float = 0.25, retry_s: float = 1.0) -> None:
        self.group = group
        self._consumer = consumer
        self.interval_s = interval_s
        self.retry_s = retry_s
        self._pending: dict[TopicPartition, int] = {}
        self._due = asyncio.Event()
        self._committing = asyncio.Lock()
        self._closing = False
        self.generation = 0
        """Counts revocations: a batch begun before one may have lost its partitions, and
        its offsets (older than what their next owner commits) are not committed."""

    @property
    def pending(self) -> dict[TopicPartition, int]:
        return dict(self._pending)

    async def handled(self, records: Sequence[Any], generation: int) -> None:
        """A batch fetched during `generation` is handled: its next offsets are due."""
        if generation != self.generation:
            return
        for record in records:
            tp = TopicPartition(record.topic, record.partition)
            if record.offset + 1 > self._pending.get(tp, -1):
                self._pending[tp] = record.offset + 1
        if self._closing:
            await self.flush()  # stopping: the last batches commit as they finish
        else:
            self._due.set()

    async def flush(self, partitions: Collection[TopicPartition] | None = None) -> bool:
        """Commit what is pending (of `partitions` only, if given); False when the commit
        failed (what is still owned stays pending)."""
        async with self._committing:
            consumer = self._consumer()
            wanted = {tp: offset for tp, offset in self._pending.items()
                      if partitions is None or tp in partitions}
            if consumer is None or not wanted:
                return True
            for tp in wanted:
                del self._pending[tp]
            owned = consumer.assignment()
            offsets = {tp: offset for tp, offset in wanted.items() if tp in owned}
            if not offsets:
                return True
            try:
                await consumer.commit(offsets)
                return True
            except Exception as error:
                log.warning("offset commit failed; will retry", group=self.group,
                            error_type=type(error).__name__, error=str(error))
                owned = consumer.assignment()
                for tp, offset in offsets.items():
                    if tp in owned and offset > self._pending.get(tp, -1):
                        self._pending[tp] = offset
                return False

    async def before_revoke(self, revoked: Collection[TopicPartition]) -> None:
        """For the rebalance listener: commit what was handled of the partitions leaving."""
        self.generation += 1
        await self.flush(revoked)
        for tp in revoked:
            self._pending.pop(tp, None)

    async def run(self, stop: asyncio.Event) -> None:
        stopping = asyncio.create_task(stop.wait())
        try:
            while not stop.is_set():
                due = asyncio.create_task(self._due.wait())
                await asyncio.wait({due, stopping}, return_when=asyncio.FIRST_COMPLETED)
                due.cancel()
                if stop.is_set():
                    return
                self._due.clear()
                committed = await self.flush()
                if not committed:
                    self._due.set()
                await asyncio.sleep(self.interval_s if committed else self.retry_s)
        finally:
            stopping.cancel()

    async def close(self) -> None:
        """Before the consumer stops: commit what is pending, and from now on each batch
        as it finishes."""
        self._closing = True
        with contextlib.suppress(Exception):
            await self.flush()
