"""The bus, read as an outside system reads it (the season's log: `devkit.bus.TopicReader`
keeping what the contract accepts), and how far the services' consumer groups have got.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from devkit.bus import TopicReader
from praktik_cli.demo.plan import Endpoints
from shared.contracts import topics
from shared.contracts.errors import MessageRejected
from shared.contracts.registry import decode, parse_data
from shared.kafka.security import KafkaSecurity

READ_TOPICS = (topics.REGISTRATION_EVENTS, topics.TRAINING_EVENTS, topics.MATCHING_EVENTS,
               topics.NOTIFICATIONS_EVENTS,
               *(topics.dead_letter_topic(t) for t in (
                   topics.REGISTRATION_EVENTS, topics.REGISTRATION_CONTACTS,
                   topics.TRAINING_EVENTS, topics.MATCHING_EVENTS)))
"""What the demo follows; the dead-letter twins too (what a service could not handle)."""


def contract_event(topic: str, value: bytes) -> dict[str, Any] | None:
    """An event as the demo follows it: on a contract topic only what the contract
    accepts (someone else's poison on the bus is no fact of the season), on a dead-letter
    topic the original as far as it is a JSON object."""
    if topic.endswith(topics.DLQ_SUFFIX):
        try:
            event = json.loads(value)
        except (ValueError, RecursionError):  # not JSON, or nested past the parser
            return None
        return event if isinstance(event, dict) else None
    try:
        parse_data(topic, envelope := decode(value))
    except MessageRejected:
        return None
    return envelope.model_dump(mode="json")


def event_log(endpoints: Endpoints) -> TopicReader:
    """The season's log: `READ_TOPICS` from where they stand when it starts (no consumer
    group), under the environment's topic prefix, events by the contract's names."""
    return TopicReader(endpoints.kafka, READ_TOPICS, prefix=endpoints.topic_prefix,
                       decode=contract_event, security=endpoints.kafka_security)


class GroupProgress:
    """How far the services' consumer groups have got on the topics they read."""

    def __init__(self, bootstrap: str, baseline: dict[TopicPartition, int],
                 security: KafkaSecurity = KafkaSecurity()) -> None:
        self.bootstrap = bootstrap
        self.baseline = baseline
        self._admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap,
                                          **security.aiokafka_kwargs())
        self._consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap,
                                          enable_auto_commit=False,
                                          **security.aiokafka_kwargs())

    async def start(self) -> GroupProgress:
        await self._admin.start()
        await self._consumer.start()
        return self

    async def stop(self) -> None:
        await self._consumer.stop()
        await self._admin.close()

    async def targets(self, groups: Iterable[str]) -> dict[tuple[str, TopicPartition], int]:
        """Each group's partitions with their end offsets now."""
        wanted: dict[tuple[str, TopicPartition], int] = {}
        for group in groups:
            committed = await self._admin.list_consumer_group_offsets(group)
            read = {tp.topic for tp in committed}
            parts = {tp for tp in self.baseline if tp.topic in read} | set(committed)
            ends = await self._consumer.end_offsets(list(parts))
            wanted.update({(group, tp): ends[tp] for tp in parts})
        return wanted

    async def reached(self, targets: dict[tuple[str, TopicPartition], int]) -> bool:
        """True when every group has committed up to its target on every partition (a
        partition a group never committed counts while nothing came since `baseline`)."""
        by_group: dict[str, dict[TopicPartition, Any]] = {}
        for (group, tp), target in targets.items():
            if group not in by_group:
                by_group[group] = await self._admin.list_consumer_group_offsets(group)
            meta = by_group[group].get(tp)
            if meta is None or meta.offset < 0:
                if target > self.baseline.get(tp, target):
                    return False
            elif meta.offset < target:
                return False
        return True

