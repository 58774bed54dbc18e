"""Intake fuzz: 1,000 random or broken messages with good ones between them. The service
keeps going; every bad one lands in the DLQ, answered by `IntakeRejected` when it has an
id to answer to; every good one is registered."""

from __future__ import annotations

import json
import random
import uuid
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest

from devkit.bus import TopicReader
from devkit.infra import Infra
from devkit.publisher import Publisher
from services.registration.tests import support
from services.registration.tests.support import HALMSTAD, SCHOOL
from shared.contracts import topics
from shared.runtime import Service

pytestmark = pytest.mark.infra

BAD = 1000
GOOD_EVERY = 20
DLQ = topics.dead_letter_topic(topics.REGISTRATION_INTAKE)


def _envelope(data: Any, type_: str = "ParticipantRegistered", **extra: Any) -> dict[str, Any]:
    return {"specversion": "1.0", "id": f"fuzz-{uuid.uuid4()}", "type": type_,
            "source": SCHOOL, "time": datetime.now(UTC).isoformat(), "data": data, **extra}


def _good() -> tuple[bytes, str]:
    body = support.participant_body(HALMSTAD)
    return json.dumps(_envelope(body)).encode(), body["external_ref"]


def _bad(rng: random.Random) -> tuple[bytes | None, str | None]:
    """One broken message and the id an answer must name (None: nothing to answer)."""
    kind = rng.randrange(9)
    if kind == 0:  # random bytes
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 80))), None
    if kind == 1:  # truncated JSON
        raw, _ = _good()
        return raw[: rng.randrange(1, len(raw) - 1)] + b"\x00" + uuid.uuid4().bytes, None
    if kind == 2:  # JSON, not an object
        return json.dumps(rng.choice([[1, 2, str(uuid.uuid4())], str(uuid.uuid4()),
                                      rng.random()])).encode(), None
    if kind == 3:  # an object, not a CloudEvent, but with an id to answer
        event = _envelope(support.participant_body())
        del event[rng.choice(["specversion", "type", "time", "data"])]
        return json.dumps(event).encode(), event["id"]
    if kind == 4:  # unknown type
        event = _envelope({"anything": uuid.uuid4().hex}, type_=rng.choice(
            ["ParticipantDeleted", "Hello", "PlacementProposed", ""]) or "X")
        return json.dumps(event).encode(), event["id"]
    if kind == 5:  # schema violation
        body = support.participant_body()
        body[rng.choice(["municipality_code", "name", "guardians", "needs", "sms_allowed"])] = (
            rng.choice([None, 12, {"x": 1}, "", [None]]))
        if rng.random() < 0.5:
            del body["personal_identity_number"]
        event = _envelope(body)
        return json.dumps(event).encode(), event["id"]
    if kind == 6:  # a bad identity number (valid ones with one digit changed, or junk)
        good = support.adult()
        position = rng.choice([i for i, ch in enumerate(good) if ch.isdigit()][2:])
        digit = str((int(good[position]) + rng.randrange(1, 10)) % 10)
        pin = good[:position] + digit + good[position + 1:]
        body = support.participant_body(pin=rng.choice([pin, "1234567890", "19000230-0000"]))
        event = _envelope(body)
        return json.dumps(event).encode(), event["id"]
    if kind == 7:  # a domain rule broken elsewhere (unknown municipality, bad phone)
        body = support.participant_body(rng.choice(["0000", "1381", "9999"]), phone="1")
        event = _envelope(body)
        return json.dumps(event).encode(), event["id"]
    # a request naming a participant nobody registered
    event = _envelope(support.request_body(participant_ref=uuid.uuid4().hex),
                      type_="PlacementRequested")
    return json.dumps(event).encode(), event["id"]


async def test_a_thousand_bad_messages_leave_the_service_working(
    infra: Infra, service: Service
) -> None:
    rng = random.Random(20261123)
    bad_values: Counter[bytes] = Counter()
    must_answer: set[str] = set()
    good_refs: set[str] = set()
    tombstone_keys: set[str] = set()
    async with TopicReader(infra.kafka_bootstrap, [DLQ, topics.REGISTRATION_EVENTS]) as reader, \
            Publisher(infra.kafka_bootstrap) as publisher:
        pending = []
        for index in range(BAD):
            if index % GOOD_EVERY == 0:
                value, external_ref = _good()
                good_refs.add(external_ref)
                pending.append(await publisher.producer.send(
                    topics.REGISTRATION_INTAKE, value, key=HALMSTAD.encode()))
            if index % 100 == 99:  # a tombstone: no value at all
                key = f"fuzz-tombstone-{uuid.uuid4()}"
                tombstone_keys.add(key)
                pending.append(await publisher.producer.send(
                    topics.REGISTRATION_INTAKE, None, key=key.encode()))
                continue
            raw, answer_to = _bad(rng)
            assert raw is not None
            bad_values[raw] += 1
            if answer_to is not None:
                must_answer.add(answer_to)
            pending.append(await publisher.producer.send(
                topics.REGISTRATION_INTAKE, raw, key=rng.choice([HALMSTAD.encode(), b"x", None])))
        for future in pending:
            await future

        def done(_: Any) -> bool:
            dead = Counter(r.value for r in reader.records if r.topic == DLQ and r.value)
            dead_keys = {r.key.decode() for r in reader.records
                         if r.topic == DLQ and r.value is None and r.key}
            answered = {e["data"]["source_event_id"]
                        for e in reader.events(topics.REGISTRATION_EVENTS, "IntakeRejected")}
            registered = {e["data"].get("external_ref")
                          for e in reader.events(topics.REGISTRATION_EVENTS,
                                                 "ParticipantRegistered")}
            return (all(dead[value] >= count for value, count in bad_values.items())
                    and tombstone_keys <= dead_keys and must_answer <= answered
                    and good_refs <= registered)

        await reader.wait_for(done, timeout_s=120)

        # Still working afterwards: one more good message is registered.
        value, last_ref = _good()
        await publisher.send_raw(topics.REGISTRATION_INTAKE, value, HALMSTAD)
        await reader.wait_for(lambda _: any(
            e["data"].get("external_ref") == last_ref
            for e in reader.events(topics.REGISTRATION_EVENTS, "ParticipantRegistered")))

    assert sum(bad_values.values()) + len(tombstone_keys) == BAD
    assert len(must_answer) > BAD // 2
    rejected = [e for e in reader.events(topics.REGISTRATION_EVENTS, "IntakeRejected")
                if e["data"]["source_event_id"] in must_answer]
    assert all(e["data"]["errors"] and e["causationid"] == e["data"]["source_event_id"]
               for e in rejected)
    registered = [e for e in reader.events(topics.REGISTRATION_EVENTS, "ParticipantRegistered")
                  if e["data"]["external_ref"] in good_refs]
    assert len({e["data"]["participant_id"] for e in registered}) == len(good_refs)
