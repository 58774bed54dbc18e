"""The people and workplaces matching learns of from registration and training:
participants, workplaces, supervisors, consent, the municipality's rules, erasure,
certificates, open workplaces and what supervisors are trained for. Each change
re-examines the Book it concerns."""

from __future__ import annotations

from uuid import UUID

from services.matching.dependencies import Dependencies
from services.matching.domain import openness
from services.matching.domain.answers import OfferRules
from services.matching.domain.book import Book
from services.matching.domain.parties import Certificate, Participant, Supervisor, Workplace
from services.matching.unit_of_work import MatchingUnitOfWork
from shared.contracts.registration import (
    GuardianConsentRecorded,
    MunicipalityProfileRecorded,
    ParticipantErased,
    ParticipantRegistered,
    PersonErased,
    SupervisorLeft,
    SupervisorRegistered,
    WorkplaceRegistered,
)
from shared.contracts.training import (
    SupervisorCertificationExpired,
    SupervisorCertified,
    SupervisorSupportsRecorded,
    WorkplaceClosed,
    WorkplaceOpened,
)


async def participant_registered(
    event: ParticipantRegistered, uow: MatchingUnitOfWork, deps: Dependencies
) -> None:
    participant = Participant(
        event.participant_id, event.municipality_code, event.birth_date, event.gender,
        event.preferred_language, frozenset(event.needs), tuple(event.guardian_ids))
    await uow.books.save_participant(participant)
    books = await books_holding(uow, event.municipality_code, participant.participant_id)
    for book in books:
        book.participants[participant.participant_id] = participant
        book.reexamine(deps.clock(), participant_id=participant.participant_id)
    await uow.save(*books)


async def books_holding(uow: MatchingUnitOfWork, municipality_code: str,
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
    books = await books_holding(uow, municipality, event.participant_id)
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
    said = event.model_fields_set  # an older sender's profile says nothing of these
    book.rules = OfferRules(
        event.municipality_code, frozenset(event.offer_answer_programs),
        event.offer_answer_days, event.guardian_answers_offer,
        workplace_days=(event.workplace_answer_days if "workplace_answer_days" in said
                        else None),
        consent_days=event.consent_days if "consent_days" in said else None)
    await uow.books.save_rules(book.rules)
    await uow.save(book)



async def participant_erased(
    event: ParticipantErased, uow: MatchingUnitOfWork, deps: Dependencies
) -> None:
    books = await books_holding(uow, event.municipality_code, event.participant_id)
    await uow.books.keep_statistics(event.participant_id)
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


async def workplace_opened(
    event: WorkplaceOpened, uow: MatchingUnitOfWork, deps: Dependencies
) -> None:
    """Its manager attended the breakfast meeting and a supervisor is certified: the
    workplace takes participants, and the waiting requests are assessed again."""
    now = deps.clock()
    await uow.parties.open_workplace(event.workplace_id, event.municipality_code, now)
    book = await uow.books.book(event.municipality_code)
    openness.open_workplace(book, event.workplace_id, now)
    await uow.save(book)


async def workplace_closed(
    event: WorkplaceClosed, uow: MatchingUnitOfWork, deps: Dependencies
) -> None:
    """No new placements there; those not started are cancelled (`workplace_closed`)."""
    await uow.parties.close_workplace(event.workplace_id)
    book = await uow.books.book(event.municipality_code)
    openness.close_workplace(book, event.workplace_id, event.closed_on, deps.clock())
    await uow.save(book)


async def supervisor_supports_recorded(
    event: SupervisorSupportsRecorded, uow: MatchingUnitOfWork, deps: Dependencies
) -> None:
    """What the supervisor's deep dives train them for adds to what their offers support."""
    await uow.parties.save_supervisor_supports(event.supervisor_id, event.municipality_code,
                                               event.supports)
    book = await uow.books.book(event.municipality_code)
    openness.record_training(book, event.supervisor_id, event.supports, deps.clock())
    await uow.save(book)


# -- events: registration.events.v1 (people who leave) ---------------------------------


async def supervisor_left(
    event: SupervisorLeft, uow: MatchingUnitOfWork, deps: Dependencies
) -> None:
    await uow.parties.supervisor_left(event.supervisor_id)
    book = await uow.books.book(event.municipality_code)
    openness.supervisor_left(book, event.supervisor_id, deps.clock())
    await uow.save(book)


async def person_erased(
    event: PersonErased, uow: MatchingUnitOfWork, deps: Dependencies
) -> None:
    """A supervisor's data goes (their placements not started are cancelled), a
    guardian leaves their children's records; of a manager matching holds nothing."""
    if event.role == "supervisor":
        book = await uow.books.book(event.municipality_code)
        openness.supervisor_left(book, event.person_id, deps.clock(), erased=True)
        await uow.save(book)
        await uow.parties.erase_supervisor(event.person_id)
    elif event.role == "guardian":
        in_play: set[str] = set()
        for participant_id in event.participant_ids:
            in_play |= await uow.books.municipalities_in_play(participant_id)
        books = await uow.books.books([event.municipality_code, *sorted(in_play)])
        for book in books.values():
            openness.erase_guardian(book, event.person_id)
        await uow.save(*books.values())
        await uow.parties.erase_guardian(event.person_id)

