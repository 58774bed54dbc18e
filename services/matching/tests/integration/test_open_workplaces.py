"""Open workplaces over real Kafka and Postgres: a workplace never opened gets nobody,
opening it places the waiting request, a certificate ending mid-period blocks, and
closing cancels a placement not yet started and matches its request again."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from devkit.bus import TopicReader
from devkit.infra import Infra
from devkit.publisher import Publisher
from devkit.services import http_client, running
from services.matching.adapters import orm
from services.matching.bootstrap import build
from services.matching.tests.integration.scenario import Scenario, municipality
from services.matching.tests.integration.test_service import bearer, settings
from shared.contracts import topics
from shared.runtime import Service

pytestmark = pytest.mark.infra


@pytest.fixture
async def service(infra: Infra) -> AsyncIterator[Service]:
    async with running(infra, lambda: build(settings(infra))) as s:
        yield s


@pytest.fixture
async def scenario(infra: Infra, service: Service) -> AsyncIterator[Scenario]:
    async with Publisher(infra.kafka_bootstrap) as publisher, \
            TopicReader(infra.kafka_bootstrap, [topics.MATCHING_EVENTS]) as reader:
        yield Scenario(publisher, reader, municipality())


async def test_a_workplace_never_opened_gets_nobody_until_it_opens(
    service: Service, scenario: Scenario
) -> None:
    s = scenario
    wid = await s.workplace(opened=False)
    oid = await s.offer(wid, await s.supervisor(wid))
    pid, _ = await s.participant()
    rid = await s.request(pid)
    await s.wait("PlacementWaitlisted", request_id=rid, reasons=["workplace_not_open"])
    assert not s.events("PlacementProposed", request_id=rid)
    async with http_client(service) as client:
        explained = await client.get(f"/matching/requests/{rid}/explanation",
                                     headers=bearer(service, s.m))
        assert explained.status_code == 200, explained.text
        [entry] = explained.json()["offers"]
        assert entry["reasons"] == ["workplace_not_open"]
    await s.open(wid)
    [proposed] = await s.wait("PlacementProposed", request_id=rid)
    assert proposed["data"]["offer_id"] == str(oid)


async def test_a_certificate_ending_mid_period_blocks(infra: Infra, service: Service,
                                                      scenario: Scenario) -> None:
    s = scenario
    wid = await s.workplace()
    sid = await s.supervisor(wid, certified=False)
    await s.certify(sid, wid, valid_until=date(2027, 3, 15))  # the period ends 2027-04-30
    await s.offer(wid, sid)
    pid, _ = await s.participant()
    rid = await s.request(pid)
    await s.wait("PlacementWaitlisted", request_id=rid,
                 reasons=["certificate_ends_before_period"])
    await s.certify(sid, wid, valid_until=date(2027, 4, 30))  # renewed: the whole period
    await s.wait("PlacementProposed", request_id=rid)
    engine = create_async_engine(infra.database_url("matching"))
    try:
        async with engine.connect() as conn:
            opened = (await conn.execute(select(orm.open_workplaces.c.workplace_id).where(
                orm.open_workplaces.c.municipality_code == s.m))).scalars().all()
        assert opened == [wid]
    finally:
        await engine.dispose()


async def test_closing_cancels_the_unstarted_placement_and_matches_again(
    service: Service, scenario: Scenario
) -> None:
    s = scenario
    w1, w2 = await s.workplace(), await s.workplace()
    await s.offer(w1, await s.supervisor(w1), occupation="5120")
    # Certified once the first proposal stands (another topic: see test_service).
    s2 = await s.supervisor(w2, certified=False)
    o2 = await s.offer(w2, s2, occupation="4112")
    pid, _ = await s.participant()
    rid = await s.request(pid, occupations=("5120",))
    [proposed] = await s.wait("PlacementProposed", request_id=rid)
    await s.certify(s2, w2)
    await s.close(w1, closed_on=date(2027, 1, 10))
    [cancelled] = await s.wait("PlacementCancelled", request_id=rid)
    assert cancelled["data"]["placement_id"] == proposed["data"]["placement_id"]
    assert cancelled["data"]["reason"] == "workplace_closed"
    assert cancelled["data"]["participant_id"] == str(pid)
    again = await s.wait("PlacementProposed", count=2, request_id=rid)
    assert again[1]["data"]["offer_id"] == str(o2)
