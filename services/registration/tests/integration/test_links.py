"""The link API and municipality profiles over HTTP on real Postgres and Kafka: a
profile's round trip and refusals, the public contact, a guardian's consent by link
(granted, refused, used, expired, altered, for another purpose, from someone else), the
event it publishes, the placement's facts, and erasure of the answers."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from devkit.bus import TopicReader
from devkit.infra import Infra
from devkit.publisher import Publisher
from devkit.services import http_client
from devkit.wait import eventually
from services.registration.adapters import orm
from services.registration.tests import support
from services.registration.tests.support import HALMSTAD, KUNGSBACKA, LAHOLM, token
from shared.contracts import topics
from shared.contracts.matching import PlacementDeclined, PlacementProposed
from shared.links import HEADER, LinkSigner, Purpose
from shared.runtime import Service

pytestmark = pytest.mark.infra

FALKENBERG, VARBERG = "1382", "1383"
PROFILE = {"name": "Laholms kommun", "coordinator_name": "Sara Samordnare",
           "coordinator_email": "sara@laholm.example", "coordinator_phone": "0430-150 00"}
WELCOME = {"arrival_time": "08:30", "arrival_place": "Receptionen, entré B",
           "work_starts": "09:00", "work_ends": "15:00", "bring": "Inneskor och lunch"}


def _signer(service: Service) -> LinkSigner:
    return LinkSigner(service.settings.link_secret)


def _link(service: Service, purpose: Purpose, placement_id: str, person_id: str,
          municipality: str = HALMSTAD, expires_in: timedelta = timedelta(days=7)) -> dict[
        str, str]:
    token = _signer(service).sign(purpose, uuid.UUID(placement_id), uuid.UUID(person_id),
                                  datetime.now(UTC) + expires_in, municipality)
    return {HEADER: token}


async def _placed(client: httpx.AsyncClient, publisher: Publisher,
                  municipality: str = HALMSTAD, **offer: Any) -> dict[str, Any]:
    """A workplace that handles client data, its supervisor, an offer (with `offer`'s
    fields), a minor with two guardians and a request; then matching's proposal."""
    headers = token(municipality)
    wp = await client.post("/workplaces", json=support.workplace_body(
        municipality, client_contact=True), headers=headers)
    assert wp.status_code == 201, wp.text
    sup = await client.post("/supervisors", json=support.supervisor_body(
        municipality, workplace_id=wp.json()["workplace_id"]), headers=headers)
    assert sup.status_code == 201, sup.text
    made = await client.post("/offers", json=support.offer_body(
        municipality, workplace_id=wp.json()["workplace_id"],
        supervisor_id=sup.json()["supervisor_id"], **offer), headers=headers)
    assert made.status_code == 201, made.text
    person = await client.post("/participants", json=support.participant_body(
        municipality, pin=support.pupil(8), minor_age=14), headers=headers)
    assert person.status_code == 201, person.text
    req = await client.post("/requests", json=support.request_body(
        municipality, participant_id=person.json()["participant_id"]), headers=headers)
    assert req.status_code == 201, req.text
    placement_id = str(uuid.uuid4())
    await publisher.send_data(topics.MATCHING_EVENTS, PlacementProposed(
        placement_id=uuid.UUID(placement_id), request_id=req.json()["request_id"],
        participant_id=person.json()["participant_id"], offer_id=made.json()["offer_id"],
        workplace_id=wp.json()["workplace_id"], supervisor_id=sup.json()["supervisor_id"],
        municipality_code=municipality, program="prao",
        period_start=req.json()["period_start"], period_end=req.json()["period_end"]))

    async def heard() -> bool:
        answer = await client.get(f"/requests/{req.json()['request_id']}", headers=headers)
        return (answer.json()["placement"] or {}).get("placement_id") == placement_id

    await eventually(heard, 30, "registration to hear of the proposal")
    return {"placement_id": placement_id, "workplace": wp.json(), "supervisor": sup.json(),
            "offer": made.json(), "participant": person.json(), "request": req.json()}


