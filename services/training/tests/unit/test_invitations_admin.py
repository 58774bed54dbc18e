"""A training administrator's invitations, with the in-memory unit of work: whom a session
may invite still, inviting chosen people to it, and inviting holders of valid
certificates to a renewal."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest

from services.training import handlers
from services.training.domain import commands
from services.training.domain.invitations import Renewals
from services.training.handlers.invitations import candidates
from services.training.tests.unit.fakes import FakeUnitOfWork
from services.training.tests.unit.test_handlers import NOW, complete, register, run, schedule
from services.training.tests.unit.test_invitations import certified, invitations
from shared.contracts.registration import SupervisorLeft
from shared.contracts.training import CourseSessionScheduled, Invitee
from shared.errors import Conflict, Forbidden, NotFound, Rejected


async def to_invite(uow: FakeUnitOfWork, session_id: UUID) -> dict[UUID, str]:
    session = uow.fake_sessions.rosters[session_id].session
    async with uow:
        found = await candidates(uow, session.course, session.municipality_code, NOW,
                                 session_id)
    return {person.person_id: reason for person, reason in found}


def fields(error: pytest.ExceptionInfo[Rejected]) -> dict[str, str]:
    return {p.field: p.message for p in error.value.problems}


async def invite(uow: FakeUnitOfWork, session_id: UUID, *people: UUID,
                 scope: frozenset[str] | None = None) -> list[Invitee]:
    return await run(uow, handlers.invite_to_session,
                     commands.InviteToSession(session_id, people, scope))


async def test_a_session_may_invite_whom_its_course_is_for_though_they_await_another() -> None:
    uow = FakeUnitOfWork()
    sooner = await schedule(uow, starts_at=NOW + timedelta(days=10), municipality="1384")
    target = await schedule(uow, starts_at=NOW + timedelta(days=30))
    _, _, here = await register(uow, "1380")
    _, _, near = await register(uow, "1315")
    _, _, far = await register(uow, "0583")
    _, _, seated = await register(uow, "1380")
    holder, _ = await certified(uow, NOW - timedelta(days=100))
    assert {i[0] for i in invitations(uow)} == {sooner}  # the registered: to the sooner one
    await run(uow, handlers.enrol, commands.Enrol(target, seated))
    assert await to_invite(uow, target) == {here: "uncertified", near: "uncertified"}
    assert far not in await to_invite(uow, target) and holder not in await to_invite(uow, target)

    made = await invite(uow, target, near, here, near)
    assert [(i.person_id, i.role, i.reason) for i in made] == [
        (near, "supervisor", "uncertified"), (here, "supervisor", "uncertified")]
    assert invitations(uow)[-1] == (target, "invitation", [
        (near, "supervisor", "uncertified"), (here, "supervisor", "uncertified")])
    assert uow.fake_records.invitations[(here, target)] == "uncertified"
    assert await to_invite(uow, target) == {}


async def test_whom_the_session_may_not_invite_is_named_and_nobody_is_invited() -> None:
    uow = FakeUnitOfWork()
    target = await schedule(uow, starts_at=NOW + timedelta(days=30))
    _, _, invited = await register(uow, "1380")  # invited to target on registration
    _, _, seated = await register(uow, "1380")
    await run(uow, handlers.enrol, commands.Enrol(target, seated))
    holder, _ = await certified(uow, NOW - timedelta(days=100))
    _, _, newcomer = await register(uow, "0583")
    announced = len(uow.of_type(CourseSessionScheduled))
    with pytest.raises(Rejected) as refused:
        await invite(uow, target, newcomer, invited, seated, holder)
    problems = fields(refused)
    assert set(problems) == {"person_ids.0", "person_ids.1", "person_ids.2", "person_ids.3"}
    assert problems["person_ids.2"] == "already enrolled in this session"
    assert "already invited" in problems["person_ids.1"]
    assert len(uow.of_type(CourseSessionScheduled)) == announced
    assert (newcomer, target) not in uow.fake_records.invitations


async def test_a_breakfast_meeting_invites_managers_and_the_network_no_one() -> None:
    uow = FakeUnitOfWork()
    _, manager, supervisor = await register(uow, "1380")
    breakfast = await schedule(uow, "manager_breakfast", starts_at=NOW + timedelta(days=5))
    later = await schedule(uow, "manager_breakfast", starts_at=NOW + timedelta(days=40))
    assert await to_invite(uow, breakfast) == {}  # invited when it was scheduled
    assert await to_invite(uow, later) == {manager: "workplace_not_open"}
    with pytest.raises(Rejected) as refused:
        await invite(uow, later, supervisor)
    assert set(fields(refused)) == {"person_ids.0"}
    [made] = await invite(uow, later, manager)
    assert (made.person_id, made.role, made.reason) == (manager, "manager",
                                                        "workplace_not_open")

    network = await schedule(uow, "supervisor_network", starts_at=NOW + timedelta(days=5))
    assert await to_invite(uow, network) == {}
    with pytest.raises(Rejected) as refused:
        await invite(uow, network, supervisor)
    assert "no rule says whom" in fields(refused)["person_ids.0"]


async def test_the_session_must_be_known_in_scope_and_still_to_come() -> None:
    uow = FakeUnitOfWork()
    target = await schedule(uow, starts_at=NOW + timedelta(days=30))
    started = await schedule(uow, starts_at=NOW - timedelta(hours=1))
    _, _, person = await register(uow, "0583")
    with pytest.raises(NotFound):
        await invite(uow, UUID(int=1), person)
    with pytest.raises(Forbidden):  # before anything about the people is said
        await invite(uow, target, UUID(int=2), scope=frozenset({"1381"}))
    with pytest.raises(Conflict, match="started"):
        await invite(uow, started, person)
    await run(uow, handlers.cancel_session, commands.CancelSession(target))
    with pytest.raises(Conflict, match="cancelled"):
        await invite(uow, target, person)


async def renew(uow: FakeUnitOfWork, *supervisors: UUID,
                scope: frozenset[str] | None = None) -> Renewals:
    return await run(uow, handlers.renew_certificates,
                     commands.RenewCertificates(supervisors, scope))


async def test_renewal_invites_each_holder_to_the_next_base_course_near_them() -> None:
    uow = FakeUnitOfWork()
    first, _ = await certified(uow, NOW - timedelta(days=900))
    second, _ = await certified(uow, NOW - timedelta(days=800))
    awaiting, _ = await certified(uow, NOW - timedelta(days=700))
    _, _, far = await register(uow, "0583")
    await complete(uow, await schedule(uow, municipality="0583"), far)
    later = await schedule(uow, starts_at=NOW + timedelta(days=50))
    sooner = await schedule(uow, starts_at=NOW + timedelta(days=20), municipality="1315")
    await run(uow, handlers.enrol, commands.Enrol(later, awaiting))
    before = len(invitations(uow))

    answer = await renew(uow, first, awaiting, far, second, first)
    assert answer.invited == [(first, sooner), (second, sooner)]
    assert answer.not_invited == [(awaiting, "already_invited"), (far, "no_session")]
    assert invitations(uow)[before:] == [(sooner, "invitation", [
        (first, "supervisor", "certification_expiring"),
        (second, "supervisor", "certification_expiring")])]
    again = await renew(uow, first)
    assert (again.invited, again.not_invited) == ([], [(first, "already_invited")])


async def test_renewal_needs_a_valid_certificate_of_a_supervisor_in_scope() -> None:
    uow = FakeUnitOfWork()
    holder, _ = await certified(uow, NOW - timedelta(days=100))
    workplace, _, gone = await register(uow)
    await complete(uow, await schedule(uow), gone)
    await run(uow, handlers.on_supervisor_left, SupervisorLeft(
        supervisor_id=gone, workplace_id=workplace, municipality_code="1380"))
    _, manager, never = await register(uow)
    expired, valid_until = await certified(uow, NOW - timedelta(days=4 * 365))
    await run(uow, handlers.expire_certifications,
              commands.ExpireCertifications(valid_until + timedelta(days=1)))
    await schedule(uow, starts_at=NOW + timedelta(days=20))
    before = len(uow.of_type(CourseSessionScheduled))
    with pytest.raises(Rejected) as refused:
        await renew(uow, holder, never, gone, expired, manager)
    assert set(fields(refused)) == {f"supervisor_ids.{i}" for i in (1, 2, 3, 4)}
    with pytest.raises(Forbidden):
        await renew(uow, holder, scope=frozenset({"1381"}))
    assert len(uow.of_type(CourseSessionScheduled)) == before
    answer = await renew(uow, holder, scope=frozenset({"1380"}))
    assert [s for s, _ in answer.invited] == [holder]
