"""Offers and requests: what comes to the market, and what leaves it."""

from __future__ import annotations

from datetime import datetime

from services.matching.dependencies import Dependencies
from services.matching.domain.placements import Offer, Request
from services.matching.domain.rounds import Preference
from services.matching.unit_of_work import MatchingUnitOfWork
from shared.contracts.envelope import CloudEvent
from shared.contracts.registration import (
    PlacementRequested,
    PlacementRequestWithdrawn,
    PlacementSlotsOffered,
    PlacementSlotsWithdrawn,
)


async def slots_offered(
    event: PlacementSlotsOffered, uow: MatchingUnitOfWork, deps: Dependencies
) -> None:
    book = await uow.books.book(event.municipality_code)
    book.add_offer(Offer(
        offer_id=event.offer_id, workplace_id=event.workplace_id,
        supervisor_id=event.supervisor_id, municipality_code=event.municipality_code,
        program=event.program, occupation=event.occupation, period_start=event.period_start,
        period_end=event.period_end, capacity=event.capacity, min_age=event.min_age,
        without_client_contact=event.without_client_contact, supports=frozenset(event.supports),
        variant=event.variant,
    ), deps.clock())
    await uow.save(book)


def _request(event: PlacementRequested, requested_at: datetime) -> Request:
    preferences: tuple[Preference, ...] = tuple(
        ("occupation", p.occupation) if p.occupation is not None
        else ("workplace", str(p.workplace_id))
        for p in event.preferences
    )
    return Request(
        request_id=event.request_id, participant_id=event.participant_id,
        municipality_code=event.municipality_code, program=event.program,
        period_start=event.period_start, period_end=event.period_end,
        preferences=preferences,
        needs=frozenset(event.needs), priority=event.priority, requested_at=requested_at,
        variant=event.variant, only_preferences=event.only_preferences,
    )


async def placement_requested(
    event: PlacementRequested, uow: MatchingUnitOfWork, deps: Dependencies
) -> None:
    if await uow.books.known_requests([event.request_id]):
        return  # the same request announced again: its outcome already stands
    book = await uow.books.book(event.municipality_code)
    await uow.books.ensure_participant(book, event.participant_id)
    book.add_request(_request(event, uow.cause.time if uow.cause is not None else deps.clock()))
    await uow.save(book)


async def placement_requested_many(
    items: list[tuple[CloudEvent, PlacementRequested]], uow: MatchingUnitOfWork,
    deps: Dependencies,
) -> None:
    """`placement_requested` for a run of new events, set-based: the same effects.

    Each municipality is locked and its Book loaded once (in the order the requests
    first name them, as message by message), missing participants are read in one
    query, every request is decided in order by the same domain code, its events are
    staged under its own envelope, and the changes of all Books are written at the
    end in a few bulk statements.
    """
    known = await uow.books.known_requests([data.request_id for _, data in items])
    fresh: list[tuple[CloudEvent, PlacementRequested]] = []
    for envelope, data in items:
        if data.request_id in known:
            continue  # announced before, or earlier in this run: its outcome stands
        known.add(data.request_id)
        fresh.append((envelope, data))
    books = await uow.books.books([data.municipality_code for _, data in fresh])
    await uow.books.ensure_participants(
        [(books[data.municipality_code], data.participant_id) for _, data in fresh])
    for envelope, data in fresh:
        book = books[data.municipality_code]
        book.add_request(_request(data, envelope.time))
        with uow.caused_by(envelope):
            uow.stage(book)
    await uow.save(*books.values())



async def request_withdrawn(
    event: PlacementRequestWithdrawn, uow: MatchingUnitOfWork, deps: Dependencies
) -> None:
    book = await uow.books.book(event.municipality_code)
    book.withdraw_request(event.request_id, deps.clock())
    await uow.save(book)


async def slots_withdrawn(
    event: PlacementSlotsWithdrawn, uow: MatchingUnitOfWork, deps: Dependencies
) -> None:
    book = await uow.books.book(event.municipality_code)
    book.withdraw_offer(event.offer_id, event.reason, deps.clock())
    await uow.save(book)
    await uow.books.withdrawn_offer(event.offer_id)
