"""Issue 18 on real Postgres and Kafka: the age rules at both doors (a 14-year-old's work
trial refused naming the rule, feriepraktik or feriearbete picked), the profile's new
fields round trip, a supervisor leaving, and the erasure of supervisors, managers and
guardians (the contact's tombstone and `PersonErased` on the bus, the data gone)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from devkit.bus import TopicReader
from devkit.infra import Infra
from devkit.publisher import Publisher
from devkit.services import http_client
from services.registration.adapters import orm
from services.registration.tests import support
from services.registration.tests.support import HALMSTAD, KUNGSBACKA, SCHOOL, token
from shared.contracts import intake, topics
from shared.runtime import Service

pytestmark = pytest.mark.infra

HAL, KBA = token(HALMSTAD), token(KUNGSBACKA)
HYLTE = "1315"
"""A municipality no other test of the package gives a profile (its rules are its own)."""
SUMMER = date(date.today().year + 1, 6, 21)
TOPICS = [topics.REGISTRATION_EVENTS, topics.REGISTRATION_CONTACTS]


async def _person(client: Any, pin: str, municipality: str = HALMSTAD,
                  **extra: Any) -> dict[str, Any]:
    answer = await client.post("/participants", headers=token(municipality), json=(
        support.participant_body(municipality, pin=pin, minor_age=14, **extra)))
    assert answer.status_code == 201, answer.text
    person: dict[str, Any] = answer.json()
    return person


def _summer_job(person: dict[str, Any], **extra: Any) -> dict[str, Any]:
    body = support.request_body(
        person["municipality_code"], participant_id=person["participant_id"],
        program="summer_job", period_start=SUMMER.isoformat(),
        period_end=(SUMMER + timedelta(days=13)).isoformat())
    return {**body, **extra}


async def test_a_14_year_old_s_work_trial_is_refused_naming_the_rule(
        infra: Infra, service: Service) -> None:
    async with http_client(service) as client, \
            TopicReader(infra.kafka_bootstrap, [topics.REGISTRATION_EVENTS]) as reader, \
            Publisher(infra.kafka_bootstrap) as publisher:
        person = await _person(client, support.minor(14))
        start = support.period()[0]
        refused = await client.post("/requests", headers=HAL, json=support.request_body(
            participant_id=person["participant_id"], program="work_trial"))
        assert refused.status_code == 422, refused.text
        [problem] = refused.json()["detail"]
        assert problem["field"] == "program"
        assert problem["message"] == (
            "work_trial is for ages 18 and over (the default rule; municipality 1380 has no "
            f"rule of its own for work_trial); the participant is 14 on {start}")
        sent = await publisher.send_data(topics.REGISTRATION_INTAKE, intake.RequestPlacement(
            **support.request_body(participant_ref=person["external_ref"],
                                   program="job_track")), source=SCHOOL)
        await reader.wait_for(lambda _: any(
            e.get("causationid") == sent.id for e in reader.events()))
        [answer] = [e for e in reader.events() if e.get("causationid") == sent.id]
        assert answer["type"] == "IntakeRejected"
        [error] = answer["data"]["errors"]
        assert error["field"] == "data.program"
        assert error["message"].startswith("job_track is for ages 18 and over (the default")
        listed = (await client.get("/requests", headers=HAL, params={"limit": 200})).json()
        assert person["participant_id"] not in {r["participant_id"] for r in listed["items"]}


async def test_a_summer_job_is_feriepraktik_or_feriearbete_by_age(
        infra: Infra, service: Service) -> None:
    async with http_client(service) as client, \
            TopicReader(infra.kafka_bootstrap, [topics.REGISTRATION_EVENTS]) as reader, \
            Publisher(infra.kafka_bootstrap) as publisher:
        year_8 = await _person(client, support.pupil(8, SUMMER))
        older = await _person(client, support.minor(17))
        between = await _person(client, support.pupil(9, SUMMER, month=10))  # 15
        praktik = await client.post("/requests", headers=HAL, json=_summer_job(year_8))
        assert praktik.status_code == 201, praktik.text
        assert praktik.json()["variant"] == "feriepraktik"
        sent = await publisher.send_data(topics.REGISTRATION_INTAKE, intake.RequestPlacement(
            **_summer_job(older, participant_id=None, participant_ref=older["external_ref"])),
            source=SCHOOL)
        refused = await client.post("/requests", headers=HAL, json=_summer_job(between))
        assert refused.status_code == 422
        assert "feriepraktik for school year 8 or feriearbete for ages 16–19" in (
            refused.json()["detail"][0]["message"])
        wrong = await client.post("/requests", headers=HAL,
                                  json=_summer_job(year_8, variant="feriearbete"))
        assert wrong.status_code == 422 and wrong.json()["detail"][0]["field"] == "variant"

        def requested(_: Any) -> dict[str, str]:
            return {e["data"]["participant_id"]: e["data"]["variant"]
                    for e in reader.events(topics.REGISTRATION_EVENTS, "PlacementRequested")}

        await reader.wait_for(lambda r: {year_8["participant_id"], older["participant_id"]}
                              <= set(requested(r)))
        assert requested(None)[year_8["participant_id"]] == "feriepraktik"
        assert requested(None)[older["participant_id"]] == "feriearbete"
        answer = next(e for e in reader.events() if e.get("causationid") == sent.id)
        assert answer["type"] == "PlacementRequested"


async def test_the_profile_s_rules_round_trip_and_hold(infra: Infra, service: Service) -> None:
    path = f"/registration/municipalities/{HYLTE}/profile"
    headers = token(HYLTE)
    profile = {
        "name": "Hylte kommun", "coordinator_name": "Sara Samordnare",
        "coordinator_email": "sara@hylte.example", "coordinator_phone": "0345-180 00",
        "age_rules": [{"program": "work_trial", "min_age": 16},
                      {"program": "summer_job", "variant": "feriearbete", "min_age": 15,
                       "max_age": 19}],
        "only_preferences_programs": ["internship"],
        "workplace_answer_days": 4, "consent_days": 6,
    }
    async with http_client(service) as client, \
            TopicReader(infra.kafka_bootstrap, [topics.REGISTRATION_EVENTS]) as reader:
        bad = await client.put(path, headers=headers, json={**profile, "age_rules": [
            {"program": "prao", "variant": "feriepraktik", "min_school_year": 9,
             "max_school_year": 8}], "consent_days": 0})
        assert bad.status_code == 422
        assert {d["field"] for d in bad.json()["detail"]} == {
            "age_rules.0.variant", "age_rules.0.min_school_year", "consent_days"}
        saved = await client.put(path, headers=headers, json=profile)
        assert saved.status_code == 200, saved.text
        shown = saved.json()
        assert (await client.get(path, headers=headers)).json() == shown
        assert [(r["program"], r["variant"], r["min_age"], r["max_age"])
                for r in shown["age_rules"]] == [("work_trial", None, 16, None),
                                                 ("summer_job", "feriearbete", 15, 19)]
        assert shown["only_preferences_programs"] == ["internship"]
        assert (shown["workplace_answer_days"], shown["consent_days"]) == (4, 6)
        assert shown["name"] == "Hylte kommun"

        sixteen = await _person(client, support.minor(16), HYLTE)
        trial = await client.post("/requests", headers=headers, json=support.request_body(
            HYLTE, participant_id=sixteen["participant_id"], program="work_trial"))
        assert trial.status_code == 201, trial.text
        internship = await client.post("/requests", headers=headers, json=support.request_body(
            HYLTE, participant_id=sixteen["participant_id"], program="internship"))
        assert internship.status_code == 422
        assert "the default rule" in internship.json()["detail"][0]["message"]
        adult = await _person(client, support.adult(), HYLTE)
        only = await client.post("/requests", headers=headers, json=support.request_body(
            HYLTE, participant_id=adult["participant_id"], program="internship"))
        assert only.status_code == 201 and only.json()["only_preferences"] is True
        none = await client.post("/requests", headers=headers, json=support.request_body(
            HYLTE, participant_id=adult["participant_id"], program="job_track",
            only_preferences=True, preferences=[]))
        assert none.status_code == 422
        assert none.json()["detail"][0]["field"] == "preferences"
        fifteen = await _person(client, support.pupil(9, SUMMER, month=10), HYLTE)
        summer = await client.post("/requests", headers=headers, json=_summer_job(fifteen))
        assert summer.status_code == 201 and summer.json()["variant"] == "feriearbete"

        def recorded(_: Any) -> list[dict[str, Any]]:
            return [e["data"] for e in reader.events(topics.REGISTRATION_EVENTS,
                                                     "MunicipalityProfileRecorded")
                    if e["data"]["municipality_code"] == HYLTE]

        await reader.wait_for(lambda r: recorded(r))
        [data] = recorded(None)
        assert data["age_rules"] == shown["age_rules"]
        assert data["only_preferences_programs"] == ["internship"]
        assert (data["workplace_answer_days"], data["consent_days"]) == (4, 6)


async def test_a_supervisor_leaves_and_their_open_offers_close(
        infra: Infra, service: Service) -> None:
    async with http_client(service) as client, \
            TopicReader(infra.kafka_bootstrap, [topics.REGISTRATION_EVENTS]) as reader:
        made = await support.registered_set(client)
        sup, offer = made["supervisor"]["supervisor_id"], made["offer"]["offer_id"]
        path = f"/registration/supervisors/{sup}/leave"
        assert (await client.post(path, json={"reason": "x"}, headers=KBA)).status_code == 403
        left = await client.post(path, json={"reason": "moved to Varberg"}, headers=HAL)
        assert left.status_code == 200, left.text
        assert left.json()["left_at"] and left.json()["left_reason"] == "moved to Varberg"
        assert (await client.post(path, json={}, headers=HAL)).status_code == 409
        assert (await client.get(f"/offers/{offer}", headers=HAL)).json()["withdrawn_reason"] \
            == "supervisor_left"
        later = await client.post("/offers", headers=HAL, json=support.offer_body(
            workplace_id=made["workplace"]["workplace_id"], supervisor_id=sup))
        assert later.status_code == 422
        assert later.json()["detail"][0]["field"] == "supervisor_id"

        def of_supervisor(_: Any) -> list[str]:
            return [e["type"] for e in reader.events(topics.REGISTRATION_EVENTS)
                    if e["data"].get("supervisor_id") == sup
                    or (e["type"] == "PlacementSlotsWithdrawn" and e["data"]["offer_id"] == offer)]

        await reader.wait_for(lambda r: "PlacementSlotsWithdrawn" in of_supervisor(r))
        assert of_supervisor(None)[-2:] == ["SupervisorLeft", "PlacementSlotsWithdrawn"]
        withdrawn = reader.events(topics.REGISTRATION_EVENTS, "PlacementSlotsWithdrawn")
        assert [e["data"]["reason"] for e in withdrawn
                if e["data"]["offer_id"] == offer] == ["supervisor_left"]


def _tombstoned(reader: TopicReader) -> set[str]:
    return {r.key.decode() for r in reader.records
            if r.topic == topics.REGISTRATION_CONTACTS and r.value is None and r.key}


def _erased(reader: TopicReader, person_id: str) -> list[dict[str, Any]]:
    return [e["data"] for e in reader.events(topics.REGISTRATION_EVENTS, "PersonErased")
            if e["data"]["person_id"] == person_id]


async def _rows(service: Service, table: Any, *where: Any) -> list[Any]:
    async with service.session_factory() as session:
        return list((await session.execute(select(table).where(*where))).all())


async def test_erasing_a_supervisor_a_manager_and_a_guardian(
        infra: Infra, service: Service) -> None:
    async with http_client(service) as client, \
            TopicReader(infra.kafka_bootstrap, TOPICS) as reader:
        made = await support.registered_set(client)
        sup, wp = made["supervisor"]["supervisor_id"], made["workplace"]["workplace_id"]
        manager = made["workplace"]["manager"]["manager_id"]
        person = made["participant"]
        vera, gustav = person["guardian_ids"]
        await client.post(f"/participants/{person['participant_id']}/consents", headers=HAL,
                          json={"guardian_id": vera, "program": "prao", "granted": True})
        for path in (f"/registration/supervisors/{sup}", f"/registration/managers/{manager}",
                     f"/registration/guardians/{vera}"):
            assert (await client.delete(path, headers=KBA)).status_code == 403, path
            assert (await client.delete(path, headers=HAL)).status_code == 204, path
            assert (await client.delete(path, headers=HAL)).status_code == 204, path  # again
        unknown = "/registration/guardians/00000000-0000-4000-8000-000000000000"
        assert (await client.delete(unknown, headers=HAL)).status_code == 404

        assert (await client.get(f"/supervisors/{sup}", headers=HAL)).status_code == 404
        assert (await client.get(f"/offers/{made['offer']['offer_id']}", headers=HAL)
                ).json()["status"] == "withdrawn"
        workplace = (await client.get(f"/workplaces/{wp}", headers=HAL)).json()
        assert workplace["manager"] is None and workplace["name"] == "Fritidsgården Testet"
        now = (await client.get(f"/participants/{person['participant_id']}", headers=HAL)).json()
        assert now["guardian_ids"] == [gustav] and now["consents"] == []

        [supervisor_row] = await _rows(service, orm.supervisors, orm.supervisors.c.id == sup)
        assert (supervisor_row.name, supervisor_row.email, supervisor_row.phone,
                supervisor_row.external_ref) == ("", None, None, None)
        [workplace_row] = await _rows(service, orm.workplaces, orm.workplaces.c.id == wp)
        assert (workplace_row.manager_id, workplace_row.manager_name,
                workplace_row.manager_email, workplace_row.manager_phone) == (
            None, None, None, None)
        assert await _rows(service, orm.guardians, orm.guardians.c.id == vera) == []

        # A new manager registered with the workplace is a new person.
        again = await client.put(f"/workplaces/{wp}", headers=HAL, json=support.workplace_body(
            external_ref=made["workplace"]["external_ref"],
            manager={"name": "Nils Ny", "email": "nils@example.org"}))
        assert again.status_code == 200, again.text
        assert again.json()["manager"]["manager_id"] not in (None, manager)

        await reader.wait_for(lambda _: {sup, manager, vera} <= _tombstoned(reader)
                              and all(_erased(reader, p) for p in (sup, manager, vera)))
    assert gustav not in _tombstoned(reader)
    supervisor_erased = _erased(reader, sup)[0]
    assert supervisor_erased["role"] == "supervisor" and supervisor_erased["workplace_id"] == wp
    assert _erased(reader, manager)[0]["role"] == "manager"
    assert _erased(reader, manager)[0]["workplace_id"] == wp
    guardian_erased = _erased(reader, vera)[0]
    assert guardian_erased["role"] == "guardian"
    assert guardian_erased["participant_ids"] == [person["participant_id"]]
    left = [e for e in reader.events(topics.REGISTRATION_EVENTS, "SupervisorLeft")
            if e["data"]["supervisor_id"] == sup]
    assert len(left) == 1 and left[0]["data"]["reason"] == "erased"
