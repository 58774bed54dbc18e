"""The set-based `PlacementRequested` handler has exactly the per-message handler's effects.

The same Kafka records (same envelopes) go through the shared consumer's
`BatchProcessor` twice, on a fresh schema each time: once with the batch handler,
once message by message. The outbox (events, keys, causes) and the tables must be
the same, up to the random placement ids.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import date
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select

from devkit.database import reset_schema
from devkit.infra import Infra
from devkit.services import service_settings
from services.matching import handlers
from services.matching.adapters import orm
from services.matching.bootstrap import build
from services.matching.dependencies import Dependencies
from services.matching.settings import MatchingSettings
from shared.contracts import topics
from shared.contracts.base import EventData
from shared.contracts.envelope import CloudEvent, new_event
from shared.contracts.registration import (
    ParticipantRegistered,
    PlacementRequested,
    PlacementSlotsOffered,
    Preference,
    SupervisorRegistered,
    WorkplaceRegistered,
)
from shared.contracts.registry import encode, topic_of
from shared.contracts.training import SupervisorCertified, WorkplaceOpened
from shared.kafka.consumer import BatchProcessor, Subscription
from shared.wiring import bind_all

pytestmark = pytest.mark.infra

M1, M2 = "1480", "0180"
START, END = date(2027, 3, 1), date(2027, 5, 31)


def _facts() -> tuple[list[EventData], list[PlacementRequested]]:
    """Two municipalities: 3 places for 3 requests in M1; 1 place for 2 requests in M2
    (one is waitlisted: no capacity); one request is announced twice."""
    facts: list[EventData] = []
    participants: dict[str, list[uuid.UUID]] = {}
    for code, offers in ((M1, [("5120", 2), ("4112", 1)]), (M2, [("5120", 1)])):
        for occupation, capacity in offers:
            wid, sid = uuid.uuid4(), uuid.uuid4()
            facts += [
                WorkplaceRegistered(workplace_id=wid, org_number="212000-1355", name="W",
                                    sector="municipal", municipality_code=code,
                                    manager_id=uuid.uuid4(), client_contact=False),
                SupervisorRegistered(supervisor_id=sid, workplace_id=wid, municipality_code=code,
                                     languages=["sv"], max_participants=2),
                SupervisorCertified(supervisor_id=sid, workplace_id=wid, municipality_code=code,
                                    certified_at=date(2026, 1, 1), valid_until=date(2029, 1, 1)),
                WorkplaceOpened(workplace_id=wid, municipality_code=code),
                PlacementSlotsOffered(offer_id=uuid.uuid4(), workplace_id=wid, supervisor_id=sid,
                                      municipality_code=code, program="internship",
                                      occupation=occupation, period_start=START,
                                      period_end=END, capacity=capacity),
            ]
        for _ in range(3 if code == M1 else 2):
            pid = uuid.uuid4()
            participants.setdefault(code, []).append(pid)
            facts.append(ParticipantRegistered(
                participant_id=pid, municipality_code=code, birth_date=date(1990, 1, 1),
                gender="female", preferred_language="sv"))
    requests = [
        PlacementRequested(request_id=uuid.uuid4(), participant_id=pid, municipality_code=code,
                           program="internship", period_start=START, period_end=date(2027, 4, 30),
                           preferences=[Preference(occupation="4112")])
        for pids in zip(participants[M1], participants[M2] + [None], strict=True)
        for code, pid in zip((M1, M2), pids, strict=True) if pid is not None
    ]
    requests.append(requests[1])  # announced again (a new event, the same request)
    return facts, requests


def _records(events: list[CloudEvent], datas: list[EventData]) -> list[Any]:
    return [
        SimpleNamespace(topic=topic_of(data), partition=0, offset=i,
                        key=(data.kafka_key(event.subject) or "").encode(), value=encode(event))
        for i, (event, data) in enumerate(zip(events, datas, strict=True))
    ]


async def _run(infra: Infra, batch: bool, facts: list[CloudEvent], fact_data: list[EventData],
               requests: list[CloudEvent], request_data: list[EventData]) -> dict[str, Any]:
    service = build(MatchingSettings(**service_settings(infra, "matching")))
    await reset_schema(infra, "matching", service.migrations)
    calls: list[int] = []

    def counting(handler: Callable[..., Any]) -> Callable[..., Any]:
        async def wrapped(items: list[Any], uow: Any) -> None:
            calls.append(len(items))
            await handler(items, uow)
        return wrapped

    batch_handlers = {kind: counting(h) for kind, h in
                      bind_all(handlers.BATCH_HANDLERS, Dependencies()).items()}
    subscription = Subscription(
        name="events", topics=[topics.REGISTRATION_EVENTS, topics.TRAINING_EVENTS],
        handlers=bind_all(handlers.EVENT_HANDLERS, Dependencies()),
        batch_handlers=batch_handlers if batch else {})
    processor = BatchProcessor(subscription, service.uow, service.tables.inbox)
    try:
        await processor.process(_records(facts, fact_data))
        async with service.engine.connect() as conn:
            mark = max([r[0] for r in await conn.execute(select(service.tables.outbox.c.id))],
                       default=0)
        outcome = await processor.process(_records(requests, request_data))
        assert outcome.handled == len(requests) and outcome.dead_lettered == 0
        assert calls == ([len(requests)] if batch else []), calls
        async with service.engine.connect() as conn:
            outbox = list(await conn.execute(
                select(service.tables.outbox).where(service.tables.outbox.c.id > mark)
                .order_by(service.tables.outbox.c.id)))
            placements = list(await conn.execute(select(orm.placements)))
            requests_rows = list(await conn.execute(select(orm.requests)))
            offers = list(await conn.execute(select(orm.offers)))
            inbox = list(await conn.execute(select(service.tables.inbox)))
    finally:
        await service.engine.dispose()
        await service.producer.stop()  # never started; stopping it closes it quietly
    by_placement = {str(p.placement_id): str(p.request_id) for p in placements}
    published = []
    for row in outbox:
        event = json.loads(row.value)
        data = dict(event["data"])
        if "placement_id" in data:
            data["placement_id"] = "placement of " + by_placement[data["placement_id"]]
        published.append((row.topic, row.key, event["type"], event.get("causationid"),
                          event.get("correlationid"), data))
    return {
        "published": published,
        "placements": sorted(
            tuple(sorted((k, str(v)) for k, v in p._mapping.items() if k != "placement_id"))
            for p in placements),
        "requests": sorted(tuple(sorted((k, str(v)) for k, v in r._mapping.items()))
                           for r in requests_rows),
        "offers": sorted((str(o.offer_id), o.held) for o in offers),
        "inbox": len(inbox),
    }


async def test_batch_and_per_message_paths_have_the_same_effects(infra: Infra) -> None:
    fact_data, request_data = _facts()
    facts = [new_event(d, source="urn:test", subject=str(uuid.uuid4())) for d in fact_data]
    requests = [new_event(d, source="urn:test", subject=str(d.request_id))
                for d in request_data]
    one_by_one = await _run(infra, False, facts, fact_data, requests, list(request_data))
    batched = await _run(infra, True, facts, fact_data, requests, list(request_data))
    kinds = [p[2] for p in one_by_one["published"]]
    assert kinds.count("PlacementProposed") == 4 and kinds.count("PlacementWaitlisted") == 1
    [waitlisted] = [p[5] for p in one_by_one["published"] if p[2] == "PlacementWaitlisted"]
    assert waitlisted["municipality_code"] == M2 and waitlisted["reasons"] == ["no_capacity"]
    assert {p[5]["municipality_code"] for p in one_by_one["published"]} == {M1, M2}
    for part in ("published", "placements", "requests", "offers", "inbox"):
        assert batched[part] == one_by_one[part], part
