"""A workplace's openness with the in-memory unit of work: it closes when its last valid
certificate expires, its last certified supervisor leaves or its manager leaves, and opens
again when both conditions hold once more; each change is published once."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from uuid import UUID

from services.training import handlers
from services.training.domain import commands
from services.training.tests.unit.fakes import FakeUnitOfWork
from services.training.tests.unit.test_handlers import NOW, complete, register, run, schedule
from shared.contracts.registration import (
    PersonErased,
    SupervisorLeft,
    SupervisorRegistered,
    WorkplaceRegistered,
)
from shared.contracts.training import (
    CourseSessionScheduled,
    SupervisorCertified,
    WorkplaceClosed,
    WorkplaceOpened,
)


async def opened_workplace(uow: FakeUnitOfWork) -> tuple[UUID, UUID, UUID]:
    """A workplace whose manager attended the breakfast meeting and whose supervisor is
    certified (yesterday): open."""
    workplace, manager, supervisor = await register(uow)
    await complete(uow, await schedule(uow, "manager_breakfast"), manager)
    await complete(uow, await schedule(uow), supervisor)
    assert [o.workplace_id for o in uow.of_type(WorkplaceOpened)] == [workplace]
    return workplace, manager, supervisor


async def add_supervisor(uow: FakeUnitOfWork, workplace: UUID) -> UUID:
    supervisor = uuid.uuid4()
    await run(uow, handlers.on_supervisor_registered, SupervisorRegistered(
        supervisor_id=supervisor, workplace_id=workplace, municipality_code="1380",
        max_participants=1))
    return supervisor


def closings(uow: FakeUnitOfWork) -> list[tuple[UUID, str, date]]:
    return [(c.workplace_id, c.reason, c.closed_on) for c in uow.of_type(WorkplaceClosed)]


async def test_the_last_certificate_expiring_closes_the_workplace_once() -> None:
    uow = FakeUnitOfWork()
    workplace, _, _ = await opened_workplace(uow)
    [certified] = uow.of_type(SupervisorCertified)
    on = certified.valid_until + timedelta(days=1)
    expire = handlers.expire_certifications
    await run(uow, expire, commands.ExpireCertifications(certified.valid_until))
    assert closings(uow) == []  # still valid on its last day
    await run(uow, expire, commands.ExpireCertifications(on + timedelta(days=2)))
    await run(uow, expire, commands.ExpireCertifications(on + timedelta(days=3)))
    assert closings(uow) == [(workplace, "certification_expired", on)]
    assert not uow.fake_people.workplaces[workplace].opened


async def test_a_second_certified_supervisor_keeps_the_workplace_open() -> None:
    uow = FakeUnitOfWork()
    workplace, _, first = await opened_workplace(uow)
    second = await add_supervisor(uow, workplace)
    await complete(uow, await schedule(uow, starts_at=NOW - timedelta(days=400)), second)
    first_until = next(c.valid_until for c in uow.of_type(SupervisorCertified)
                       if c.supervisor_id == first)
    second_until = next(c.valid_until for c in uow.of_type(SupervisorCertified)
                        if c.supervisor_id == second)
    assert second_until < first_until
    await run(uow, handlers.expire_certifications,
              commands.ExpireCertifications(second_until + timedelta(days=1)))
    assert closings(uow) == []
    await run(uow, handlers.on_supervisor_left, SupervisorLeft(
        supervisor_id=first, workplace_id=workplace, municipality_code="1380"))
    assert closings(uow) == [(workplace, "supervisor_left", NOW.date())]


async def test_a_new_certificate_opens_a_closed_workplace_again() -> None:
    uow = FakeUnitOfWork()
    workplace, _, supervisor = await opened_workplace(uow)
    [certified] = uow.of_type(SupervisorCertified)
    await run(uow, handlers.expire_certifications,
              commands.ExpireCertifications(certified.valid_until + timedelta(days=1)))
    assert len(uow.of_type(WorkplaceClosed)) == 1
    newcomer = await add_supervisor(uow, workplace)
    await complete(uow, await schedule(uow), newcomer)
    assert [o.workplace_id for o in uow.of_type(WorkplaceOpened)] == [workplace, workplace]
    assert uow.fake_people.workplaces[workplace].opened
    assert supervisor != newcomer


async def test_the_last_certified_supervisor_leaving_closes_it_once() -> None:
    uow = FakeUnitOfWork()
    workplace, _, supervisor = await opened_workplace(uow)
    uncertified = await add_supervisor(uow, workplace)
    left = SupervisorLeft(supervisor_id=supervisor, workplace_id=workplace,
                          municipality_code="1380")
    await run(uow, handlers.on_supervisor_left, left)
    await run(uow, handlers.on_supervisor_left, left)  # the same fact again
    await run(uow, handlers.on_person_erased, PersonErased(
        person_id=supervisor, role="supervisor", municipality_code="1380",
        workplace_id=workplace))
    assert closings(uow) == [(workplace, "supervisor_left", NOW.date())]
    assert await uow.fake_people.person(supervisor) is None
    assert await uow.fake_people.person(uncertified) is not None


async def test_a_supervisor_moving_to_another_workplace_leaves_the_first() -> None:
    uow = FakeUnitOfWork()
    workplace, _, supervisor = await opened_workplace(uow)
    await run(uow, handlers.on_supervisor_registered, SupervisorRegistered(
        supervisor_id=supervisor, workplace_id=uuid.uuid4(), municipality_code="1380",
        max_participants=1))
    assert closings(uow) == [(workplace, "supervisor_left", NOW.date())]


async def test_an_erased_supervisor_closes_the_workplace_and_loses_names() -> None:
    uow = FakeUnitOfWork()
    workplace, _, supervisor = await opened_workplace(uow)
    later = await schedule(uow, "supervisor_network", starts_at=NOW + timedelta(days=5))
    await run(uow, handlers.enrol, commands.Enrol(later, supervisor, "Eva", ("vegan",)))
    uow.fake_records.invitations[(supervisor, later)] = "uncertified"
    await run(uow, handlers.on_person_erased, PersonErased(
        person_id=supervisor, role="supervisor", municipality_code="1380",
        workplace_id=workplace))
    enrolment = uow.fake_sessions.rosters[later].enrolments[supervisor]
    assert (enrolment.name, enrolment.dietary_needs) == (None, ())
    assert closings(uow) == [(workplace, "supervisor_left", NOW.date())]
    assert not [k for k in uow.fake_records.invitations if k[0] == supervisor]


async def test_an_erased_manager_closes_the_workplace_until_a_new_one_attends() -> None:
    uow = FakeUnitOfWork()
    workplace, manager, _ = await opened_workplace(uow)
    erased = PersonErased(person_id=manager, role="manager", municipality_code="1380",
                          workplace_id=workplace)
    await run(uow, handlers.on_person_erased, erased)
    await run(uow, handlers.on_person_erased, erased)
    assert closings(uow) == [(workplace, "manager_left", NOW.date())]
    assert uow.fake_people.workplaces[workplace].manager_id is None
    assert await uow.fake_people.person(manager) is None

    breakfast = await schedule(uow, "manager_breakfast", starts_at=NOW + timedelta(days=7))
    successor = uuid.uuid4()
    await run(uow, handlers.on_workplace_registered, WorkplaceRegistered(
        workplace_id=workplace, org_number="212000-1355", name="Stadsbiblioteket",
        sector="municipal", municipality_code="1380", manager_id=successor,
        client_contact=False))
    invitation = uow.of_type(CourseSessionScheduled)[-1]
    assert (invitation.session_id, invitation.announcement) == (breakfast, "invitation")
    assert [(i.person_id, i.role, i.reason) for i in invitation.invited] == [
        (successor, "manager", "workplace_not_open")]
    assert len(uow.of_type(WorkplaceOpened)) == 1
    await complete(uow, await schedule(uow, "manager_breakfast"), successor)
    assert [o.workplace_id for o in uow.of_type(WorkplaceOpened)] == [workplace, workplace]


async def test_a_new_manager_who_has_not_attended_closes_an_open_workplace() -> None:
    uow = FakeUnitOfWork()
    workplace, _, _ = await opened_workplace(uow)
    await run(uow, handlers.on_workplace_registered, WorkplaceRegistered(
        workplace_id=workplace, org_number="212000-1355", name="Stadsbiblioteket",
        sector="municipal", municipality_code="1380", manager_id=uuid.uuid4(),
        client_contact=False))
    assert closings(uow) == [(workplace, "manager_left", NOW.date())]
