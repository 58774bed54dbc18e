"""The daily job against the real database: dietary needs go after the retention period."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from devkit.infra import Infra
from devkit.services import http_client
from services.training.entrypoints.jobs import run_daily
from services.training.settings import TrainingSettings
from services.training.tests.integration.support import (
    bearer,
    count,
    migrated,
    register_supervisors,
    session_body,
)

pytestmark = pytest.mark.infra

WITH_DIET = "select count(*) from training.enrolments where cardinality(dietary_needs) > 0"


async def test_dietary_needs_are_dropped_after_the_retention_period(infra: Infra) -> None:
    async with migrated(infra, dietary_retention_days=30) as service, \
            http_client(service) as client:
        _, people = await register_supervisors(service, 2)
        admin = bearer(service)
        now = datetime.now(UTC)
        ids = []
        for starts in (now - timedelta(days=40), now - timedelta(days=10)):
            created = await client.post("/sessions", headers=admin, json=session_body(
                starts, starts + timedelta(hours=8)))
            ids.append(created.json()["session_id"])
            for person in people:
                answer = await client.post(f"/sessions/{ids[-1]}/enrolments", headers=admin,
                                           json={"person_id": str(person),
                                                 "dietary_needs": ["vegan"]})
                assert answer.status_code == 201
        assert await count(service, WITH_DIET) == 4
        settings = service.settings
        assert isinstance(settings, TrainingSettings)
        await run_daily(service.state["bus"], settings, now.date(), clock=lambda: now)
        assert await count(service, WITH_DIET) == 2
        assert await count(service, WITH_DIET + " and session_id = :s", s=ids[1]) == 2