async def test_a_profile_round_trip_its_refusals_and_the_public_contact(
        infra: Infra, service: Service) -> None:
    async with TopicReader(infra.kafka_bootstrap, [topics.REGISTRATION_EVENTS]) as reader, \
            http_client(service) as client:
        path = f"/registration/municipalities/{LAHOLM}/profile"
        assert (await client.get(f"/registration/municipalities/{LAHOLM}/contact")
                ).status_code == 404
        assert (await client.put(path, json=PROFILE)).status_code == 401
        assert (await client.get(path)).status_code == 401
        assert (await client.put(path, json=PROFILE, headers=token(KUNGSBACKA))
                ).status_code == 403
        bad = await client.put(path, headers=token(LAHOLM), json={
            **PROFILE, "coordinator_email": "inte-en-adress", "coordinator_phone": "12",
            "consent_rule": "all", "offer_answer_programs": ["chess"],
            "offer_answer_days": 0})
        assert bad.status_code == 422, bad.text
        assert {d["field"] for d in bad.json()["detail"]} == {
            "coordinator_email", "coordinator_phone", "consent_rule",
            "offer_answer_programs", "offer_answer_days"}
        assert (await client.get(path, headers=token(LAHOLM))).status_code == 404

        saved = await client.put(path, headers=token(LAHOLM), json={
            **PROFILE, "offer_answer_programs": ["summer_job"]})
        assert saved.status_code == 200, saved.text
        profile = saved.json()
        assert profile["coordinator_phone"] == "+4643015000"
        assert profile["consent_rule"] == "either" and profile["offer_answer_days"] == 3
        assert profile["guardian_answers_offer"] is False
        assert (await client.get(path, headers=token(LAHOLM))).json() == profile
        assert (await client.get(path, headers=token(KUNGSBACKA))).status_code == 403
        contact = await client.get(f"/registration/municipalities/{LAHOLM}/contact")
        assert contact.status_code == 200
        assert contact.json() == {"municipality_code": LAHOLM, "name": "Laholms kommun",
                                  "coordinator_name": "Sara Samordnare",
                                  "coordinator_email": "sara@laholm.example",
                                  "coordinator_phone": "+4643015000"}
        changed = await client.put(path, headers=token(LAHOLM), json={
            **PROFILE, "consent_rule": "both", "guardian_answers_offer": True})
        assert changed.json()["consent_rule"] == "both"
        assert changed.json()["offer_answer_programs"] == []

        def recorded(_: Any) -> list[dict[str, Any]]:
            return [e["data"] for e in reader.events(topics.REGISTRATION_EVENTS)
                    if e["type"] == "MunicipalityProfileRecorded"
                    and e["data"]["municipality_code"] == LAHOLM]

        await reader.wait_for(lambda r: len(recorded(r)) == 2)
        first, second = recorded(None)
        assert first["offer_answer_programs"] == ["summer_job"]
        assert first["coordinator_phone"] == "+4643015000"
        assert second["consent_rule"] == "both" and second["guardian_answers_offer"] is True


async def test_a_guardian_consents_by_link_once(infra: Infra, service: Service) -> None:
    async with TopicReader(infra.kafka_bootstrap, [topics.REGISTRATION_EVENTS]) as reader, \
            Publisher(infra.kafka_bootstrap) as publisher, http_client(service) as client:
        made = await _placed(client, publisher, **WELCOME, contact_name="Kim Kontakt",
                             contact_phone="035-12 34 56")
        placement_id, pid = made["placement_id"], made["participant"]["participant_id"]
        vera, gustav = made["participant"]["guardian_ids"]
        link = _link(service, "consent", placement_id, vera)

        page = await client.get("/registration/links/consent", headers=link)
        assert page.status_code == 200, page.text
        shown = page.json()
        assert shown["guardian_first_name"] == "Vera"
        assert shown["participant_first_name"] == "Testa"
        assert shown["state"] == "pending" and shown["answered"] is False
        assert shown["guardians"] == 2 and shown["guardians_answered"] == 0
        assert shown["answer"] is None and shown["rule"] == "either"
        assert shown["program"] == "prao" and shown["secrecy"] is True
        assert shown["workplace"] == {"name": "Fritidsgården Testet",
                                      "address": "Storgatan 1, Halmstad"}

        answer = await client.post("/registration/links/consent", headers=link,
                                   json={"granted": True, "message": "Lycka till!"})
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"granted": True, "state": "granted"}
        again = await client.post("/registration/links/consent", headers=link,
                                  json={"granted": False, "message": None})
        assert again.status_code == 409 and again.json()["problem"] == "link_used"
        assert again.json()["municipality_code"] == HALMSTAD
        after = (await client.get("/registration/links/consent", headers=link)).json()
        assert after["answered"] is True and after["state"] == "granted"
        assert after["guardians_answered"] == 1
        assert after["answer"]["granted"] is True and after["answer"]["via"] == "link"
        assert after["answer"]["message"] == "Lycka till!"

        refused = await client.post(
            "/registration/links/consent", json={"granted": False, "message": "Nej tack"},
            headers=_link(service, "consent", placement_id, gustav))
        assert refused.json() == {"granted": False, "state": "granted"}  # either: one yes

        consents = (await client.get(f"/participants/{pid}/consents",
                                     headers=token(HALMSTAD))).json()
        by_guardian = {c["guardian_id"]: c for c in consents}
        assert by_guardian[vera]["granted"] is True and by_guardian[vera]["via"] == "link"
        assert by_guardian[vera]["message"] == "Lycka till!"
        assert by_guardian[vera]["placement_id"] == placement_id
        assert by_guardian[vera]["recorded_at"]
        assert by_guardian[gustav]["granted"] is False
        shown_person = (await client.get(f"/participants/{pid}", headers=token(HALMSTAD)))
        assert {c["guardian_id"] for c in shown_person.json()["consents"]} == {vera, gustav}

        def answers(_: Any) -> list[dict[str, Any]]:
            return [e["data"] for e in reader.events(topics.REGISTRATION_EVENTS)
                    if e["type"] == "GuardianConsentRecorded"
                    and e["data"]["participant_id"] == pid]

        await reader.wait_for(lambda r: len(answers(r)) == 2)
        first, second = answers(None)
        assert first["guardian_id"] == vera and first["granted"] is True
        assert first["consent"] == "granted" and first["via"] == "link"
        assert first["placement_id"] == placement_id and first["program"] == "prao"
        assert second["guardian_id"] == gustav and second["consent"] == "granted"


