"""Sessions, enrolment, attendance and the people training knows: the coordinators'
commands and registration's events.

Invitations (a registered supervisor without a valid certificate is invited to the next
base course in or near their municipality; an expired one to a refresher) are published
as a `CourseSessionScheduled` announcement of that session whose `invited` lists them;
a person is invited to one session once (`invitations` table).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from uuid import UUID

from services.training.dependencies import Dependencies
from services.training.domain import commands
from services.training.domain.certification import certify
from services.training.domain.commands import may_access
from services.training.domain.invitations import county_of, next_base_course
from services.training.domain.model import (
    BASE_COURSE,
    MANAGER_BREAKFAST,
    Costs,
    EnrolmentChange,
    Roster,
    Session,
)
from services.training.domain.people import Person, workplace_opens
from services.training.handlers.publishing import announce, publish_changes
from services.training.unit_of_work import TrainingUnitOfWork
from shared.contracts.registration import (
    ParticipantErased,
    SupervisorRegistered,
    WorkplaceRegistered,
)
from shared.contracts.training import (
    CourseCompleted,
    Invitee,
    SupervisorCertified,
    WorkplaceOpened,
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


async def _invitation_reason(uow: TrainingUnitOfWork, person: Person,
                             now: datetime) -> str | None:
    """Why this supervisor should be invited to a base course, or None."""
    certificate = await uow.records.current_certificate(person.person_id)
    if certificate is not None and certificate.expired_at is None:
        return None
    if await uow.records.awaiting_base_course(person.person_id, now):
        return None
    return "certification_expired" if certificate is not None else "uncertified"


async def invite_to_next(uow: TrainingUnitOfWork, candidates: Iterable[tuple[Person, str]],
                          now: datetime, upcoming: Sequence[Session] | None = None) -> None:
    """Invite each person to the next base course in or near their municipality, one
    `CourseSessionScheduled` announcement (`invitation`) per session."""
    if upcoming is None:
        upcoming = await uow.sessions.upcoming_base_courses(now)
    invited: dict[UUID, list[Invitee]] = {}
    for person, reason in candidates:
        target = next_base_course(upcoming, person.municipality_code, now)
        if target is not None and await uow.records.add_invitation(
            person.person_id, target.session_id, reason
        ):
            invited.setdefault(target.session_id, []).append(
                Invitee(person_id=person.person_id, role="supervisor", reason=reason))
    by_id = {s.session_id: s for s in upcoming}
    for session_id, people in invited.items():
        announce(uow, by_id[session_id], "invitation", people)


async def _maybe_open(uow: TrainingUnitOfWork, workplace_id: UUID, now: datetime) -> None:
    workplace = await uow.people.workplace(workplace_id)
    if workplace is None or workplace.opened:
        return
    breakfast = await uow.records.has_completed(workplace.manager_id, MANAGER_BREAKFAST)
    certified = await uow.records.certified_supervisors(workplace_id)
    if workplace_opens(workplace.opened, breakfast, certified) and (
        await uow.people.mark_opened(workplace_id, now)
    ):
        uow.publish(WorkplaceOpened(workplace_id=workplace_id,
                                    municipality_code=workplace.municipality_code),
                    subject=str(workplace_id))


# -- commands -----------------------------------------------------------------------------


async def schedule_session(cmd: commands.ScheduleSession, uow: TrainingUnitOfWork,
                           deps: Dependencies) -> Session:
    _require(cmd.scope, cmd.municipality_code)
    session = Session.schedule(
        cmd.session_id, cmd.course, cmd.topic, cmd.starts_at, cmd.ends_at,
        cmd.municipality_code, cmd.venue, cmd.digital, cmd.capacity, cmd.trainers, cmd.lunch,
    )
    if await uow.sessions.get(session.session_id) is not None:
        raise Conflict("a session with this id exists")
    await uow.sessions.add(session)
    invited: list[Invitee] = []
    now = deps.clock()
    if session.course == BASE_COURSE and session.starts_at > now:
        county = county_of(session.municipality_code)
        for person, reason in await uow.records.to_invite(county, now):
            if await uow.records.add_invitation(person.person_id, session.session_id, reason):
                invited.append(Invitee(person_id=person.person_id, role="supervisor",
                                       reason=reason))
    announce(uow, session, "scheduled", invited)
    return session


async def change_session(cmd: commands.ChangeSession, uow: TrainingUnitOfWork,
                         deps: Dependencies) -> Session:
    roster = await _roster(uow, cmd.session_id, cmd.scope)
    changes = roster.change(
        starts_at=cmd.starts_at, ends_at=cmd.ends_at, venue=cmd.venue, digital=cmd.digital,
        capacity=cmd.capacity, topic=cmd.topic, trainers=cmd.trainers, lunch=cmd.lunch,
    )
    await uow.sessions.save(roster)
    announce(uow, roster.session, "changed")
    publish_changes(uow, roster.session, changes)
    session: Session = roster.session
    return session


async def cancel_session(cmd: commands.CancelSession, uow: TrainingUnitOfWork,
                         deps: Dependencies) -> Session:
    """Cancel a session and everyone's seat; for a base course, those left without one are
    invited to the next base course near them."""
    roster = await _roster(uow, cmd.session_id, cmd.scope)
    changes = roster.cancel_session()
    await uow.sessions.save(roster)
    session: Session = roster.session
    announce(uow, session, "cancelled")
    publish_changes(uow, session, changes, session_cancelled=True)
    now = deps.clock()
    if session.course == BASE_COURSE and session.starts_at > now:
        await invite_to_next(
            uow, await uow.records.to_invite(county_of(session.municipality_code), now), now)
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


async def _after_completion(uow: TrainingUnitOfWork, session: Session, person_id: UUID,
                            role: TrainingRole, now: datetime, deps: Dependencies) -> None:
    if session.course == BASE_COURSE and role == "supervisor":
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
            await _maybe_open(uow, certificate.workplace_id, now)
    elif session.course == MANAGER_BREAKFAST and role == "manager":
        for workplace in await uow.people.workplaces_of_manager(person_id):
            await _maybe_open(uow, workplace.workplace_id, now)


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


# -- consumed events ---------------------------------------------------------------------


async def on_workplace_registered(event: WorkplaceRegistered, uow: TrainingUnitOfWork,
                                  deps: Dependencies) -> None:
    await uow.people.add_workplace(event.workplace_id, event.municipality_code,
                                   event.manager_id, event.name)
    await _maybe_open(uow, event.workplace_id, deps.clock())


async def on_supervisor_registered(event: SupervisorRegistered, uow: TrainingUnitOfWork,
                                   deps: Dependencies) -> None:
    await uow.people.add_supervisor(event.supervisor_id, event.workplace_id,
                                    event.municipality_code)
    now = deps.clock()
    person = Person(event.supervisor_id, "supervisor", event.municipality_code,
                    event.workplace_id)
    reason = await _invitation_reason(uow, person, now)
    if reason is None:
        await _maybe_open(uow, event.workplace_id, now)
        return
    await invite_to_next(uow, [(person, reason)], now)


async def on_participant_erased(event: ParticipantErased, uow: TrainingUnitOfWork,
                                deps: Dependencies) -> None:
    """Registration erased a person: drop the names and dietary needs training holds for
    that id, if any (training keeps no participants, but the id may be a person it knows)."""
    for roster in await uow.sessions.rosters_of(event.participant_id):
        if roster.erase(event.participant_id):
            await uow.sessions.save(roster)
