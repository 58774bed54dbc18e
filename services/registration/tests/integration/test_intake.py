"""The Kafka door: the same rules and the same events as HTTP, answers paired by
causation id, refusals as `IntakeRejected` plus a dead letter."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from devkit.bus import TopicReader
from devkit.infra import Infra
from devkit.publisher import Publisher
from devkit.services import http_client
from services.registration.tests import support
from services.registration.tests.support import HALMSTAD, HR, KUNGSBACKA, SCHOOL, token
from shared.contracts import intake, topics
from shared.contracts.envelope import CloudEvent
from shared.kafka.dead_letter import HEADER_FIELD, HEADER_KIND
from shared.runtime import Service

pytestmark = pytest.mark.infra

TOPICS = [topics.REGISTRATION_EVENTS, topics.REGISTRATION_CONTACTS,
          topics.dead_letter_topic(topics.REGISTRATION_INTAKE)]
HAL = token(HALMSTAD)


def _answers(reader: TopicReader, event: CloudEvent) -> list[dict[str, Any]]:
    return [e for e in reader.events() if e.get("causationid") == event.id]


async def _send(publisher: Publisher, reader: TopicReader, data: Any, source: str = SCHOOL,
                expect: int = 1) -> list[dict[str, Any]]:
    event = await publisher.send_data(topics.REGISTRATION_INTAKE, data, source=source)
    await reader.wait_for(lambda _: len(_answers(reader, event)) >= expect)
    return _answers(reader, event)


def _without_ids(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items()
            if not (k.endswith("_id") or k.endswith("_ids") or k == "external_ref")}


async def _through_http(client: Any, reader: TopicReader,
                        bodies: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Register everything over HTTP, ids chained from the answers; the events it made."""
    wp = (await client.post("/workplaces", json=bodies["workplace"], headers=HAL)).json()
    sup = (await client.post("/supervisors", json=dict(
        bodies["supervisor"], workplace_id=wp["workplace_id"]), headers=HAL)).json()
    person = (await client.post("/participants", json=bodies["participant"],
                                headers=HAL)).json()
    offer = (await client.post("/offers", json=dict(
        bodies["offer"], workplace_id=wp["workplace_id"],
        supervisor_id=sup["supervisor_id"]), headers=HAL)).json()
    request = (await client.post("/requests", json=dict(
        bodies["request"], participant_id=person["participant_id"]), headers=HAL)).json()
    http_ids = {wp["workplace_id"], wp["manager"]["manager_id"], sup["supervisor_id"],
                person["participant_id"], *person["guardian_ids"], offer["offer_id"],
                request["request_id"]}
    await reader.wait_for(lambda _: len([
        e for e in reader.events() if set(map(str, e["data"].values())) & http_ids
    ]) >= 10)
    return [e for e in reader.events() if set(map(str, e["data"].values())) & http_ids]


def _intake_messages(bodies: dict[str, dict[str, Any]], refs: dict[str, str]) -> list[Any]:
    """The same input for the intake (new references, other synthetic numbers of the same
    birth dates), things named by reference."""
    participant = dict(bodies["participant"], external_ref=refs["participant"])
    participant["personal_identity_number"] = support.pupil(8)  # same birth date, unused
    participant["guardians"] = [dict(participant["guardians"][0],
                                     personal_identity_number=support.adult()),
                                participant["guardians"][1]]
    return [
        intake.RegisterWorkplace(**dict(bodies["workplace"], external_ref=refs["workplace"])),
        intake.RegisterSupervisor(**dict(bodies["supervisor"], external_ref=refs["supervisor"],
                                         workplace_ref=refs["workplace"])),
        intake.RegisterParticipant(**participant),
        intake.OfferPlacementSlots(**dict(bodies["offer"], external_ref=refs["offer"],
                                          workplace_ref=refs["workplace"],
                                          supervisor_ref=refs["supervisor"])),
        intake.RequestPlacement(**dict(bodies["request"], external_ref=refs["request"],
                                       participant_ref=refs["participant"])),
    ]


