"""Poison messages on the real broker and database: each one ends handled or
dead-lettered with a reason, and the partition moves on (issue "bad input").

One partition, so every message waits behind the ones before it: a message that held
its partition would hold the good message sent last.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import make_url

from devkit import probe
from devkit.bus import TopicReader
from devkit.database import create_database, drop_database
from devkit.infra import Infra
from devkit.publisher import Publisher
from devkit.services import running, service_settings
from devkit.wait import eventually
from shared import inbox as inbox_module
from shared.contracts.envelope import CloudEvent, new_event
from shared.contracts.registry import encode
from shared.kafka.dead_letter import HEADER_KIND, HEADER_OFFSET, HEADER_REASON
from shared.runtime import Service
from shared.settings import ServiceSettings

pytestmark = pytest.mark.infra

KEY = "1380"


@pytest.fixture
async def own_database(infra: Infra) -> AsyncIterator[str]:
    """The probe's schemas in a database of this test's own."""
    name = f"praktik_poison_{uuid.uuid4().hex[:8]}"
    await create_database(infra, name)
    url = make_url(infra.admin_database_url).set(database=name)
    rendered = url.render_as_string(hide_password=False)
    await probe.reset(rendered)
    try:
        yield rendered
    finally:
        await drop_database(infra, name)


@pytest.fixture
async def topic(infra: Infra) -> str:
    name = probe.new_topic()
    await probe.create_topic(infra.kafka_bootstrap, name, partitions=1)
    return name


def _service(infra: Infra, database_url: str, topic: str, **overrides: Any) -> Service:
    values = service_settings(infra, "plumbing", database_url=database_url,
                              consumer_max_attempts=2, **overrides)
    return probe.build(ServiceSettings(**values), topic)


def _event(priority: int = 0, event_id: str | None = None) -> CloudEvent:
    return new_event(probe.request(priority=priority), source="urn:test", event_id=event_id)


def _envelope(**changes: Any) -> bytes:
    envelope = json.loads(encode(_event()))
    envelope.update(changes)
    return json.dumps(envelope).encode()


def _letters(dlq: TopicReader) -> dict[int, dict[str, bytes]]:
    """Dead letters by the original offset."""
    return {int(dict(r.headers)[HEADER_OFFSET]): dict(r.headers) for r in dlq.records}


async def _send_all(publisher: Publisher, topic: str,
                    messages: Sequence[tuple[bytes | None, bytes | None,
                                             list[tuple[str, bytes]]]]) -> list[int]:
    offsets = []
    for value, key, headers in messages:
        sent = await publisher.producer.send_and_wait(topic, value=value, key=key,
                                                      headers=headers)
        offsets.append(sent.offset)
    return offsets


async def _effects_of(database_url: str, *events: CloudEvent) -> dict[str, int]:
    counts = await probe.effect_counts(database_url)
    wanted = {str(e.data["request_id"]) for e in events}
    return {request: n for request, n in counts.items() if request in wanted}


async def test_poison_messages_are_dead_lettered_and_the_partition_moves_on(
        infra: Infra, own_database: str, topic: str) -> None:
    first = _event()
    refused = json.loads(encode(_event()))
    refused["data"]["priority"] = "1"  # strict: a string is not an integer
    refused_again = dict(refused, data={**refused["data"], "priority": "2"})
    good = _event()
    cases: list[tuple[str, bytes | None, bytes | None, list[tuple[str, bytes]]]] = [
        ("malformed_json", b'{"a":' * 5000 + b"1" + b"}" * 5000, KEY.encode(), []),
        ("not_cloudevent", _envelope(id="a\x00b"), KEY.encode(), []),
        ("malformed_json", b'{"specversion":', b"13\x0080", [("x-origin", b"a\x00\xff")]),
        ("schema_violation", _envelope(data={**json.loads(encode(_event()))["data"],
                                             "request_id": "0000\x00"}), KEY.encode(), []),
        ("schema_violation", _envelope(data={**json.loads(encode(_event()))["data"],
                                             "external_ref": "ref\x00"}), KEY.encode(), []),
        ("malformed_json", _envelope().replace(b'"source": "urn:test"',
                                               b'"source": "urn:\\ud800"'), KEY.encode(), []),
        ("not_cloudevent", _envelope(id="x" * 3000), KEY.encode(), []),
        ("not_cloudevent", _envelope(time=1.5), KEY.encode(), []),
        ("handled", encode(first), KEY.encode(), []),
        ("duplicate", encode(first), KEY.encode(), []),
        ("conflict", encode(_event(priority=5, event_id=first.id)), KEY.encode(), []),
        ("schema_violation", json.dumps(refused).encode(), KEY.encode(), []),
        ("conflict", json.dumps(refused_again).encode(), KEY.encode(), []),
        ("handled", encode(good), KEY.encode(), []),
    ]
    service = _service(infra, own_database, topic)
    async with running(infra, lambda: service, reset=False), Publisher(
            infra.kafka_bootstrap) as publisher, TopicReader(
            infra.kafka_bootstrap, [f"{topic}.dlq"]) as dlq:
        offsets = await _send_all(publisher, topic, [c[1:] for c in cases])
        expected = {offset: kind for offset, (kind, *_) in zip(offsets, cases, strict=True)
                    if kind not in ("handled", "duplicate")}
        await dlq.wait_for(lambda _: set(expected) <= set(_letters(dlq)), timeout_s=60)
        await _wait_for_effects(own_database, first, good)
        await dlq.poll(0.5)
    letters = _letters(dlq)
    assert {offset: h[HEADER_KIND].decode() for offset, h in letters.items()} == expected
    conflicts = [h for h in letters.values() if h[HEADER_KIND] == b"conflict"]
    assert all(first.id.encode() in h[HEADER_REASON] or refused["id"].encode()
               in h[HEADER_REASON] for h in conflicts)
    assert await _effects_of(own_database, first, good) == {
        str(first.data["request_id"]): 1, str(good.data["request_id"]): 1}


async def _wait_for_effects(database_url: str, *events: CloudEvent) -> None:
    async def handled() -> bool:
        return len(await _effects_of(database_url, *events)) == len(events)

    await eventually(handled, 30, "the good events to be handled")


async def test_a_batch_that_keeps_failing_is_taken_apart_and_its_poison_dead_lettered(
        infra: Infra, own_database: str, topic: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """An error outside the handlers' reach (here: the inbox claim) that is not known to be
    transient: tried `consumer_max_attempts` times, then message by message."""
    poison = _event()
    real_claim_many = inbox_module.claim_many

    async def claim_many(session: Any, table: Any, consumer: str, events: Any) -> Any:
        if any(event_id == poison.id for event_id, _ in events):
            raise RuntimeError("a bug that this one message triggers")
        return await real_claim_many(session, table, consumer, events)

    monkeypatch.setattr(inbox_module, "claim_many", claim_many)
    before, after = _event(), _event()
    service = _service(infra, own_database, topic)
    async with running(infra, lambda: service, reset=False), Publisher(
            infra.kafka_bootstrap) as publisher, TopicReader(
            infra.kafka_bootstrap, [f"{topic}.dlq"]) as dlq:
        for event in (before, poison, after):
            await publisher.send(topic, event, KEY)
        await dlq.wait_for(lambda records: len(records) >= 1, timeout_s=60)
        await _wait_for_effects(own_database, before, after)
    (letter,) = [dict(r.headers) for r in dlq.records]
    assert letter[HEADER_KIND] == b"rejected"
    assert b"RuntimeError" in letter[HEADER_REASON]
    assert await _effects_of(own_database, before, poison, after) == {
        str(before.data["request_id"]): 1, str(after.data["request_id"]): 1}


async def test_readiness_says_so_while_a_partition_with_lag_does_not_move(
        infra: Infra, own_database: str, topic: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A consumer that cannot get past a message (the database refuses it as if it were
    away, for ever) is not ready once the wait passes `consumer_stall_s`; it is again
    once the partition moves."""
    stuck = _event()
    blocked = True
    real_claim_many = inbox_module.claim_many

    async def claim_many(session: Any, table: Any, consumer: str, events: Any) -> Any:
        if blocked and any(event_id == stuck.id for event_id, _ in events):
            raise ConnectionError("the database is away")  # transient: retried, never given up
        return await real_claim_many(session, table, consumer, events)

    monkeypatch.setattr(inbox_module, "claim_many", claim_many)
    service = _service(infra, own_database, topic, consumer_stall_s=1.0)
    app = service.http_app()
    async with running(infra, lambda: service, reset=False), Publisher(
            infra.kafka_bootstrap) as publisher, httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
        await publisher.send(topic, stuck, KEY)

        async def partition() -> dict[str, Any]:
            (reports,) = (await http.get("/health/consumers")).json().values()
            (report,) = reports
            return dict(report)

        async def stalled() -> bool:
            return bool((await partition())["stalled"])

        await eventually(stalled, 30, "the partition to show as stalled", interval_s=0.2)
        report = await partition()
        assert report["lag"] == 1 and report["since_moved_s"] > 1.0
        ready = await http.get("/health/ready")
        assert ready.status_code == 503
        assert ready.json()["checks"]["consumers"].startswith("unavailable")

        blocked = False
        await _wait_for_effects(own_database, stuck)
        async def ready_again() -> bool:
            return (await http.get("/health/ready")).status_code == 200

        await eventually(ready_again, 30, "ready again once the partition moved",
                         interval_s=0.2)
        assert (await partition())["lag"] == 0
