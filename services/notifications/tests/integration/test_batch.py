"""The set-based handlers record exactly what the per-message handlers record.

The same Kafka records go through the shared consumer's `BatchProcessor` twice, on a
clean schema each time: once with the batch handlers (runs of two events of each routed
type, about two different worlds), once message by message. The notifications recorded
(cause, recipient, channel, template, context, ...) and the placements must be equal.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from devkit.infra import Infra
from services.notifications.bootstrap import build
from services.notifications.handlers import BATCH_HANDLERS
from services.notifications.tests.examples import World
from services.notifications.tests.integration.support import (
    clean_schema,
    outside_world,
    rows,
    settings,
)
from shared.contracts.base import EventData
from shared.contracts.envelope import CloudEvent, new_event
from shared.contracts.registry import encode, topic_of
from shared.kafka.consumer import BatchProcessor

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
NOTIFICATION_COLUMNS = ("cause_event_id, recipient_id, channel, template, context::text, "
                        "recipient_role, correlation_id, placement_id, about_participant_id, "
                        "municipality_code, not_before, status")


def _records(datas: list[EventData], events: list[Any]) -> list[Any]:
    return [SimpleNamespace(topic=topic_of(d), partition=0, offset=i,
                            key=(d.kafka_key(e.subject) or "").encode(), value=encode(e))
            for i, (d, e) in enumerate(zip(datas, events, strict=True))]


Batch = list[tuple[EventData, CloudEvent]]


def _enveloped(datas: list[EventData]) -> Batch:
    return [(d, new_event(d, source="urn:test", subject=str(uuid.uuid4()))) for d in datas]


async def _recorded(infra: Infra, db: str, tmp: Path, batch: bool,
                    *batches: Batch) -> dict[str, Any]:
    await clean_schema(db)
    async with outside_world(tmp) as (catcher, elks):
        service = build(settings(infra, db, catcher, elks, batch_handlers=batch),
                        clock=lambda: NOW)
        await service.migrate()
        try:
            for enveloped in batches:
                for subscription in service.subscriptions:
                    mine = [(d, e) for d, e in enveloped if topic_of(d) in subscription.topics]
                    if not mine:
                        continue
                    assert bool(subscription.batch_handlers) == (
                        batch and subscription.name in ("training", "matching"))
                    outcome = await BatchProcessor(
                        subscription, service.uow, service.tables.inbox,
                    ).process(_records([d for d, _ in mine], [e for _, e in mine]))
                    assert outcome.dead_lettered == 0
            notifications = sorted(tuple(map(str, r)) for r in await rows(
                service, f"select {NOTIFICATION_COLUMNS} from notifications.notifications"))
            placements = sorted(tuple(map(str, r)) for r in await rows(
                service, "select placement_id, status, request_id, participant_id, "
                         "workplace_id, supervisor_id, municipality_code, program "
                         "from notifications.placements"))
        finally:
            await service.engine.dispose()
            await service.producer.stop()  # never started; stopping it closes it quietly
    return {"notifications": notifications, "placements": placements}


async def test_batch_and_per_message_handlers_record_the_same(
        infra: Infra, db: str, tmp_path: Path) -> None:
    worlds = [World(), World(municipality="1280")]
    setup = [e for w in worlds for e in [*w.contacts(), *w.registration()]]
    # Runs of two events of each routed type, one about each world.
    routed = [e for pair in zip(*(w.routed() for w in worlds), strict=True) for e in pair]
    assert {type(e) for e in routed} >= set(BATCH_HANDLERS)
    batches = _enveloped(setup), _enveloped(routed)
    one_by_one = await _recorded(infra, db, tmp_path / "a", False, *batches)
    batched = await _recorded(infra, db, tmp_path / "b", True, *batches)
    assert len(one_by_one["notifications"]) >= 2 * 10
    assert len(one_by_one["placements"]) == 2
    assert batched == one_by_one
