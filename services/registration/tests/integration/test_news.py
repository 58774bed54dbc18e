"""What registration learns from training and matching shows in its reads: a request's
placement (with the waitlist reasons), a supervisor's certificate, an opened workplace."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select

from devkit.infra import Infra
from devkit.publisher import Publisher
from devkit.services import http_client
from devkit.wait import eventually
from services.registration.adapters import orm
from services.registration.tests import support
from services.registration.tests.support import HALMSTAD
from shared.contracts import topics
from shared.contracts.base import EventData
from shared.contracts.envelope import new_event
from shared.contracts.matching import (
    PlacementCompleted,
    PlacementConfirmed,
    PlacementDeclined,
    PlacementProposed,
    PlacementWaitlisted,
)
from shared.contracts.registry import encode
from shared.contracts.training import (
    SupervisorCertificationExpired,
    SupervisorCertified,
    WorkplaceOpened,
)
from shared.kafka.consumer import BatchProcessor
from shared.runtime import Service

pytestmark = pytest.mark.infra

HAL = support.token(HALMSTAD)


async def _until(read: Callable[[], Awaitable[dict[str, Any]]],
                 holds: Callable[[dict[str, Any]], bool], timeout_s: float = 30) -> None:
    async def held() -> bool:
        return holds(await read())

    await eventually(held, timeout_s, "the read to show it")


async def _ending_within(client: Any, workplace_id: uuid.UUID, supervisor_id: uuid.UUID,
                         valid_until: date) -> None:
    """The supervisors whose certificate ends within a window (the start page's)."""
    ending = {"certified_from": date.today().isoformat(),
              "certified_to": valid_until.isoformat(), "workplace_id": str(workplace_id)}
    soon = await client.get("/supervisors", params=ending, headers=HAL)
    assert [x["supervisor_id"] for x in soon.json()["items"]] == [str(supervisor_id)]
    later = await client.get("/supervisors", headers=HAL, params={
        **ending, "certified_to": (valid_until - timedelta(days=1)).isoformat()})
    assert later.json()["total"] == 0  # it ends after the window
    half = await client.get("/supervisors", headers=HAL, params={
        "certified_to": valid_until.isoformat()})
    assert half.status_code == 422 and half.json()["detail"][0]["field"] == "certified_to"


async def test_reads_show_placement_certificate_and_opening(infra: Infra,
                                                            service: Service) -> None:
    async with http_client(service) as client, Publisher(infra.kafka_bootstrap) as publisher:
        made = await support.registered_set(client)
        request_id = uuid.UUID(made["request"]["request_id"])
        workplace_id = uuid.UUID(made["workplace"]["workplace_id"])
        supervisor_id = uuid.UUID(made["supervisor"]["supervisor_id"])
        offer = made["offer"]
        assert made["request"]["placement"] is None
        assert made["supervisor"]["certified_until"] is None
        assert made["workplace"]["opened"] is False

        async def read(path: str) -> dict[str, Any]:
            answer = await client.get(path, headers=HAL)
            assert answer.status_code == 200, answer.text
            body: dict[str, Any] = answer.json()
            return body

        async def request() -> dict[str, Any]:
            return await read(f"/requests/{request_id}")

        valid_until = date.today() + timedelta(days=3 * 365)
        await publisher.send_data(topics.TRAINING_EVENTS, SupervisorCertified(
            supervisor_id=supervisor_id, workplace_id=workplace_id,
            municipality_code=HALMSTAD, certified_at=date.today(), valid_until=valid_until))
        await publisher.send_data(topics.TRAINING_EVENTS, WorkplaceOpened(
            workplace_id=workplace_id, municipality_code=HALMSTAD))
        await _until(lambda: read(f"/supervisors/{supervisor_id}"),
                     lambda s: s["certified_until"] == valid_until.isoformat())
        await _until(lambda: read(f"/workplaces/{workplace_id}"), lambda w: w["opened"])
        await _ending_within(client, workplace_id, supervisor_id, valid_until)

        await publisher.send_data(topics.MATCHING_EVENTS, PlacementWaitlisted(
            request_id=request_id, participant_id=made["participant"]["participant_id"],
            municipality_code=HALMSTAD, program="prao",
            reasons=["no_certified_supervisor", "consent"]))
        await _until(request, lambda r: r["placement"] is not None)
        waiting = (await request())["placement"]
        assert waiting["status"] == "waitlisted"
        assert waiting["reasons"] == ["no_certified_supervisor", "consent"]

        placement_id = uuid.uuid4()
        placed: dict[str, Any] = dict(
            placement_id=placement_id, request_id=request_id,
            participant_id=made["participant"]["participant_id"], offer_id=offer["offer_id"],
            workplace_id=workplace_id, supervisor_id=supervisor_id,
            municipality_code=HALMSTAD, program="prao", period_start=offer["period_start"],
            period_end=offer["period_end"])
        await publisher.send_data(topics.MATCHING_EVENTS, PlacementProposed(**placed))
        await publisher.send_data(topics.MATCHING_EVENTS, PlacementConfirmed(**placed))
        await _until(request, lambda r: r["placement"]["status"] == "confirmed")
        confirmed = (await request())["placement"]
        assert confirmed["placement_id"] == str(placement_id)
        assert confirmed["offer_id"] == offer["offer_id"] and confirmed["reasons"] == []

        await publisher.send_data(topics.MATCHING_EVENTS, PlacementCompleted(
            placement_id=placement_id, outcome="studies", municipality_code=HALMSTAD))
        await publisher.send_data(topics.TRAINING_EVENTS, SupervisorCertificationExpired(
            supervisor_id=supervisor_id, workplace_id=workplace_id,
            municipality_code=HALMSTAD, expired_at=valid_until))
        await _until(request, lambda r: r["placement"]["status"] == "completed")
        assert (await request())["placement"]["reasons"] == ["studies"]
        await _until(lambda: read(f"/supervisors/{supervisor_id}"),
                     lambda s: s["certified_until"] is None)


async def test_a_run_of_news_is_applied_in_order(infra: Infra, service: Service) -> None:
    """Through the set-based path: within a run of one type the last news about a request
    wins, and runs of different types follow each other in order."""
    [news] = [s for s in service.subscriptions if s.name == "news"]
    assert PlacementWaitlisted in news.batch_handlers
    processor = BatchProcessor(news, service.uow, service.tables.inbox)

    async def process(*datas: EventData) -> None:
        events = [new_event(d, source="urn:test", subject=str(uuid.uuid4())) for d in datas]
        outcome = await processor.process([
            SimpleNamespace(topic=topics.MATCHING_EVENTS, partition=0, offset=i,
                            key=HALMSTAD.encode(), value=encode(e))
            for i, e in enumerate(events)])
        assert outcome.handled == len(datas) and outcome.dead_lettered == 0

    async with http_client(service) as client:
        made = await support.registered_set(client)
        request_id = made["request"]["request_id"]
        ids: dict[str, Any] = dict(
            request_id=request_id, participant_id=made["participant"]["participant_id"],
            municipality_code=HALMSTAD, program="prao")

        async def placement() -> dict[str, Any]:
            answer = await client.get(f"/requests/{request_id}", headers=HAL)
            assert answer.status_code == 200, answer.text
            return answer.json()["placement"]

        await process(PlacementWaitlisted(**ids, reasons=["no_capacity"]),
                      PlacementWaitlisted(**ids, reasons=["consent"]))
        assert (await placement())["reasons"] == ["consent"]
        offer = made["offer"]
        placed: dict[str, Any] = dict(
            **ids, offer_id=offer["offer_id"],
            workplace_id=made["workplace"]["workplace_id"],
            supervisor_id=made["supervisor"]["supervisor_id"],
            period_start=offer["period_start"], period_end=offer["period_end"])
        first, second = uuid.uuid4(), uuid.uuid4()
        await process(PlacementProposed(**placed, placement_id=first),
                      PlacementDeclined(placement_id=first, request_id=request_id,
                                        by="workplace", reason="no_fit",
                                        municipality_code=HALMSTAD),
                      PlacementProposed(**placed, placement_id=second))
        now = await placement()
        assert now["status"] == "proposed" and now["placement_id"] == str(second)
        # Every placement is kept by its own id, also within one run of a type.
        third = uuid.uuid4()
        await process(PlacementProposed(**placed, placement_id=third),
                      PlacementDeclined(placement_id=second, request_id=request_id,
                                        by="participant", reason="changed_mind",
                                        municipality_code=HALMSTAD),
                      PlacementDeclined(placement_id=third, request_id=request_id,
                                        by="workplace", reason="no_fit",
                                        municipality_code=HALMSTAD))
        t = orm.placements
        async with service.session_factory() as session:
            kept = {row.placement_id: row for row in await session.execute(
                select(t).where(t.c.request_id == uuid.UUID(request_id)))}
        assert {k: (r.status, str(r.offer_id)) for k, r in kept.items()} == {
            p: ("declined", offer["offer_id"]) for p in (first, second, third)}
        assert {str(r.participant_id) for r in kept.values()} == {ids["participant_id"]}
