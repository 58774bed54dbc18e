"""Sessions, enrolment and attendance: the coordinators' commands.

A new base course or breakfast meeting invites people (`handlers/invitations.py`); a
completed breakfast meeting or base course may open a workplace (`handlers/openness.py`);
a supervisor's completed deep dive adds to the needs they are trained for
(`SupervisorSupportsRecorded`, the whole set each time).
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from services.training.dependencies import Dependencies
from services.training.domain import commands
from services.training.domain.certification import certify
from services.training.domain.commands import may_access
from services.training.domain.model import (
    BASE_COURSE,
    DEEP_DIVE,
    MANAGER_BREAKFAST,
    Costs,
    EnrolmentChange,
    Roster,
    Session,
)
from services.training.handlers.invitations import (
    candidates,
    invite_to_new_session,
    invite_to_next,
)
from services.training.handlers.openness import follow_openness
from services.training.handlers.publishing import announce, publish_changes
from services.training.unit_of_work import TrainingUnitOfWork
from shared.contracts.training import (
    CourseCompleted,
    SupervisorCertified,
    SupervisorSupportsRecorded,
)
from shared.contracts.types import TrainingRole
from shared.errors import Conflict, Forbidden, NotFound, Rejected

# -- helpers ------------------------------------------------------------------------------


def _require(scope: commands.Scope, *municipality_codes: str) -> None:
    if not may_access(scope, *municipality_codes):
        raise Forbidden()


async def _roster(uow: TrainingUnitOfWork, session_id: UUID,
                  scope: commands.Scope) -> Roster:
    roster = await uow.sessions.lock_roster(session_id)
    if roster is None:
        raise NotFound("no such session")
    _require(scope, roster.session.municipality_code)
    return roster


# -- commands -----------------------------------------------------------------------------


async def schedule_session(cmd: commands.ScheduleSession, uow: TrainingUnitOfWork,
                           deps: Dependencies) -> Session:
    _require(cmd.scope, cmd.municipality_code)
    session = Session.schedule(
        cmd.session_id, cmd.course, cmd.topic, cmd.starts_at, cmd.ends_at,
        cmd.municipality_code, cmd.venue, cmd.digital, cmd.capacity, cmd.trainers, cmd.lunch,
        cmd.supports,
    )
    if await uow.sessions.get(session.session_id) is not None:
        raise Conflict("a session with this id exists")
    await uow.sessions.add(session)
    announce(uow, session, "scheduled",
             await invite_to_new_session(uow, session, deps.clock()))
    return session


async def change_session(cmd: commands.ChangeSession, uow: TrainingUnitOfWork,
                         deps: Dependencies) -> Session:
    """Change a session; a deep dive whose `supports` change re-announces the needs of the
    supervisors who completed it."""
    roster = await _roster(uow, cmd.session_id, cmd.scope)
    supported = roster.session.supports
    changes = roster.change(
        starts_at=cmd.starts_at, ends_at=cmd.ends_at, venue=cmd.venue, digital=cmd.digital,
        capacity=cmd.capacity, topic=cmd.topic, trainers=cmd.trainers, lunch=cmd.lunch,
        supports=cmd.supports,
    )
    await uow.sessions.save(roster)
    session: Session = roster.session
    announce(uow, session, "changed")
    publish_changes(uow, session, changes)
    if session.supports != supported:
        for supervisor_id in await uow.records.completers(session.session_id, "supervisor"):
            await _record_supports(uow, supervisor_id)
    return session


async def cancel_session(cmd: commands.CancelSession, uow: TrainingUnitOfWork,
                         deps: Dependencies) -> Session:
    """Cancel a session and everyone's seat; for a base course or breakfast meeting, those
    left without one are invited to the next one near them."""
    roster = await _roster(uow, cmd.session_id, cmd.scope)
    changes = roster.cancel_session()
    await uow.sessions.save(roster)
    session: Session = roster.session
    announce(uow, session, "cancelled")
    publish_changes(uow, session, changes, session_cancelled=True)
    now = deps.clock()
    if session.starts_at > now:
        await invite_to_next(
            uow, await candidates(uow, session.course, session.municipality_code, now), now,
            course=session.course)
    return session


async def enrol(cmd: commands.Enrol, uow: TrainingUnitOfWork,
                deps: Dependencies) -> EnrolmentChange:
    roster = await uow.sessions.lock_roster(cmd.session_id)
    if roster is None:
        raise NotFound("no such session")
    person = await uow.people.person(cmd.person_id)
    if person is None:
        raise Rejected.field("person_id", "not a supervisor or manager known from registration")
    _require(cmd.scope, roster.session.municipality_code, person.municipality_code)
    changes = roster.enrol(person.person_id, person.role, cmd.name, cmd.dietary_needs)
    await uow.sessions.save(roster)
    publish_changes(uow, roster.session, changes)
    return changes[0]


async def cancel_enrolment(cmd: commands.CancelEnrolment, uow: TrainingUnitOfWork,
                           deps: Dependencies) -> list[EnrolmentChange]:
    roster = await uow.sessions.lock_roster(cmd.session_id)
    if roster is None:
        raise NotFound("no such session")
    person = await uow.people.person(cmd.person_id)
    codes = [roster.session.municipality_code] + ([person.municipality_code] if person else [])
    _require(cmd.scope, *codes)
    changes = roster.cancel(cmd.person_id)
    await uow.sessions.save(roster)
    publish_changes(uow, roster.session, changes)
    return changes


async def record_attendance(cmd: commands.RecordAttendance, uow: TrainingUnitOfWork,
                            deps: Dependencies) -> list[UUID]:
    """Mark attendance; each newly present person completes the course (once), a supervisor
    completing the base course is certified (once per completion)."""
    roster = await _roster(uow, cmd.session_id, cmd.scope)
    now = deps.clock()
    newly = roster.record_attendance(cmd.present, cmd.absent, now)
    await uow.sessions.save(roster)
    session: Session = roster.session
    completed = []
    for enrolment in newly:
        if not await uow.records.add_completion(session.session_id, enrolment.person_id,
                                                enrolment.role, session.course, session.ends_at):
            continue
        completed.append(enrolment.person_id)
        uow.publish(CourseCompleted(
            session_id=session.session_id, person_id=enrolment.person_id,
            role=enrolment.role, course=session.course,
            completed_at=session.ends_at, municipality_code=session.municipality_code,
        ), subject=str(enrolment.person_id))
        await _after_completion(uow, session, enrolment.person_id, enrolment.role, now, deps)
    return completed


async def _record_supports(uow: TrainingUnitOfWork, supervisor_id: UUID) -> None:
    """`SupervisorSupportsRecorded`: the union of the needs of every deep dive the
    supervisor completed (a supervisor who left or was erased: nothing)."""
    person = await uow.people.person(supervisor_id)
    if person is None or person.role != "supervisor" or person.workplace_id is None:
        return
    uow.publish(SupervisorSupportsRecorded(
        supervisor_id=supervisor_id, workplace_id=person.workplace_id,
        municipality_code=person.municipality_code,
        supports=await uow.records.deep_dive_supports(supervisor_id),
    ), subject=str(supervisor_id))


async def _after_completion(uow: TrainingUnitOfWork, session: Session, person_id: UUID,
                            role: TrainingRole, now: datetime, deps: Dependencies) -> None:
    today = deps.policy.local_date(now)
    if session.course == DEEP_DIVE and role == "supervisor":
        await _record_supports(uow, person_id)
    elif session.course == BASE_COURSE and role == "supervisor":
        person = await uow.people.person(person_id)
        if person is None or person.workplace_id is None:
            return
        certificate = certify(person_id, session.session_id, person.workplace_id,
                              person.municipality_code,
                              deps.policy.local_date(session.ends_at),
                              deps.policy.validity_years)
        if await uow.records.add_certificate(certificate):
            uow.publish(SupervisorCertified(
                supervisor_id=person_id, workplace_id=certificate.workplace_id,
                municipality_code=certificate.municipality_code,
                certified_at=certificate.certified_at, valid_until=certificate.valid_until,
            ), subject=str(person_id))
            await follow_openness(uow, person.workplace_id, now, "certification_expired",
                                  today)
    elif session.course == MANAGER_BREAKFAST and role == "manager":
        for workplace in await uow.people.workplaces_of_manager(person_id):
            await follow_openness(uow, workplace.workplace_id, now, "manager_left", today)


async def record_costs(cmd: commands.RecordCosts, uow: TrainingUnitOfWork,
                       deps: Dependencies) -> Session:
    roster = await _roster(uow, cmd.session_id, cmd.scope)
    session: Session = roster.session
    session.costs = Costs(cmd.venue, cmd.food, cmd.material)
    await uow.sessions.save_session(session)
    return session


async def erase_personal_data(cmd: commands.ErasePersonalData, uow: TrainingUnitOfWork,
                              deps: Dependencies) -> int:
    """GDPR erasure: names and dietary needs go; anonymous seats, completions stay."""
    person = await uow.people.person(cmd.person_id)
    rosters = await uow.sessions.rosters_of(cmd.person_id)
    if person is None and not rosters:
        raise NotFound("training holds nothing about this person")
    codes = [person.municipality_code] if person else [
        r.session.municipality_code for r in rosters]
    _require(cmd.scope, *codes)
    erased = 0
    for roster in rosters:
        if roster.erase(cmd.person_id):
            erased += 1
            await uow.sessions.save(roster)
    return erased


async def purge_dietary_needs(cmd: commands.PurgeDietaryNeeds, uow: TrainingUnitOfWork,
                              deps: Dependencies) -> int:
    return await uow.sessions.purge_dietary_needs(cmd.ended_before)
