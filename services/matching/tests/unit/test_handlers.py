"""Matching's handlers with the in-memory unit of work: what each publishes and keeps."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from services.matching import handlers
from services.matching.dependencies import Dependencies
from services.matching.domain import commands
from services.matching.tests.unit.fakes import SIGNER, FakeUnitOfWork
from shared.contracts.base import EventData
from shared.contracts.envelope import new_event
from shared.contracts.matching import (
    MatchingRoundCompleted,
    PlacementAccepted,
    PlacementCancelled,
    PlacementCompleted,
    PlacementConfirmed,
    PlacementDeclined,
    PlacementProposed,
    PlacementWaitlisted,
)
from shared.contracts.registration import (
    GuardianConsentRecorded,
    ParticipantErased,
    ParticipantRegistered,
    PlacementRequested,
    PlacementRequestWithdrawn,
    PlacementSlotsOffered,
    PlacementSlotsWithdrawn,
    Preference,
    SupervisorRegistered,
    WorkplaceRegistered,
)
from shared.contracts.training import (
    SupervisorCertificationExpired,
    SupervisorCertified,
    WorkplaceOpened,
)
from shared.errors import Conflict, Rejected
from shared.links import BadLink, Link, Purpose

NOW = datetime(2027, 1, 10, 9, 0, tzinfo=UTC)
M, OTHER = "1380", "0180"
START, END = date(2027, 3, 1), date(2027, 4, 30)
DEPS = Dependencies(clock=lambda: NOW)


async def run(uow: FakeUnitOfWork, handler: Any, message: Any,
              deps: Dependencies = DEPS) -> Any:
    async with uow:
        result = await handler(message, uow, deps)
        await uow.commit()
    return result


async def workplace(uow: FakeUnitOfWork, m: str = M, opened: bool = True) -> UUID:
    wid = uuid.uuid4()
    await run(uow, handlers.workplace_registered, WorkplaceRegistered(
        workplace_id=wid, org_number="212000-1355", name="Stadsbiblioteket",
        sector="municipal", municipality_code=m, manager_id=uuid.uuid4(),
        client_contact=False))
    if opened:  # its manager attended the breakfast meeting (training opens it)
        await run(uow, handlers.workplace_opened, WorkplaceOpened(
            workplace_id=wid, municipality_code=m))
    return wid


async def supervisor(uow: FakeUnitOfWork, wid: UUID, m: str = M, max_participants: int = 2,
                     certified: bool = True) -> UUID:
    sid = uuid.uuid4()
    await run(uow, handlers.supervisor_registered, SupervisorRegistered(
        supervisor_id=sid, workplace_id=wid, municipality_code=m, languages=["sv"],
        max_participants=max_participants))
    if certified:
        await run(uow, handlers.supervisor_certified, SupervisorCertified(
            supervisor_id=sid, workplace_id=wid, municipality_code=m,
            certified_at=date(2026, 1, 1), valid_until=date(2029, 1, 1)))
    return sid


async def offer(uow: FakeUnitOfWork, m: str = M, program: str = "internship",
                occupation: str = "5120", capacity: int = 1, start: date = START,
                end: date = END, certified: bool = True) -> tuple[UUID, UUID]:
    """An offer at a new workplace with a supervisor: (offer, supervisor)."""
    wid = await workplace(uow, m)
    sid = await supervisor(uow, wid, m, certified=certified)
    oid = uuid.uuid4()
    await run(uow, handlers.slots_offered, PlacementSlotsOffered(
        offer_id=oid, workplace_id=wid, supervisor_id=sid, municipality_code=m,
        program=program, occupation=occupation, period_start=start, period_end=end,
        capacity=capacity))
    return oid, sid


async def participant(uow: FakeUnitOfWork, m: str = M, born: date = date(1990, 1, 1),
                      guardians: int = 0) -> tuple[UUID, list[UUID]]:
    pid, guardian_ids = uuid.uuid4(), [uuid.uuid4() for _ in range(guardians)]
    await run(uow, handlers.participant_registered, ParticipantRegistered(
        participant_id=pid, municipality_code=m, birth_date=born, gender="female",
        preferred_language="sv", guardian_ids=guardian_ids))
    return pid, guardian_ids


def requested(pid: UUID, m: str = M, program: str = "internship", occupation: str = "5120",
              start: date = START, end: date = END, priority: int = 0) -> PlacementRequested:
    return PlacementRequested(
        request_id=uuid.uuid4(), participant_id=pid, municipality_code=m, program=program,
        period_start=start, period_end=end, preferences=[Preference(occupation=occupation)],
        priority=priority)


def link(purpose: Purpose, placement_id: UUID, recipient: UUID) -> Link:
    """A link as notifications signs it (valid for a week: the tests' clock is fixed)."""
    token = SIGNER.sign(purpose, placement_id, recipient, datetime.now(UTC) + timedelta(days=7),
                        municipality_code=M)
    return SIGNER.read(token, purpose)


async def workplace_answers(uow: FakeUnitOfWork, proposal: PlacementProposed,
                            accept: bool = True, reason: str | None = None,
                            deps: Dependencies = DEPS, by: UUID | None = None) -> str:
    """The supervisor answers by a fresh link; the placement's status after."""
    answer = commands.AnswerAsWorkplace(
        link("workplace_answer", proposal.placement_id, by or proposal.supervisor_id),
        accept, reason)
    placement = await run(uow, handlers.workplace_answered, answer, deps)
    return str(placement.status)


async def proposed(uow: FakeUnitOfWork, pid: UUID, **kw: Any) -> PlacementProposed:
    """Request a placement for `pid`; the proposal it gets."""
    event = requested(pid, **kw)
    await run(uow, handlers.placement_requested, event)
    [proposal] = [p for p in uow.of_type(PlacementProposed) if p.request_id == event.request_id]
    return proposal


async def test_a_request_is_proposed_the_offer_with_a_link_and_a_deadline() -> None:
    uow = FakeUnitOfWork()
    oid, sid = await offer(uow)
    pid, _ = await participant(uow)
    proposal = await proposed(uow, pid)
    assert (proposal.offer_id, proposal.supervisor_id, proposal.preference_rank) == (oid, sid, 1)
    assert proposal.accept_by == NOW + timedelta(hours=72)
    assert proposal.consent_required is False
    assert (proposal.answer_by, proposal.guardian_answer) == (None, False)
    assert uow.published[-1].data["acceptance_url"] is None  # notifications signs links
    assert uow.store.kept[M].offers[oid].held == 1
    assert uow.store.placements[proposal.placement_id].status == "proposed"


async def test_a_request_waits_for_a_certified_supervisor() -> None:
    uow = FakeUnitOfWork()
    oid, sid = await offer(uow, certified=False)
    pid, _ = await participant(uow)
    event = requested(pid)
    await run(uow, handlers.placement_requested, event)
    [waiting] = uow.of_type(PlacementWaitlisted)
    assert waiting.reasons == ["no_certified_supervisor"]
    await run(uow, handlers.supervisor_certified, SupervisorCertified(
        supervisor_id=sid, workplace_id=uow.store.supervisors[sid].workplace_id,
        municipality_code=M, certified_at=date(2026, 1, 1), valid_until=date(2029, 1, 1)))
    assert uow.store.certificates[sid][0].valid_until == date(2029, 1, 1)
    [proposal] = uow.of_type(PlacementProposed)
    assert (proposal.request_id, proposal.offer_id) == (event.request_id, oid)


async def test_the_same_request_announced_again_changes_nothing() -> None:
    uow = FakeUnitOfWork()
    await offer(uow, capacity=2)
    pid, _ = await participant(uow)
    event = requested(pid)
    await run(uow, handlers.placement_requested, event)
    before = list(uow.events)
    await run(uow, handlers.placement_requested, event)
    assert uow.events == before and len(uow.of_type(PlacementProposed)) == 1


async def test_a_request_before_its_participant_waits_then_is_placed() -> None:
    uow = FakeUnitOfWork()
    await offer(uow)
    pid = uuid.uuid4()
    event = requested(pid)
    await run(uow, handlers.placement_requested, event)
    [waiting] = uow.of_type(PlacementWaitlisted)
    assert waiting.reasons == ["participant_unknown"]
    await run(uow, handlers.participant_registered, ParticipantRegistered(
        participant_id=pid, municipality_code=M, birth_date=date(1990, 1, 1),
        gender="female", preferred_language="sv"))
    [proposal] = uow.of_type(PlacementProposed)
    assert proposal.request_id == event.request_id


def _said(event: EventData, requests: list[PlacementRequested]) -> tuple[str, int, object]:
    """What an event said, its request named by its place in `requests`."""
    data = event.model_dump()
    ids = [r.request_id for r in requests]
    return type(event).__name__, ids.index(data["request_id"]), data.get("reasons")


async def test_the_batch_handler_has_the_per_message_effects_each_under_its_cause() -> None:
    results = []
    for batch in (False, True):
        uow = FakeUnitOfWork()
        for m in (M, OTHER):
            await offer(uow, m)
        events = [requested((await participant(uow, m))[0], m) for m in (M, OTHER, M)]
        events.append(events[0])  # announced again
        envelopes = [new_event(e, source="urn:test") for e in events]
        mark = len(uow.events)
        if batch:
            await run(uow, handlers.placement_requested_many, list(zip(envelopes, events,
                                                                       strict=True)))
        else:
            for envelope, event in zip(envelopes, events, strict=True):
                async with uow:
                    with uow.caused_by(envelope):
                        await handlers.placement_requested(event, uow, DEPS)
                    await uow.commit()
        results.append([_said(e, events) for e in uow.events[mark:]])
        if batch:
            causes = [p.causationid for p in uow.published]
            assert causes == [envelopes[0].id, envelopes[1].id, envelopes[2].id]
    assert results[0] == results[1]
    assert results[0] == [("PlacementProposed", 0, None), ("PlacementProposed", 1, None),
                          ("PlacementWaitlisted", 2, ["no_capacity"])]


async def test_accepting_by_link_confirms_an_adult_once() -> None:
    uow = FakeUnitOfWork()
    await offer(uow)
    pid, _ = await participant(uow)
    proposal = await proposed(uow, pid)
    answer = commands.AnswerAsWorkplace(
        link("workplace_answer", proposal.placement_id, proposal.supervisor_id), True)
    placement = await run(uow, handlers.workplace_answered, answer)
    assert placement.status == "confirmed"
    [accepted] = uow.of_type(PlacementAccepted)
    assert (accepted.by, accepted.answered_by, accepted.waiting_for) == (
        "workplace", proposal.supervisor_id, [])
    assert accepted.participant_id == pid
    [confirmed] = uow.of_type(PlacementConfirmed)
    assert (confirmed.placement_id, confirmed.request_id) == (proposal.placement_id,
                                                              proposal.request_id)
    with pytest.raises(BadLink) as used:
        await run(uow, handlers.workplace_answered, answer)
    assert used.value.problem == "link_used"
    with pytest.raises(Conflict, match="not_proposed"):
        await workplace_answers(uow, proposal)
    assert len(uow.of_type(PlacementConfirmed)) == 1


async def test_a_link_for_someone_else_or_nothing_is_invalid_and_not_used_up() -> None:
    uow = FakeUnitOfWork()
    await offer(uow)
    pid, _ = await participant(uow)
    proposal = await proposed(uow, pid)
    for answer in (
        commands.AnswerAsWorkplace(link("workplace_answer", proposal.placement_id, pid), True),
        commands.AnswerAsWorkplace(link("workplace_answer", uuid.uuid4(),
                                        proposal.supervisor_id), True),
        commands.AnswerOffer(link("offer_answer", proposal.placement_id, uuid.uuid4()), True),
    ):
        with pytest.raises(BadLink) as refused:
            await run(uow, handlers.workplace_answered if isinstance(
                answer, commands.AnswerAsWorkplace) else handlers.offer_answered, answer)
        assert refused.value.problem == "link_invalid"
    with pytest.raises(Conflict, match="not_asked"):  # no answer is asked of the participant
        await run(uow, handlers.offer_answered, commands.AnswerOffer(
            link("offer_answer", proposal.placement_id, pid), True))
    assert uow.links.kept == set()
    assert uow.store.placements[proposal.placement_id].status == "proposed"
    assert uow.of_type(PlacementAccepted) == []


async def test_a_minor_is_confirmed_once_the_guardian_consents() -> None:
    uow = FakeUnitOfWork()
    await offer(uow)
    pid, [guardian] = await participant(uow, born=date(2010, 6, 1), guardians=1)
    proposal = await proposed(uow, pid)
    assert proposal.consent_required is True
    assert await workplace_answers(uow, proposal) == "accepted"
    assert uow.of_type(PlacementConfirmed) == []
    [accepted] = uow.of_type(PlacementAccepted)
    assert accepted.waiting_for == ["consent"]
    await run(uow, handlers.consent_recorded, GuardianConsentRecorded(
        participant_id=pid, guardian_id=guardian, program="internship", granted=True))
    [confirmed] = uow.of_type(PlacementConfirmed)
    assert confirmed.placement_id == proposal.placement_id
    assert uow.store.consents == {(pid, guardian, "internship"): True}


async def test_a_consent_for_someone_unknown_is_kept_for_later() -> None:
    uow = FakeUnitOfWork()
    pid, guardian = uuid.uuid4(), uuid.uuid4()
    await run(uow, handlers.consent_recorded, GuardianConsentRecorded(
        participant_id=pid, guardian_id=guardian, program="prao", granted=False))
    assert uow.store.consents == {(pid, guardian, "prao"): False}
    assert uow.events == [] and uow.store.kept == {}


async def test_a_workplace_decline_frees_the_place_for_the_next_offer() -> None:
    uow = FakeUnitOfWork()
    first, _ = await offer(uow)
    pid, _ = await participant(uow)
    proposal = await proposed(uow, pid)
    assert proposal.offer_id == first
    second, _ = await offer(uow, occupation="4112")
    assert await workplace_answers(uow, proposal, False, "supervisor_unavailable") == "declined"
    [declined] = uow.of_type(PlacementDeclined)
    assert (declined.by, declined.reason, declined.participant_id) == (
        "workplace", "supervisor_unavailable", pid)
    assert uow.store.placements[proposal.placement_id].declined_by == "workplace"
    again = uow.of_type(PlacementProposed)[-1]
    assert (again.request_id, again.offer_id, again.preference_rank) == (
        proposal.request_id, second, None)
    assert uow.store.kept[M].offers[first].held == 0


async def test_completing_needs_a_confirmed_placement() -> None:
    uow = FakeUnitOfWork()
    await offer(uow)
    pid, _ = await participant(uow)
    proposal = await proposed(uow, pid)
    complete = commands.CompletePlacement(proposal.placement_id, "employed")
    with pytest.raises(Conflict):
        await run(uow, handlers.complete_placement, complete)
    await workplace_answers(uow, proposal)
    after_it = Dependencies(clock=lambda: datetime(2027, 5, 3, 9, 0, tzinfo=UTC))  # past END
    await run(uow, handlers.complete_placement, complete, after_it)
    [completed] = uow.of_type(PlacementCompleted)
    assert (completed.placement_id, completed.outcome) == (proposal.placement_id, "employed")
    assert uow.store.placements[proposal.placement_id].status == "completed"


async def test_a_proposal_past_its_deadline_counts_as_declined() -> None:
    uow = FakeUnitOfWork()
    await offer(uow)
    pid, _ = await participant(uow)
    proposal = await proposed(uow, pid)
    expire = commands.ExpireDeadlines(M)
    assert await run(uow, handlers.expire_deadlines, expire) == 0
    later = Dependencies(clock=lambda: NOW + timedelta(hours=73))
    assert await uow.store.overdue(later.clock()) == [M]
    assert await run(uow, handlers.expire_deadlines, expire, later) == 1
    [declined] = uow.of_type(PlacementDeclined)
    assert (declined.placement_id, declined.reason) == (proposal.placement_id,
                                                        "acceptance_deadline_passed")
    assert await uow.store.overdue(later.clock()) == []


async def test_withdrawing_a_request_cancels_its_placement() -> None:
    uow = FakeUnitOfWork()
    oid, _ = await offer(uow)
    pid, _ = await participant(uow)
    proposal = await proposed(uow, pid)
    await run(uow, handlers.request_withdrawn, PlacementRequestWithdrawn(
        request_id=proposal.request_id, participant_id=pid, municipality_code=M,
        reason="moved"))
    [cancelled] = uow.of_type(PlacementCancelled)
    assert (cancelled.placement_id, cancelled.reason) == (proposal.placement_id,
                                                          "request_withdrawn")
    assert cancelled.participant_id == pid
    assert uow.store.requests[proposal.request_id].status == "withdrawn"
    assert proposal.request_id not in uow.store.kept[M].requests
    assert uow.store.kept[M].offers[oid].held == 0


async def test_withdrawn_slots_cancel_and_the_request_waits_again() -> None:
    uow = FakeUnitOfWork()
    oid, _ = await offer(uow)
    pid, _ = await participant(uow)
    proposal = await proposed(uow, pid)
    await run(uow, handlers.slots_withdrawn, PlacementSlotsWithdrawn(
        offer_id=oid, municipality_code=M, reason="closed"))
    [cancelled] = uow.of_type(PlacementCancelled)
    assert cancelled.reason == "offer_withdrawn: closed"
    assert uow.store.withdrawn == {oid}
    [waiting] = uow.of_type(PlacementWaitlisted)
    assert (waiting.request_id, waiting.reasons) == (proposal.request_id, ["program"])


async def test_an_erased_participant_is_forgotten_and_the_place_freed() -> None:
    uow = FakeUnitOfWork()
    oid, _ = await offer(uow)
    pid, _ = await participant(uow)
    proposal = await proposed(uow, pid)
    await run(uow, handlers.participant_erased, ParticipantErased(participant_id=pid,
                                                                  municipality_code=M))
    [cancelled] = uow.of_type(PlacementCancelled)
    assert (cancelled.placement_id, cancelled.reason) == (proposal.placement_id,
                                                          "participant_erased")
    assert pid not in uow.store.participants and pid not in uow.store.kept[M].participants
    assert uow.store.requests[proposal.request_id].status == "erased"
    assert uow.store.kept[M].offers[oid].held == 0


async def test_an_expired_certificate_cancels_a_later_placement_and_reopens_it() -> None:
    uow = FakeUnitOfWork()
    _, sid = await offer(uow)
    pid, _ = await participant(uow)
    proposal = await proposed(uow, pid)
    await run(uow, handlers.certification_expired, SupervisorCertificationExpired(
        supervisor_id=sid, workplace_id=proposal.workplace_id, municipality_code=M,
        expired_at=date(2027, 1, 15)))
    [cancelled] = uow.of_type(PlacementCancelled)
    assert (cancelled.placement_id, cancelled.reason) == (proposal.placement_id,
                                                          "certificate_expired")
    certificate, municipality = uow.store.certificates[sid]
    assert certificate.expired and municipality == M
    [waiting] = uow.of_type(PlacementWaitlisted)
    assert waiting.reasons == ["declined", "no_certified_supervisor"]


async def test_a_round_places_by_priority_and_a_scheduled_one_runs_once() -> None:
    uow = FakeUnitOfWork()
    start, end = date(2027, 4, 5), date(2027, 4, 9)
    await offer(uow, program="prao", capacity=1, start=start, end=end)
    pids = [(await participant(uow, born=date(2012, 3, 3)))[0] for _ in range(2)]
    events = [requested(pid, program="prao", start=start, end=end, priority=priority)
              for pid, priority in zip(pids, (0, 5), strict=True)]
    for event in events:
        await run(uow, handlers.placement_requested, event)
    assert [w.reasons for w in uow.of_type(PlacementWaitlisted)] == [["awaiting_round"]] * 2
    since = NOW - timedelta(hours=1)
    summary = await run(uow, handlers.run_round,
                        commands.RunRound(M, "prao", 77, unless_ran_since=since))
    assert (summary.placed, summary.waitlisted, summary.seed) == (1, 1, 77)
    [done] = uow.of_type(MatchingRoundCompleted)
    assert (done.round_id, done.requests, done.placed) == (summary.round_id, 2, 1)
    [proposal] = uow.of_type(PlacementProposed)
    assert (proposal.request_id, proposal.round_id) == (events[1].request_id, summary.round_id)
    assert [(s.round_id, at) for s, at in uow.store.rounds] == [(summary.round_id, NOW)]
    again = commands.RunRound(M, "prao", 78, unless_ran_since=since)
    assert await run(uow, handlers.run_round, again) is None
    assert len(uow.of_type(MatchingRoundCompleted)) == 1
    with pytest.raises(Rejected):
        await run(uow, handlers.run_round, commands.RunRound(M, "internship", 1))
