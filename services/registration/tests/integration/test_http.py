"""The HTTP door on real Postgres and Kafka: registration, reads, scope, refusals, erasure."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from fastapi.routing import APIRoute

from devkit.bus import TopicReader
from devkit.infra import Infra
from devkit.services import http_client
from services.registration.tests import support
from services.registration.tests.support import HALMSTAD, KUNGSBACKA, LAHOLM, token
from shared.contracts import topics
from shared.runtime import Service

pytestmark = pytest.mark.infra

HAL = token(HALMSTAD)
KBA = token(KUNGSBACKA)


async def test_every_route_needs_a_token(service: Service) -> None:
    app = service.http_app()
    async with http_client(service) as client:
        for route in app.routes:
            if not isinstance(route, APIRoute) or not route.path.startswith(
                ("/participants", "/workplaces", "/supervisors", "/offers", "/requests",
                 "/coordinators")):
                continue
            path = route.path.replace("{", "").replace("}", "")
            path = "/".join("00000000-0000-4000-8000-000000000000" if part.endswith("_id")
                            else part for part in path.split("/"))
            for method in route.methods or ():
                answer = await client.request(method, path, json={})
                assert answer.status_code == 401, (method, path, answer.text)
                bad = await client.request(method, path, json={},
                                           headers={"Authorization": "Bearer not-a-token"})
                assert bad.status_code == 401, (method, path)


async def test_registration_flow_publishes_the_registered_facts(
    infra: Infra, service: Service
) -> None:
    async with TopicReader(infra.kafka_bootstrap, [topics.REGISTRATION_EVENTS,
                                                   topics.REGISTRATION_CONTACTS]) as reader:
        async with http_client(service) as client:
            made = await support.registered_set(client)
            person = made["participant"]
            assert len(person["guardian_ids"]) == 2 and "personal_identity_number" not in person
            consent = await client.post(
                f"/participants/{person['participant_id']}/consents",
                json={"guardian_index": 0, "program": "prao", "granted": True}, headers=HAL)
            assert consent.status_code == 201, consent.text
            assert consent.json()["guardian_id"] == person["guardian_ids"][0]
            withdrawn = await client.post(f"/requests/{made['request']['request_id']}/withdraw",
                                          json={"reason": "moved away"}, headers=HAL)
            assert withdrawn.json()["status"] == "withdrawn"
            offer_gone = await client.post(f"/offers/{made['offer']['offer_id']}/withdraw",
                                           json={"reason": "closed for summer"}, headers=HAL)
            assert offer_gone.json()["status"] == "withdrawn"

        wanted = {"WorkplaceRegistered", "SupervisorRegistered", "PlacementSlotsOffered",
                  "ParticipantRegistered", "PlacementRequested", "GuardianConsentRecorded",
                  "PlacementRequestWithdrawn", "PlacementSlotsWithdrawn"}
        await reader.wait_for(lambda _: wanted <= {
            e["type"] for e in reader.events(topics.REGISTRATION_EVENTS)
            if e["data"].get("participant_id") == person["participant_id"]
            or e["data"].get("workplace_id") == made["workplace"]["workplace_id"]
            or e["data"].get("offer_id") == made["offer"]["offer_id"]
        })
        await reader.wait_for(lambda _: len([
            e for e in reader.events(topics.REGISTRATION_CONTACTS)
            if e["data"]["person_id"] in {person["participant_id"], *person["guardian_ids"],
                                          made["workplace"]["manager"]["manager_id"],
                                          made["supervisor"]["supervisor_id"]}
        ]) >= 5)
    registered = next(e for e in reader.events(topics.REGISTRATION_EVENTS, "ParticipantRegistered")
                      if e["data"]["participant_id"] == person["participant_id"])
    assert registered["data"]["birth_date"] == person["birth_date"]
    assert registered["data"]["guardian_ids"] == person["guardian_ids"]
    keys = {r.key for r in reader.records if r.topic == topics.REGISTRATION_EVENTS
            and r.value and json.loads(r.value)["data"].get("municipality_code") == HALMSTAD}
    assert keys == {HALMSTAD.encode()}
    contact_keys = {r.key.decode() for r in reader.records
                    if r.topic == topics.REGISTRATION_CONTACTS and r.key}
    assert set(person["guardian_ids"]) <= contact_keys


async def test_reads_are_paged_filtered_and_scoped(service: Service) -> None:
    async with http_client(service) as client:
        made = await support.registered_set(client, HALMSTAD)
        await support.registered_set(client, HALMSTAD)
        await support.registered_set(client, KUNGSBACKA, KBA)
        both = token(HALMSTAD, KUNGSBACKA)
        for path in ("/participants", "/workplaces", "/supervisors", "/offers", "/requests"):
            mine = (await client.get(path, headers=HAL)).json()
            assert mine["total"] >= 1
            assert {item["municipality_code"] for item in mine["items"]} == {HALMSTAD}, path
            page = (await client.get(path, params={"limit": 1, "offset": 0},
                                     headers=both)).json()
            assert len(page["items"]) == 1 and page["total"] >= 2
            second = (await client.get(path, params={"limit": 1, "offset": 1},
                                       headers=both)).json()
            assert second["items"] != page["items"]
            only = (await client.get(path, params={"municipality_code": KUNGSBACKA},
                                     headers=both)).json()
            assert {item["municipality_code"] for item in only["items"]} == {KUNGSBACKA}
        prao = (await client.get("/offers", params={"program": "prao"}, headers=HAL)).json()
        assert prao["total"] >= 1
        none = (await client.get("/offers", params={"program": "job_track"}, headers=HAL)).json()
        assert none["total"] == 0
        workplace = made["workplace"]["workplace_id"]
        for path, key in (("/supervisors", "supervisor"), ("/offers", "offer")):
            theirs = (await client.get(path, params={"workplace_id": workplace},
                                       headers=HAL)).json()
            assert [item[f"{key}_id"] for item in theirs["items"]] == [
                made[key][f"{key}_id"]], path
        kids = (await client.get("/participants", params={"program": "prao"},
                                 headers=HAL)).json()
        assert kids["total"] >= 1


async def test_other_municipalities_get_403_and_learn_nothing(service: Service) -> None:
    async with http_client(service) as client:
        made = await support.registered_set(client, HALMSTAD)
        pid = made["participant"]["participant_id"]
        denied = [
            await client.get(f"/participants/{pid}", headers=KBA),
            await client.put(f"/participants/{pid}", json=support.participant_body(
                HALMSTAD, minor_age=14), headers=KBA),
            await client.delete(f"/participants/{pid}", headers=KBA),
            await client.post(f"/participants/{pid}/consents", json={
                "guardian_index": 0, "program": "prao", "granted": True}, headers=KBA),
            await client.get(f"/workplaces/{made['workplace']['workplace_id']}", headers=KBA),
            await client.get(f"/supervisors/{made['supervisor']['supervisor_id']}",
                             headers=KBA),
            await client.get(f"/offers/{made['offer']['offer_id']}", headers=KBA),
            await client.post(f"/offers/{made['offer']['offer_id']}/withdraw",
                              json={"reason": "x"}, headers=KBA),
            await client.get(f"/requests/{made['request']['request_id']}", headers=KBA),
            await client.get("/participants", params={"municipality_code": HALMSTAD},
                             headers=KBA),
            await client.post("/participants", json=support.participant_body(HALMSTAD),
                              headers=KBA),
            await client.post("/workplaces", json=support.workplace_body(LAHOLM), headers=KBA),
            await client.post("/coordinators", json={"municipality_code": KUNGSBACKA,
                                                     "name": "K"}, headers=KBA),
        ]
        for answer in denied:
            assert answer.status_code == 403, answer.request.url
            assert answer.json() == {"detail": "forbidden"}
        still = await client.get(f"/participants/{pid}", headers=HAL)
        assert still.status_code == 200 and still.json()["name"] == "Testa Testsson"


async def test_refusals_name_every_field_and_store_nothing(service: Service) -> None:
    async with http_client(service) as client:
        before = (await client.get("/participants", headers=HAL)).json()["total"]
        body = support.participant_body(HALMSTAD, minor_age=14)
        body["personal_identity_number"] = "19870412-9830"  # wrong check digit
        body["phone"] = "12"
        body["email"] = "not-an-address"
        body["guardians"] = [{"name": "Utan Kontakt"}]
        body["needs"] = ["Not A Tag!"]
        refused = await client.post("/participants", json=body, headers=HAL)
        assert refused.status_code == 422
        fields = {item["field"] for item in refused.json()["detail"]}
        assert {"personal_identity_number", "phone", "email", "needs"} <= fields
        assert all(item["message"] for item in refused.json()["detail"])
        assert "19870412-9830" not in refused.text

        minor = support.participant_body(HALMSTAD, minor_age=13)
        minor["guardians"] = [{"name": "Utan Kontakt"}]
        no_guardian = await client.post("/participants", json=minor, headers=HAL)
        assert no_guardian.status_code == 422
        assert [d["field"] for d in no_guardian.json()["detail"]] == ["guardians"]

        unknown_place = await client.post("/participants", json=support.participant_body(
            "9999"), headers=token("9999"))
        assert unknown_place.status_code == 422
        assert unknown_place.json()["detail"][0]["field"] == "municipality_code"

        after = (await client.get("/participants", headers=HAL)).json()["total"]
        assert after == before

        made = await support.registered_set(client)
        adult = await client.post("/participants", json=support.participant_body(HALMSTAD),
                                  headers=HAL)
        too_old = await client.post("/requests", json=support.request_body(
            participant_id=adult.json()["participant_id"]), headers=HAL)
        assert too_old.status_code == 422
        assert too_old.json()["detail"][0]["field"] == "program"
        past = await client.post("/offers", json=support.offer_body(
            workplace_id=made["workplace"]["workplace_id"],
            supervisor_id=made["supervisor"]["supervisor_id"], period_start="2020-01-01",
            period_end="2019-12-01", supports=["Bad Tag"]), headers=HAL)
        assert past.status_code == 422
        assert {"period_end", "supports"} <= {d["field"] for d in past.json()["detail"]}
        too_many = await client.post("/offers", json=support.offer_body(
            workplace_id=made["workplace"]["workplace_id"],
            supervisor_id=made["supervisor"]["supervisor_id"], capacity=9), headers=HAL)
        assert too_many.status_code == 422
        assert too_many.json()["detail"][0]["field"] == "capacity"
        bad_org = await client.post("/workplaces", json=support.workplace_body(
            org_number="212000-1356"), headers=HAL)
        assert bad_org.status_code == 422
        assert bad_org.json()["detail"][0]["field"] == "org_number"


async def test_same_external_ref_registers_once_with_the_same_ids(service: Service) -> None:
    async with http_client(service) as client:
        body = support.participant_body(HALMSTAD, minor_age=15)
        first = await client.post("/participants", json=body, headers=HAL)
        again = await client.post("/participants", json=body, headers=HAL)
        assert first.status_code == again.status_code == 201
        assert first.json()["participant_id"] == again.json()["participant_id"]
        assert first.json()["guardian_ids"] == again.json()["guardian_ids"]
        # The same person under no reference is still the same participant.
        same_person = dict(body, external_ref=None, name="Testa T. Testsson")
        third = await client.post("/participants", json=same_person, headers=HAL)
        assert third.json()["participant_id"] == first.json()["participant_id"]
        assert third.json()["name"] == "Testa T. Testsson"
        listed = (await client.get("/participants", params={"limit": 200},
                                   headers=HAL)).json()["items"]
        assert [p["participant_id"] for p in listed].count(first.json()["participant_id"]) <= 1


async def test_siblings_registered_at_once_share_their_new_guardian(service: Service) -> None:
    """Both requests find the guardian absent and insert it; the loser runs again and
    links the winner's row (no 500, one guardian)."""
    async with http_client(service) as client:
        for _ in range(5):
            parent = {"name": "Vera Vårdnadshavare", "email": "vera@example.org",
                      "language": "sv", "personal_identity_number": support.adult()}
            bodies = [support.participant_body(HALMSTAD, minor_age=12 + i, guardians=[parent])
                      for i in range(2)]
            answers = await asyncio.gather(*(client.post("/participants", json=body,
                                                         headers=HAL) for body in bodies))
            assert [a.status_code for a in answers] == [201, 201], [a.text for a in answers]
            guardians = {tuple(a.json()["guardian_ids"]) for a in answers}
            assert len(guardians) == 1 and len(next(iter(guardians))) == 1


