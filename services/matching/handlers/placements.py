"""Commands on placements: rounds, the answers by link, a coordinator's decline,
extension, outcome and follow-up, and the deadlines job (expiries and reminders)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from uuid import UUID

from services.matching.dependencies import Dependencies
from services.matching.domain import commands
from services.matching.domain.answers import Party
from services.matching.domain.book import Book, RoundSummary
from services.matching.domain.errors import DomainError, InvalidTransition, UnknownPlacement
from services.matching.domain.feasibility import is_round_program
from services.matching.domain.placements import Placement
from services.matching.domain.rounds import SEED_BITS
from services.matching.unit_of_work import MatchingUnitOfWork
from shared.errors import Conflict, NotFound, Rejected
from shared.links import BadLink, Link


@contextmanager
def _answer_conflicts() -> Iterator[None]:
    """An answer to a placement that has closed, or is not awaited: 409 with the code."""
    try:
        yield
    except UnknownPlacement as error:
        raise Conflict("placement_closed") from error
    except InvalidTransition as error:
        raise Conflict(error.code) from error


@contextmanager
def _coordinator_conflicts() -> Iterator[None]:
    """A coordinator's change to a placement that the rules refuse: 409 saying why."""
    try:
        yield
    except UnknownPlacement as error:
        raise Conflict("the placement is no longer open") from error
    except DomainError as error:
        raise Conflict(str(error)) from error


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
    pending = await uow.books.take_seed(cmd.municipality_code, cmd.program)
    seed = next(s for s in (cmd.seed, pending, secrets.randbits(SEED_BITS)) if s is not None)
    summary = book.run_round(cmd.program, seed, now)
    await uow.save(book)
    await uow.books.save_round(summary, now)
    return summary


async def draw_round_seed(cmd: commands.DrawRoundSeed, uow: MatchingUnitOfWork,
                          deps: Dependencies) -> int:
    if not is_round_program(cmd.program):
        raise Rejected.field("program", "rounds are for prao and summer_job; "
                             "other programmes are matched continuously")
    return await uow.books.next_seed(cmd.municipality_code, cmd.program,
                                     secrets.randbits(SEED_BITS), deps.clock())


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
    with _answer_conflicts():
        if cmd.accept:
            placement = book.accept(stored.placement_id, deps.clock(), cmd.link.recipient)
        else:
            placement = book.placements.get(stored.placement_id, stored)
            book.decline(stored.placement_id, "workplace", cmd.reason or "other",
                         deps.clock())
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
    with _answer_conflicts():
        placement = book.answer_offer(stored.placement_id, by, cmd.link.recipient,
                                      cmd.accept, cmd.reason, deps.clock())
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
    with _coordinator_conflicts():
        book.decline(cmd.placement_id, cmd.by, cmd.reason, deps.clock(), cmd.end_request)
    await uow.save(book)


async def accept_for_party(
    cmd: commands.AcceptForParty, uow: MatchingUnitOfWork, deps: Dependencies
) -> Placement:
    """A party's yes recorded by a coordinator: the same rules as the party's link (not
    past its deadline, only what is asked of it), and the event says who recorded it."""
    book = await _placement_book(uow, cmd.placement_id)
    now = deps.clock()
    with _coordinator_conflicts():
        if cmd.by == "workplace":
            placement = book.accept(cmd.placement_id, now, recorded_by="coordinator")
        else:
            stored = book.placements.get(cmd.placement_id)
            person = stored.participant_id if stored is not None else None
            if cmd.by == "guardian":
                participant = (await uow.books.participant(person)
                               if person is not None else None)
                if participant is None or cmd.guardian_id not in participant.guardian_ids:
                    raise Rejected.field("guardian_id", "not a guardian of the participant")
                person = cmd.guardian_id
            if person is None:
                raise Conflict("the placement is no longer open")
            party: Party = "guardian" if cmd.by == "guardian" else "participant"
            placement = book.answer_offer(cmd.placement_id, party, person, True, None, now,
                                          recorded_by="coordinator")
    await uow.save(book)
    return placement


async def complete_placement(
    cmd: commands.CompletePlacement, uow: MatchingUnitOfWork, deps: Dependencies
) -> None:
    book = await _placement_book(uow, cmd.placement_id)
    with _coordinator_conflicts():
        book.complete(cmd.placement_id, cmd.outcome, deps.clock(), cmd.ended_on, cmd.reason)
    await uow.save(book)


async def follow_up_placement(
    cmd: commands.FollowUpPlacement, uow: MatchingUnitOfWork, deps: Dependencies
) -> Placement:
    """The six-month follow-up: read under the Book's lock, so it is recorded once."""
    book = await _placement_book(uow, cmd.placement_id)
    stored = await uow.books.stored_placement(cmd.placement_id)
    if stored is None:
        raise NotFound(f"no placement {cmd.placement_id}")
    try:
        placement = book.follow_up(stored, cmd.outcome, deps.clock())
    except InvalidTransition as error:
        raise Conflict(error.code) from error
    await uow.save(book)
    return placement


async def extend_deadline(
    cmd: commands.ExtendDeadline, uow: MatchingUnitOfWork, deps: Dependencies
) -> Placement:
    book = await _placement_book(uow, cmd.placement_id)
    with _answer_conflicts():
        placement = book.extend_deadline(cmd.placement_id, cmd.awaiting, cmd.deadline,
                                         deps.clock())
    await uow.save(book)
    return placement


async def expire_deadlines(
    cmd: commands.ExpireDeadlines, uow: MatchingUnitOfWork, deps: Dependencies
) -> int:
    book = await uow.books.book(cmd.municipality_code)
    count = book.expire_deadlines(deps.clock())
    await uow.save(book)
    return count


async def remind_of_deadlines(
    cmd: commands.RemindOfDeadlines, uow: MatchingUnitOfWork, deps: Dependencies
) -> int:
    """Under the Book's lock, with what was reminded saved in the same transaction as
    the reminders' events: replicas never send one twice."""
    book = await uow.books.book(cmd.municipality_code)
    count = book.remind(deps.clock())
    await uow.save(book)
    return count
