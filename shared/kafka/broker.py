"""The FastStream broker of a service: batch subscribers with manual acknowledgement, a
parser that survives any header bytes, and what its AsyncAPI document says.

Each subscription becomes one batch subscriber (one consumer group). FastStream only
delivers the raw records: decoding, validation, the inbox, dead letters and the one
transaction per batch are `shared.kafka.consumer`'s; what happens to a delivered batch
(linger, retry, offsets) is `shared.kafka.delivery`'s.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Union

from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from faststream.middlewares import AckPolicy
from faststream.specification import AsyncAPI

from shared.contracts.base import EventData
from shared.kafka.consumer import BatchProcessor, Subscription
from shared.kafka.delivery import run_batch
from shared.kafka.naming import physical
from shared.kafka.offsets import OffsetCommitter
from shared.kafka.progress import PartitionReport, Progress
from shared.kafka.rebalance import PinStartingOffsets
from shared.settings import ServiceSettings
from shared.waits import RetryWaits


async def keep_raw(message: Any) -> Any:
    """FastStream decoder that leaves bytes alone: our consumer validates, not the framework."""
    return None


async def readable_headers(records: Any, original: Callable[[Any], Awaitable[Any]]) -> Any:
    """FastStream parser that survives any header bytes. FastStream's own decodes every
    header value as UTF-8, and one that is not made it drop the whole batch unseen (no
    dead letter, offsets moving on past it). Such a batch is parsed from copies whose
    header values are made readable; the handler gets the records as they arrived."""
    try:
        return await original(records)
    except UnicodeDecodeError:
        readable = tuple(
            dataclasses.replace(record, headers=[
                (key, value.decode(errors="replace").encode()) for key, value in record.headers
            ]) for record in records)
        message = await original(readable)
        message.raw_message = records
        return message


@dataclass(frozen=True)
class Consumer:
    """One subscription's consumer group in this process (for health and shutdown)."""

    group: str
    consumer: Callable[[], Any]
    """The subscriber's aiokafka consumer (None before it starts and after it stops)."""
    progress: Progress
    offsets: OffsetCommitter

    async def report(self, stall_s: float) -> list[PartitionReport]:
        consumer = self.consumer()
        return [] if consumer is None else await self.progress.report(consumer, stall_s)

    def matches_nothing(self) -> bool:
        """A pattern subscription (registration's senders) that no topic matches yet: it
        owns no partitions, and is not a consumer that is behind or unassigned."""
        consumer = self.consumer()
        return consumer is not None and pattern_matches_nothing(consumer)


def pattern_matches_nothing(consumer: Any) -> bool:
    """True for an aiokafka consumer subscribed by a pattern that no topic matches yet."""
    return bool(consumer._subscription.subscribed_pattern) and not consumer.subscription()


def make_broker(settings: ServiceSettings, client_id: str) -> KafkaBroker:
    """A service's broker. It never creates topics: they are provisioned (shared.kafka.admin,
    `praktik senders add`), and on a secured bus a service may not create any."""
    return KafkaBroker(settings.kafka_bootstrap_servers, client_id=client_id, logger=None,
                       metadata_max_age_ms=settings.kafka_metadata_max_age_ms,
                       security=settings.kafka_security.faststream_security(),
                       allow_auto_create_topics=False)


def subscribe(broker: KafkaBroker, service: str, subscription: Subscription,
              processor: BatchProcessor, settings: ServiceSettings) -> Consumer:
    """A batch subscriber for `subscription` on `broker`, its records handed to `processor`."""
    # Topics and groups carry the environment's prefix on the broker (shared.kafka.naming).
    prefix = settings.topic_prefix
    group = prefix + (subscription.consumer_group or (
        f"{settings.consumer_group or service}.{subscription.name}"
    ))

    def consumer() -> Any:
        return getattr(subscriber, "consumer", None)

    offsets = OffsetCommitter(group, consumer, settings.consumer_commit_interval_s)
    retry = RetryWaits(f"consumer {group}", settings.retry_backoff_initial_s,
                       settings.retry_backoff_max_s)

    async def consume(message: KafkaMessage) -> None:
        await run_batch(processor, message, retry, offsets, settings.consumer_linger_ms / 1000,
                        settings.consumer_batch_size)

    consume.__name__ = f"consume_{subscription.name}"
    consume.__doc__ = (
        f"{service} reads CloudEvents (structured or binary content mode) from "
        f"{', '.join(subscription.topics) or f'topics matching {subscription.pattern}'}: "
        f"{', '.join(sorted(m.TYPE for m in subscription.handlers))}"
    )
    # A partition's reset position is committed on its first assignment, so a
    # replica taking it over later continues from there instead of resetting again
    # (with `latest` that skipped what arrived during a rebalance).
    listener = PinStartingOffsets(group, consumer, before_revoke=offsets.before_revoke)
    subscriber = broker.subscriber(
        *(physical(prefix, topic) for topic in subscription.topics),
        pattern=broker_pattern(prefix, subscription.pattern) if subscription.pattern else None,
        batch=True,
        group_id=group,
        ack_policy=AckPolicy.MANUAL,
        auto_offset_reset=subscription.auto_offset_reset or settings.consumer_auto_offset_reset,
        listener=listener,
        max_records=settings.consumer_batch_size,
        batch_timeout_ms=settings.consumer_batch_timeout_ms,
        fetch_max_wait_ms=settings.consumer_fetch_max_wait_ms,
        decoder=keep_raw,
        parser=readable_headers,
        title=f"{service}:{subscription.name}",
        description=consume.__doc__,
    )
    subscriber(consume)
    return Consumer(group, consumer, processor.progress, offsets)


def broker_pattern(prefix: str, pattern: str) -> str:
    """A subscription's pattern over contract names as the broker's topics match it: the
    whole name, behind the environment's prefix (the client matches topics with `re`)."""
    return f"^{re.escape(prefix)}(?:{pattern})$"


def document_publisher(broker: KafkaBroker, service: str, topic: str,
                       models: Sequence[type[EventData]]) -> None:
    """Name what `service` publishes on `topic`, for the AsyncAPI document only."""
    schema: Any = models[0] if len(models) == 1 else Union[tuple(models)]  # noqa: UP007
    broker.publisher(
        topic,
        title=f"{service}:{topic}",
        description=", ".join(m.TYPE for m in models),
        schema=schema,
    )


def asyncapi_document(broker: KafkaBroker, title: str, description: str) -> dict[str, Any]:
    """The AsyncAPI document of what the broker's subscribers read and publishers write."""
    spec = AsyncAPI(broker, title=title, description=description)
    result: dict[str, Any] = spec.to_specification().to_jsonable()
    return result
