"""Every placement is kept by its own id: after a decline the request is proposed
another placement, and the links of the first still find it (its facts, a used link's
`link_used`, an unused consent link's `placement_closed`), while the coordinator's view
of the request shows the latest. With in-memory fakes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from services.registration.domain import commands
from services.registration.handlers import NEWS_HANDLERS
from services.registration.tests.unit.fakes import FakeUnitOfWork
from services.registration.tests.unit.test_handlers import DEPS, HALMSTAD, TODAY, handle, kid
from shared.contracts.base import EventData
from shared.contracts.matching import (
    PlacementCancelled,
    PlacementCompleted,
    PlacementDeclined,
    PlacementProposed,
    PlacementWaitlisted,
)
from shared.errors import Conflict
from shared.links import BadLink, Link


async def _hear(uow: FakeUnitOfWork, event: EventData) -> None:
    """Matching's news, through the handler registration's consumer calls."""
    await NEWS_HANDLERS[type(event)](event, uow, DEPS)


def _link(placement_id: uuid.UUID, guardian_id: uuid.UUID) -> Link:
    return Link("consent", placement_id, guardian_id, HALMSTAD,
                datetime.now(UTC) + timedelta(days=1), uuid.uuid4().hex)


async def _requested(uow: FakeUnitOfWork) -> tuple[uuid.UUID, uuid.UUID]:
    pid = await handle(uow, kid())
    start = TODAY + timedelta(days=30)
    request_id = await handle(uow, commands.RequestPlacement(
        municipality_code=HALMSTAD, program="prao", period_start=start,
        period_end=start + timedelta(days=4), participant_id=pid))
    return pid, request_id


async def _proposed(uow: FakeUnitOfWork, pid: uuid.UUID,
                    request_id: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID]:
    placement_id, offer_id = uuid.uuid4(), uuid.uuid4()
    request = uow.requests.items[request_id]
    await _hear(uow, PlacementProposed(
        placement_id=placement_id, request_id=request_id, participant_id=pid,
        offer_id=offer_id, workplace_id=uuid.uuid4(), supervisor_id=uuid.uuid4(),
        municipality_code=HALMSTAD, program="prao", period_start=request.period_start,
        period_end=request.period_end))
    return placement_id, offer_id


async def test_a_declined_placement_is_kept_beside_the_requests_next() -> None:
    uow = FakeUnitOfWork()
    pid, request_id = await _requested(uow)
    vera, gustav = uow.participants.links[pid]
    first, first_offer = await _proposed(uow, pid, request_id)
    used = _link(first, gustav)
    assert await handle(uow, commands.AnswerConsentLink(used, True)) == "granted"
    await _hear(uow, PlacementDeclined(
        placement_id=first, request_id=request_id, by="workplace", reason="no_capacity",
        municipality_code=HALMSTAD))
    second, _ = await _proposed(uow, pid, request_id)

    assert uow.news.latest[request_id]["placement_id"] == second
    old = uow.requests.placements[first]
    assert old.status == "declined" and old.closed and old.offer_id == first_offer
    assert old.participant_id == pid and old.request_id == request_id
    assert uow.requests.placements[second].status == "proposed"
    committed, tokens = len(uow.committed), set(uow.links.tokens)

    with pytest.raises(BadLink) as again:
        await handle(uow, commands.AnswerConsentLink(used, False))
    assert again.value.problem == "link_used"
    with pytest.raises(Conflict) as closed:
        await handle(uow, commands.AnswerConsentLink(_link(first, vera), False, "Nej"))
    assert str(closed.value) == "placement_closed"
    assert len(uow.committed) == committed and uow.links.tokens == tokens
    assert uow.published == []
    assert uow.participants.consents == {(pid, gustav, "prao"): True}

    assert await handle(uow, commands.AnswerConsentLink(_link(second, vera), False)) \
        == "granted"  # either: Gustav's yes for the programme stands
    assert uow.published[-1].data["placement_id"] == str(second)


async def test_a_cancelled_placement_is_closed_and_a_completed_one_is_not() -> None:
    uow = FakeUnitOfWork()
    pid, request_id = await _requested(uow)
    vera, _ = uow.participants.links[pid]
    cancelled, _ = await _proposed(uow, pid, request_id)
    await _hear(uow, PlacementCancelled(
        placement_id=cancelled, request_id=request_id, reason="offer withdrawn"))
    with pytest.raises(Conflict):
        await handle(uow, commands.AnswerConsentLink(_link(cancelled, vera), True))
    done, _ = await _proposed(uow, pid, request_id)
    await _hear(uow, PlacementCompleted(placement_id=done, outcome="studies"))
    assert uow.requests.placements[done].status == "completed"
    assert not uow.requests.placements[done].closed
    assert uow.requests.placements[cancelled].status == "cancelled"


async def test_waitlisting_names_no_placement_and_news_of_strangers_add_none() -> None:
    uow = FakeUnitOfWork()
    pid, request_id = await _requested(uow)
    await _hear(uow, PlacementWaitlisted(
        request_id=request_id, participant_id=pid, municipality_code=HALMSTAD,
        program="prao", reasons=["no_offer"]))
    assert uow.news.latest[request_id]["status"] == "waitlisted"
    assert uow.requests.placements == {}
    request = uow.requests.items[request_id]
    await _hear(uow, PlacementProposed(  # of a request registration does not hold
        placement_id=uuid.uuid4(), request_id=uuid.uuid4(), participant_id=pid,
        offer_id=uuid.uuid4(), workplace_id=uuid.uuid4(), supervisor_id=uuid.uuid4(),
        municipality_code=HALMSTAD, program="prao", period_start=request.period_start,
        period_end=request.period_end))
    assert uow.requests.placements == {}
