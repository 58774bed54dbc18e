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

from devkit.bus import TopicReader
from devkit.infra import libpq_url
from devkit.processes import System
from devkit.publisher import Publisher
from devkit.wait import eventually
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
from tests.e2e.support import ConsumerGroup, committed_all, consumer_health, readers_by_topic

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


def _actual(case: Case, reader: ConsumerGroup, letters: Letters,
            offsets: dict[str, dict[TopicPartition, int]]) -> str:
    found = letters.by_origin.get((case.topic, case.partition, case.offset, reader.label), [])
    passed = offsets.get(reader.group, {}).get(TopicPartition(case.topic, case.partition), -1)
    if len(found) > 1:
        return f"dead-lettered x{len(found)}:" + ",".join(sorted({h.get(HEADER_KIND, "?")
                                                                   for h in found}))
    if found:
        return f"dead-lettered:{found[0].get(HEADER_KIND)}"
    return "handled" if passed > case.offset else "not settled (offset not passed)"


async def _inboxes(e2e_infra: OwnDatabase,
                   readers: set[ConsumerGroup]) -> dict[ConsumerGroup, set[str]]:
    connection = await asyncpg.connect(libpq_url(e2e_infra.admin_database_url))
    try:
        found: dict[ConsumerGroup, set[str]] = {}
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


def _count(figures: Counter[str], case: Case, actual: str) -> None:
    figures["deliveries"] += 1
    if actual.startswith("dead-lettered"):
        figures["dead-lettered"] += 1
        if actual == "dead-lettered:conflict":
            figures["conflicts"] += 1
    elif actual == "handled":
        figures["handled"] += 1
        if case.outcome == "duplicate":
            figures["duplicates"] += 1


def _unfinished(case: Case, reader: ConsumerGroup, actual: str, letters: Letters,
                inboxes: dict[ConsumerGroup, set[str]]) -> list[tuple[str, str]]:
    """(expected, actual) for what is wrong with a record whose outcome was right: a dead
    letter without all its headers, a handled event not claimed in the inbox."""
    wrong = []
    for headers in letters.by_origin.get(
            (case.topic, case.partition, case.offset, reader.label), []):
        missing = [h for h in REQUIRED_HEADERS if not headers.get(h)]
        if missing:
            wrong.append(("all dlq headers", f"missing {missing}"))
    in_inbox_expected = (actual == "handled" and case.handles(reader)
                         and case.event_id and case.value is not None
                         and case.kind != "NUL in id")
    if in_inbox_expected and case.event_id not in inboxes.get(reader, set()):
        wrong.append(("in the inbox", "not in the inbox"))
    return wrong


def account(cases: list[Case], readers: dict[str, list[ConsumerGroup]], letters: Letters,
            offsets: dict[str, dict[TopicPartition, int]],
            inboxes: dict[ConsumerGroup, set[str]]) -> tuple[Counter[str], list[str]]:
    """Figures, and the mismatches grouped by kind of message, reader, expected and actual."""
    figures: Counter[str] = Counter()
    mismatches: dict[tuple[str, str, str, str], list[str]] = defaultdict(list)
    for case in cases:
        for reader in readers[case.topic]:
            expected, actual = case.expected(reader), _actual(case, reader, letters, offsets)
            _count(figures, case, actual)
            where = f"{case.partition}@{case.offset}"
            if actual != expected:
                mismatches[(case.kind, reader.label, expected, actual)].append(where)
                continue
            for wanted, got in _unfinished(case, reader, actual, letters, inboxes):
                mismatches[(case.kind, reader.label, wanted, got)].append(where)
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