async def test_bad_consent_links_are_refused_and_change_nothing(
        infra: Infra, service: Service) -> None:
    async with Publisher(infra.kafka_bootstrap) as publisher, \
            http_client(service) as client:
        made = await _placed(client, publisher)
        other = await _placed(client, publisher)
        placement_id, pid = made["placement_id"], made["participant"]["participant_id"]
        vera = made["participant"]["guardian_ids"][0]
        stranger = other["participant"]["guardian_ids"][0]
        good = _link(service, "consent", placement_id, vera)[HEADER]
        body = {"granted": True, "message": None}
        cases: list[tuple[dict[str, str], int, str]] = [
            (_link(service, "consent", placement_id, vera,
                   expires_in=timedelta(seconds=-5)), 410, "link_expired"),
            ({HEADER: good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB")}, 403,
             "link_invalid"),
            ({HEADER: LinkSigner("x" * 40).sign(
                "consent", uuid.UUID(placement_id), uuid.UUID(vera),
                datetime.now(UTC) + timedelta(days=1))}, 403, "link_invalid"),
            (_link(service, "workplace_answer", placement_id, vera), 403,
             "link_wrong_purpose"),
            (_link(service, "consent", placement_id, stranger), 403, "link_invalid"),
            (_link(service, "consent", str(uuid.uuid4()), vera), 403, "link_invalid"),
            ({}, 403, "link_invalid"),
        ]
        for headers, status, problem in cases:
            for method in ("GET", "POST"):
                answer = await client.request(method, "/registration/links/consent",
                                              headers=headers, json=body)
                assert answer.status_code == status, (method, problem, answer.text)
                assert answer.json()["problem"] == problem
        too_long = await client.post("/registration/links/consent", headers={HEADER: good},
                                     json={"granted": True, "message": "x" * 1001})
        assert too_long.status_code == 422
        assert too_long.json()["detail"][0]["field"] == "message"
        assert (await client.get(f"/participants/{pid}/consents",
                                 headers=token(HALMSTAD))).json() == []
        still = (await client.get("/registration/links/consent",
                                  headers={HEADER: good})).json()
        assert still["answered"] is False


async def test_under_both_consent_needs_every_guardian(infra: Infra, service: Service) -> None:
    async with Publisher(infra.kafka_bootstrap) as publisher, \
            http_client(service) as client:
        saved = await client.put(f"/registration/municipalities/{FALKENBERG}/profile",
                                 headers=token(FALKENBERG), json={
                                     **PROFILE, "name": "Falkenbergs kommun",
                                     "consent_rule": "both"})
        assert saved.status_code == 200, saved.text
        made = await _placed(client, publisher, FALKENBERG)
        vera, gustav = made["participant"]["guardian_ids"]

        async def answer(guardian: str, granted: bool) -> str:
            sent = await client.post(
                "/registration/links/consent", json={"granted": granted},
                headers=_link(service, "consent", made["placement_id"], guardian,
                              FALKENBERG))
            assert sent.status_code == 200, sent.text
            state: str = sent.json()["state"]
            return state

        assert await answer(vera, True) == "pending"
        page = (await client.get("/registration/links/consent", headers=_link(
            service, "consent", made["placement_id"], gustav, FALKENBERG))).json()
        assert page["rule"] == "both" and page["state"] == "pending"
        assert page["guardians_answered"] == 1 and page["answer"] is None
        assert await answer(gustav, True) == "granted"
        coordinator = await client.post(
            f"/participants/{made['participant']['participant_id']}/consents",
            json={"guardian_id": gustav, "program": "prao", "granted": False},
            headers=token(FALKENBERG))
        assert coordinator.status_code == 201
        assert coordinator.json()["via"] == "coordinator"
        assert coordinator.json()["placement_id"] is None


async def test_the_placement_facts_for_each_party(infra: Infra, service: Service) -> None:
    async with Publisher(infra.kafka_bootstrap) as publisher, \
            http_client(service) as client:
        made = await _placed(client, publisher, **WELCOME, without_client_contact=True)
        placement_id = made["placement_id"]
        person = made["participant"]
        supervisor = made["supervisor"]["supervisor_id"]
        offer = await client.get(f"/offers/{made['offer']['offer_id']}",
                                 headers=token(HALMSTAD))
        assert offer.json()["arrival_time"] == "08:30"
        assert offer.json()["bring"] == "Inneskor och lunch"
        parties: list[tuple[Purpose, str]] = [
            ("workplace_answer", supervisor), ("offer_answer", person["participant_id"]),
            ("offer_answer", person["guardian_ids"][1]), ("consent", person["guardian_ids"][0])]
        for purpose, party in parties:
            link = _link(service, purpose, placement_id, party)
            facts = await client.get("/registration/links/placement", headers=link)
            assert facts.status_code == 200, (purpose, facts.text)
            assert facts.json() == {
                "placement_id": placement_id, "status": "proposed",
                "municipality_code": HALMSTAD,
                "program": "prao", "period_start": made["request"]["period_start"],
                "period_end": made["request"]["period_end"], "occupation": "5311",
                "workplace": {"name": "Fritidsgården Testet",
                              "address": "Storgatan 1, Halmstad"},
                "supervisor_first_name": "Hugo", "participant_first_name": "Testa",
                "secrecy": True, "without_client_contact": True, "arrival_time": "08:30",
                "arrival_place": "Receptionen, entré B", "work_starts": "09:00",
                "work_ends": "15:00", "bring": "Inneskor och lunch",
                "contact": {"name": "Hugo Handledare", "phone": "+46701112233"}}
            # Read only: the link is not used up.
            assert (await client.get("/registration/links/placement", headers=link)
                    ).status_code == 200
        strangers: list[tuple[Purpose, str, str]] = [
            ("enrolment", supervisor, "link_wrong_purpose"),
            ("workplace_answer", person["participant_id"], "link_invalid"),
            ("consent", supervisor, "link_invalid")]
        for purpose, party, problem in strangers:
            refused = await client.get("/registration/links/placement",
                                       headers=_link(service, purpose, placement_id, party))
            assert refused.status_code == 403 and refused.json()["problem"] == problem
        # A decline names no offer: the placement's facts still answer (its pages say it
        # is off, from matching's status).
        await publisher.send_data(topics.MATCHING_EVENTS, PlacementDeclined(
            placement_id=uuid.UUID(placement_id), request_id=made["request"]["request_id"],
            by="workplace", reason="no_capacity", municipality_code=HALMSTAD))

        async def declined() -> bool:
            answer = await client.get(f"/requests/{made['request']['request_id']}",
                                      headers=token(HALMSTAD))
            return bool(answer.json()["placement"]["status"] == "declined")

        await eventually(declined, 30, "registration to hear of the decline")
        after = await client.get("/registration/links/placement",
                                 headers=_link(service, "workplace_answer", placement_id,
                                               supervisor))
        assert after.status_code == 200 and after.json()["occupation"] == "5311"
        assert after.json()["status"] == "declined"
        bad = await client.post("/offers", headers=token(HALMSTAD), json=support.offer_body(
            workplace_id=made["workplace"]["workplace_id"], supervisor_id=supervisor,
            work_starts="15:00", work_ends="09:00", contact_phone="12"))
        assert bad.status_code == 422
        assert {d["field"] for d in bad.json()["detail"]} >= {"work_ends", "contact_phone"}


async def test_erasure_takes_the_consent_answers(infra: Infra, service: Service) -> None:
    async with Publisher(infra.kafka_bootstrap) as publisher, \
            http_client(service) as client:
        made = await _placed(client, publisher, VARBERG)
        pid = made["participant"]["participant_id"]
        vera = made["participant"]["guardian_ids"][0]
        link = _link(service, "consent", made["placement_id"], vera, VARBERG)
        sent = await client.post("/registration/links/consent", headers=link,
                                 json={"granted": True, "message": "Mitt telefonnummer är 070"})
        assert sent.status_code == 200
        assert (await client.get(f"/registration/municipalities/{VARBERG}/contact")
                ).status_code == 404
        erased = await client.delete(f"/participants/{pid}", headers=token(VARBERG))
        assert erased.status_code == 204
        async with service.session_factory() as session:
            left = (await session.execute(select(orm.consents).where(
                orm.consents.c.participant_id == uuid.UUID(pid)))).all()
            messages = (await session.execute(select(orm.consents.c.message).where(
                orm.consents.c.message.like("Mitt telefonnummer%")))).all()
        assert left == [] and messages == []
        gone = await client.get("/registration/links/consent", headers=link)
        assert gone.status_code == 403 and gone.json()["problem"] == "link_invalid"
