"""The participant's (and a guardian's) answer to an offer, and the consent as
registration states it: matching's handlers with the in-memory unit of work."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from uuid import UUID

import pytest

from services.matching import handlers
from services.matching.dependencies import Dependencies
from services.matching.domain import commands
from services.matching.domain.working_days import SWEDISH_TIME
from services.matching.tests.unit.fakes import FakeUnitOfWork
from services.matching.tests.unit.test_handlers import (
    M,
    link,
    offer,
    participant,
    proposed,
    requested,
    run,
    workplace_answers,
)
from shared.contracts.matching import (
    PlacementAccepted,
    PlacementConfirmed,
    PlacementDeclined,
    PlacementProposed,
    PlacementWaitlisted,
)
from shared.contracts.registration import GuardianConsentRecorded, MunicipalityProfileRecorded
from shared.errors import Conflict
from shared.links import BadLink

ANSWER_BY = datetime(2027, 1, 13, 23, 59, tzinfo=SWEDISH_TIME)
"""Three working days after the tests' Sunday 10 January 2027: Wednesday, end of day."""
MINOR = date(2010, 6, 1)


async def profile(uow: FakeUnitOfWork, guardian: bool = False) -> None:
    await run(uow, handlers.profile_recorded, MunicipalityProfileRecorded(
        municipality_code=M, name="Halmstads kommun", coordinator_name="Eva Ek",
        coordinator_email="eva.ek@halmstad.se", coordinator_phone="+46701234567",
        offer_answer_programs=["internship"], offer_answer_days=3,
        guardian_answers_offer=guardian))


async def answers(uow: FakeUnitOfWork, proposal: PlacementProposed, person: UUID,
                  accept: bool = True, reason: str | None = None,
                  deps: Dependencies | None = None) -> str:
    answer = commands.AnswerOffer(link("offer_answer", proposal.placement_id, person),
                                  accept, reason)
    if deps is None:
        placement = await run(uow, handlers.offer_answered, answer)
    else:
        placement = await run(uow, handlers.offer_answered, answer, deps)
    return str(placement.status)


def accepted(uow: FakeUnitOfWork) -> list[tuple[str, UUID | None, list[str]]]:
    return [(a.by, a.answered_by, a.waiting_for) for a in uow.of_type(PlacementAccepted)]


async def test_the_participant_answers_and_the_last_yes_confirms() -> None:
    uow = FakeUnitOfWork()
    await profile(uow)
    await offer(uow)
    pid, _ = await participant(uow)
    proposal = await proposed(uow, pid)
    assert (proposal.answer_by, proposal.guardian_answer) == (ANSWER_BY, False)
    assert uow.store.rules[M].programs == {"internship"}
    assert await answers(uow, proposal, pid) == "proposed"
    assert accepted(uow) == [("participant", pid, ["workplace"])]
    assert uow.of_type(PlacementConfirmed) == []
    with pytest.raises(Conflict, match="already_answered"):
        await answers(uow, proposal, pid)
    assert await workplace_answers(uow, proposal) == "confirmed"
    assert accepted(uow)[-1] == ("workplace", proposal.supervisor_id, [])
    [confirmed] = uow.of_type(PlacementConfirmed)
    assert confirmed.placement_id == proposal.placement_id


async def test_a_minor_s_guardian_answers_too_and_the_consent_counts_as_stated() -> None:
    uow = FakeUnitOfWork()
    await profile(uow, guardian=True)
    await offer(uow)
    pid, [g1, g2] = await participant(uow, born=MINOR, guardians=2)
    proposal = await proposed(uow, pid)
    assert (proposal.guardian_answer, proposal.consent_required) == (True, True)
    with pytest.raises(BadLink):  # someone who is not the participant's guardian
        await answers(uow, proposal, uuid.uuid4())
    assert await workplace_answers(uow, proposal) == "accepted"
    assert await answers(uow, proposal, pid) == "accepted"
    assert await answers(uow, proposal, g1) == "accepted"
    assert accepted(uow) == [
        ("workplace", proposal.supervisor_id, ["participant", "guardian", "consent"]),
        ("participant", pid, ["guardian", "consent"]),
        ("guardian", g1, ["consent"])]
    # Both guardians must consent in this municipality: registration says pending.
    await run(uow, handlers.consent_recorded, GuardianConsentRecorded(
        participant_id=pid, guardian_id=g1, program="internship", granted=True,
        municipality_code=M, consent="pending"))
    assert uow.of_type(PlacementConfirmed) == []
    await run(uow, handlers.consent_recorded, GuardianConsentRecorded(
        participant_id=pid, guardian_id=g2, program="internship", granted=True,
        municipality_code=M, consent="granted"))
    [confirmed] = uow.of_type(PlacementConfirmed)
    assert confirmed.placement_id == proposal.placement_id
    kept = uow.store.placements[proposal.placement_id]
    assert (kept.guardian_accepted_by, kept.participant_accepted_at) == (g1, kept.accepted_at)