async def test_erasure_removes_the_person_and_tombstones_contacts(
    infra: Infra, service: Service
) -> None:
    async with TopicReader(infra.kafka_bootstrap, [topics.REGISTRATION_EVENTS,
                                                   topics.REGISTRATION_CONTACTS]) as reader:
        async with http_client(service) as client:
            first = support.participant_body(HALMSTAD, minor_age=14)
            sibling = support.participant_body(HALMSTAD, minor_age=15)
            sibling["guardians"] = [first["guardians"][0]]  # the same guardian, by number
            a = (await client.post("/participants", json=first, headers=HAL)).json()
            b = (await client.post("/participants", json=sibling, headers=HAL)).json()
            shared_guardian, own_guardian = a["guardian_ids"]
            assert b["guardian_ids"] == [shared_guardian]
            gone = await client.delete(f"/participants/{a['participant_id']}", headers=HAL)
            assert gone.status_code == 204
            assert (await client.get(f"/participants/{a['participant_id']}",
                                     headers=HAL)).status_code == 404
            sibling_now = await client.get(f"/participants/{b['participant_id']}", headers=HAL)
            assert sibling_now.json()["guardian_ids"] == [shared_guardian]

        def tombstoned(_: Any) -> set[str]:
            return {r.key.decode() for r in reader.records
                    if r.topic == topics.REGISTRATION_CONTACTS and r.value is None and r.key}

        await reader.wait_for(lambda rs: {a["participant_id"], own_guardian} <= tombstoned(rs))
        await reader.wait_for(lambda _: any(
            e["data"]["participant_id"] == a["participant_id"]
            for e in reader.events(topics.REGISTRATION_EVENTS, "ParticipantErased")))
        assert shared_guardian not in tombstoned(None)
