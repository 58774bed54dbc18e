"""Matching reads what a sender that follows the contract but not our habits writes, over
the real broker: CloudEvents in binary content mode (`ce_*` headers, `data` as the value)
and RFC 3339 timestamps for `certified_at`/`valid_until`; what is no CloudEvent in either
mode goes to the dead-letter topic with its reason."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from devkit.bus import TopicReader
from devkit.infra import Infra
from devkit.publisher import Publisher, binary_mode
from devkit.services import running
from devkit.wait import eventually
from services.matching.adapters import orm
from services.matching.bootstrap import build
from services.matching.tests.integration.scenario import Scenario, municipality
from services.matching.tests.integration.test_service import settings
from shared.contracts import topics
from shared.contracts.envelope import new_event
from shared.contracts.topics import dead_letter_topic
from shared.contracts.training import SupervisorCertified
from shared.kafka.dead_letter import HEADER_KIND, HEADER_REASON
from shared.runtime import Service

pytestmark = pytest.mark.infra


@pytest.fixture
async def service(infra: Infra) -> AsyncIterator[Service]:
    async with running(infra, lambda: build(settings(infra))) as s:
        yield s


def certificate(supervisor: uuid.UUID, workplace: uuid.UUID, code: str,
                **data: Any) -> tuple[str, bytes, list[tuple[str, bytes]]]:
    """A `SupervisorCertified` in binary mode with `data` as the sender wrote it: its
    event id, the record's value and headers."""
    event = new_event(SupervisorCertified(
        supervisor_id=supervisor, workplace_id=workplace, municipality_code=code,
        certified_at=date(2026, 1, 1), valid_until=date(2029, 1, 1)),
        source="urn:kommun:provsystem", subject=str(supervisor))
    value, headers = binary_mode(event)
    return event.id, json.dumps({**json.loads(value), **data}).encode(), headers


async def valid_until(service: Service, supervisor: uuid.UUID) -> date | None:
    """The certificate matching keeps for `supervisor` (None: none)."""
    async with service.engine.connect() as conn:
        found: date | None = await conn.scalar(select(orm.certificates.c.valid_until).where(
            orm.certificates.c.supervisor_id == supervisor))
        return found


async def test_a_binary_mode_certificate_with_rfc3339_timestamps_is_taken_and_places(
        infra: Infra, service: Service) -> None:
    async with Publisher(infra.kafka_bootstrap) as publisher, \
            TopicReader(infra.kafka_bootstrap, [topics.MATCHING_EVENTS]) as reader:
        s = Scenario(publisher, reader, municipality())
        wid = await s.workplace()
        sid = await s.supervisor(wid, certified=False)
        # 23:30 UTC on New Year's Eve is already 1 January in Stockholm.
        _, value, headers = certificate(sid, wid, s.m, certified_at="2026-01-01T08:15:00Z",
                                        valid_until="2028-12-31T23:30:00Z")
        assert ("ce_specversion", b"1.0") in headers and b"specversion" not in value
        await publisher.send_raw(topics.TRAINING_EVENTS, value, str(sid), headers)

        stored = await eventually(lambda: valid_until(service, sid), 30,
                                  "matching to store the binary-mode certificate")
        assert stored == date(2029, 1, 1), "the timestamp's calendar date in Stockholm"
        await s.offer(wid, sid, start=date(2027, 3, 1), end=date(2027, 4, 30))
        pid, _ = await s.participant()
        rid = await s.request(pid)
        [proposed] = await s.wait("PlacementProposed", request_id=rid)
        assert proposed["data"]["supervisor_id"] == str(sid)


async def test_a_binary_record_without_an_id_goes_to_the_dead_letter_topic(
        infra: Infra, service: Service) -> None:
    supervisor = uuid.uuid4()
    _, value, headers = certificate(supervisor, uuid.uuid4(), municipality())
    headers = [(name, raw) for name, raw in headers if name != "ce_id"]
    async with Publisher(infra.kafka_bootstrap) as publisher, \
            TopicReader(infra.kafka_bootstrap, [dead_letter_topic(topics.TRAINING_EVENTS)]
                        ) as letters:
        await publisher.send_raw(topics.TRAINING_EVENTS, value, str(supervisor), headers)

        def mine() -> list[dict[str, str]]:
            return [{k: v.decode() for k, v in r.headers} for r in letters.records
                    if r.key == str(supervisor).encode()]

        await letters.wait_for(lambda _: bool(mine()))
        [letter] = mine()
    assert letter[HEADER_KIND] == "not_cloudevent"
    assert letter[HEADER_REASON].startswith("binary mode") and "id" in letter[HEADER_REASON]
    assert await valid_until(service, supervisor) is None
