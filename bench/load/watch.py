"""Watching the running system: outcomes on the bus, and its consumers' lag."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient

from bench.load.config import OUTCOMES
from devkit.bus import Record, TopicReader
from devkit.wait import eventually
from shared.contracts import topics
from shared.kafka.security import KafkaSecurity


class Watcher:
    """Reads matching.events.v1 and registration.events.v1 from their ends as of start: this
    run's supervisors, when each request (by its external_ref) became `PlacementRequested`
    and when its outcome was first read (the time its poll returned)."""

    def __init__(self, bootstrap: str, run: str,
                 security: KafkaSecurity = KafkaSecurity()) -> None:
        self.marker = run.encode()
        self.supervisors: list[dict[str, Any]] = []
        self.request_of: dict[str, str] = {}  # external_ref → request_id
        self.requested: dict[str, float] = {}  # external_ref → seen
        self.outcome: dict[str, float] = {}  # request_id → seen
        self.kind: dict[str, str] = {}
        self.reasons: dict[str, list[str]] = {}
        self.rejected = 0
        self.reader = TopicReader(bootstrap, [topics.MATCHING_EVENTS, topics.REGISTRATION_EVENTS],
                                  on_batch=self._take, keep=False,
                                  max_partition_fetch_bytes=4 * 1024 * 1024,
                                  fetch_max_wait_ms=20, security=security)

    async def start(self) -> None:
        await self.reader.start()
        self.reader.follow(poll_s=0.02)

    def _take(self, records: list[Record], seen: float) -> None:
        for r in records:
            kind = dict(r.headers).get("ce_type")
            if r.value is not None and kind is not None:
                self._one(kind, r.value, seen)

    def _one(self, kind: bytes, value: bytes, seen: float) -> None:
        if kind in OUTCOMES:
            data = json.loads(value)["data"]
            rid = data.get("request_id")
            if rid and rid not in self.outcome:
                self.outcome[rid] = seen
                self.kind[rid] = kind.decode()
                self.reasons[rid] = list(data.get("reasons") or ())
        elif self.marker not in value:
            if kind == b"IntakeRejected":
                self.rejected += 1
        elif kind == b"PlacementRequested":
            data = json.loads(value)["data"]
            ref = data.get("external_ref")
            if ref and ref not in self.requested:
                self.requested[ref] = seen
                self.request_of[ref] = data["request_id"]
        elif kind == b"SupervisorRegistered":
            self.supervisors.append(json.loads(value)["data"])

    def outcome_of(self, ref: str) -> float | None:
        rid = self.request_of.get(ref)
        return self.outcome.get(rid) if rid else None

    async def wait_for(self, refs: set[str], timeout_s: float) -> bool:
        """Whether every request of `refs` had its outcome read within `timeout_s`."""

        def answered() -> bool:
            self.reader.check()
            return all(self.outcome_of(ref) is not None for ref in refs)

        try:
            await eventually(answered, timeout_s, "an outcome of every request", interval_s=0.05)
        except AssertionError:
            return False
        return True

    def check(self) -> None:
        self.reader.check()

    async def stop(self) -> None:
        await self.reader.stop()


class LagSampler:
    """Each service's consumer lag: end offset − committed offset, summed over its groups
    (`<group>.<subscription>`) and their partitions, DLQs left out. `start` samples every
    half second and keeps the largest seen, per service and per group."""

    def __init__(self, bootstrap: str, prefixes: dict[str, str],
                 security: KafkaSecurity = KafkaSecurity()) -> None:
        self.bootstrap = bootstrap
        self.prefixes = prefixes  # service → its consumer group (the subscriptions' prefix)
        self.peak: dict[str, int] = dict.fromkeys(prefixes, 0)
        self.peak_group: dict[str, int] = {}
        self._admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap,
                                          **security.aiokafka_kwargs())
        self._consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                                          **security.aiokafka_kwargs())
        self._task: asyncio.Task[None] | None = None

    async def open(self) -> LagSampler:
        await self._admin.start()
        await self._consumer.start()
        return self

    async def close(self) -> None:
        await self.stop()
        await self._consumer.stop()
        await self._admin.close()

    async def current(self) -> dict[str, int]:
        groups = [g for g, _ in await self._admin.list_consumer_groups()]
        totals = dict.fromkeys(self.prefixes, 0)
        for service, prefix in self.prefixes.items():
            for group in groups:
                if not group.startswith(f"{prefix}."):
                    continue
                committed = await self._admin.list_consumer_group_offsets(group)
                watched = [tp for tp in committed if not tp.topic.endswith(topics.DLQ_SUFFIX)]
                if not watched:
                    continue
                ends = await self._consumer.end_offsets(watched)
                lag = sum(max(0, ends[tp] - committed[tp].offset) for tp in watched)
                name = service + group.removeprefix(prefix)
                self.peak_group[name] = max(self.peak_group.get(name, 0), lag)
                totals[service] += lag
            self.peak[service] = max(self.peak[service], totals[service])
        return totals

    async def quiet(self, timeout_s: float) -> dict[str, int]:
        """Wait until no service has anything left to read (or the time is up)."""
        lag: dict[str, int] = {}

        async def idle() -> bool:
            nonlocal lag
            lag = await self.current()
            return not any(lag.values())

        with contextlib.suppress(AssertionError):  # the caller reports what is left
            await eventually(idle, timeout_s, "every service to have read everything",
                             interval_s=0.5)
        self.peak = dict.fromkeys(self.prefixes, 0)
        self.peak_group = {}
        return lag

    async def start(self) -> None:
        self._task = asyncio.create_task(self._sample())

    async def _sample(self) -> None:
        while True:
            await self.current()
            await asyncio.sleep(0.5)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

