"""Open workplaces, invitations and deep dives over the real broker and database:
registration's facts come in on `registration.events.v1`, the coordinators act over HTTP,
and what training decides goes out on `training.events.v1`."""

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
from services.training.bootstrap import build
from services.training.entrypoints.jobs import run_daily
from services.training.tests.integration.support import (
    bearer,
    session_body,
    settings,
    workplace_event,
)
from services.training.tests.integration.test_certification_kafka import (
    drained,
    known,
    of,
)
from shared.contracts import topics
from shared.contracts.registration import (
    PersonErased,
    SupervisorLeft,
    SupervisorRegistered,
    WorkplaceRegistered,
)
from shared.contracts.registry import decode, parse_data
from shared.runtime import Service

pytestmark = pytest.mark.infra


async def register(publisher: Publisher, client: httpx.AsyncClient, service: Service,
                   workplace: WorkplaceRegistered, count: int) -> list[uuid.UUID]:
    await publisher.send_data(topics.REGISTRATION_EVENTS, workplace)
    people = [uuid.uuid4() for _ in range(count)]
    for person in people:
        await publisher.send_data(topics.REGISTRATION_EVENTS, SupervisorRegistered(
            supervisor_id=person, workplace_id=workplace.workplace_id,
            municipality_code=workplace.municipality_code, max_participants=2))
    for person in people:
        await known(client, service, person)
    return people


async def attend(client: httpx.AsyncClient, service: Service, course: str,
                 people: list[uuid.UUID], starts: datetime, **body: Any) -> str:
    """A session of the course that started at `starts`, the people present."""
    admin = bearer(service)
    created = await client.post("/sessions", headers=admin, json=session_body(
        starts, starts + timedelta(hours=4), course=course, **body))
    assert created.status_code == 201, created.text
    session_id: str = created.json()["session_id"]
    for person in people:
        enrolled = await client.post(f"/sessions/{session_id}/enrolments", headers=admin,
                                     json={"person_id": str(person)})
        assert enrolled.status_code == 201, enrolled.text
    attended = await client.post(f"/sessions/{session_id}/attendance", headers=admin,
                                 json={"present": [str(p) for p in people]})
    assert attended.status_code == 200, attended.text
    return session_id


async def expire(client: httpx.AsyncClient, service: Service, on: date) -> int:
    answer = await client.post("/certifications/expire", headers=bearer(service),
                               json={"on": on.isoformat()})
    assert answer.status_code == 200, answer.text
    expired: int = answer.json()["expired"]
    return expired


def valid_until(reader: TopicReader, supervisor: uuid.UUID) -> date:
    [certified] = of(reader, "SupervisorCertified", supervisor_id=str(supervisor))
    return date.fromisoformat(certified["data"]["valid_until"])


async def test_workplaces_close_when_certificates_expire_or_people_leave_and_open_again(
    infra: Infra,
) -> None:
    config = settings(infra)
    async with (
        TopicReader(infra.kafka_bootstrap, [topics.TRAINING_EVENTS]) as reader,
        running(infra, lambda: build(config)) as service,
        Publisher(infra.kafka_bootstrap) as publisher,
        http_client(service) as client,
    ):
        now = datetime.now(UTC)
        single, pair = workplace_event("1380"), workplace_event("1380")
        [alone] = await register(publisher, client, service, single, 1)
        early, late = await register(publisher, client, service, pair, 2)
        await attend(client, service, "manager_breakfast",
                     [single.manager_id, pair.manager_id], now - timedelta(days=40))
        await attend(client, service, "base_course", [early], now - timedelta(days=30))
        await attend(client, service, "base_course", [alone, late], now - timedelta(days=1))
        await reader.wait_for(lambda _: len(of(reader, "WorkplaceOpened")) == 2)

        # The earlier certificate expires first: its workplace keeps a certified supervisor.
        early_end = valid_until(reader, early) + timedelta(days=1)
        assert await expire(client, service, early_end) == 1
        last_end = valid_until(reader, alone) + timedelta(days=1)
        assert await expire(client, service, last_end) == 2
        assert await expire(client, service, last_end) == 0
        await reader.wait_for(lambda _: len(of(reader, "WorkplaceClosed")) == 2)
        closed = {e["data"]["workplace_id"]: e for e in of(reader, "WorkplaceClosed")}
        for workplace in (single, pair):
            event = closed[str(workplace.workplace_id)]
            assert event["subject"] == str(workplace.workplace_id)
            assert (event["data"]["reason"], event["data"]["closed_on"]) == (
                "certification_expired", last_end.isoformat())

        # A newly certified supervisor opens the workplace again; then they leave.
        [newcomer] = await register(publisher, client, service, single, 1)
        await attend(client, service, "base_course", [newcomer], now - timedelta(hours=6))
        await reader.wait_for(lambda _: len(of(reader, "WorkplaceOpened",
                                               workplace_id=str(single.workplace_id))) == 2)
        await publisher.send_data(topics.REGISTRATION_EVENTS, SupervisorLeft(
            supervisor_id=newcomer, workplace_id=single.workplace_id,
            municipality_code="1380"))
        await reader.wait_for(lambda _: any(
            e["data"]["reason"] == "supervisor_left" for e in of(reader, "WorkplaceClosed")))

        # The pair's workplace: a new certificate opens it, its manager's erasure closes it.
        await attend(client, service, "base_course", [late], now - timedelta(hours=5))
        await reader.wait_for(lambda _: len(of(reader, "WorkplaceOpened",
                                               workplace_id=str(pair.workplace_id))) == 2)
        await publisher.send_data(topics.REGISTRATION_EVENTS, PersonErased(
            person_id=pair.manager_id, role="manager", municipality_code="1380",
            workplace_id=pair.workplace_id))
        await reader.wait_for(lambda _: any(
            e["data"]["reason"] == "manager_left" for e in of(reader, "WorkplaceClosed")))
        await drained(service, reader)
        reasons = sorted((e["data"]["workplace_id"], e["data"]["reason"])
                         for e in of(reader, "WorkplaceClosed"))
        assert reasons == sorted([
            (str(single.workplace_id), "certification_expired"),
            (str(pair.workplace_id), "certification_expired"),
            (str(single.workplace_id), "supervisor_left"),
            (str(pair.workplace_id), "manager_left"),
        ])
        for record in reader.records:
            parse_data(topics.TRAINING_EVENTS, decode(record.value))


