"""Books kept between transactions: never stale, never half-changed.

A kept Book must be exactly what a fresh load reads; a write by another replica must
make the next transaction read the Book again; a rolled-back transaction must leave
nothing behind in the cache.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import fields
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from devkit.database import reset_schema
from devkit.infra import Infra
from devkit.services import service_settings
from services.matching import handlers
from services.matching.adapters import orm
from services.matching.adapters.book_cache import BookCache
from services.matching.adapters.loading import load_books
from services.matching.bootstrap import build
from services.matching.dependencies import Dependencies
from services.matching.domain.book import Book
from services.matching.domain.commands import DeclinePlacement
from services.matching.settings import MatchingSettings
from services.matching.tests.integration.test_batch import M1, M2, START, _facts, _records
from services.matching.unit_of_work import MatchingUnitOfWork
from shared.contracts import topics
from shared.contracts.base import EventData
from shared.contracts.envelope import new_event
from shared.contracts.registration import (
    ParticipantErased,
    ParticipantRegistered,
    PlacementRequested,
    PlacementSlotsOffered,
    PlacementSlotsWithdrawn,
    Preference,
)
from shared.kafka.consumer import BatchProcessor, Subscription
from shared.runtime import Service
from shared.wiring import bind_all

pytestmark = pytest.mark.infra

COMPARED = [f.name for f in fields(Book)
            if f.name not in ("events", "changed_requests", "changed_placements",
                              "changed_offers", "ended")]


@pytest.fixture
async def replicas(infra: Infra) -> AsyncIterator[tuple[Service, Service]]:
    """Two matching replicas (two caches) on one fresh schema."""
    first, second = (build(MatchingSettings(**service_settings(infra, "matching")))
                     for _ in range(2))
    await reset_schema(infra, "matching", first.migrations)
    yield first, second
    for service in (first, second):
        await service.engine.dispose()
        await service.producer.stop()  # never started; stopping it closes it quietly


async def _process(service: Service, datas: list[EventData]) -> None:
    subscription = Subscription(
        name="events", topics=[topics.REGISTRATION_EVENTS, topics.TRAINING_EVENTS],
        handlers=bind_all(handlers.EVENT_HANDLERS, Dependencies()),
        batch_handlers=bind_all(handlers.BATCH_HANDLERS, Dependencies()))
    events = [new_event(d, source="urn:test", subject=str(uuid.uuid4())) for d in datas]
    outcome = await BatchProcessor(subscription, service.uow, service.tables.inbox).process(
        _records(events, datas))
    assert outcome.dead_lettered == 0


def _cache(service: Service) -> BookCache:
    cache = service.state["book_cache"]
    assert isinstance(cache, BookCache)
    return cache


async def _fresh(service: Service, municipality: str) -> Book:
    """The Book as a replica without a cache reads it."""
    async with service.uow() as uow:
        assert isinstance(uow, MatchingUnitOfWork)
        return (await load_books(uow.session, [municipality], uow.deadlines, {}))[municipality]


async def _kept(service: Service, municipality: str) -> Book:
    async with service.uow() as uow:
        assert isinstance(uow, MatchingUnitOfWork)
        book = await uow.books.book(municipality)
        uow.books.forget()  # not put back: the test only looks
        return book


def _state(book: Book) -> dict[str, Any]:
    return {name: getattr(book, name) for name in COMPARED}


async def _placements(service: Service) -> list[Any]:
    async with service.engine.connect() as conn:
        return list(await conn.execute(select(orm.placements)))


async def test_a_kept_book_is_what_a_fresh_load_reads(
        replicas: tuple[Service, Service]) -> None:
    service, _ = replicas
    facts, requests = _facts()
    await _process(service, [*facts, *requests])
    # Decline one proposal (the request is re-examined), withdraw an offer (its
    # placements are cancelled), erase a participant: what leaves a Book must leave the
    # kept one too.
    [declined, *_] = [p for p in await _placements(service) if p.municipality_code == M1]
    await service.state["bus"].handle(DeclinePlacement(declined.placement_id, "workplace",
                                                       "no_fit"))
    withdrawn = next(f for f in facts if isinstance(f, PlacementSlotsOffered)
                     and f.municipality_code == M2)
    erased = next(r for r in requests if r.municipality_code == M1
                  and r.request_id != declined.request_id)
    await _process(service, [
        PlacementSlotsWithdrawn(offer_id=withdrawn.offer_id,
                                municipality_code=M2, reason="closed"),
        ParticipantErased(participant_id=erased.participant_id, municipality_code=M1),
    ])
    assert len(_cache(service)) == 2
    for municipality in (M1, M2):
        kept = _state(await _kept(service, municipality))
        fresh = _state(await _fresh(service, municipality))
        for name in COMPARED:
            assert kept[name] == fresh[name], (municipality, name)
    assert (await _kept(service, M1)).requests, "the scenario leaves open requests"


async def test_a_write_by_another_replica_makes_the_next_transaction_read_again(
        replicas: tuple[Service, Service]) -> None:
    first, second = replicas
    facts, _ = _facts()
    await _process(first, facts)  # the first replica now keeps both Books
    assert len(_cache(first)) == 2
    participants = [f for f in facts if isinstance(f, ParticipantRegistered)
                    and f.municipality_code == M2]

    def request(participant: Any) -> PlacementRequested:
        return PlacementRequested(
            request_id=uuid.uuid4(), participant_id=participant.participant_id,
            municipality_code=M2, program="internship", period_start=START,
            period_end=date(2027, 4, 30), preferences=[Preference(occupation="5120")])

    # M2 has one place. The second replica fills it; the first, whose kept Book still
    # shows it free, must read the Book again and waitlist its request.
    await _process(second, [request(participants[0])])
    await _process(first, [request(participants[1])])
    async with first.engine.connect() as conn:
        rows = list(await conn.execute(select(orm.requests.c.status, orm.requests.c.reasons)
                                       .where(orm.requests.c.municipality_code == M2)))
    assert sorted((r.status, tuple(r.reasons)) for r in rows) == [
        ("placed", ()), ("waitlisted", ("no_capacity",))]
    assert [p.status for p in await _placements(first)] == ["proposed"]


async def test_a_rolled_back_transaction_leaves_nothing_in_the_cache(
        replicas: tuple[Service, Service]) -> None:
    service, _ = replicas
    facts, requests = _facts()
    await _process(service, facts)
    held_before = {o.offer_id: o.held for o in (await _fresh(service, M1)).offers.values()}
    async with service.uow() as uow:
        assert isinstance(uow, MatchingUnitOfWork)
        await handlers.placement_requested(requests[0], uow, Dependencies())  # no commit
        assert (await uow.books.book(M1)).placements
    assert M1 not in _cache(service)._kept
    book = await _kept(service, M1)
    assert not book.placements and not book.requests
    assert {o.offer_id: o.held for o in book.offers.values()} == held_before
