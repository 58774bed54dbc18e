"""The search and the access log on real Postgres: a search finds only who it names, in
the caller's municipalities; each read of a record is logged with who, whom, when and
why; an auditor reads the log and writes nothing; a coordinator cannot read it; the
retention purge forgets old entries only."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from devkit.services import http_client
from services.registration.domain import commands
from services.registration.domain.access import AccessEntry
from services.registration.tests import support
from services.registration.tests.support import HALMSTAD, KUNGSBACKA, LAHOLM, SECRET, token
from shared.auth import issue_token
from shared.messagebus import MessageBus
from shared.runtime import Service

pytestmark = pytest.mark.infra

HAL = token(HALMSTAD)


async def _register(client: Any, municipality: str, name: str) -> dict[str, Any]:
    made = await client.post("/participants", headers=token(municipality),
                             json=support.participant_body(municipality, name=name))
    assert made.status_code == 201, made.text
    person: dict[str, Any] = made.json()
    return person


async def _found(client: Any, headers: dict[str, str], **query: str) -> list[str]:
    page = await client.get("/participants", params=query, headers=headers)
    assert page.status_code == 200, page.text
    return [p["name"] for p in page.json()["items"]]


async def test_a_search_finds_only_whom_it_names_in_the_callers_municipalities(
        service: Service) -> None:
    run = uuid.uuid4().hex[:8]
    async with http_client(service) as client:
        asa = await _register(client, HALMSTAD, f"Åsa Öberg {run}")
        await _register(client, HALMSTAD, f"Bo Ek {run}")
        await _register(client, LAHOLM, f"Åsa Lind {run}")
        assert await _found(client, HAL, name=f"åsa {run}") == [f"Åsa Öberg {run}"]
        assert await _found(client, HAL, name=f"ÖBERG {run}") == [f"Åsa Öberg {run}"]
        assert sorted(await _found(client, HAL, name=run)) == [f"Bo Ek {run}",
                                                               f"Åsa Öberg {run}"]
        assert await _found(client, HAL, name=f"nobody-{run}") == []  # not everyone
        assert await _found(client, HAL, name=f"% {run}") == []  # a wildcard is a character
        assert await _found(client, HAL, name=run, birth_date=asa["birth_date"]) == [
            f"Åsa Öberg {run}"]
        assert await _found(client, HAL, external_ref=asa["external_ref"]) == [
            f"Åsa Öberg {run}"]
        assert await _found(client, token(KUNGSBACKA), name=run) == []
        both = token(HALMSTAD, LAHOLM)
        assert len(await _found(client, both, name=f"åsa {run}")) == 2
        bad = await client.get("/participants", params={"birth_date": "31 maj"}, headers=HAL)
        assert bad.status_code == 422 and "birth_date" in bad.text


async def test_each_read_of_a_record_is_logged_and_only_an_auditor_reads_the_log(
        service: Service) -> None:
    reader = f"samordnare-{uuid.uuid4().hex[:8]}"
    coordinator = {"Authorization": "Bearer " + issue_token(
        SECRET, reader, "coordinator", [HALMSTAD])}
    auditor = token(HALMSTAD, role="auditor")
    async with http_client(service) as client:
        person = await _register(client, HALMSTAD, "Loggad Läsning")
        pid = person["participant_id"]
        read = await client.get(f"/participants/{pid}", params={"purpose": "consent"},
                                headers=coordinator)
        assert read.status_code == 200, read.text
        assert (await client.get(f"/participants/{pid}/consents",
                                 headers=coordinator)).status_code == 200
        bad = await client.get(f"/participants/{pid}", params={"purpose": "curiosity"},
                               headers=coordinator)
        assert bad.status_code == 422 and "purpose" in bad.text
        assert (await client.get(f"/participants/{pid}",
                                 headers=token(KUNGSBACKA))).status_code == 403

        log = await client.get("/access-log", params={"participant_id": pid},
                               headers=auditor)
        assert log.status_code == 200, log.text
        entries = [e for e in log.json()["items"] if e["reader"] == reader]
        assert [(e["record"], e["purpose"], e["reader_role"], e["municipality_code"])
                for e in entries] == [("consents", "case_handling", "coordinator", HALMSTAD),
                                      ("participant", "consent", "coordinator", HALMSTAD)]
        assert all(abs(datetime.fromisoformat(e["read_at"]) - datetime.now(UTC))
                   < timedelta(minutes=5) for e in entries)
        by_reader = await client.get("/access-log", params={"reader": reader}, headers=auditor)
        assert by_reader.json()["total"] == 2  # the refused read is not in it: nothing was

        assert (await client.get("/access-log", headers=coordinator)).status_code == 403
        elsewhere = token(KUNGSBACKA, role="auditor")
        assert (await client.get("/access-log", params={"participant_id": pid},
                                 headers=elsewhere)).json()["total"] == 0
        assert (await client.get("/access-log", params={"municipality_code": HALMSTAD},
                                 headers=elsewhere)).status_code == 403

        audited = await client.get(f"/participants/{pid}", params={"purpose": "audit"},
                                   headers=auditor)
        assert audited.status_code == 200
        for method, path in (("POST", "/participants"), ("PUT", f"/participants/{pid}"),
                             ("DELETE", f"/participants/{pid}"),
                             ("POST", f"/participants/{pid}/consents")):
            refused = await client.request(method, path, headers=auditor,
                                           json=support.participant_body())
            assert refused.status_code == 403, (method, path, refused.text)
        assert (await client.get(f"/participants/{pid}", headers=HAL)).status_code == 200


async def test_the_retention_purge_forgets_old_entries_only(service: Service) -> None:
    bus: MessageBus = service.state["bus"]
    old_reader, now = f"gammal-{uuid.uuid4().hex[:8]}", datetime.now(UTC)
    async with service.uow() as uow:
        await uow.access_log.add(AccessEntry(  # type: ignore[attr-defined]
            old_reader, "coordinator", uuid.uuid4(), HALMSTAD, "participant",
            "case_handling", now - timedelta(days=731)))
        await uow.commit()
    async with http_client(service) as client:
        person = await _register(client, HALMSTAD, "Ny Läsning")
        await client.get(f"/participants/{person['participant_id']}", headers=HAL)
        assert await bus.handle(commands.PurgeAccessLog(retention_days=730)) >= 1
        auditor = token(HALMSTAD, role="auditor")
        gone = await client.get("/access-log", params={"reader": old_reader}, headers=auditor)
        assert gone.json()["total"] == 0
        kept = await client.get("/access-log", headers=auditor,
                                params={"participant_id": person["participant_id"]})
        assert kept.json()["total"] == 1


async def test_one_participants_requests_are_listed_by_their_id(service: Service) -> None:
    async with http_client(service) as client:
        made = [await _register(client, HALMSTAD, f"Begär {n}") for n in range(2)]
        for person in made:
            answer = await client.post("/requests", headers=HAL, json=support.request_body(
                participant_id=person["participant_id"], program="work_trial"))
            assert answer.status_code == 201, answer.text
        first = made[0]["participant_id"]
        listed = await client.get("/requests", params={"participant_id": first}, headers=HAL)
        assert [r["participant_id"] for r in listed.json()["items"]] == [first]
        assert (await client.get("/requests", params={"participant_id": first},
                                 headers=token(KUNGSBACKA))).json()["total"] == 0
