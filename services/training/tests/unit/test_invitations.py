"""Who is invited to what, with the in-memory unit of work: managers to breakfast meetings,
supervisors whose certificate runs out to a renewal; and deep dives as supports."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from uuid import UUID

import pytest

from services.training import handlers
from services.training.domain import commands
from services.training.tests.unit.fakes import FakeUnitOfWork
from services.training.tests.unit.test_handlers import NOW, complete, register, run, schedule
from shared.contracts.training import (
    CourseSessionScheduled,
    SupervisorCertificationExpiring,
    SupervisorCertified,
    SupervisorSupportsRecorded,
)
from shared.errors import Rejected


def invitations(uow: FakeUnitOfWork) -> list[tuple[UUID, str, list[tuple[UUID, str, str]]]]:
    return [(e.session_id, e.announcement, [(i.person_id, i.role, i.reason) for i in e.invited])
            for e in uow.of_type(CourseSessionScheduled) if e.invited]


async def test_a_new_breakfast_meeting_invites_managers_whose_workplace_is_not_open() -> None:
    uow = FakeUnitOfWork()
    _, here, _ = await register(uow, "1380")
    _, near, _ = await register(uow, "1315")
    _, far, _ = await register(uow, "0583")
    _, attended, _ = await register(uow, "1380")
    await complete(uow, await schedule(uow, "manager_breakfast"), attended)
    breakfast = await schedule(uow, "manager_breakfast", starts_at=NOW + timedelta(days=14))
    announced = uow.of_type(CourseSessionScheduled)[-1]
    assert (announced.session_id, announced.announcement) == (breakfast, "scheduled")
    assert sorted((i.person_id, i.role, i.reason) for i in announced.invited) == sorted(
        [(here, "manager", "workplace_not_open"), (near, "manager", "workplace_not_open")])
    assert far not in {i.person_id for i in announced.invited}
    # Already invited to an upcoming one: a second meeting invites nobody again.
    await schedule(uow, "manager_breakfast", starts_at=NOW + timedelta(days=30))
    assert uow.of_type(CourseSessionScheduled)[-1].invited == []


async def test_a_workplace_registered_sends_its_manager_to_the_next_breakfast() -> None:
    uow = FakeUnitOfWork()
    later = await schedule(uow, "manager_breakfast", starts_at=NOW + timedelta(days=40))
    sooner = await schedule(uow, "manager_breakfast", starts_at=NOW + timedelta(days=10),
                            municipality="1384")
    await schedule(uow, starts_at=NOW + timedelta(days=5))  # a base course: not for managers
    _, manager, _ = await register(uow)
    managers = [i for i in invitations(uow) if i[2][0][1] == "manager"]
    assert managers == [(sooner, "invitation", [(manager, "manager", "workplace_not_open")])]
    await run(uow, handlers.cancel_session, commands.CancelSession(sooner))
    assert invitations(uow)[-1] == (later, "invitation",
                                    [(manager, "manager", "workplace_not_open")])


async def certified(uow: FakeUnitOfWork, starts_at: datetime) -> tuple[UUID, date]:
    _, _, supervisor = await register(uow)
    await complete(uow, await schedule(uow, starts_at=starts_at), supervisor)
    return supervisor, uow.of_type(SupervisorCertified)[-1].valid_until


async def test_sixty_days_before_expiry_a_warning_and_a_renewal_invitation() -> None:
    uow = FakeUnitOfWork()
    supervisor, valid_until = await certified(uow, NOW - timedelta(days=3 * 365 - 50))
    renewal = await schedule(uow, starts_at=NOW + timedelta(days=20), municipality="1384")
    warn = handlers.warn_expiring_certifications
    on = valid_until - timedelta(days=60)
    assert await run(uow, warn, commands.WarnExpiringCertifications(on)) == 0
    assert await run(uow, warn, commands.WarnExpiringCertifications(
        on + timedelta(days=1))) == 1
    assert await run(uow, warn, commands.WarnExpiringCertifications(
        on + timedelta(days=2))) == 0
    [warning] = uow.of_type(SupervisorCertificationExpiring)
    assert (warning.supervisor_id, warning.valid_until, warning.refresher_session_id) == (
        supervisor, valid_until, renewal)
    assert invitations(uow) == [(renewal, "invitation",
                                 [(supervisor, "supervisor", "certification_expiring")])]


async def test_a_base_course_scheduled_after_the_warning_invites_to_renew() -> None:
    uow = FakeUnitOfWork()
    supervisor, valid_until = await certified(uow, NOW - timedelta(days=3 * 365 - 50))
    await run(uow, handlers.warn_expiring_certifications,
              commands.WarnExpiringCertifications(valid_until - timedelta(days=30)))
    [warning] = uow.of_type(SupervisorCertificationExpiring)
    assert warning.refresher_session_id is None
    assert invitations(uow) == []
    renewal = await schedule(uow, starts_at=NOW + timedelta(days=20))
    assert invitations(uow) == [(renewal, "scheduled",
                                 [(supervisor, "supervisor", "certification_expiring")])]


async def deep_dive(uow: FakeUnitOfWork, supports: tuple[str, ...],
                    starts_at: datetime = NOW - timedelta(days=1)) -> UUID:
    session_id = uuid.uuid4()
    await run(uow, handlers.schedule_session, commands.ScheduleSession(
        session_id, "deep_dive", "NPF på arbetsplatsen", starts_at,
        starts_at + timedelta(hours=4), "1380", "Stadsbiblioteket", False, 20,
        supports=supports))
    return session_id


async def test_completed_deep_dives_record_the_union_of_their_supports() -> None:
    uow = FakeUnitOfWork()
    workplace, manager, supervisor = await register(uow)
    npf = await deep_dive(uow, ("npf_support",))
    assert uow.of_type(CourseSessionScheduled)[-1].supports == ["npf_support"]
    language = await deep_dive(uow, ("language_support", "npf_support"))
    await complete(uow, npf, supervisor)
    await complete(uow, npf, manager)  # a manager's deep dive records nothing
    await run(uow, handlers.record_attendance, commands.RecordAttendance(npf, (supervisor,)))
    await complete(uow, language, supervisor)
    recorded = [(r.supervisor_id, r.workplace_id, r.supports)
                for r in uow.of_type(SupervisorSupportsRecorded)]
    assert recorded == [(supervisor, workplace, ["npf_support"]),
                        (supervisor, workplace, ["language_support", "npf_support"])]
    await run(uow, handlers.change_session, commands.ChangeSession(
        language, supports=("language_support",)))
    assert uow.of_type(SupervisorSupportsRecorded)[-1].supports == [
        "language_support", "npf_support"]
    assert uow.of_type(CourseSessionScheduled)[-1].supports == ["language_support"]


async def test_supports_only_on_a_deep_dive() -> None:
    uow = FakeUnitOfWork()
    with pytest.raises(Rejected):
        await run(uow, handlers.schedule_session, commands.ScheduleSession(
            uuid.uuid4(), "base_course", None, NOW, NOW + timedelta(hours=8), "1380",
            "Stadsbiblioteket", False, 20, supports=("npf_support",)))
    base = await schedule(uow, starts_at=NOW + timedelta(days=3))
    with pytest.raises(Rejected):
        await run(uow, handlers.change_session, commands.ChangeSession(
            base, supports=("npf_support",)))
