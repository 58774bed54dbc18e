"""Exactly-once effects over at-least-once delivery, on the real broker and database."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Callable

import pytest

from devkit import probe
from devkit.bus import TopicReader
from devkit.infra import REPO, Infra
from devkit.publisher import Publisher
from devkit.services import running, service_settings
from devkit.wait import drained, eventually
from shared.contracts.envelope import new_event
from shared.contracts.registry import encode
from shared.kafka.dead_letter import HEADER_FIELD, HEADER_KIND, HEADER_REASON
from shared.settings import ServiceSettings

pytestmark = pytest.mark.infra


@pytest.fixture
async def topic(infra: Infra) -> str:
    name = probe.new_topic()
    await probe.create_topic(infra.kafka_bootstrap, name)
    await probe.reset(infra.admin_database_url)
    return name


def _settings(infra: Infra) -> ServiceSettings:
    values = service_settings(infra, "plumbing", database_url=infra.admin_database_url,
                              consumer_batch_size=100)
    return ServiceSettings(**values)


def _ids(reader: TopicReader, topic: str) -> Counter[str]:
    return Counter(event["id"] for event in reader.events(topic))


def _spawn(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.plumbing.writer", *args],
        cwd=REPO, stdout=subprocess.PIPE, text=True,
    )


async def _stage(infra: Infra, topic: str, count: int) -> list[str]:
    """Commit `count` events to the outbox in a subprocess, SIGKILL it, return the ids."""
    writer = _spawn("stage", infra.admin_database_url, topic, str(count))
    out = writer.stdout
    assert out is not None
    lines = await asyncio.to_thread(lambda: [out.readline() for _ in range(count + 1)])
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    assert lines[-1].strip() == "committed"
    return [line.strip() for line in lines[:-1]]


async def test_sigkill_after_commit_loses_nothing_and_relay_publishes_once(
    infra: Infra, topic: str
) -> None:
    async with TopicReader(infra.kafka_bootstrap, [topic]) as reader:
        staged = await _stage(infra, topic, 50)
        assert await probe.outbox_size(infra.admin_database_url) == 50

        relay = _spawn("relay", infra.admin_database_url, infra.kafka_bootstrap)
        try:
            await reader.wait_for(lambda _: len(_ids(reader, topic)) >= 50)
            # A repeat would be sent before its rows are deleted: once the outbox is
            # empty, everything the relay will ever send for them is on the topic.
            await eventually(lambda: _outbox_empty(infra), 30, "the relay to empty the outbox")
            await drained(reader)
        finally:
            relay.kill()
            relay.wait()
        assert _ids(reader, topic) == Counter({event_id: 1 for event_id in staged})
        assert await probe.outbox_size(infra.admin_database_url) == 0


async def test_relay_killed_at_random_moments_loses_nothing_and_effects_stay_single(
    infra: Infra, topic: str
) -> None:
    """Kill -9 the relay mid-stream several times: every event arrives, each has one effect."""
    count = 2000
    service = probe.build(_settings(infra), topic)
    async with running(infra, lambda: service, reset=False), TopicReader(
        infra.kafka_bootstrap, [topic]
    ) as reader:
        staged = set(await _stage(infra, topic, count))
        rng = random.Random(7)
        for _ in range(3):
            relay = _spawn("relay", infra.admin_database_url, infra.kafka_bootstrap)
            await asyncio.sleep(rng.uniform(0.3, 1.2))  # deliberate: a random moment to kill
            relay.send_signal(signal.SIGKILL)
            relay.wait()
        relay = _spawn("relay", infra.admin_database_url, infra.kafka_bootstrap)
        try:
            await reader.wait_for(lambda _: set(_ids(reader, topic)) >= staged, timeout_s=60)
            effects = await _effects_when(infra, lambda found: len(found) >= count, 20)
        finally:
            relay.kill()
            relay.wait()
    assert len(effects) == count
    assert set(effects.values()) == {1}, "an event had more than one effect"
    print(f"published {sum(_ids(reader, topic).values())} records for {count} events")


async def test_redelivered_event_has_exactly_one_effect(infra: Infra, topic: str) -> None:
    service = probe.build(_settings(infra), topic)
    data = probe.request()
    event = new_event(data, source="urn:test")
    async with running(infra, lambda: service, reset=False), Publisher(
        infra.kafka_bootstrap
    ) as publisher:
        for _ in range(3):
            await publisher.send(topic, event, data.kafka_key(event.subject))
        marker = probe.request()
        await publisher.send_data(topic, marker)
        effects = await _effects_when(infra, lambda found: str(marker.request_id) in found)
    assert effects[str(data.request_id)] == 1
    assert effects[str(marker.request_id)] == 1


async def test_bad_messages_go_to_the_dead_letter_topic_and_the_next_is_handled(
    infra: Infra, topic: str
) -> None:
    service = probe.build(_settings(infra), topic)
    good = probe.request()

    def valid() -> bytes:
        return encode(new_event(probe.request(), source="urn:test"))

    cases = {
        "malformed_json": b'{"specversion": "1.0", ',
        "not_cloudevent": b'{"hello": "world"}',
        "unknown_type": valid().replace(b'"type":"PlacementRequested"', b'"type":"NoSuchThing"'),
        "schema_violation": valid().replace(b'"priority":0', b'"priority":"urgent"'),
    }
    key = "1380"
    async with running(infra, lambda: service, reset=False), Publisher(
        infra.kafka_bootstrap
    ) as publisher, TopicReader(infra.kafka_bootstrap, [f"{topic}.dlq"]) as dlq:
        for value in cases.values():
            await publisher.send_raw(topic, value, key)
        await publisher.send_data(topic, probe.request(priority=-1))
        await publisher.send_data(topic, probe.request(priority=-2))
        await publisher.send_data(topic, good)
        await dlq.wait_for(lambda records: len(records) >= 6)
        await _effects_when(infra, lambda found: str(good.request_id) in found)
    headers = [dict(record.headers) for record in dlq.records]
    kinds = [h[HEADER_KIND].decode() for h in headers]
    assert kinds == [*cases, "rejected", "rejected"]
    assert [r.value for r in dlq.records[:4]] == list(cases.values())
    by_kind = {h[HEADER_KIND].decode(): h for h in headers[:4]}
    assert by_kind["schema_violation"][HEADER_FIELD] == b"data.priority"
    assert b"NoSuchThing" in by_kind["unknown_type"][HEADER_REASON]
    assert headers[4][HEADER_FIELD] == b"data.priority"
    assert b"RuntimeError" in headers[5][HEADER_REASON]
    assert (await probe.effect_counts(infra.admin_database_url)) == {str(good.request_id): 1}


async def test_batch_handler_effects_once_and_a_bad_message_is_isolated(
    infra: Infra, topic: str
) -> None:
    """Set-based handling: duplicates skipped; a refused message falls back to one by one."""
    service = probe.build(_settings(infra), topic, batch=True)
    goods = [probe.request() for _ in range(30)]
    bad = probe.request(priority=-1)
    async with running(infra, lambda: service, reset=False), Publisher(
        infra.kafka_bootstrap
    ) as publisher, TopicReader(infra.kafka_bootstrap, [f"{topic}.dlq"]) as dlq:
        events = [new_event(data, source="urn:test") for data in goods]
        for event, data in zip(events, goods, strict=True):
            await publisher.send(topic, event, data.kafka_key(event.subject))
        await publisher.send_data(topic, bad)
        for event, data in zip(events[:5], goods[:5], strict=True):  # redelivered
            await publisher.send(topic, event, data.kafka_key(event.subject))
        await dlq.wait_for(lambda records: len(records) >= 1)
        effects = await _effects_when(infra, lambda found: len(found) >= len(goods))
    assert effects == {str(data.request_id): 1 for data in goods}
    assert [dict(r.headers)[HEADER_KIND] for r in dlq.records] == [b"rejected"]


@pytest.mark.skipif(
    os.environ.get("PRAKTIK_STACK_CONTROL") != "1",
    reason="restarts the broker: only where the test run owns the stack (scripts/test sets "
    "PRAKTIK_STACK_CONTROL=1 when it started the infrastructure itself)",
)
@pytest.mark.timeout(300)  # a broker restart (tens of seconds) on top of the layer's budget
async def test_broker_restart_mid_stream_loses_and_doubles_nothing(
    infra: Infra, topic: str
) -> None:
    """1,000 events flow from an outbox to a consumer while the broker restarts."""
    count = 1000
    service = probe.build(_settings(infra), topic)
    async with running(infra, lambda: service, reset=False):
        writer = _spawn("trickle", infra.admin_database_url, infra.kafka_bootstrap, topic,
                        str(count))
        out = writer.stdout
        assert out is not None
        try:
            assert (await asyncio.to_thread(out.readline)).strip() == "started"
            await _effects_when(infra, lambda found: len(found) > 0)  # the stream flows
            seen_before = len(await probe.effect_counts(infra.admin_database_url))
            command = os.environ.get(
                "PRAKTIK_KAFKA_RESTART_COMMAND", f"{REPO / 'scripts' / 'stack'} kafka-restart"
            )
            restart = await asyncio.create_subprocess_shell(command, cwd=REPO)
            assert await restart.wait() == 0
            assert (await asyncio.to_thread(out.readline)).strip() == "committed"
            effects = await _effects_when(infra, lambda found: len(found) >= count, 120)
        finally:
            writer.kill()
            writer.wait()
    assert 0 < seen_before < count, "the restart did not happen mid-stream"
    assert len(effects) == count
    assert set(effects.values()) == {1}


async def test_a_partition_changing_hands_before_any_commit_keeps_its_start(
    infra: Infra, topic: str
) -> None:
    """`latest` is where the group starts, not where each new owner of a partition starts.

    A first replica owns the partitions and handles nothing (so commits nothing);
    events arrive while the group has no member; the replica that takes over must
    handle them instead of resetting to the end again (what once lost a workplace
    when a second matching replica joined).
    """
    settings = _settings(infra)
    assert settings.consumer_auto_offset_reset == "latest"
    async with running(infra, lambda: probe.build(settings, topic), reset=False):
        pass
    sent = [probe.request(municipality=str(1000 + i)) for i in range(12)]
    async with Publisher(infra.kafka_bootstrap) as publisher:
        for data in sent:
            await publisher.send_data(topic, data)
    async with running(infra, lambda: probe.build(settings, topic), reset=False):
        effects = await _effects_when(infra, lambda found: len(found) >= len(sent))
    assert effects == {str(data.request_id): 1 for data in sent}


async def _effects_when(infra: Infra, enough: Callable[[dict[str, int]], bool],
                        timeout_s: float = 30.0) -> dict[str, int]:
    """The probe's effect counts once `enough` holds for them."""

    async def counts() -> dict[str, int] | None:
        found = await probe.effect_counts(infra.admin_database_url)
        return found if enough(found) else None

    return dict(await eventually(counts, timeout_s, "the probe's effects"))


async def _outbox_empty(infra: Infra) -> bool:
    return await probe.outbox_size(infra.admin_database_url) == 0