async def test_a_refusal_stated_by_registration_declines_for_the_guardian() -> None:
    uow = FakeUnitOfWork()
    await offer(uow)
    pid, [g1, g2] = await participant(uow, born=MINOR, guardians=2)
    proposal = await proposed(uow, pid)
    await workplace_answers(uow, proposal)
    await run(uow, handlers.consent_recorded, GuardianConsentRecorded(
        participant_id=pid, guardian_id=g1, program="internship", granted=True,
        municipality_code=M, consent="pending"))
    assert uow.of_type(PlacementConfirmed) == [] and uow.of_type(PlacementDeclined) == []
    await run(uow, handlers.consent_recorded, GuardianConsentRecorded(
        participant_id=pid, guardian_id=g2, program="internship", granted=False,
        municipality_code=M, consent="refused"))
    [declined] = uow.of_type(PlacementDeclined)
    assert (declined.by, declined.reason, declined.participant_id) == (
        "guardian", "consent_refused", pid)
    assert uow.store.consent_states == {(pid, "internship"): "refused"}


async def _two_for_one_place(uow: FakeUnitOfWork) -> tuple[PlacementProposed, UUID, UUID]:
    """One place, two adults asking for it: the first is proposed, the second waits."""
    await profile(uow)
    await offer(uow)
    first, _ = await participant(uow)
    second, _ = await participant(uow)
    proposal = await proposed(uow, first)
    waiting = requested(second)
    await run(uow, handlers.placement_requested, waiting)
    [waitlisted] = uow.of_type(PlacementWaitlisted)
    assert (waitlisted.request_id, waitlisted.reasons) == (waiting.request_id, ["no_capacity"])
    return proposal, first, waiting.request_id


async def test_a_decline_gives_the_place_to_the_next_in_line() -> None:
    uow = FakeUnitOfWork()
    proposal, first, next_request = await _two_for_one_place(uow)
    assert await answers(uow, proposal, first, False, "Jag har fått ett annat jobb") == (
        "declined")
    [declined] = uow.of_type(PlacementDeclined)
    assert (declined.by, declined.reason, declined.participant_id) == (
        "participant", "Jag har fått ett annat jobb", first)
    again = uow.of_type(PlacementProposed)[-1]
    assert (again.request_id, again.offer_id) == (next_request, proposal.offer_id)
    assert again.answer_by is not None
    with pytest.raises(Conflict, match="placement_closed"):
        await answers(uow, proposal, first)


async def test_a_missed_answer_deadline_declines_and_moves_the_place_on() -> None:
    uow = FakeUnitOfWork()
    proposal, first, next_request = await _two_for_one_place(uow)
    await workplace_answers(uow, proposal)  # the workplace said yes; the participant not
    expire = commands.ExpireDeadlines(M)
    on_time = Dependencies(clock=lambda: ANSWER_BY - timedelta(minutes=1))
    assert await uow.store.overdue(on_time.clock()) == []
    assert await run(uow, handlers.expire_deadlines, expire, on_time) == 0
    late = Dependencies(clock=lambda: ANSWER_BY + timedelta(minutes=1))
    assert await uow.store.overdue(late.clock()) == [M]
    assert await run(uow, handlers.expire_deadlines, expire, late) == 1
    [declined] = uow.of_type(PlacementDeclined)
    assert (declined.placement_id, declined.by, declined.reason) == (
        proposal.placement_id, "participant", "answer_deadline_passed")
    again = uow.of_type(PlacementProposed)[-1]
    assert (again.request_id, again.offer_id) == (next_request, proposal.offer_id)
    with pytest.raises(Conflict, match="placement_closed"):
        await answers(uow, proposal, first, deps=late)