def invited(reader: TopicReader, session_id: str) -> list[tuple[str, str, str]]:
    return sorted((i["person_id"], i["role"], i["reason"])
                  for e in of(reader, "CourseSessionScheduled", session_id=session_id)
                  for i in e["data"]["invited"])


async def test_managers_of_workplaces_not_open_are_invited_to_breakfast_meetings(
    infra: Infra,
) -> None:
    config = settings(infra)
    async with (
        TopicReader(infra.kafka_bootstrap, [topics.TRAINING_EVENTS]) as reader,
        running(infra, lambda: build(config)) as service,
        Publisher(infra.kafka_bootstrap) as publisher,
        http_client(service) as client,
    ):
        now = datetime.now(UTC)
        admin = bearer(service)
        workplace = workplace_event("1380")
        await register(publisher, client, service, workplace, 1)

        # A breakfast meeting in the county invites the manager who has not attended.
        created = await client.post("/sessions", headers=admin, json=session_body(
            now + timedelta(days=14), now + timedelta(days=14, hours=2),
            course="manager_breakfast", municipality_code="1384"))
        breakfast = created.json()["session_id"]
        await reader.wait_for(lambda _: bool(invited(reader, breakfast)))
        assert invited(reader, breakfast) == [
            (str(workplace.manager_id), "manager", "workplace_not_open")]
        # A workplace registered afterwards: its manager gets an invitation of their own.
        other = workplace_event("1381")
        await register(publisher, client, service, other, 1)
        await reader.wait_for(lambda _: len(invited(reader, breakfast)) == 2)
        [announcement] = [e for e in of(reader, "CourseSessionScheduled", session_id=breakfast)
                          if e["data"]["announcement"] == "invitation"]
        assert [i["person_id"] for i in announcement["data"]["invited"]] == [
            str(other.manager_id)]
        await drained(service, reader)
        assert len(invited(reader, breakfast)) == 2  # each once


async def test_deep_dives_record_supports_and_supervisors_are_warned_and_invited(
    infra: Infra,
) -> None:
    config = settings(infra)
    async with (
        TopicReader(infra.kafka_bootstrap, [topics.TRAINING_EVENTS]) as reader,
        running(infra, lambda: build(config)) as service,
        Publisher(infra.kafka_bootstrap) as publisher,
        http_client(service) as client,
    ):
        now = datetime.now(UTC)
        admin = bearer(service)
        [supervisor] = await register(publisher, client, service, workplace_event("1380"), 1)

        # Supports on a deep dive only; a completed one records what the supervisor supports.
        refused = await client.post("/sessions", headers=admin, json=session_body(
            now, now + timedelta(hours=4), supports=["npf_support"]))
        assert refused.status_code == 422
        assert [d["field"] for d in refused.json()["detail"]] == ["supports"]
        dive = await attend(client, service, "deep_dive", [supervisor],
                            now - timedelta(hours=5), topic="NPF", supports=["npf_support"])
        await reader.wait_for(lambda _: bool(of(reader, "SupervisorSupportsRecorded")))
        [recorded] = of(reader, "SupervisorSupportsRecorded")
        assert (recorded["data"]["supervisor_id"], recorded["data"]["supports"]) == (
            str(supervisor), ["npf_support"])
        [scheduled] = [e for e in of(reader, "CourseSessionScheduled", session_id=dive)]
        assert scheduled["data"]["supports"] == ["npf_support"]
        assert (await client.get(f"/supervisors/{supervisor}", headers=admin)).json()[
            "supports"] == ["npf_support"]

        # Sixty days before the certificate runs out: a warning naming the renewal, and an
        # invitation to it.
        await attend(client, service, "base_course", [supervisor], now - timedelta(hours=6))
        await reader.wait_for(lambda _: bool(of(reader, "SupervisorCertified")))
        created = await client.post("/sessions", headers=admin, json=session_body(
            now + timedelta(days=20), now + timedelta(days=20, hours=8)))
        renewal = created.json()["session_id"]
        await reader.wait_for(lambda _: bool(of(reader, "CourseSessionScheduled",
                                                session_id=renewal)))
        assert str(supervisor) not in {i[0] for i in invited(reader, renewal)}  # valid
        warn_on = valid_until(reader, supervisor) - timedelta(days=59)
        await run_daily(service.state["bus"], config, warn_on)
        await reader.wait_for(lambda _: bool(of(reader, "SupervisorCertificationExpiring")))
        [warning] = of(reader, "SupervisorCertificationExpiring")
        assert warning["data"]["refresher_session_id"] == renewal
        renewing = (str(supervisor), "supervisor", "certification_expiring")
        await reader.wait_for(lambda _: renewing in invited(reader, renewal))
        [invitation] = [e for e in of(reader, "CourseSessionScheduled", session_id=renewal)
                        if e["data"]["announcement"] == "invitation"]
        assert [i["person_id"] for i in invitation["data"]["invited"]] == [str(supervisor)]
        await drained(service, reader)
        assert len(of(reader, "SupervisorCertificationExpiring")) == 1
