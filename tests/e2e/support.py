"""Helpers of the end-to-end tests: which consumer groups read what, and how far they
have committed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from aiokafka import TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from devkit.bus import logical, physical, run_security
from devkit.processes import System
from shared.kafka.security import KafkaSecurity


@dataclass(frozen=True)
class ConsumerGroup:
    """One consumer group of one service, `<consumer group>.<subscription>` (who reads a
    topic; the records themselves are read with `devkit.bus.TopicReader`)."""

    service: str
    group: str

    @property
    def subscription(self) -> str:
        return self.group.rsplit(".", 1)[-1]

    @property
    def label(self) -> str:
        """How dead letters name it (`dlq.consumer`): `<service>.<subscription>`."""
        return f"{self.service}.{self.subscription}"


async def consumer_health(system: System) -> dict[str, dict[str, list[Any]]]:
    """`/health/consumers` of each service process, by process key."""
    found: dict[str, dict[str, list[Any]]] = {}
    async with httpx.AsyncClient(timeout=5) as client:
        for key, process in system.services.items():
            found[key] = (await client.get(f"{process.url}/health/consumers")).json()
    return found


async def readers_by_topic(system: System) -> dict[str, list[ConsumerGroup]]:
    """Consumer groups (with their service) by topic, as the services report assignments
    (topics by the contract's names, without the run's prefix)."""
    found: dict[str, list[ConsumerGroup]] = {}
    for key, owned in (await consumer_health(system)).items():
        service = system.services[key].name
        for group, partitions in owned.items():
            for topic in sorted({logical(str(p["topic"])) for p in partitions}):
                reader = ConsumerGroup(service, group)
                if reader not in found.setdefault(topic, []):
                    found[topic].append(reader)
    return found


async def readers_of(system: System) -> dict[str, list[str]]:
    """Consumer group ids by topic, as the services report their assignments."""
    return {topic: [r.group for r in readers]
            for topic, readers in (await readers_by_topic(system)).items()}


async def committed(bootstrap: str, group: str, tp: TopicPartition) -> int:
    """The group's committed offset of one partition (-1: none)."""
    return (await committed_all(bootstrap, [group], [tp]))[group].get(tp, -1)


async def committed_all(bootstrap: str, groups: list[str], tps: list[TopicPartition],
                        security: KafkaSecurity | None = None
                        ) -> dict[str, dict[TopicPartition, int]]:
    """Committed offsets of several groups over one admin connection (absent: none); the
    partitions' topics by the contract's names (asked of the run's prefixed topics), as
    the run connects unless given another `security`."""
    security = run_security() if security is None else security
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **security.aiokafka_kwargs())
    await admin.start()
    try:
        found: dict[str, dict[TopicPartition, int]] = {}
        on_broker = [TopicPartition(physical(tp.topic), tp.partition) for tp in tps]
        for group in groups:
            offsets = await admin.list_consumer_group_offsets(group, partitions=on_broker)
            found[group] = {TopicPartition(logical(tp.topic), tp.partition): int(meta.offset)
                            for tp, meta in offsets.items()
                            if meta is not None and meta.offset >= 0}
        return found
    finally:
        await admin.close()