def _by_type(events: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for e in events:
        grouped.setdefault(e["type"], []).append(_without_ids(e["data"]))
    return {t: sorted(items, key=repr) for t, items in grouped.items()}


async def test_http_and_intake_produce_identical_events(infra: Infra, service: Service) -> None:
    bodies = {
        "workplace": support.workplace_body(),
        "supervisor": support.supervisor_body(),
        "participant": support.participant_body(pin=support.pupil(8), minor_age=14),
        "offer": support.offer_body(),
        "request": support.request_body(),
    }
    intake_events: list[dict[str, Any]] = []
    async with TopicReader(infra.kafka_bootstrap, TOPICS) as reader, \
            Publisher(infra.kafka_bootstrap) as publisher, http_client(service) as client:
        http_events = await _through_http(client, reader, bodies)
        refs = {kind: support.ref(kind) for kind in bodies}
        messages = _intake_messages(bodies, refs)
        for message, count in zip(messages, (2, 2, 4, 1, 1), strict=True):
            intake_events += await _send(publisher, reader, message, expect=count)

    assert set(_by_type(http_events)) == {
        "WorkplaceRegistered", "SupervisorRegistered", "ParticipantRegistered",
        "PlacementSlotsOffered", "PlacementRequested", "ContactDetailsRecorded"}
    assert _by_type(intake_events) == _by_type(http_events)
    assert all(e["causationid"] for e in intake_events)
    registered = next(e for e in intake_events if e["type"] == "ParticipantRegistered")
    assert registered["data"]["external_ref"] == refs["participant"]
    assert len(registered["data"]["guardian_ids"]) == 2


async def test_intake_is_idempotent_by_external_ref(infra: Infra, service: Service) -> None:
    body = support.participant_body(minor_age=15)
    async with TopicReader(infra.kafka_bootstrap, TOPICS) as reader, \
            Publisher(infra.kafka_bootstrap) as publisher:
        first = await _send(publisher, reader, intake.RegisterParticipant(**body), expect=4)
        again = await _send(publisher, reader, intake.RegisterParticipant(**body), expect=4)

    def registered(events: list[dict[str, Any]]) -> dict[str, Any]:
        return next(e["data"] for e in events if e["type"] == "ParticipantRegistered")

    assert registered(first)["participant_id"] == registered(again)["participant_id"]
    assert registered(first)["guardian_ids"] == registered(again)["guardian_ids"]
    async with http_client(service) as client:
        listed = (await client.get("/participants", params={"limit": 200},
                                   headers=HAL)).json()
    ids = [p["participant_id"] for p in listed["items"]]
    assert ids.count(registered(first)["participant_id"]) == 1


async def test_refused_intake_is_answered_and_dead_lettered(
    infra: Infra, service: Service
) -> None:
    async with TopicReader(infra.kafka_bootstrap, TOPICS) as reader, \
            Publisher(infra.kafka_bootstrap) as publisher:
        # A source that may not speak for Halmstad.
        foreign = await _send(publisher, reader,
                              intake.RegisterParticipant(**support.participant_body()), source=HR)
        assert foreign[0]["type"] == "IntakeRejected"
        assert [e["field"] for e in foreign[0]["data"]["errors"]] == ["source"]

        # Breaks several domain rules at once: each field is named.
        body = support.participant_body(KUNGSBACKA, minor_age=14)
        good = body["personal_identity_number"]
        body["personal_identity_number"] = good[:-1] + str((int(good[-1]) + 1) % 10)
        body["phone"] = "0"
        body["email"] = "nobody@"
        refused = await _send(publisher, reader, intake.RegisterParticipant(**body), source=HR)
        fields = {e["field"] for e in refused[0]["data"]["errors"]}
        assert fields == {"data.personal_identity_number", "data.phone", "data.email"}
        assert refused[0]["data"]["municipality_code"] == KUNGSBACKA
        # With a valid number the age is known: a minor needs a reachable guardian.
        body["personal_identity_number"] = good
        body["guardians"] = [{"name": "Ingen Kontakt"}]
        minor = await _send(publisher, reader, intake.RegisterParticipant(**body), source=HR)
        fields = {e["field"] for e in minor[0]["data"]["errors"]}
        assert fields == {"data.phone", "data.email", "data.guardians"}

        # A reference nobody registered.
        orphan = await _send(publisher, reader, intake.RequestPlacement(**support.request_body(
            participant_ref="nobody-" + uuid.uuid4().hex)))
        assert orphan[0]["data"]["errors"][0]["field"] == "data.participant_ref"

        dlq = topics.dead_letter_topic(topics.REGISTRATION_INTAKE)
        await reader.wait_for(lambda _: len([r for r in reader.records if r.topic == dlq]) >= 4)
    letters = [r for r in reader.records if r.topic == dlq]
    kinds = {dict(r.headers)[HEADER_KIND] for r in letters}
    assert kinds == {b"rejected"}
    assert any(b"data.phone" in dict(r.headers)[HEADER_FIELD] for r in letters)

    # Kept for Kungsbacka's coordinators: which fields, never the values.
    async with http_client(service) as client:
        listed = (await client.get("/intake/rejections", headers=token(KUNGSBACKA),
                                   params={"municipality_code": KUNGSBACKA})).json()
        mine = [r for r in listed if r["source_event_id"] == refused[0]["subject"]]
        assert mine and mine[0]["source"] == HR
        assert {e["field"] for e in mine[0]["errors"]} == {
            "data.personal_identity_number", "data.phone", "data.email"}
        assert body["personal_identity_number"][:8] not in str(listed)
        other = await client.get("/intake/rejections", headers=token(HALMSTAD),
                                 params={"municipality_code": KUNGSBACKA})
        assert other.status_code == 403


async def test_intake_covers_every_operation_by_reference(infra: Infra, service: Service) -> None:
    refs = {kind: support.ref(kind) for kind in ("wp", "sup", "kid", "offer", "req")}
    async with TopicReader(infra.kafka_bootstrap, TOPICS) as reader, \
            Publisher(infra.kafka_bootstrap) as publisher:
        await _send(publisher, reader, intake.RegisterWorkplace(
            **support.workplace_body(external_ref=refs["wp"])), expect=2)
        await _send(publisher, reader, intake.RegisterSupervisor(**support.supervisor_body(
            external_ref=refs["sup"], workplace_ref=refs["wp"])), expect=2)
        kid = await _send(publisher, reader, intake.RegisterParticipant(
            **support.participant_body(minor_age=14, external_ref=refs["kid"])), expect=4)
        await _send(publisher, reader, intake.OfferPlacementSlots(**support.offer_body(
            external_ref=refs["offer"], workplace_ref=refs["wp"], supervisor_ref=refs["sup"])))
        await _send(publisher, reader, intake.RequestPlacement(**support.request_body(
            external_ref=refs["req"], participant_ref=refs["kid"])))
        consent = await _send(publisher, reader, intake.RecordGuardianConsent(
            participant_ref=refs["kid"], guardian_index=1, municipality_code=HALMSTAD,
            program="prao", granted=True))
        withdrawn = await _send(publisher, reader, intake.WithdrawPlacementRequest(
            request_ref=refs["req"], municipality_code=HALMSTAD, reason="changed school"))
        closed = await _send(publisher, reader, intake.WithdrawPlacementSlots(
            offer_ref=refs["offer"], municipality_code=HALMSTAD, reason="renovation"))
        erased = await _send(publisher, reader, intake.EraseParticipant(
            participant_ref=refs["kid"], municipality_code=HALMSTAD))
    kid_data = next(e["data"] for e in kid if e["type"] == "ParticipantRegistered")
    assert consent[0]["type"] == "GuardianConsentRecorded"
    assert consent[0]["data"]["guardian_id"] == kid_data["guardian_ids"][1]
    assert consent[0]["data"]["via"] == "intake" and consent[0]["data"]["consent"] == "granted"
    assert withdrawn[0]["type"] == "PlacementRequestWithdrawn"
    assert withdrawn[0]["data"]["participant_id"] == kid_data["participant_id"]
    assert closed[0]["type"] == "PlacementSlotsWithdrawn"
    assert erased[0]["type"] == "ParticipantErased"
    assert erased[0]["data"]["participant_id"] == kid_data["participant_id"]
