"""Issue 18 through matching's handlers (in-memory unit of work): training's
WorkplaceOpened / WorkplaceClosed / SupervisorSupportsRecorded and registration's
SupervisorLeft / PersonErased, and the variant and "only my choices" of the events."""

from __future__ import annotations

import uuid
from datetime import date

from services.matching import handlers
from services.matching.tests.unit.fakes import FakeUnitOfWork
from services.matching.tests.unit.test_handlers import (
    END,
    START,
    M,
    participant,
    requested,
    run,
    supervisor,
    workplace,
)
from shared.contracts.matching import PlacementCancelled, PlacementProposed, PlacementWaitlisted
from shared.contracts.registration import (
    GuardianConsentRecorded,
    PersonErased,
    PlacementSlotsOffered,
    Preference,
    SupervisorLeft,
)
from shared.contracts.training import (
    SupervisorSupportsRecorded,
    WorkplaceClosed,
    WorkplaceOpened,
)
from shared.contracts.types import SummerJobVariant


async def _offer(uow: FakeUnitOfWork, opened: bool = True,
                 variant: SummerJobVariant | None = None,
                 occupation: str = "5120", program: str = "internship"
                 ) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    """(workplace, supervisor, offer)."""
    wid = await workplace(uow, opened=opened)
    sid = await supervisor(uow, wid)
    oid = uuid.uuid4()
    await run(uow, handlers.slots_offered, PlacementSlotsOffered(
        offer_id=oid, workplace_id=wid, supervisor_id=sid, municipality_code=M,
        program=program, occupation=occupation, period_start=START, period_end=END,
        capacity=1, variant=variant))
    return wid, sid, oid


async def test_opening_places_the_waiting_request_and_is_kept() -> None:
    uow = FakeUnitOfWork()
    wid, _, oid = await _offer(uow, opened=False)
    pid, _ = await participant(uow)
    event = requested(pid)
    await run(uow, handlers.placement_requested, event)
    [waiting] = uow.of_type(PlacementWaitlisted)
    assert waiting.reasons == ["workplace_not_open"]
    await run(uow, handlers.workplace_opened, WorkplaceOpened(
        workplace_id=wid, municipality_code=M))
    assert uow.facts.open == {wid: M}
    [proposal] = uow.of_type(PlacementProposed)
    assert (proposal.request_id, proposal.offer_id) == (event.request_id, oid)


async def test_closing_cancels_and_requests_wait_again() -> None:
    uow = FakeUnitOfWork()
    wid, _, _ = await _offer(uow)
    pid, _ = await participant(uow)
    event = requested(pid)
    await run(uow, handlers.placement_requested, event)
    [proposal] = uow.of_type(PlacementProposed)
    await run(uow, handlers.workplace_closed, WorkplaceClosed(
        workplace_id=wid, municipality_code=M, reason="certification_expired",
        closed_on=date(2027, 1, 10)))
    [cancelled] = uow.of_type(PlacementCancelled)
    assert (cancelled.placement_id, cancelled.reason, cancelled.participant_id) == (
        proposal.placement_id, "workplace_closed", pid)
    assert wid not in uow.facts.open
    assert uow.store.requests[event.request_id].status == "waitlisted"
    assert "workplace_not_open" in uow.store.requests[event.request_id].reasons


async def test_a_supervisor_who_left_loses_the_unstarted_placement() -> None:
    uow = FakeUnitOfWork()
    wid, sid, _ = await _offer(uow)
    pid, _ = await participant(uow)
    await run(uow, handlers.placement_requested, requested(pid))
    await run(uow, handlers.supervisor_left, SupervisorLeft(
        supervisor_id=sid, workplace_id=wid, municipality_code=M))
    [cancelled] = uow.of_type(PlacementCancelled)
    assert cancelled.reason == "supervisor_left" and cancelled.participant_id == pid
    assert uow.facts.left == {sid}
    assert uow.store.kept[M].supervisors[sid].left


async def test_an_erased_supervisor_is_dropped() -> None:
    uow = FakeUnitOfWork()
    wid, sid, _ = await _offer(uow)
    pid, _ = await participant(uow)
    await run(uow, handlers.placement_requested, requested(pid))
    await run(uow, handlers.person_erased, PersonErased(
        person_id=sid, role="supervisor", municipality_code=M, workplace_id=wid))
    [cancelled] = uow.of_type(PlacementCancelled)
    assert cancelled.reason == "supervisor_left"
    assert sid not in uow.store.supervisors and sid not in uow.store.certificates
    assert sid not in uow.store.kept[M].supervisors


async def test_an_erased_guardian_is_dropped_from_children_and_consents() -> None:
    uow = FakeUnitOfWork()
    await _offer(uow)
    pid, (guardian, other) = await participant(uow, born=date(2011, 1, 1), guardians=2)
    await run(uow, handlers.placement_requested, requested(pid))
    await run(uow, handlers.consent_recorded, GuardianConsentRecorded(
        participant_id=pid, guardian_id=guardian, program="internship", granted=True,
        municipality_code=M))
    await run(uow, handlers.person_erased, PersonErased(
        person_id=guardian, role="guardian", municipality_code=M, participant_ids=[pid]))
    assert uow.store.participants[pid].guardian_ids == (other,)
    assert uow.store.kept[M].participants[pid].guardian_ids == (other,)
    assert not [k for k in uow.store.consents if k[1] == guardian]
    assert all(g != guardian for g, _ in uow.store.kept[M].consents.get(pid, {}))


async def test_an_erased_manager_changes_nothing_here() -> None:
    uow = FakeUnitOfWork()
    wid, _, _ = await _offer(uow)
    before = list(uow.events)
    await run(uow, handlers.person_erased, PersonErased(
        person_id=uuid.uuid4(), role="manager", municipality_code=M, workplace_id=wid))
    assert uow.events == before


async def test_a_supervisor_trained_for_the_needs_takes_the_participant() -> None:
    uow = FakeUnitOfWork()
    wid, sid, oid = await _offer(uow)
    pid, _ = await participant(uow)
    event = requested(pid).model_copy(update={"needs": ["npf_support"]})
    await run(uow, handlers.placement_requested, event)
    [waiting] = uow.of_type(PlacementWaitlisted)
    assert waiting.reasons == ["needs"]
    await run(uow, handlers.supervisor_supports_recorded, SupervisorSupportsRecorded(
        supervisor_id=sid, workplace_id=wid, municipality_code=M, supports=["npf_support"]))
    assert uow.facts.supports[sid] == frozenset({"npf_support"})
    [proposal] = uow.of_type(PlacementProposed)
    assert proposal.offer_id == oid


async def test_the_variant_and_only_my_choices_come_from_the_events() -> None:
    uow = FakeUnitOfWork()
    await _offer(uow, variant="feriearbete")
    await _offer(uow, occupation="4112")
    pid, _ = await participant(uow)
    event = requested(pid).model_copy(update={
        "only_preferences": True, "variant": "feriepraktik",
        "preferences": [Preference(occupation="5120")]})
    await run(uow, handlers.placement_requested, event)
    [waiting] = uow.of_type(PlacementWaitlisted)
    assert waiting.reasons == ["preferences_unavailable", "variant"]
    kept = uow.store.requests[event.request_id]
    assert (kept.variant, kept.only_preferences) == ("feriepraktik", True)
