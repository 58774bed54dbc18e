"""Bad input is refused with 4xx naming the field and the reason; nothing is stored."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from devkit.infra import Infra
from devkit.services import http_client
from services.training.tests.integration.support import (
    bearer,
    count,
    migrated,
    register_supervisors,
    session_body,
)
from shared.runtime import Service

pytestmark = pytest.mark.infra

TABLES = ("sessions", "enrolments", "completions", "certifications", "outbox",
          "evaluation_answers")


async def _snapshot(service: Service) -> dict[str, int]:
    return {t: await count(service, f"select count(*) from training.{t}") for t in TABLES}


def _fields(response: httpx.Response) -> dict[str, str]:
    return {d["field"]: d["message"] for d in response.json()["detail"]}


async def test_bad_input_is_refused_with_the_reason_and_nothing_is_stored(infra: Infra) -> None:
    async with migrated(infra) as service, http_client(service) as client:
        admin = bearer(service)
        _, (enrolled, stranger) = await register_supervisors(service, 2)
        starts = datetime.now(UTC) - timedelta(hours=9)
        good = session_body(starts, starts + timedelta(hours=8))
        created = await client.post("/sessions", headers=admin, json=good)
        assert created.status_code == 201
        session_id = created.json()["session_id"]
        assert (await client.post(f"/sessions/{session_id}/enrolments", headers=admin,
                                  json={"person_id": str(enrolled)})).status_code == 201
        before = await _snapshot(service)

        backwards = await client.post("/sessions", headers=admin, json={
            **good, "ends_at": (starts - timedelta(hours=1)).isoformat()})
        assert backwards.status_code == 422
        assert "ends before it starts" in _fields(backwards)["ends_at"]

        empty = await client.post("/sessions", headers=admin, json={**good, "capacity": 0})
        assert empty.status_code == 422
        assert "capacity" in _fields(empty)

        unknown = await client.post("/sessions", headers=admin, json={**good, "course": "yoga"})
        assert unknown.status_code == 422
        assert "course" in _fields(unknown)

        strangers = await client.post(f"/sessions/{session_id}/attendance", headers=admin,
                                      json={"present": [str(enrolled), str(stranger)]})
        assert strangers.status_code == 422
        assert _fields(strangers) == {"present.1": f"{stranger} is not enrolled in this session"}

        nobody = await client.post(f"/sessions/{session_id}/enrolments", headers=admin,
                                   json={"person_id": str(uuid.uuid4())})
        assert nobody.status_code == 422
        assert "person_id" in _fields(nobody)

        missing = await client.post(f"/sessions/{uuid.uuid4()}/attendance", headers=admin,
                                    json={"present": [str(enrolled)]})
        assert missing.status_code == 404

        assert await _snapshot(service) == before
        assert await count(service, "select count(*) from training.enrolments "
                                    "where attended is not null") == 0

        outside = await client.post("/sessions", headers=bearer(service, "coordinator",
                                                                ["0583"]), json=good)
        assert outside.status_code == 403
        unauthenticated = await client.post("/sessions", json=good)
        assert unauthenticated.status_code == 401
        assert await _snapshot(service) == before
