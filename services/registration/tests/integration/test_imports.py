"""`POST /imports` on real Postgres and Kafka: a dry run names each bad row's problems by
its field and registers nothing; the run registers the good rows, through the intake's
handlers, and an import sent twice registers once."""

from __future__ import annotations

from typing import Any

import pytest

from devkit.services import http_client
from services.registration.tests import support
from services.registration.tests.support import HALMSTAD, KUNGSBACKA, token
from shared.runtime import Service

pytestmark = pytest.mark.infra

HAL = token(HALMSTAD)


def _row(**participant: Any) -> dict[str, Any]:
    body = support.participant_body(HALMSTAD, pin=support.pupil(8), **participant)
    body["guardians"] = [{"name": "Vera Vårdnadshavare", "email": "vera@example.org"}]
    request = support.request_body(HALMSTAD, external_ref=f"{body['external_ref']}/prao")
    return {"participant": body, "request": request}


async def test_a_dry_run_names_each_problem_and_registers_nothing(service: Service) -> None:
    good = _row()
    bad_pin = _row(personal_identity_number="20120412-9830")
    no_name = _row()
    del no_name["participant"]["name"]
    too_old = _row(personal_identity_number=support.adult())
    async with http_client(service) as client:
        before = (await client.get("/participants", headers=HAL)).json()["total"]
        answer = await client.post("/imports", headers=HAL, json={
            "municipality_code": HALMSTAD, "dry_run": True,
            "rows": [good, bad_pin, no_name, too_old, {"participant": "x"}]})
        assert answer.status_code == 200, answer.text
        found = answer.json()
        assert (found["good"], found["bad"], found["dry_run"]) == (1, 4, True)
        fields = [[p["field"] for p in row["problems"]] for row in found["rows"]]
        assert fields[0] == []
        assert fields[1] == ["participant.personal_identity_number"]
        assert fields[2] == ["participant.name"]
        assert fields[3] == ["request.program"]  # an adult is past prao's school years
        assert fields[4] == ["participant"]
        assert all(p["message"] for row in found["rows"] for p in row["problems"])
        assert "20120412-9830" not in answer.text
        assert found["rows"][0]["participant_id"] is None  # nothing registered to name
        after = (await client.get("/participants", headers=HAL)).json()["total"]
        assert after == before


async def test_the_run_registers_the_good_rows_once(service: Service) -> None:
    good, other = _row(), _row()
    bad = _row(email="not-an-address")
    body = {"municipality_code": HALMSTAD, "rows": [good, bad, other]}
    async with http_client(service) as client:
        first = (await client.post("/imports", headers=HAL, json=body)).json()
        assert (first["good"], first["bad"]) == (2, 1)
        assert [p["field"] for p in first["rows"][1]["problems"]] == ["participant.email"]
        registered = first["rows"][0]
        participant = (await client.get(f"/participants/{registered['participant_id']}",
                                        headers=HAL)).json()
        assert participant["external_ref"] == good["participant"]["external_ref"]
        asked = (await client.get(f"/requests/{registered['request_id']}",
                                  headers=HAL)).json()
        assert asked["participant_id"] == registered["participant_id"]
        assert asked["program"] == "prao"

        again = (await client.post("/imports", headers=HAL, json=body)).json()
        assert [(r["participant_id"], r["request_id"]) for r in again["rows"]] == [
            (r["participant_id"], r["request_id"]) for r in first["rows"]]


async def test_another_municipality_is_refused_and_rows_take_the_imports(
        service: Service) -> None:
    row = _row()
    async with http_client(service) as client:
        refused = await client.post("/imports", headers=token(KUNGSBACKA), json={
            "municipality_code": HALMSTAD, "rows": [row]})
        assert refused.status_code == 403
        row["participant"]["municipality_code"] = KUNGSBACKA
        moved = (await client.post("/imports", headers=HAL, json={
            "municipality_code": HALMSTAD, "rows": [row]})).json()
        participant = (await client.get(f"/participants/{moved['rows'][0]['participant_id']}",
                                        headers=HAL)).json()
        assert participant["municipality_code"] == HALMSTAD
        empty = await client.post("/imports", headers=HAL, json={
            "municipality_code": HALMSTAD, "rows": []})
        assert empty.status_code == 422
        assert empty.json()["detail"][0]["field"] == "rows"