@dataclass
class FuzzRun:
    """One run of the corpus through the system, step by step, and what each step saw."""

    system: System
    bootstrap: str
    readers: dict[str, list[ConsumerGroup]]
    consumed: list[str]
    cases: list[Case]
    reader: TopicReader
    publisher: Publisher
    started: float
    """When the test began (the corpus's sending time is counted from there)."""
    stalls: Stalls = field(default_factory=Stalls)
    letters: Letters = field(default_factory=Letters)
    offsets: dict[str, dict[TopicPartition, int]] = field(default_factory=dict)
    probe_at: dict[str, tuple[int, int]] = field(default_factory=dict)
    health: dict[str, dict[str, list[Any]]] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds to send the corpus, to drain it, to handle the probes."""

    @property
    def dlq_topics(self) -> set[str]:
        return {topics.dead_letter_topic(t) for t in self.consumed}

    @property
    def groups(self) -> list[str]:
        return sorted({r.group for rs in self.readers.values() for r in rs})

    async def send_corpus(self) -> None:
        """Every case on its topic, pipelined; each learns its partition and offset."""
        pending = [await self.publisher.producer.send(c.topic, c.value, key=c.key,
                                                      headers=c.headers or None)
                   for c in self.cases]
        for case, future in zip(self.cases, pending, strict=True):
            sent = await future
            case.partition, case.offset = sent.partition, sent.offset
        self.timings["sent_s"] = time.monotonic() - self.started

    async def drain(self) -> bool:
        """Whether every group got past the corpus, with its dead letters in (or given up
        on after LETTERS_S), within DRAIN_S."""
        started = time.monotonic()
        last = _by_partition(self.cases)
        dead_expected = {(c.topic, c.partition, c.offset, r.label)
                         for c in self.cases for r in self.readers[c.topic]
                         if c.expected(r).startswith("dead")}
        passed_at: float | None = None

        async def drained() -> bool:
            """Every group past the corpus, and its dead letters in (or given up on)."""
            nonlocal passed_at
            await self.reader.poll()
            self.letters.take(self.reader.records, self.dlq_topics)
            self.offsets = await committed_all(self.bootstrap, self.groups, list(last))
            if not all(self.offsets[r.group].get(tp, -1) > at for tp, at in last.items()
                       for r in self.readers[tp.topic]):
                return False
            passed_at = passed_at or time.monotonic()
            return (dead_expected <= set(self.letters.by_origin)
                    or time.monotonic() - passed_at > LETTERS_S)

        await _settle(drained, DRAIN_S)
        self.timings["drain_s"] = time.monotonic() - started
        return passed_at is not None

    async def probe(self) -> bool:
        """Whether a valid event after the corpus was handled within PROBE_S, on every
        topic (and registration answered the intake's)."""
        rng = random.Random(SEED + 1)
        probes = {topic: _probe(topic, rng) for topic in self.consumed}
        for topic, (envelope, key) in probes.items():
            sent = await self.publisher.producer.send_and_wait(
                topic, json.dumps(envelope).encode(), key=key)
            self.probe_at[topic] = (sent.partition, sent.offset)
        probe_sent = time.monotonic()
        intake_probe = probes[topics.REGISTRATION_INTAKE][0]["id"]

        async def probes_handled() -> bool:
            await self.reader.poll()
            found = await committed_all(self.bootstrap, self.groups, [
                TopicPartition(t, p) for t, (p, _) in self.probe_at.items()])
            answered = any(_answers(r, intake_probe) for r in self.reader.records)
            return answered and all(
                found[r.group].get(TopicPartition(t, p), -1) > o
                for t, (p, o) in self.probe_at.items() for r in self.readers[t])

        in_time = await _settle(probes_handled, PROBE_S)
        self.timings["probe_s"] = time.monotonic() - probe_sent
        return in_time

    async def quiet(self) -> bool:
        """Whether, within 15 s, no error was left retrying: nothing stalled or behind,
        every service ready. Then the last look at health, letters and offsets."""

        async def quiet() -> bool:
            health = await consumer_health(self.system)
            self.stalls.observe(health)
            async with httpx.AsyncClient(timeout=5) as client:
                ready = [(await client.get(f"{p.url}/health/ready")).status_code
                         for p in self.system.services.values()]
            return not list(_unstalled(health)) and set(ready) == {200}

        in_time = await _settle(quiet, 15)
        self.health = await consumer_health(self.system)
        await self.reader.poll()
        self.letters.take(self.reader.records, self.dlq_topics)
        self.offsets = await committed_all(self.bootstrap, self.groups,
                                           list(_by_partition(self.cases)))
        return in_time

    def figures(self, figures: Counter[str]) -> str:
        truncated = [o for o, hs in self.letters.by_origin.items()
                     if any(HEADER_TRUNCATED in h for h in hs)]
        kinds = Counter(c.kind for c in self.cases)
        return (
            f"fuzz (seed {SEED}): {len(self.cases)} messages tried over {len(self.consumed)} "
            f"topics, {figures['deliveries']} deliveries to {len(self.groups)} consumer "
            f"groups: {figures['dead-lettered']} dead-lettered, {figures['handled']} handled "
            f"({figures['duplicates']} duplicates), {figures['conflicts']} conflicts; "
            f"longest stall {self.stalls.longest_s:.1f} s"
            + (f" ({self.stalls.where})" if self.stalls.where else "")
            + f"; sent in {self.timings['sent_s']:.1f} s, drained in "
            f"{self.timings['drain_s']:.1f} s, probes in {self.timings['probe_s']:.1f} s; "
            f"{len(truncated)} truncated dead letters; {len(kinds)} kinds of message")

    def stray_letters(self) -> tuple[list[str], list[str]]:
        """(dead letters of a probe, dead letters of records neither corpus nor probe)."""
        corpus_origins = {(c.topic, c.partition, c.offset) for c in self.cases}
        probe_origins = {(t, p, off) for t, (p, off) in self.probe_at.items()}
        probe_letters = [f"{o} {hs[0].get(HEADER_KIND)}: {hs[0].get(HEADER_REASON, '')[:300]}"
                         for o, hs in self.letters.by_origin.items() if o[:3] in probe_origins]
        stray = sorted(f"{o[3]} {o[0]}:{o[1]}@{o[2]} {hs[0].get(HEADER_KIND)}: "
                       f"{hs[0].get(HEADER_REASON, '')[:200]}"
                       for o, hs in self.letters.by_origin.items()
                       if o[:3] not in corpus_origins | probe_origins)
        return probe_letters, stray

    def behind(self) -> list[str]:
        return sorted(f"{r.group} {tp.topic}:{tp.partition} at "
                      f"{self.offsets.get(r.group, {}).get(tp, -1)} <= {at}"
                      for tp, at in _by_partition(self.cases).items()
                      for r in self.readers[tp.topic]
                      if self.offsets.get(r.group, {}).get(tp, -1) <= at)


def _problems(run: FuzzRun, mismatches: list[str], drained_in_time: bool,
              probes_in_time: bool, quiet_in_time: bool) -> list[str]:
    problems = [f"corpus: {c.kind} at {c.partition}@{c.offset} is not behind its first copy"
                for c in run.cases if c.after and not (
                    c.after.partition == c.partition and c.after.offset < c.offset)]
    problems += mismatches
    if not drained_in_time:
        problems.append(f"not drained within {DRAIN_S:.0f} s; behind: "
                        f"{_sample(run.behind(), 8)}")
    if not probes_in_time:
        problems.append(f"a valid event after the corpus was not handled within {PROBE_S:.0f} s")
    probe_letters, stray = run.stray_letters()
    if probe_letters:
        problems.append(f"a probe was dead-lettered: {probe_letters}")
    if stray:
        problems.append(f"{len(stray)} dead letters of records outside the corpus "
                        f"(the system's own events?): {_sample(stray, 6)}")
    if not quiet_in_time:
        problems.append(f"still retrying or behind after the corpus: "
                        f"{_sample(list(_unstalled(run.health)), 8)}")
    return problems


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
    async with TopicReader(bootstrap, [*sorted(dlq_topics), topics.REGISTRATION_EVENTS]
                           ) as reader, Publisher(bootstrap) as publisher:
        run = FuzzRun(system, bootstrap, readers, consumed, cases, reader, publisher,
                      started)
        stop = asyncio.Event()
        watcher = asyncio.create_task(run.stalls.watch(system, stop))
        try:
            await run.send_corpus()
            drained_in_time = await run.drain()
            probes_in_time = await run.probe()
            quiet_in_time = await run.quiet()
        finally:
            stop.set()
            await watcher

    inboxes = await _inboxes(e2e_infra, {r for rs in readers.values() for r in rs})
    figures, mismatches = account(cases, readers, run.letters, run.offsets, inboxes)
    report_figures(run.figures(figures))
    problems = _problems(run, mismatches, drained_in_time, probes_in_time, quiet_in_time)
    assert not problems, "\n".join([f"{len(problems)} problems:", *problems])
