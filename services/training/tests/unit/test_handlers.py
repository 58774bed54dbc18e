"""Handlers with the in-memory unit of work: what each one publishes, and only once."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar
from uuid import UUID

from services.training import handlers
from services.training.dependencies import Dependencies
from services.training.domain import commands
from services.training.domain.certification import Policy
from services.training.tests.unit.fakes import FakeUnitOfWork
from shared.contracts.registration import (
    ParticipantErased,
    SupervisorRegistered,
    WorkplaceRegistered,
)
from shared.contracts.training import (
    CourseCompleted,
    CourseSessionScheduled,
    EnrolmentRecorded,
    SupervisorCertificationExpired,
    SupervisorCertified,
    WorkplaceOpened,
)
from shared.contracts.types import Course
from shared.errors import Forbidden

M = TypeVar("M")
R = TypeVar("R")

NOW = datetime(2027, 5, 1, 12, 0, tzinfo=UTC)
DEPS = Dependencies(clock=lambda: NOW, policy=Policy(validity_years=3))
"""The clock stands at NOW; a base course certifies for three years."""


async def run(uow: FakeUnitOfWork, handler: Callable[[M, FakeUnitOfWork, Dependencies],
                                                     Awaitable[R]],
              message: M, deps: Dependencies = DEPS) -> R:
    async with uow:
        result = await handler(message, uow, deps)
        await uow.commit()
    return result


async def register(uow: FakeUnitOfWork, municipality: str = "1380") -> tuple[UUID, UUID, UUID]:
    workplace, manager, supervisor = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await run(uow, handlers.on_workplace_registered, WorkplaceRegistered(
        workplace_id=workplace, org_number="212000-1355", name="Stadsbiblioteket",
        sector="municipal", municipality_code=municipality, manager_id=manager,
        client_contact=False))
    await run(uow, handlers.on_supervisor_registered, SupervisorRegistered(
        supervisor_id=supervisor, workplace_id=workplace, municipality_code=municipality,
        max_participants=2))
    return workplace, manager, supervisor


async def schedule(uow: FakeUnitOfWork, course: Course = "base_course",
                   starts_at: datetime = NOW - timedelta(days=1), municipality: str = "1380",
                   capacity: int = 20) -> UUID:
    session_id = uuid.uuid4()
    await run(uow, handlers.schedule_session, commands.ScheduleSession(
        session_id, course, None, starts_at, starts_at + timedelta(hours=8), municipality,
        "Stadsbiblioteket", False, capacity))
    return session_id


async def complete(uow: FakeUnitOfWork, session_id: UUID, person: UUID) -> None:
    await run(uow, handlers.enrol, commands.Enrol(session_id, person))
    await run(uow, handlers.record_attendance, commands.RecordAttendance(session_id, (person,)))


async def test_base_course_certifies_once_and_opens_the_workplace_once() -> None:
    uow = FakeUnitOfWork()
    workplace, manager, supervisor = await register(uow)
    breakfast = await schedule(uow, "manager_breakfast")
    await complete(uow, breakfast, manager)
    assert uow.of_type(WorkplaceOpened) == []
    base = await schedule(uow)
    await complete(uow, base, supervisor)
    await run(uow, handlers.record_attendance, commands.RecordAttendance(base, (supervisor,)))
    certified = uow.of_type(SupervisorCertified)
    assert [(c.supervisor_id, c.workplace_id, c.certified_at, c.valid_until)
            for c in certified] == [(supervisor, workplace, date(2027, 4, 30),
                                     date(2030, 4, 29))]
    assert [c.course for c in uow.of_type(CourseCompleted)] == ["manager_breakfast",
                                                                "base_course"]
    assert [o.workplace_id for o in uow.of_type(WorkplaceOpened)] == [workplace]
    # A second supervisor certified and a replayed registration open nothing again.
    await run(uow, handlers.on_workplace_registered, WorkplaceRegistered(
        workplace_id=workplace, org_number="212000-1355", name="Stadsbiblioteket",
        sector="municipal", municipality_code="1380", manager_id=manager,
        client_contact=False))
    assert len(uow.of_type(WorkplaceOpened)) == 1


async def test_uncertified_supervisor_invited_once_to_the_next_base_course() -> None:
    uow = FakeUnitOfWork()
    later = await schedule(uow, starts_at=NOW + timedelta(days=60))
    sooner = await schedule(uow, starts_at=NOW + timedelta(days=20), municipality="1384")
    await schedule(uow, starts_at=NOW + timedelta(days=10), municipality="0583")
    _, _, supervisor = await register(uow)
    invitations = [e for e in uow.of_type(CourseSessionScheduled) if e.invited]
    assert [(e.session_id, e.announcement, [i.person_id for i in e.invited])
            for e in invitations] == [(sooner, "invitation", [supervisor])]
    await run(uow, handlers.on_supervisor_registered, SupervisorRegistered(
        supervisor_id=supervisor, workplace_id=uuid.uuid4(), municipality_code="1380",
        max_participants=1))
    assert len([e for e in uow.of_type(CourseSessionScheduled) if e.invited]) == 1
    assert later != sooner


async def test_new_base_course_invites_the_uncertified_of_the_county() -> None:
    uow = FakeUnitOfWork()
    _, _, here = await register(uow, "1380")
    _, _, near = await register(uow, "1315")
    _, _, far = await register(uow, "0583")
    session_id = await schedule(uow, starts_at=NOW + timedelta(days=30))
    announced = uow.of_type(CourseSessionScheduled)[-1]
    assert announced.session_id == session_id
    assert {i.person_id for i in announced.invited} == {here, near}
    assert far not in {i.person_id for i in announced.invited}


async def test_expiry_on_the_configured_date_once_with_a_refresher_invitation() -> None:
    uow = FakeUnitOfWork()
    _, _, supervisor = await register(uow)
    base = await schedule(uow)
    await complete(uow, base, supervisor)
    refresher = await schedule(uow, starts_at=NOW + timedelta(days=90))
    assert not [e for e in uow.of_type(CourseSessionScheduled) if e.invited]
    valid_until = uow.of_type(SupervisorCertified)[0].valid_until
    expire = handlers.expire_certifications
    assert await run(uow, expire, commands.ExpireCertifications(valid_until)) == 0
    on = valid_until + timedelta(days=1)
    assert await run(uow, expire, commands.ExpireCertifications(on)) == 1
    assert await run(uow, expire, commands.ExpireCertifications(on)) == 0
    [expired] = uow.of_type(SupervisorCertificationExpired)
    assert (expired.supervisor_id, expired.expired_at, expired.refresher_session_id) == (
        supervisor, on, refresher)
    [invitation] = [e for e in uow.of_type(CourseSessionScheduled) if e.invited]
    assert invitation.session_id == refresher
    assert [(i.person_id, i.reason) for i in invitation.invited] == [
        (supervisor, "certification_expired")]


async def test_enrolment_changes_are_published_and_cancellation_promotes() -> None:
    uow = FakeUnitOfWork()
    people = [(await register(uow))[2] for _ in range(3)]
    session_id = await schedule(uow, capacity=2, starts_at=NOW + timedelta(days=3))
    for person in people:
        await run(uow, handlers.enrol, commands.Enrol(session_id, person, "Namn", ("vegan",)))
    await run(uow, handlers.cancel_enrolment, commands.CancelEnrolment(session_id, people[0]))
    recorded = [(e.person_id, e.status, e.previous_status)
                for e in uow.of_type(EnrolmentRecorded)]
    assert recorded == [
        (people[0], "enrolled", None), (people[1], "enrolled", None),
        (people[2], "waitlisted", None), (people[0], "cancelled", "enrolled"),
        (people[2], "enrolled", "waitlisted"),
    ]


async def test_scope_is_checked_against_the_session_and_the_person() -> None:
    uow = FakeUnitOfWork()
    _, _, supervisor = await register(uow, "1380")
    session_id = await schedule(uow, municipality="1384", starts_at=NOW + timedelta(days=3))
    try:
        await run(uow, handlers.enrol, commands.Enrol(session_id, supervisor,
                                                      scope=frozenset({"0583"})))
        raise AssertionError("enrolled out of scope")
    except Forbidden:
        pass
    change = await run(uow, handlers.enrol, commands.Enrol(session_id, supervisor,
                                                           scope=frozenset({"1380"})))
    assert change.status == "enrolled"


async def test_erasure_drops_names_and_dietary_needs() -> None:
    uow = FakeUnitOfWork()
    _, _, supervisor = await register(uow)
    session_id = await schedule(uow, starts_at=NOW + timedelta(days=3))
    await run(uow, handlers.enrol, commands.Enrol(session_id, supervisor, "Eva", ("vegan",)))
    assert await run(uow, handlers.erase_personal_data,
                     commands.ErasePersonalData(supervisor)) == 1
    enrolment = uow.fake_sessions.rosters[session_id].enrolments[supervisor]
    assert (enrolment.name, enrolment.dietary_needs, enrolment.status) == (None, (), "enrolled")


async def test_cancelled_base_course_sends_its_invitees_to_the_next_one() -> None:
    uow = FakeUnitOfWork()
    first = await schedule(uow, starts_at=NOW + timedelta(days=10))
    second = await schedule(uow, starts_at=NOW + timedelta(days=40), municipality="1384")
    _, _, supervisor = await register(uow)
    invited_to = [(e.session_id, [i.person_id for i in e.invited])
                  for e in uow.of_type(CourseSessionScheduled) if e.invited]
    assert invited_to == [(first, [supervisor])]
    await run(uow, handlers.cancel_session, commands.CancelSession(first))
    again = [(e.session_id, e.announcement, [i.person_id for i in e.invited])
             for e in uow.of_type(CourseSessionScheduled) if e.invited]
    assert again[-1] == (second, "invitation", [supervisor])
    assert uow.of_type(CourseSessionScheduled)[-2].cancelled


async def test_registration_erasure_reaches_training_data_under_that_id() -> None:
    uow = FakeUnitOfWork()
    _, _, supervisor = await register(uow)
    session_id = await schedule(uow, starts_at=NOW + timedelta(days=3))
    await run(uow, handlers.enrol, commands.Enrol(session_id, supervisor, "Eva", ("vegan",)))
    await run(uow, handlers.on_participant_erased,
              ParticipantErased(participant_id=supervisor, municipality_code="1380"))
    enrolment = uow.fake_sessions.rosters[session_id].enrolments[supervisor]
    assert (enrolment.name, enrolment.dietary_needs) == (None, ())


async def test_workplace_opens_when_the_breakfast_comes_after_the_certificate() -> None:
    uow = FakeUnitOfWork()
    workplace, manager, supervisor = await register(uow)
    await complete(uow, await schedule(uow), supervisor)
    assert uow.of_type(WorkplaceOpened) == []
    await complete(uow, await schedule(uow, "manager_breakfast"), manager)
    assert [o.workplace_id for o in uow.of_type(WorkplaceOpened)] == [workplace]


async def test_the_policy_in_the_dependencies_sets_the_validity_and_the_local_day() -> None:
    uow = FakeUnitOfWork()
    _, _, supervisor = await register(uow)
    base = await schedule(uow, starts_at=NOW.replace(hour=15) - timedelta(days=1))
    # It ends at 23:00 UTC on 30 April: 1 May in Stockholm.
    one_year = Dependencies(clock=lambda: NOW, policy=Policy(validity_years=1))
    await run(uow, handlers.enrol, commands.Enrol(base, supervisor))
    await run(uow, handlers.record_attendance, commands.RecordAttendance(base, (supervisor,)),
              one_year)
    [certified] = uow.of_type(SupervisorCertified)
    assert (certified.certified_at, certified.valid_until) == (date(2027, 5, 1),
                                                               date(2028, 4, 30))
