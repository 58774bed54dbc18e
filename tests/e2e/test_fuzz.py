"""Bad input never stops Praktik: a seeded corpus of hostile messages on every consumed
topic goes through the four services (processes, real broker, own database).

Per topic: garbage bytes, truncated JSON, JSON that is not an object, deep nesting, NUL
bytes (id, key, header value, a UUID of `data`), lone surrogates (id, source,
correlationid), ids of 3,000+ characters, near-limit values, wrong types, unknown types,
valid events, exact duplicates, reused ids with another payload, and every event type of
the topic with each required field missing in turn.

Afterwards every record is accounted for, per consumer group reading its topic: handled
(a duplicate is handled once) or dead-lettered once on `<topic>.dlq` with the expected
`dlq.error.kind`; every group's committed offset is past it. A valid event sent after the
corpus is handled within seconds, and no partition is left stalled.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import ConsumerRecord, TopicPartition

from shared.contracts import topics
from shared.contracts.registry import EVENTS_BY_TOPIC
from shared.kafka.dead_letter import (
    HEADER_CONSUMER,
    HEADER_KIND,
    HEADER_OFFSET,
    HEADER_PARTITION,
    HEADER_REASON,
    HEADER_TOPIC,
)
from tests.e2e.conftest import OwnDatabase
from tests.e2e.corpus import (
    HEADER_TRUNCATED,
    REQUIRED_HEADERS,
    SAFE,
    SEED,
    Case,
    Corpus,
    Rng,
    build_corpus,
)
from tests.e2e.support import Reader, committed_all, consumer_health, readers_by_topic
from tests.support.infra import libpq_url
from tests.support.kafka import Publisher, TopicReader
from tests.support.processes import System
from tests.support.wait import eventually

pytestmark = [pytest.mark.infra]

DRAIN_S = 100.0
"""How long the corpus may take to drain before the accounting is made anyway."""
LETTERS_S = 15.0
"""How long dead letters may trail the offsets (they go through the outbox)."""
PROBE_S = 10.0
"""A valid event after the corpus is handled within this."""



@dataclass
class Stalls:
    """The longest `since_moved_s` seen on a partition with lag, polled while it drains."""

    longest_s: float = 0.0
    where: str = ""
    stalled_seen: set[str] = field(default_factory=set)

    def observe(self, health: dict[str, dict[str, list[Any]]]) -> None:
        for owned in health.values():
            for group, entries in owned.items():
                for entry in entries:
                    where = f"{group} {entry.get('topic')}:{entry.get('partition')}"
                    if entry.get("stalled"):
                        self.stalled_seen.add(where)
                    moved = float(entry.get("since_moved_s") or 0.0)
                    if (entry.get("lag") or 0) > 0 and moved > self.longest_s:
                        self.longest_s, self.where = moved, where

    async def watch(self, system: System, stop: asyncio.Event) -> None:
        while not stop.is_set():
            with contextlib.suppress(httpx.HTTPError, ValueError):
                self.observe(await consumer_health(system))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=0.5)


def _headers(record: ConsumerRecord[bytes, bytes]) -> dict[str, str]:
    return {k: (v or b"").decode(errors="replace") for k, v in record.headers}


@dataclass
class Letters:
    """Dead letters seen, by (original topic, partition, offset, consumer label)."""

    by_origin: dict[tuple[str, int, int, str], list[dict[str, str]]] = field(
        default_factory=lambda: defaultdict(list))
    seen: int = 0
    sizes: dict[tuple[str, int, int, str], int] = field(default_factory=dict)

    def take(self, records: list[ConsumerRecord[bytes, bytes]], dlq_topics: set[str]) -> None:
        for record in records[self.seen:]:
            if record.topic not in dlq_topics:
                continue
            headers = _headers(record)
            try:
                origin = (headers[HEADER_TOPIC], int(headers[HEADER_PARTITION]),
                          int(headers[HEADER_OFFSET]), headers[HEADER_CONSUMER])
            except (KeyError, ValueError):
                origin = ("?", -1, record.offset, headers.get(HEADER_CONSUMER, "?"))
            self.by_origin[origin].append(headers)
            self.sizes[origin] = len(record.value or b"")
        self.seen = len(records)


def _actual(case: Case, reader: Reader, letters: Letters,
            offsets: dict[str, dict[TopicPartition, int]]) -> str:
    found = letters.by_origin.get((case.topic, case.partition, case.offset, reader.label), [])
    passed = offsets.get(reader.group, {}).get(TopicPartition(case.topic, case.partition), -1)
    if len(found) > 1:
        return f"dead-lettered x{len(found)}:" + ",".join(sorted({h.get(HEADER_KIND, "?")
                                                                   for h in found}))
    if found:
        return f"dead-lettered:{found[0].get(HEADER_KIND)}"
    return "handled" if passed > case.offset else "not settled (offset not passed)"


async def _inboxes(e2e_infra: OwnDatabase, readers: set[Reader]) -> dict[Reader, set[str]]:
    connection = await asyncpg.connect(libpq_url(e2e_infra.admin_database_url))
    try:
        found: dict[Reader, set[str]] = {}
        for reader in readers:
            rows = await connection.fetch(
                f'SELECT event_id FROM "{reader.service}".inbox WHERE consumer = $1',
                reader.subscription)
            found[reader] = {row["event_id"] for row in rows}
        return found
    finally:
        await connection.close()


def _sample(items: list[str], limit: int = 4) -> str:
    return ", ".join(items[:limit]) + (f" (+{len(items) - limit})" if len(items) > limit else "")


def account(cases: list[Case], readers: dict[str, list[Reader]], letters: Letters,
            offsets: dict[str, dict[TopicPartition, int]],
            inboxes: dict[Reader, set[str]]) -> tuple[Counter[str], list[str]]:
    """Figures, and the mismatches grouped by kind of message, reader, expected and actual."""
    figures: Counter[str] = Counter()
    mismatches: dict[tuple[str, str, str, str], list[str]] = defaultdict(list)
    for case in cases:
        for reader in readers[case.topic]:
            expected, actual = case.expected(reader), _actual(case, reader, letters, offsets)
            figures["deliveries"] += 1
            if actual.startswith("dead-lettered"):
                figures["dead-lettered"] += 1
                if actual == "dead-lettered:conflict":
                    figures["conflicts"] += 1
            elif actual == "handled":
                figures["handled"] += 1
                if case.outcome == "duplicate":
                    figures["duplicates"] += 1
            where = f"{case.partition}@{case.offset}"
            if actual != expected:
                mismatches[(case.kind, reader.label, expected, actual)].append(where)
                continue
            for headers in letters.by_origin.get(
                    (case.topic, case.partition, case.offset, reader.label), []):
                missing = [h for h in REQUIRED_HEADERS if not headers.get(h)]
                if missing:
                    mismatches[(case.kind, reader.label, "all dlq headers",
                                f"missing {missing}")].append(where)
            in_inbox_expected = (actual == "handled" and case.handles(reader)
                                 and case.event_id and case.value is not None
                                 and case.kind != "NUL in id")
            if in_inbox_expected and case.event_id not in inboxes.get(reader, set()):
                mismatches[(case.kind, reader.label, "in the inbox", "not in the inbox")
                           ].append(where)
    lines = [f"{kind} [{label}]: expected {expected}, got {actual} - {len(where)}x at "
             f"{_sample(where)}"
             for (kind, label, expected, actual), where in sorted(mismatches.items())]
    return figures, lines


# -- the test -----------------------------------------------------------------------------


def _probe(topic: str, rng: Rng) -> tuple[dict[str, Any], bytes | None]:
    corpus = Corpus(rng.getrandbits(32))
    envelope = corpus.valid(topic, SAFE[topic][0])
    return envelope, corpus.key_of(topic, envelope)


def _answers(record: ConsumerRecord[bytes, bytes], request_id: str) -> bool:
    """A `WorkplaceRegistered` on `registration.events.v1` caused by the request (the
    corpus is on that topic too: only records naming the id are parsed)."""
    if record.topic != topics.REGISTRATION_EVENTS or request_id.encode() not in (
            record.value or b""):
        return False
    event = json.loads(record.value or b"")
    return bool(event.get("type") == "WorkplaceRegistered"
                and event.get("causationid") == request_id)


def _by_partition(cases: list[Case]) -> dict[TopicPartition, int]:
    last: dict[TopicPartition, int] = {}
    for case in cases:
        tp = TopicPartition(case.topic, case.partition)
        last[tp] = max(last.get(tp, -1), case.offset)
    return last


async def _settle(condition: Callable[[], Any], timeout_s: float) -> bool:
    """Poll until `condition` holds or `timeout_s` passes; whether it held."""
    try:
        await eventually(condition, timeout_s, "the fuzz run to settle", interval_s=0.3)
    except AssertionError:
        return False
    return True


def _unstalled(health: dict[str, dict[str, list[Any]]]) -> Iterator[str]:
    """What is still behind or stalled: `group topic:partition lag=...`."""
    for owned in health.values():
        for group, entries in owned.items():
            for entry in entries:
                if isinstance(entry, dict) and (entry.get("stalled") or (entry.get("lag") or 0)):
                    yield (f"{group} {entry['topic']}:{entry['partition']} lag={entry.get('lag')}"
                           f" stalled={entry.get('stalled')}")


async def test_bad_input_never_stops_praktik(
        system: System, e2e_infra: OwnDatabase, report_figures: Callable[[str], None]) -> None:
    started = time.monotonic()
    readers = await readers_by_topic(system)
    consumed = [t for t in EVENTS_BY_TOPIC if t in readers and t in SAFE]
    assert set(consumed) == set(SAFE), f"readers found: {readers}"
    cases = build_corpus(consumed)
    assert len(cases) >= 1000
    bootstrap = e2e_infra.kafka_bootstrap
    dlq_topics = {topics.dead_letter_topic(t) for t in consumed}
    groups = sorted({r.group for rs in readers.values() for r in rs})
    stalls, stop = Stalls(), asyncio.Event()
    letters = Letters()
    async with TopicReader(bootstrap, [*sorted(dlq_topics), topics.REGISTRATION_EVENTS]
                           ) as reader, Publisher(bootstrap) as publisher:
        watcher = asyncio.create_task(stalls.watch(system, stop))
        try:
            pending = [await publisher.producer.send(c.topic, c.value, key=c.key,
                                                     headers=c.headers or None) for c in cases]
            for case, future in zip(cases, pending, strict=True):
                sent = await future
                case.partition, case.offset = sent.partition, sent.offset
            sent_s = time.monotonic() - started
            last = _by_partition(cases)
            dead_expected = {(c.topic, c.partition, c.offset, r.label)
                             for c in cases for r in readers[c.topic]
                             if c.expected(r).startswith("dead")}
            offsets: dict[str, dict[TopicPartition, int]] = {}
            passed_at: float | None = None

            async def drained() -> bool:
                """Every group past the corpus, and its dead letters in (or given up on)."""
                nonlocal offsets, passed_at
                await reader.poll()
                letters.take(reader.records, dlq_topics)
                offsets = await committed_all(bootstrap, groups, list(last))
                if not all(offsets[r.group].get(tp, -1) > at for tp, at in last.items()
                           for r in readers[tp.topic]):
                    return False
                passed_at = passed_at or time.monotonic()
                return (dead_expected <= set(letters.by_origin)
                        or time.monotonic() - passed_at > LETTERS_S)

            await _settle(drained, DRAIN_S)
            drained_in_time = passed_at is not None
            drain_s = time.monotonic() - started - sent_s

            # A valid event after the corpus: handled within seconds, on every topic.
            rng = random.Random(SEED + 1)
            probes = {topic: _probe(topic, rng) for topic in consumed}
            probe_at: dict[str, tuple[int, int]] = {}
            for topic, (envelope, key) in probes.items():
                sent = await publisher.producer.send_and_wait(
                    topic, json.dumps(envelope).encode(), key=key)
                probe_at[topic] = (sent.partition, sent.offset)
            probe_sent = time.monotonic()
            intake_probe = probes[topics.REGISTRATION_INTAKE][0]["id"]

            async def probes_handled() -> bool:
                await reader.poll()
                found = await committed_all(
                    bootstrap, groups, [TopicPartition(t, p) for t, (p, _) in probe_at.items()])
                answered = any(_answers(r, intake_probe) for r in reader.records)
                return answered and all(
                    found[r.group].get(TopicPartition(t, p), -1) > o
                    for t, (p, o) in probe_at.items() for r in readers[t])

            probes_in_time = await _settle(probes_handled, PROBE_S)
            probe_s = time.monotonic() - probe_sent

            # No error left retrying: nothing stalled or behind, every service ready.
            async def quiet() -> bool:
                health = await consumer_health(system)
                stalls.observe(health)
                async with httpx.AsyncClient(timeout=5) as client:
                    ready = [(await client.get(f"{p.url}/health/ready")).status_code
                             for p in system.services.values()]
                return not list(_unstalled(health)) and set(ready) == {200}

            quiet_in_time = await _settle(quiet, 15)
            health = await consumer_health(system)
            await reader.poll()
            letters.take(reader.records, dlq_topics)
            offsets = await committed_all(bootstrap, groups, list(last))
        finally:
            stop.set()
            await watcher

    inboxes = await _inboxes(e2e_infra, {r for rs in readers.values() for r in rs})
    figures, mismatches = account(cases, readers, letters, offsets, inboxes)
    corpus_origins = {(c.topic, c.partition, c.offset) for c in cases}
    probe_origins = {(t, p, off) for t, (p, off) in probe_at.items()}
    probe_letters = [f"{o} {hs[0].get(HEADER_KIND)}: {hs[0].get(HEADER_REASON, '')[:300]}"
                     for o, hs in letters.by_origin.items() if o[:3] in probe_origins]
    stray = sorted(f"{o[3]} {o[0]}:{o[1]}@{o[2]} {hs[0].get(HEADER_KIND)}: "
                   f"{hs[0].get(HEADER_REASON, '')[:200]}"
                   for o, hs in letters.by_origin.items()
                   if o[:3] not in corpus_origins | probe_origins)
    truncated = [o for o, hs in letters.by_origin.items() if any(HEADER_TRUNCATED in h for h in hs)]
    kinds = Counter(c.kind for c in cases)
    report_figures(
        f"fuzz (seed {SEED}): {len(cases)} messages tried over {len(consumed)} topics, "
        f"{figures['deliveries']} deliveries to {len(groups)} consumer groups: "
        f"{figures['dead-lettered']} dead-lettered, {figures['handled']} handled "
        f"({figures['duplicates']} duplicates), {figures['conflicts']} conflicts; "
        f"longest stall {stalls.longest_s:.1f} s"
        + (f" ({stalls.where})" if stalls.where else "")
        + f"; sent in {sent_s:.1f} s, drained in {drain_s:.1f} s, probes in {probe_s:.1f} s; "
        f"{len(truncated)} truncated dead letters; {len(kinds)} kinds of message")

    problems = [f"corpus: {c.kind} at {c.partition}@{c.offset} is not behind its first copy"
                for c in cases if c.after and not (
                    c.after.partition == c.partition and c.after.offset < c.offset)]
    problems += mismatches
    if not drained_in_time:
        behind = sorted(f"{r.group} {tp.topic}:{tp.partition} at "
                        f"{offsets.get(r.group, {}).get(tp, -1)} <= {at}"
                        for tp, at in _by_partition(cases).items() for r in readers[tp.topic]
                        if offsets.get(r.group, {}).get(tp, -1) <= at)
        problems.append(f"not drained within {DRAIN_S:.0f} s; behind: {_sample(behind, 8)}")
    if not probes_in_time:
        problems.append(f"a valid event after the corpus was not handled within {PROBE_S:.0f} s")
    if probe_letters:
        problems.append(f"a probe was dead-lettered: {probe_letters}")
    if stray:
        problems.append(f"{len(stray)} dead letters of records outside the corpus "
                        f"(the system's own events?): {_sample(stray, 6)}")
    if not quiet_in_time:
        problems.append(f"still retrying or behind after the corpus: "
                        f"{_sample(list(_unstalled(health)), 8)}")
    assert not problems, "\n".join([f"{len(problems)} problems:", *problems])
