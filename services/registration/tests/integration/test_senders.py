"""Senders on the real broker and database: a sender registered over HTTP writes its own
intake topic (found by registration's pattern subscription while it runs) and reads its
answers topic: the registered event or `IntakeRejected` with its reason, each with the
request's id as `causationid`, and later its requests' outcomes; no sender hears of
another's messages."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from devkit.bus import TopicReader
from devkit.infra import Infra
from devkit.publisher import Publisher
from devkit.services import http_client, serving
from praktik_cli.sender_adapters import real_ports
from praktik_cli.senders import add_sender
from services.registration.adapters.sender_repository import SenderRepository
from services.registration.domain.senders import Sender as DomainSender
from services.registration.tests import support
from services.registration.tests.support import HALMSTAD, KUNGSBACKA, LAHOLM
from shared.contracts import intake, topics
from shared.contracts.base import EventData
from shared.contracts.envelope import CloudEvent
from shared.contracts.matching import PlacementProposed
from shared.kafka.acls import sender_user
from shared.kafka.security import KafkaSecurity
from shared.outbox import stage, tombstone
from shared.runtime import Service

pytestmark = pytest.mark.infra

ADMIN = support.token("*", role="admin")


class Sender:
    """One municipal system of a test: its name, source, and what it sent."""

    def __init__(self, municipalities: list[str]) -> None:
        self.name = f"skola-{uuid.uuid4().hex[:8]}"
        self.source = f"urn:test:{self.name}"
        self.municipalities = municipalities
        self.security: KafkaSecurity | None = None
        """As the sender connects (its own principal on a secured broker)."""

    @property
    def answers(self) -> str:
        return topics.sender_answers(self.name)


async def _open(infra: Infra, service: Service, *senders: Sender) -> None:
    """`praktik senders add` for each sender, as an operator runs it (the CLI's own code,
    on registration's HTTP API and this broker): its entry, its topics, and on a secured
    broker its ACLs and principal, whose printed password the sender then connects with."""
    async with serving(service.http_app()) as url:
        ports = real_ports(infra.kafka_bootstrap, infra.topic_prefix, 2, url,
                           ADMIN["Authorization"].removeprefix("Bearer "), infra.kafka_security)
        for sender in senders:
            password = await add_sender(ports, sender.name, sender.municipalities,
                                        sender.source)
            assert (password is None) == (not infra.kafka_security.secured)
            if password is not None:
                sender.security = replace(infra.kafka_security,
                                          username=sender_user(sender.name), password=password)


def _caused_by(reader: TopicReader, topic: str, event: CloudEvent) -> list[dict[str, Any]]:
    return [e for e in reader.events(topic) if e.get("causationid") == event.id]


async def _send(bootstrap: str, reader: TopicReader, sender: Sender, data: EventData,
                source: str | None = None,
                until: Callable[[list[dict[str, Any]]], bool] = bool) -> dict[str, Any]:
    """`data` on the sender's intake topic, sent as the sender; its first answer on the
    sender's topic."""
    async with Publisher(bootstrap, sender.security) as own:
        event = await own.send_data(topics.sender_intake(sender.name), data,
                                    source=source or sender.source)
    await reader.wait_for(lambda _: until(_caused_by(reader, sender.answers, event)),
                          timeout_s=60)
    return _caused_by(reader, sender.answers, event)[0]


async def test_a_senders_message_is_registered_and_answered_on_its_own_topic(
        infra: Infra, service: Service) -> None:
    school, other = Sender([HALMSTAD, LAHOLM]), Sender([KUNGSBACKA])
    await _open(infra, service, school, other)
    async with TopicReader(infra.kafka_bootstrap, [school.answers, other.answers,
                                                   topics.REGISTRATION_EVENTS]) as reader:
        answer = await _send(infra.kafka_bootstrap, reader, school,
                             intake.RegisterWorkplace(**support.workplace_body(LAHOLM)))
        theirs = await _send(infra.kafka_bootstrap, reader, other,
                             intake.RegisterWorkplace(**support.workplace_body(KUNGSBACKA)))
        await reader.wait_for(lambda _: {answer["id"], theirs["id"]} <= {
            e["id"] for e in reader.events(topics.REGISTRATION_EVENTS)})
    assert answer["type"] == "WorkplaceRegistered"
    assert answer["data"]["municipality_code"] == LAHOLM and answer["source"] == (
        "urn:praktik:registration")
    assert theirs["type"] == "WorkplaceRegistered"
    assert [e["id"] for e in reader.events(school.answers)] == [answer["id"]]
    assert [e["id"] for e in reader.events(other.answers)] == [theirs["id"]]
    assert all("personal_identity_number" not in e["data"]
               for e in reader.events(school.answers))


@pytest.mark.parametrize(("municipality", "wrong_source", "reason", "field"), [
    (KUNGSBACKA, False, "municipality_not_registered", "data.municipality_code"),
    (HALMSTAD, True, "source_mismatch", "source"),
])
async def test_a_message_the_sender_may_not_send_is_refused_on_its_answers_topic(
        infra: Infra, service: Service, municipality: str, wrong_source: bool, reason: str,
        field: str) -> None:
    school, other = Sender([HALMSTAD]), Sender([KUNGSBACKA])
    await _open(infra, service, school, other)
    dead = topics.dead_letter_topic(topics.sender_intake(school.name))
    async with TopicReader(infra.kafka_bootstrap, [school.answers, other.answers, dead]
                           ) as reader:
        answer = await _send(
            infra.kafka_bootstrap, reader, school,
            intake.RegisterWorkplace(**support.workplace_body(municipality)),
            source=other.source if wrong_source else None)
        await reader.wait_for(lambda records: any(r.topic == dead for r in records))
    assert answer["type"] == "IntakeRejected"
    assert answer["data"]["reason"] == reason
    assert [e["field"] for e in answer["data"]["errors"]] == [field]
    assert [e["type"] for e in reader.events(school.answers)] == ["IntakeRejected"]
    assert reader.events(other.answers) == []


async def test_the_outcome_of_a_senders_request_reaches_its_answers_topic_alone(
        infra: Infra, service: Service) -> None:
    school, other = Sender([HALMSTAD]), Sender([HALMSTAD])
    await _open(infra, service, school, other)
    person = support.participant_body(HALMSTAD)
    async with TopicReader(infra.kafka_bootstrap, [school.answers, other.answers]) as reader, \
            Publisher(infra.kafka_bootstrap) as publisher:
        bootstrap = infra.kafka_bootstrap
        registered = await _send(bootstrap, reader, school, intake.RegisterParticipant(
            **person), until=lambda answers: any(
                a["type"] == "ParticipantRegistered" for a in answers))
        assert registered["type"] == "ParticipantRegistered"
        asked = await _send(bootstrap, reader, school, intake.RequestPlacement(
            **support.request_body(HALMSTAD, participant_ref=person["external_ref"],
                                   program="work_trial")))
        assert asked["type"] == "PlacementRequested", asked
        request = asked["data"]
        proposed = await publisher.send_data(topics.MATCHING_EVENTS, PlacementProposed(
            placement_id=uuid.uuid4(), request_id=request["request_id"],
            participant_id=request["participant_id"], offer_id=uuid.uuid4(),
            workplace_id=uuid.uuid4(), supervisor_id=uuid.uuid4(),
            municipality_code=HALMSTAD, program="work_trial",
            period_start=request["period_start"], period_end=request["period_end"]),
            source="urn:praktik:matching")
        await reader.wait_for(lambda _: any(
            e["id"] == proposed.id for e in reader.events(school.answers)))
    assert reader.events(other.answers) == []
    assert all("personal_identity_number" not in e["data"]
               for e in reader.events(school.answers))


async def test_only_an_admin_registers_lists_and_removes_senders(service: Service) -> None:
    name = f"hr-{uuid.uuid4().hex[:8]}"
    path = f"/registration/senders/{name}"
    async with http_client(service) as client:
        coordinator = support.token(HALMSTAD)
        assert (await client.put(path, json={"municipalities": [HALMSTAD]},
                                 headers=coordinator)).status_code == 403
        assert (await client.get("/registration/senders", headers=coordinator)
                ).status_code == 403
        bad = await client.put(path, json={"municipalities": ["0000"]}, headers=ADMIN)
        assert bad.status_code == 422, bad.text
        made = await client.put(path, json={"municipalities": [LAHOLM, HALMSTAD]},
                                headers=ADMIN)
        assert made.status_code == 200, made.text
        assert made.json()["source"] == f"urn:praktik:sender:{name}"
        assert made.json()["municipalities"] == [HALMSTAD, LAHOLM]
        listed = (await client.get("/registration/senders", headers=ADMIN)).json()
        assert name in [s["name"] for s in listed]
        assert (await client.get(path, headers=ADMIN)).json()["principal"] == f"sender-{name}"
        assert (await client.delete(path, headers=coordinator)).status_code == 403
        assert (await client.delete(path, headers=ADMIN)).status_code == 204
        assert (await client.delete(path, headers=ADMIN)).status_code == 404
        assert (await client.get(path, headers=ADMIN)).status_code == 404


async def test_removing_a_sender_withdraws_its_unsent_answers_and_nothing_else(
        service: Service) -> None:
    """Its topics are deleted next: an answer left in the outbox could never be sent."""
    gone, staying = Sender([HALMSTAD]), Sender([HALMSTAD])
    outbox = service.tables.outbox
    async with service.session_factory() as session:  # rolled back: nothing stays
        senders = SenderRepository(session)
        for sender in (gone, staying):
            await senders.save(DomainSender(sender.name, sender.source,
                                            frozenset(sender.municipalities), datetime.now(UTC)))
        await stage(session, outbox, [
            tombstone(topic, "k", str(uuid.uuid4()))
            for topic in (gone.answers, staying.answers, topics.REGISTRATION_EVENTS)])
        assert await senders.remove(gone.name)
        left = set(await session.scalars(select(outbox.c.topic).where(outbox.c.topic.in_(
            [gone.answers, staying.answers, topics.REGISTRATION_EVENTS]))))
        await session.rollback()
    assert left == {staying.answers, topics.REGISTRATION_EVENTS}
