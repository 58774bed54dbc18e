"""Certification end to end over the real broker: registration's facts come in on
`registration.events.v1`, attendance over HTTP, certificates out on `training.events.v1`.
Replayed events (the same ids again, and the same facts under new ids) certify no one twice;
certificates expire on the configured date."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from devkit.bus import TopicReader
from devkit.infra import Infra
from devkit.publisher import Publisher
from devkit.services import http_client, running
from devkit.wait import eventually
from services.training.bootstrap import build
from services.training.domain.certification import add_years
from services.training.tests.integration.support import (
    bearer,
    count,
    session_body,
    settings,
    workplace_event,
)
from shared.contracts import topics
from shared.contracts.registration import SupervisorRegistered, WorkplaceRegistered
from shared.contracts.registry import decode, parse_data
from shared.contracts.types import calendar_date, start_of_day
from shared.runtime import Service

pytestmark = pytest.mark.infra


def of(reader: TopicReader, type_: str, **data: str) -> list[dict[str, Any]]:
    return [e for e in reader.events(topics.TRAINING_EVENTS, type_)
            if all(e["data"].get(k) == v for k, v in data.items())]


async def known(client: httpx.AsyncClient, service: Service, supervisor: uuid.UUID) -> None:
    async def check() -> bool:
        answer = await client.get(f"/supervisors/{supervisor}", headers=bearer(service))
        return answer.status_code == 200

    await eventually(check, 30, f"supervisor {supervisor} registered")


async def certify(client: httpx.AsyncClient, service: Service, workplace: WorkplaceRegistered,
                  supervisor: uuid.UUID) -> str:
    """Manager to breakfast, supervisor to the base course (yesterday), attendance."""
    admin = bearer(service)
    starts = datetime.now(UTC) - timedelta(days=1)
    ids = []
    for course, person in (("manager_breakfast", workplace.manager_id),
                           ("base_course", supervisor)):
        created = await client.post("/sessions", headers=admin, json=session_body(
            starts, starts + timedelta(hours=8), course=course))
        assert created.status_code == 201, created.text
        session_id = created.json()["session_id"]
        enrolled = await client.post(f"/sessions/{session_id}/enrolments", headers=admin,
                                     json={"person_id": str(person)})
        assert enrolled.status_code == 201, enrolled.text
        attended = await client.post(f"/sessions/{session_id}/attendance", headers=admin,
                                     json={"present": [str(person)]})
        assert attended.json() == {"completed": [str(person)]}
        ids.append(session_id)
    return ids[1]


async def drained(service: Service, reader: TopicReader) -> None:
    await eventually(lambda: _empty(service), 30, "the outbox to drain")
    for _ in range(5):  # what the relay sent has reached the reader
        await reader.poll(0.2)


async def _empty(service: Service) -> bool:
    return await count(service, "select count(*) from training.outbox") == 0


async def test_base_course_certifies_exactly_once_even_when_events_are_replayed(
    infra: Infra,
) -> None:
    config = settings(infra)
    async with (
        TopicReader(infra.kafka_bootstrap, [topics.TRAINING_EVENTS]) as reader,
        running(infra, lambda: build(config)) as service,
        Publisher(infra.kafka_bootstrap) as publisher,
        http_client(service) as client,
    ):
        workplace = workplace_event("1380")
        supervisor = uuid.uuid4()
        registered = SupervisorRegistered(supervisor_id=supervisor,
                                          workplace_id=workplace.workplace_id,
                                          municipality_code="1380", max_participants=2)
        sent_workplace = await publisher.send_data(topics.REGISTRATION_EVENTS, workplace)
        sent_supervisor = await publisher.send_data(topics.REGISTRATION_EVENTS, registered)
        await known(client, service, supervisor)

        base = await certify(client, service, workplace, supervisor)
        await reader.wait_for(lambda _: bool(of(reader, "SupervisorCertified",
                                                supervisor_id=str(supervisor))))

        # Replays: the very same events (redelivery), the same facts under new ids, and the
        # same attendance again.
        for event in (sent_workplace, sent_supervisor):
            await publisher.send(topics.REGISTRATION_EVENTS, event, key="1380")
        await publisher.send_data(topics.REGISTRATION_EVENTS, workplace)
        await publisher.send_data(topics.REGISTRATION_EVENTS, registered)
        again = await client.post(f"/sessions/{base}/attendance", headers=bearer(service),
                                  json={"present": [str(supervisor)]})
        assert again.json() == {"completed": []}
        # Same key, same partition: once the sentinel is known the replays were handled.
        sentinel = uuid.uuid4()
        await publisher.send_data(topics.REGISTRATION_EVENTS, SupervisorRegistered(
            supervisor_id=sentinel, workplace_id=workplace.workplace_id,
            municipality_code="1380", max_participants=1))
        await known(client, service, sentinel)
        await drained(service, reader)

        assert len(of(reader, "SupervisorCertified", supervisor_id=str(supervisor))) == 1
        assert len(of(reader, "CourseCompleted", person_id=str(supervisor))) == 1
        assert len(of(reader, "WorkplaceOpened",
                      workplace_id=str(workplace.workplace_id))) == 1
        [certified] = of(reader, "SupervisorCertified", supervisor_id=str(supervisor))
        assert certified["subject"] == str(supervisor)
        certified_at = calendar_date(certified["data"]["certified_at"])
        assert date.fromisoformat(certified["data"]["valid_until"]) == add_years(
            certified_at, 3) - timedelta(days=1)
        assert await count(service, "select count(*) from training.inbox where event_id = :e",
                           e=sent_supervisor.id) == 1
        # Everything published validates against the contract models readers use.
        for record in reader.records:
            parse_data(topics.TRAINING_EVENTS, decode(record.value))


async def test_certificate_expires_on_the_configured_date(infra: Infra) -> None:
    config = settings(infra, certificate_validity_years=1)
    async with (
        TopicReader(infra.kafka_bootstrap, [topics.TRAINING_EVENTS]) as reader,
        running(infra, lambda: build(config)) as service,
        Publisher(infra.kafka_bootstrap) as publisher,
        http_client(service) as client,
    ):
        workplace = workplace_event("1381")
        supervisor = uuid.uuid4()
        await publisher.send_data(topics.REGISTRATION_EVENTS, workplace)
        await publisher.send_data(topics.REGISTRATION_EVENTS, SupervisorRegistered(
            supervisor_id=supervisor, workplace_id=workplace.workplace_id,
            municipality_code="1381", max_participants=2))
        await known(client, service, supervisor)
        await certify(client, service, workplace, supervisor)
        await reader.wait_for(lambda _: bool(of(reader, "SupervisorCertified",
                                                supervisor_id=str(supervisor))))
        [certified] = of(reader, "SupervisorCertified", supervisor_id=str(supervisor))
        certified_at = calendar_date(certified["data"]["certified_at"])
        configured = add_years(certified_at, 1)

        admin = bearer(service)
        expire = "/certifications/expire"
        last_valid_day = configured - timedelta(days=1)
        assert (await client.post(expire, headers=admin,
                                  json={"on": last_valid_day.isoformat()})).json()["expired"] == 0
        assert (await client.post(expire, headers=admin,
                                  json={"on": configured.isoformat()})).json()["expired"] == 1
        assert (await client.post(expire, headers=admin,
                                  json={"on": configured.isoformat()})).json()["expired"] == 0
        coordinator = bearer(service, "coordinator", ["1381"])
        assert (await client.post(expire, headers=coordinator,
                                  json={"on": configured.isoformat()})).status_code == 403
        await reader.wait_for(lambda _: bool(of(reader, "SupervisorCertificationExpired",
                                                supervisor_id=str(supervisor))))
        await drained(service, reader)
        [expired] = of(reader, "SupervisorCertificationExpired", supervisor_id=str(supervisor))
        assert expired["data"]["expired_at"] == start_of_day(configured), "RFC 3339, as *_at"
        status = (await client.get(f"/supervisors/{supervisor}", headers=admin)).json()
        assert (status["certified"], status["expired_at"]) == (False, configured.isoformat())
