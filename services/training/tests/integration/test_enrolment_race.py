"""Seats under concurrency: 50 enrolments race for 20 seats through two replicas."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from devkit.infra import Infra
from devkit.services import http_client
from services.training.bootstrap import build
from services.training.settings import TrainingSettings
from services.training.tests.integration.support import (
    bearer,
    count,
    migrated,
    register_supervisors,
    session_body,
)

pytestmark = pytest.mark.infra


async def test_fifty_racing_for_twenty_seats_enrol_twenty_and_wait_thirty_in_order(
    infra: Infra,
) -> None:
    async with migrated(infra) as first:
        assert isinstance(first.settings, TrainingSettings)
        second = build(first.settings)  # another replica
        _, people = await register_supervisors(first, 50)
        starts = datetime.now(UTC) + timedelta(days=14)
        admin = bearer(first)
        coordinator = bearer(first, "coordinator", ["1380"])
        async with http_client(first) as one, http_client(second) as two:
            created = await one.post("/sessions", headers=admin,
                                     json=session_body(starts, starts + timedelta(hours=8)))
            assert created.status_code == 201, created.text
            session_id = created.json()["session_id"]
            responses = await asyncio.gather(*(
                (one if index % 2 else two).post(
                    f"/sessions/{session_id}/enrolments", headers=coordinator,
                    json={"person_id": str(person)})
                for index, person in enumerate(people)
            ))
            assert [r.status_code for r in responses] == [201] * 50, [r.text for r in responses]
            answers = [r.json() for r in responses]
            assert Counter(a["status"] for a in answers) == {"enrolled": 20, "waitlisted": 30}
            assert sorted(a["waitlist_position"] for a in answers
                          if a["status"] == "waitlisted") == list(range(1, 31))

            async with first.engine.connect() as conn:
                rows = (await conn.execute(text(
                    "select person_id, status, queue from training.enrolments "
                    "where session_id = :s order by queue"), {"s": session_id})).all()
            assert [r.queue for r in rows] == list(range(1, 51))  # no seat handed out twice
            assert [r.status for r in rows] == ["enrolled"] * 20 + ["waitlisted"] * 30
            position = {a["person_id"]: a["waitlist_position"] for a in answers}
            assert [position[str(r.person_id)] for r in rows[20:]] == list(range(1, 31))

            listed = (await one.get(f"/sessions/{session_id}", headers=admin)).json()
            assert (listed["enrolled"], listed["waitlisted"], listed["free_seats"]) == (20, 30, 0)
            first_waiting = rows[20].person_id
            cancelled = await two.delete(
                f"/sessions/{session_id}/enrolments/{rows[0].person_id}", headers=coordinator)
            assert cancelled.status_code == 200, cancelled.text
            assert [(c["person_id"], c["status"]) for c in cancelled.json()["changes"]] == [
                (str(rows[0].person_id), "cancelled"), (str(first_waiting), "enrolled")]

        recorded = await count(
            first, "select count(*) from training.outbox where headers->>'ce_type' = "
            "'EnrolmentRecorded'")
        assert recorded == 52
        async with first.engine.connect() as conn:
            values = (await conn.execute(text(
                "select value from training.outbox where headers->>'ce_type' = "
                "'EnrolmentRecorded' order by id"))).scalars().all()
        statuses = Counter(json.loads(v)["data"]["status"] for v in values)
        assert statuses == {"enrolled": 21, "waitlisted": 30, "cancelled": 1}
        await second.engine.dispose()
        await second.producer.stop()
