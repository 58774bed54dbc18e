"""Fixing where a consumer group starts, once, whichever replica first owns a partition.

`auto_offset_reset` only says where a partition *without a committed offset* starts,
and Kafka asks it again of every new owner. Offsets are committed after a batch is
handled, so a partition that has carried nothing for the group yet has none. With
`latest`, such a partition that changes hands (a replica joins or leaves) starts at
the end again, and whatever arrived between the two owners resolving "the end" is
skipped: a second replica joining made the first one re-resolve its new partitions
after the other had already begun receiving events for them.

`PinStartingOffsets` closes that window: when partitions are assigned it pauses them,
and for every one the group has no offset for, commits the position just resolved by
the reset policy; then it resumes them. The group's starting point is decided once,
the first time someone owns the partition, and every later owner continues from it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Collection

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition

from shared.logging import get_logger

log = get_logger(__name__)


class PinStartingOffsets(ConsumerRebalanceListener):
    """Commit the reset position of newly assigned partitions that have no offset yet.

    `consumer` returns the subscriber's consumer (it exists by the time partitions
    are assigned; `None` once stopped). Failing to pin (a broker away, a rebalance
    under way) is logged and leaves the partitions as they were: the next owner pins.
    """

    def __init__(self, group: str, consumer: Callable[[], AIOKafkaConsumer | None],
                 timeout_s: float = 15.0,
                 before_revoke: Callable[[Collection[TopicPartition]], Awaitable[None]]
                 | None = None) -> None:
        self.group = group
        self._consumer = consumer
        self.timeout_s = timeout_s
        self._before_revoke = before_revoke
        """Runs before partitions go (the offset committer's last commit of them)."""

    async def on_partitions_revoked(self, revoked: Collection[TopicPartition]) -> None:
        if self._before_revoke is not None and revoked:
            try:
                await asyncio.wait_for(self._before_revoke(revoked), self.timeout_s)
            except Exception as error:
                log.warning("could not commit before revocation", group=self.group,
                            error_type=type(error).__name__, error=str(error))

    async def on_partitions_assigned(self, assigned: Collection[TopicPartition]) -> None:
        consumer = self._consumer()
        if consumer is None or not assigned:
            return
        partitions = list(assigned)
        # Nothing has been fetched for a fresh assignment yet (the task that reads its
        # committed points cannot run before this callback first awaits): pausing now
        # means the positions read below are where consumption will start, never past
        # records already handed to the handler.
        consumer.pause(*partitions)
        try:
            pinned = await asyncio.wait_for(self._pin(consumer, partitions), self.timeout_s)
            if pinned:
                log.info("starting offsets pinned", group=self.group,
                         partitions=sorted(f"{tp.topic}:{tp.partition}={offset}"
                                           for tp, offset in pinned.items()))
        except Exception as error:
            log.warning("could not pin starting offsets", group=self.group,
                        error_type=type(error).__name__, error=str(error))
        finally:
            with contextlib.suppress(Exception):
                consumer.resume(*[tp for tp in partitions if tp in consumer.assignment()])

    @staticmethod
    async def _pin(consumer: AIOKafkaConsumer,
                   partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
        committed = await asyncio.gather(*(consumer.committed(tp) for tp in partitions))
        unpinned = [tp for tp, offset in zip(partitions, committed, strict=True)
                    if offset is None]
        if not unpinned:
            return {}
        positions = await asyncio.gather(*(consumer.position(tp) for tp in unpinned))
        offsets = dict(zip(unpinned, positions, strict=True))
        await consumer.commit(offsets)
        return offsets
