"""Rounds stay stable after they run, over real Kafka and Postgres: a decline through
the HTTP route moves the next in the round's order up, and the events say so."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from devkit.bus import TopicReader
from devkit.infra import Infra
from devkit.publisher import Publisher
from devkit.services import http_client, running, service_settings
from services.matching.adapters import orm
from services.matching.bootstrap import build
from services.matching.settings import MatchingSettings
from services.matching.tests.integration.scenario import Scenario, municipality
from shared.auth import issue_token
from shared.contracts import topics
from shared.runtime import Service

pytestmark = pytest.mark.infra

START, END = date(2027, 4, 5), date(2027, 4, 9)


@pytest.fixture
async def service(infra: Infra) -> AsyncIterator[Service]:
    async with running(infra, lambda: build(MatchingSettings(
            **service_settings(infra, "matching")))) as s:
        yield s


@pytest.fixture
async def scenario(infra: Infra, service: Service) -> AsyncIterator[Scenario]:
    async with Publisher(infra.kafka_bootstrap) as publisher, \
            TopicReader(infra.kafka_bootstrap, [topics.MATCHING_EVENTS]) as reader:
        yield Scenario(publisher, reader, municipality())


async def test_a_decline_after_the_round_moves_the_next_in_order_up(
        infra: Infra, service: Service, scenario: Scenario) -> None:
    s = scenario
    w1, w2 = await s.workplace(), await s.workplace()
    o3353 = await s.offer(w1, await s.supervisor(w1), program="prao", occupation="3353",
                          start=START, end=END)
    o5120 = await s.offer(w2, await s.supervisor(w2), program="prao", occupation="5120",
                          start=START, end=END)
    people = []
    for priority, wants in ((2, ("3353",)), (1, ("3353", "5120")), (0, ("3353", "5120"))):
        pid, _ = await s.participant(born=date(2012, 3, 3), guardians=1)
        people.append((pid, await s.request(pid, program="prao", occupations=wants,
                                            priority=priority, start=START, end=END)))
    (_, r0), (p1, r1), (_, r2) = people
    for _, rid in people:
        await s.wait("PlacementWaitlisted", request_id=rid)  # awaiting the round
    token = issue_token(service.settings.auth_jwt_secret, "coordinator-1", "coordinator",
                        [s.m])
    headers = {"Authorization": f"Bearer {token}"}
    async with http_client(service) as client:
        ran = await client.post("/matching/rounds", headers=headers,
                                json={"municipality_code": s.m, "program": "prao", "seed": 5})
        assert ran.status_code == 200, ran.text
        round_id = ran.json()["round_id"]
        [first] = await s.wait("PlacementProposed", request_id=r0)
        [second] = await s.wait("PlacementProposed", request_id=r1)
        assert first["data"]["offer_id"] == str(o3353)
        assert second["data"]["offer_id"] == str(o5120)
        assert not s.events("PlacementProposed", request_id=r2)

        declined = await client.post(
            f"/matching/placements/{first['data']['placement_id']}/decline",
            headers=headers,
            json={"by": "participant", "reason": "flyttar", "end_request": True})
        assert declined.status_code == 200, declined.text

        [moved] = await s.wait("PlacementCancelled", request_id=r1)
        assert moved["data"]["reason"] == "moved_to_preferred"
        assert moved["data"]["placement_id"] == second["data"]["placement_id"]
        assert moved["data"]["participant_id"] == str(p1)
        up = (await s.wait("PlacementProposed", count=2, request_id=r1))[1]["data"]
        assert up["offer_id"] == str(o3353) and up["preference_rank"] == 1
        assert up["replaces"] == second["data"]["placement_id"]
        assert up["round_id"] == round_id
        [filled] = await s.wait("PlacementProposed", request_id=r2)
        assert filled["data"]["offer_id"] == str(o5120) and filled["data"]["replaces"] is None

        await _explained_moved_up(client, service, headers, r1,
                                  second["data"]["placement_id"], up["placement_id"])

    # The round's order is kept with each request (it survives a restart).
    engine = create_async_engine(service.settings.database_url)
    async with engine.connect() as conn:
        rows = (await conn.execute(select(orm.requests.c.request_id, orm.requests.c.round_id)
                                   .where(orm.requests.c.request_id.in_([r1, r2])))).all()
    await engine.dispose()
    assert {str(row.round_id) for row in rows} == {round_id}


async def _explained_moved_up(client: Any, service: Service, headers: dict[str, str],
                              request_id: UUID, old: str, new: str) -> None:
    """The explanation says she moved up; another municipality may not read it."""
    explained = await client.get(f"/matching/requests/{request_id}/explanation",
                                 headers=headers)
    assert explained.status_code == 200, explained.text
    body = explained.json()
    assert body["got"]["preference_rank"] == 1 and body["higher_preferences"] == []
    [move] = body["moved_up"]
    assert (move["from_placement_id"], move["to_placement_id"]) == (old, new)
    other = await client.get(f"/matching/requests/{request_id}/explanation",
                             headers={"Authorization": "Bearer " + issue_token(
                                 service.settings.auth_jwt_secret, "c", "coordinator",
                                 ["0000"])})
    assert other.status_code == 403
