"""The matching service's behaviour on one page: an event or command, a unit of work.

Every handler is `handler(message, uow, deps)` (`shared.wiring`). Every handler that
may place someone loads the municipality's Book (which locks the municipality for the
transaction), lets the domain decide, and saves the Book (its rows and its events,
through the outbox).
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from services.matching.dependencies import Dependencies
from services.matching.domain import commands
from services.matching.domain.answers import OfferRules, Party
from services.matching.domain.book import Book, RoundSummary
from services.matching.domain.errors import DomainError, InvalidTransition, UnknownPlacement
from services.matching.domain.feasibility import is_round_program
from services.matching.domain.parties import Certificate, Participant, Supervisor, Workplace
from services.matching.domain.placements import Offer, Placement, Request
from services.matching.domain.rounds import Preference
from services.matching.unit_of_work import MatchingUnitOfWork
from shared.contracts.base import EventData
from shared.contracts.envelope import CloudEvent
from shared.contracts.registration import (
    GuardianConsentRecorded,
    MunicipalityProfileRecorded,
    ParticipantErased,
    ParticipantRegistered,
    PlacementRequested,
    PlacementRequestWithdrawn,
    PlacementSlotsOffered,
    PlacementSlotsWithdrawn,
    SupervisorRegistered,
    WorkplaceRegistered,
)
from shared.contracts.training import SupervisorCertificationExpired, SupervisorCertified
from shared.errors import Conflict, NotFound, Rejected
from shared.links import BadLink, Link
from shared.wiring import Handler

# -- events: registration.events.v1 -------------------------------------------------


async def participant_registered(
    event: ParticipantRegistered, uow: MatchingUnitOfWork, deps: Dependencies
) -> None:
    participant = Participant(
        event.participant_id, event.municipality_code, event.birth_date, event.gender,
        event.preferred_language, frozenset(event.needs), tuple(event.guardian_ids))
    await uow.books.save_participant(participant)
    books = await _books_holding(uow, event.municipality_code, participant.participant_id)
    for book in books:
        book.participants[participant.participant_id] = participant
        book.reexamine(deps.clock(), participant_id=participant.participant_id)
    await uow.save(*books)


async def _books_holding(uow: MatchingUnitOfWork, municipality_code: str,
                         participant_id: UUID) -> list[Book]:
    """The municipality's Book and any other where the participant has an open request
    (registration keeps a request in its participant's municipality; this is the guard
    that keeps every Book's copy of the person current if that ever changes)."""
    others = await uow.books.municipalities_in_play(participant_id)
    books = await uow.books.books([municipality_code, *sorted(others)])
    return list(books.values())


async def workplace_registered(
    event: WorkplaceRegistered, uow: MatchingUnitOfWork, deps: Dependencies
) -> None:
    workplace = Workplace(event.workplace_id, event.municipality_code, event.sector,
                          event.client_contact, event.min_age)
    await uow.books.save_workplace(workplace)
    book = await uow.books.book(event.municipality_code)
    book.workplaces[workplace.workplace_id] = workplace
    book.reexamine(deps.clock())
    await uow.save(book)


async def supervisor_registered(
    event: SupervisorRegistered, uow: MatchingUnitOfWork, deps: Dependencies
) -> None:
    supervisor = Supervisor(event.supervisor_id, event.workplace_id, event.municipality_code,
                            frozenset(event.languages), event.max_participants)
    await uow.books.save_supervisor(supervisor)
    book = await uow.books.book(event.municipality_code)
    book.supervisors[supervisor.supervisor_id] = supervisor
    book.reexamine(deps.clock())
    await uow.save(book)


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


async def consent_recorded(
    event: GuardianConsentRecorded, uow: MatchingUnitOfWork, deps: Dependencies
) -> None:
    await uow.books.save_consent(event.participant_id, event.guardian_id, event.program,
                                 event.granted, event.consent)
    municipality = event.municipality_code
    if municipality is None:
        participant = await uow.books.participant(event.participant_id)
        if participant is None:
            return  # kept; it counts once the participant is known
        municipality = participant.municipality_code
    books = await _books_holding(uow, municipality, event.participant_id)
    for book in books:
        if await uow.books.ensure_participant(book, event.participant_id):
            book.record_consent(event.participant_id, event.guardian_id, event.program,
                                event.granted, deps.clock(), event.consent)
    await uow.save(*books)


async def profile_recorded(
    event: MunicipalityProfileRecorded, uow: MatchingUnitOfWork, deps: Dependencies
) -> None:
    """The municipality's rules for answers, for the proposals made from now on."""
    book = await uow.books.book(event.municipality_code)
    book.rules = OfferRules(event.municipality_code, frozenset(event.offer_answer_programs),
                            event.offer_answer_days, event.guardian_answers_offer)
    await uow.books.save_rules(book.rules)
    await uow.save(book)


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


async def participant_erased(
    event: ParticipantErased, uow: MatchingUnitOfWork, deps: Dependencies
) -> None:
    books = await _books_holding(uow, event.municipality_code, event.participant_id)
    for book in books:
        book.erase(event.participant_id, deps.clock())
    await uow.save(*books)
    await uow.books.erase_participant(event.participant_id)


# -- events: training.events.v1 -----------------------------------------------------


async def supervisor_certified(
    event: SupervisorCertified, uow: MatchingUnitOfWork, deps: Dependencies
) -> None:
    certificate = Certificate(event.supervisor_id, event.valid_until, expired=False)
    await uow.books.save_certificate(certificate, event.municipality_code)
    book = await uow.books.book(event.municipality_code)
    book.certify(certificate, deps.clock())
    await uow.save(book)


async def certification_expired(
    event: SupervisorCertificationExpired, uow: MatchingUnitOfWork, deps: Dependencies
) -> None:
    book = await uow.books.book(event.municipality_code)
    certificate = book.certificates.get(event.supervisor_id) or Certificate(
        event.supervisor_id, event.expired_at)
    certificate.expired = True
    book.certificates[event.supervisor_id] = certificate
    await uow.books.save_certificate(certificate, event.municipality_code)
    book.expire_certificate(event.supervisor_id, event.expired_at, deps.clock())
    await uow.save(book)


BATCH_HANDLERS: dict[type[EventData], Handler[Dependencies]] = {
    PlacementRequested: placement_requested_many,
}
"""Set-based twins of EVENT_HANDLERS (see shared.kafka.consumer.Subscription)."""

EVENT_HANDLERS: dict[type[EventData], Handler[Dependencies]] = {
    ParticipantRegistered: participant_registered,
    WorkplaceRegistered: workplace_registered,
    SupervisorRegistered: supervisor_registered,
    PlacementSlotsOffered: slots_offered,
    PlacementRequested: placement_requested,
    GuardianConsentRecorded: consent_recorded,
    MunicipalityProfileRecorded: profile_recorded,
    PlacementRequestWithdrawn: request_withdrawn,
    PlacementSlotsWithdrawn: slots_withdrawn,
    ParticipantErased: participant_erased,
    SupervisorCertified: supervisor_certified,
    SupervisorCertificationExpired: certification_expired,
}


# -- commands (HTTP, jobs) --------------------------------------------------------------


async def run_round(
    cmd: commands.RunRound, uow: MatchingUnitOfWork, deps: Dependencies
) -> RoundSummary | None:
    if not is_round_program(cmd.program):
        raise Rejected.field("program", "rounds are for prao and summer_job; "
                             "other programmes are matched continuously")
    now = deps.clock()
    book = await uow.books.book(cmd.municipality_code)
    if cmd.unless_ran_since is not None and await uow.books.round_ran_since(
            cmd.municipality_code, cmd.program, cmd.unless_ran_since):
        return None  # a scheduled round another replica has already run
    summary = book.run_round(cmd.program, cmd.seed, now)
    await uow.save(book)
    await uow.books.save_round(summary, now)
    return summary


async def _placement_book(uow: MatchingUnitOfWork, placement_id: UUID) -> Book:
    municipality = await uow.books.placement_municipality(placement_id)
    if municipality is None:
        raise NotFound(f"no placement {placement_id}")
    return await uow.books.book(municipality)


async def _linked_placement(uow: MatchingUnitOfWork, link: Link) -> Placement:
    """The placement a link names; `link_invalid` when it names none."""
    placement = await uow.books.stored_placement(link.subject)
    if placement is None:
        raise BadLink("link_invalid", link.municipality_code)
    return placement


async def workplace_answered(
    cmd: commands.AnswerAsWorkplace, uow: MatchingUnitOfWork, deps: Dependencies
) -> Placement:
    """The supervisor accepts or declines by link: the link is used once, in this unit."""
    stored = await _linked_placement(uow, cmd.link)
    if cmd.link.recipient != stored.supervisor_id:
        raise BadLink("link_invalid", cmd.link.municipality_code)
    await uow.used_links.claim(cmd.link)
    book = await uow.books.book(stored.municipality_code)
    try:
        if cmd.accept:
            placement = book.accept(stored.placement_id, deps.clock(), cmd.link.recipient)
        else:
            placement = book.placements.get(stored.placement_id, stored)
            book.decline(stored.placement_id, "workplace", cmd.reason or "other",
                         deps.clock())
    except UnknownPlacement as error:
        raise Conflict("placement_closed") from error
    except InvalidTransition as error:
        raise Conflict(error.code) from error
    await uow.save(book)
    return placement


async def offer_answered(
    cmd: commands.AnswerOffer, uow: MatchingUnitOfWork, deps: Dependencies
) -> Placement:
    """The participant (or a guardian, where asked) accepts or declines by link."""
    stored = await _linked_placement(uow, cmd.link)
    by = await _offer_party(uow, stored, cmd.link)
    await uow.used_links.claim(cmd.link)
    book = await uow.books.book(stored.municipality_code)
    try:
        placement = book.answer_offer(stored.placement_id, by, cmd.link.recipient,
                                      cmd.accept, cmd.reason, deps.clock())
    except UnknownPlacement as error:
        raise Conflict("placement_closed") from error
    except InvalidTransition as error:
        raise Conflict(error.code) from error
    await uow.save(book)
    return placement


async def _offer_party(uow: MatchingUnitOfWork, placement: Placement, link: Link) -> Party:
    """Who answers by this link: the participant, or a guardian where one is asked."""
    if link.recipient == placement.participant_id:
        return "participant"
    participant = (await uow.books.participant(placement.participant_id)
                   if placement.participant_id is not None else None)
    if placement.guardian_answer and participant is not None and (
            link.recipient in participant.guardian_ids):
        return "guardian"
    raise BadLink("link_invalid", link.municipality_code)


async def decline_placement(
    cmd: commands.DeclinePlacement, uow: MatchingUnitOfWork, deps: Dependencies
) -> None:
    book = await _placement_book(uow, cmd.placement_id)
    try:
        book.decline(cmd.placement_id, cmd.by, cmd.reason, deps.clock(), cmd.end_request)
    except UnknownPlacement as error:
        raise Conflict("the placement is no longer open") from error
    except DomainError as error:
        raise Conflict(str(error)) from error
    await uow.save(book)


async def complete_placement(
    cmd: commands.CompletePlacement, uow: MatchingUnitOfWork, deps: Dependencies
) -> None:
    book = await _placement_book(uow, cmd.placement_id)
    try:
        book.complete(cmd.placement_id, cmd.outcome, deps.clock())
    except UnknownPlacement as error:
        raise Conflict("the placement is no longer open") from error
    except DomainError as error:
        raise Conflict(str(error)) from error
    await uow.save(book)


async def expire_deadlines(
    cmd: commands.ExpireDeadlines, uow: MatchingUnitOfWork, deps: Dependencies
) -> int:
    book = await uow.books.book(cmd.municipality_code)
    count = book.expire_deadlines(deps.clock())
    await uow.save(book)
    return count


COMMAND_HANDLERS: dict[type, Handler[Dependencies]] = {
    commands.RunRound: run_round,
    commands.AnswerAsWorkplace: workplace_answered,
    commands.AnswerOffer: offer_answered,
    commands.DeclinePlacement: decline_placement,
    commands.CompletePlacement: complete_placement,
    commands.ExpireDeadlines: expire_deadlines,
}
