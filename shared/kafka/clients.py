"""A service's Kafka producer, and starting a client while the broker may be away."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiokafka import AIOKafkaProducer

from shared.kafka.security import KafkaSecurity
from shared.outbox import DEFAULT_MAX_MESSAGE_BYTES
from shared.retry import retrying
from shared.transient import is_transient


def make_producer(bootstrap_servers: str, client_id: str,
                  max_request_size: int = DEFAULT_MAX_MESSAGE_BYTES,
                  security: KafkaSecurity = KafkaSecurity()) -> AIOKafkaProducer:
    """Idempotent (acks=all, no duplicates from retries), batching a few ms; refuses a
    record over `max_request_size` itself (`kafka_max_message_bytes`), before the broker."""
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers,
        **security.aiokafka_kwargs(),
        client_id=client_id,
        enable_idempotence=True,
        linger_ms=5,
        max_batch_size=256 * 1024,
        max_request_size=max_request_size,
        request_timeout_ms=30000,
    )


def _broker_away(error: BaseException) -> bool:
    # Not a cancellation, even one raised while a connection error was being handled
    # (`is_transient` follows `__context__`): stopping must not wait for the broker.
    return isinstance(error, Exception) and is_transient(error)


async def start_with_retry(
    start: Callable[[], Awaitable[Any]], what: str, backoff_max_s: float = 30.0,
    backoff_initial_s: float = 0.5,
) -> None:
    """Connect to a broker that may be restarting: retry transient failures with backoff
    (`shared.retry`), never give up; any other error is raised."""
    async for attempt in retrying(what, initial_s=backoff_initial_s, max_s=backoff_max_s,
                                  retry_on=_broker_away):
        with attempt:
            await start()
