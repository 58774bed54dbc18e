"""What a batch subscriber does with one delivered batch of records.

A batch smaller than `max_records` first lingers and takes in what arrived meanwhile;
then `BatchProcessor` handles it in one transaction. Success: its offsets are due for
commit (`shared.kafka.offsets`). Failure: every partition of the batch is rewound, and
the try is counted and waited out (`shared.waits`: `retry_backoff_initial_s` growing to
`retry_backoff_max_s`, with jitter) before the handler returns; the subscriber's loop
then fetches the records again, so the consumer keeps polling and keeps its place in the
group however long the database is away. A transient failure is tried for ever; any
other one `max_attempts` times as a batch, then record by record (`process_alone`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from typing import Any, Protocol

from aiokafka import TopicPartition

from shared.kafka.offsets import OffsetCommitter
from shared.kafka.progress import Progress
from shared.logging import get_logger
from shared.transient import is_transient
from shared.waits import RetryWaits

log = get_logger(__name__)


class Processor(Protocol):
    """What `run_batch` uses of `shared.kafka.consumer.BatchProcessor`."""

    failures: int
    max_attempts: int
    progress: Progress

    async def process(self, records: Sequence[Any]) -> object: ...

    async def process_alone(self, records: Sequence[Any]) -> object: ...


async def run_batch(processor: Processor, message: Any, retry: RetryWaits,
                    offsets: OffsetCommitter, linger_s: float = 0.0,
                    max_records: int = 500) -> None:
    """Handle one batch (`message` is FastStream's KafkaMessage: `raw_message` holds the
    records, `consumer` the client that fetched them). Never raises but a cancellation."""
    records = message.raw_message
    batch = list(records) if isinstance(records, tuple | list) else [records]
    if not batch:
        return
    generation = offsets.generation
    if linger_s and len(batch) < max_records:
        await linger(message.consumer, batch, linger_s, max_records)
    try:
        if processor.failures >= processor.max_attempts:
            await processor.process_alone(batch)
        else:
            await processor.process(batch)
    except Exception as error:
        if not is_transient(error):
            processor.failures += 1
            log.exception("unexpected failure handling a batch; will retry",
                          attempt=processor.failures, max_attempts=processor.max_attempts)
        rewind(message.consumer, batch)
        await retry.failed(error)
        return
    processor.failures = 0
    retry.succeeded()
    processor.progress.handled(batch)
    await offsets.handled(batch, generation)


async def linger(consumer: Any, batch: list[Any], linger_s: float, max_records: int) -> None:
    """Wait `linger_s`, then add to `batch` what the client has fetched meanwhile: at a
    trickle, one transaction (and one relay round, one commit) for several messages
    instead of one each. The subscriber's loop is waiting for this handler: nothing else
    reads meanwhile."""
    await asyncio.sleep(linger_s)
    more = await consumer.getmany(timeout_ms=0, max_records=max_records - len(batch))
    for arrived in more.values():
        batch.extend(arrived)


def rewind(consumer: Any, records: Sequence[Any]) -> None:
    """Seek each partition of `records` back to its earliest one: they are fetched again."""
    earliest: dict[TopicPartition, int] = {}
    for record in records:
        tp = TopicPartition(record.topic, record.partition)
        earliest[tp] = min(record.offset, earliest.get(tp, record.offset))
    for tp, offset in earliest.items():
        with contextlib.suppress(Exception):
            # A partition revoked meanwhile: its next owner starts at the committed offset.
            consumer.seek(tp, offset)
