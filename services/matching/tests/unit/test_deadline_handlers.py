"""Deadlines, reminders, extensions, outcomes and follow-ups through the handlers and the
deadlines job, with the in-memory unit of work."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from services.matching import handlers
from services.matching.dependencies import Dependencies
from services.matching.domain import commands
from services.matching.entrypoints import jobs
from services.matching.tests.unit.fakes import FakeUnitOfWork
from services.matching.tests.unit.test_handlers import (
    NOW,
    M,
    offer,
    participant,
    proposed,
    run,
    workplace_answers,
)
from shared.contracts.matching import (
    PlacementCancelled,
    PlacementCompleted,
    PlacementDeadlineApproaching,
    PlacementDeadlineExtended,
    PlacementFollowedUp,
    PlacementProposed,
)
from shared.contracts.registration import MunicipalityProfileRecorded, PlacementRequestWithdrawn
from shared.errors import Conflict, NotFound, Rejected
from shared.messagebus import MessageBus
from shared.wiring import bind_all


def at(moment: datetime) -> Dependencies:
    return Dependencies(clock=lambda: moment)


def profile(**kw: Any) -> MunicipalityProfileRecorded:
    return MunicipalityProfileRecorded(
        municipality_code=M, name="Halmstads kommun", coordinator_name="Karin Ek",
        coordinator_email="praktik@halmstad.se", coordinator_phone="+46355555555", **kw)


async def tick_at(uow: FakeUnitOfWork, moment: datetime) -> None:
    """One round of the deadlines job at `moment` (the next would wait ten seconds: it
    is stopped before)."""
    bus = MessageBus(lambda: uow, bind_all(handlers.COMMAND_HANDLERS, at(moment)))
    stop = asyncio.Event()
    task = asyncio.create_task(jobs.deadlines(lambda: uow, bus, lambda: moment, 10.0)(stop))
    await asyncio.sleep(0.05)
    stop.set()
    await task


async def minor_proposed(uow: FakeUnitOfWork, **rules: Any) -> PlacementProposed:
    await run(uow, handlers.profile_recorded, profile(**rules))
    await offer(uow)
    pid, _ = await participant(uow, born=date(2011, 1, 1), guardians=1)
    return await proposed(uow, pid)


async def test_the_profile_s_days_set_the_deadlines_and_silence_keeps_the_hours() -> None:
    uow = FakeUnitOfWork()
    p = await minor_proposed(uow, workplace_answer_days=2, consent_days=4)
    assert p.accept_by is not None
    assert uow.store.rules[M].workplace_days == 2 and uow.store.rules[M].consent_days == 4
    # NOW is Sunday 10 January 2027: Monday and Tuesday; then to Thursday.
    assert p.accept_by.date() == date(2027, 1, 12) and p.consent_by is not None
    assert p.consent_by.date() == date(2027, 1, 14)
    quiet = FakeUnitOfWork()
    q = await minor_proposed(quiet)  # an older sender's profile: no days named
    assert quiet.store.rules[M].workplace_days is None
    assert q.accept_by == NOW + timedelta(hours=72)  # the programme's hours (settings)


async def test_the_job_reminds_once_and_then_lets_the_consent_lapse() -> None:
    uow = FakeUnitOfWork()
    p = await minor_proposed(uow, workplace_answer_days=2, consent_days=4)
    assert p.accept_by is not None
    await workplace_answers(uow, p)  # accepted; the consent is missing
    assert p.consent_by is not None
    half = NOW + (p.consent_by - NOW) / 2
    for moment in (half, half + timedelta(minutes=5)):  # two ticks, as two replicas would
        await tick_at(uow, moment)
    [reminder] = uow.of_type(PlacementDeadlineApproaching)
    assert (reminder.awaiting, reminder.deadline, reminder.placement_id) == (
        "consent", p.consent_by, p.placement_id)
    late = p.consent_by + timedelta(minutes=1)
    await tick_at(uow, late)
    [cancelled] = uow.of_type(PlacementCancelled)
    assert (cancelled.reason, cancelled.participant_id) == (
        "consent_deadline_passed", p.participant_id)
    assert uow.store.placements[p.placement_id].status == "cancelled"


async def test_an_extension_is_published_and_refused_once_answered_or_closed() -> None:
    uow = FakeUnitOfWork()
    p = await minor_proposed(uow)
    assert p.accept_by is not None
    new = p.accept_by + timedelta(days=3)
    with pytest.raises(Rejected):
        await run(uow, handlers.extend_deadline,
                  commands.ExtendDeadline(p.placement_id, "workplace", p.accept_by))
    await run(uow, handlers.extend_deadline,
              commands.ExtendDeadline(p.placement_id, "workplace", new))
    [extended] = uow.of_type(PlacementDeadlineExtended)
    assert (extended.previous_deadline, extended.deadline) == (p.accept_by, new)
    assert uow.store.placements[p.placement_id].accept_by == new
    await workplace_answers(uow, p)
    with pytest.raises(Conflict, match="already_answered"):
        await run(uow, handlers.extend_deadline,
                  commands.ExtendDeadline(p.placement_id, "workplace", new + timedelta(1)))
    await run(uow, handlers.request_withdrawn, PlacementRequestWithdrawn(
        request_id=p.request_id, participant_id=p.participant_id, municipality_code=M,
        reason="moved"))
    with pytest.raises(Conflict, match="placement_closed"):
        await run(uow, handlers.extend_deadline,
                  commands.ExtendDeadline(p.placement_id, "consent", new))


async def test_an_outcome_then_its_follow_up_six_months_on_once() -> None:
    uow = FakeUnitOfWork()
    await offer(uow)
    pid, _ = await participant(uow)
    p = await proposed(uow, pid)
    assert p.accept_by is not None
    await workplace_answers(uow, p)
    with pytest.raises(Rejected) as early:
        await run(uow, handlers.complete_placement,
                  commands.CompletePlacement(p.placement_id, "employed"))
    assert early.value.problems[0].field == "ended_on"
    ended = commands.CompletePlacement(p.placement_id, "employed", date(2027, 3, 31),
                                       "anställd")
    await run(uow, handlers.complete_placement, ended, at(datetime(2027, 4, 1, 9, tzinfo=UTC)))
    [completed] = uow.of_type(PlacementCompleted)
    assert (completed.ended_on, completed.ended_early, completed.participant_id) == (
        date(2027, 3, 31), True, pid)
    follow = commands.FollowUpPlacement(p.placement_id, "employed")
    with pytest.raises(Rejected, match="2027-09-30"):
        await run(uow, handlers.follow_up_placement, follow,
                  at(datetime(2027, 9, 29, 9, tzinfo=UTC)))
    autumn = at(datetime(2027, 9, 30, 9, tzinfo=UTC))
    await run(uow, handlers.follow_up_placement, follow, autumn)
    [followed] = uow.of_type(PlacementFollowedUp)
    assert (followed.outcome, followed.followed_up_on) == ("employed", date(2027, 9, 30))
    assert uow.store.placements[p.placement_id].follow_up_outcome == "employed"
    with pytest.raises(Conflict, match="already_followed_up"):
        await run(uow, handlers.follow_up_placement, follow, autumn)


async def test_a_follow_up_of_no_placement_is_not_found() -> None:
    uow = FakeUnitOfWork()
    with pytest.raises(NotFound):
        await run(uow, handlers.follow_up_placement,
                  commands.FollowUpPlacement(uuid.uuid4(), "employed"))
