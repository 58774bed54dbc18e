"""Publishing to the run's topics, for tests and benchmarks: a topic named by the contract
goes to the run's topic of that name (devkit.bus: the prefix put before it)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Sequence
from typing import Any

from aiokafka import AIOKafkaProducer

from devkit.bus import run_security, topic_prefix
from shared.contracts.base import EventData
from shared.contracts.envelope import CloudEvent, new_event
from shared.contracts.registry import encode
from shared.kafka import naming
from shared.kafka.security import KafkaSecurity


def binary_mode(event: CloudEvent) -> tuple[bytes, list[tuple[str, bytes]]]:
    """`event` as a CloudEvents SDK sends it in binary content mode: `data` as the value,
    each attribute in a `ce_<name>` header and `content-type: application/json`."""
    envelope = json.loads(encode(event))
    value = json.dumps(envelope.pop("data")).encode()
    headers = [("content-type", envelope.pop("datacontenttype").encode())]
    headers += [(f"ce_{name}", str(attribute).encode()) for name, attribute in envelope.items()]
    return value, headers


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
    one (also through `publisher.producer` directly), as the run (`run_security`) unless
    given another `security`."""

    def __init__(self, bootstrap: str, security: KafkaSecurity | None = None) -> None:
        security = run_security() if security is None else security
        self.producer = RunProducer(bootstrap_servers=bootstrap, enable_idempotence=True,
                                    linger_ms=2, **security.aiokafka_kwargs())

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

    async def send_binary(self, topic: str, event: CloudEvent, key: str | None) -> None:
        """`event` in binary content mode (`binary_mode`), as other senders may."""
        value, headers = binary_mode(event)
        await self.send_raw(topic, value, key, headers)

    async def send_data(self, topic: str, data: EventData, source: str = "urn:test",
                        subject: str | None = None) -> CloudEvent:
        event, key = _keyed(data, source, subject)
        await self.send(topic, event, key)
        return event

    async def send_all(self, items: Sequence[tuple[str, EventData]],
                       source: str = "urn:test") -> None:
        """Each (topic, data) as `send_data` does, pipelined: all handed to the producer,
        then every acknowledgement awaited (one round trip per batch, not per message;
        the idempotent producer keeps each partition's order)."""
        sent = []
        for topic, data in items:
            event, key = _keyed(data, source)
            sent.append(await self.producer.send(topic, encode(event),
                                                 key=key.encode() if key else None))
        await asyncio.gather(*sent)


def _keyed(data: EventData, source: str, subject: str | None = None
           ) -> tuple[CloudEvent, str | None]:
    """The event of `data` (a subject of its own unless given) and its partition key."""
    event = new_event(data, source=source, subject=subject or str(uuid.uuid4()))
    return event, data.kafka_key(event.subject)
