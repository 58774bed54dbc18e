"""Invitations, published as a `CourseSessionScheduled` announcement of the session whose
`invited` lists the people (`Invitee`: person, role, reason); a person is invited to one
session once (`invitations` table).

- A new base course invites the county's supervisors without a valid certificate
  (`uncertified`, `certification_expired`) or whose certificate runs out soon
  (`certification_expiring`); a new breakfast meeting invites the managers of the
  county's workplaces that are not open because their manager has not attended one
  (`workplace_not_open`). Anyone already invited to or enrolled in an upcoming session of
  the course is left out.
- One person at a time (a supervisor registered, a certificate expiring or expired, a
  workplace registered, a session cancelled) goes to the next session of the course in or
  near their municipality (`announcement: invitation`, only them in `invited`).
- A training administrator invites chosen people to one session (`InviteToSession`):
  each must be whom its course is for by the rules above, not yet invited to or holding
  a place in that session (awaiting another one is no bar); one `invitation`
  announcement lists them all.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from uuid import UUID

from services.training.dependencies import Dependencies
from services.training.domain import commands
from services.training.domain.commands import may_access
from services.training.domain.invitations import (
    CERTIFICATION_EXPIRED,
    UNCERTIFIED,
    WORKPLACE_NOT_OPEN,
    county_of,
    next_session,
)
from services.training.domain.model import BASE_COURSE, MANAGER_BREAKFAST, Roster, Session
from services.training.domain.people import Person, Workplace
from services.training.handlers.publishing import announce
from services.training.unit_of_work import TrainingUnitOfWork
from shared.contracts.errors import FieldProblem
from shared.contracts.training import Invitee
from shared.contracts.types import Course
from shared.errors import Conflict, Forbidden, NotFound, Rejected


async def candidates(uow: TrainingUnitOfWork, course: Course, municipality_code: str,
                     now: datetime, session_id: UUID | None = None
                     ) -> list[tuple[Person, str]]:
    """Who in the county of the municipality is to be invited to a session of the course,
    with the reason (nobody for deep dives and the network: no rule says whom). Without
    `session_id` anyone awaiting an upcoming session of the course is left out; with it,
    only those already invited to or holding a place in that session are."""
    return await uow.records.candidates(course, county_of(municipality_code), now,
                                        session_id)


async def invite_to_new_session(uow: TrainingUnitOfWork, session: Session,
                                now: datetime) -> list[Invitee]:
    """The people a newly scheduled session invites (its `scheduled` announcement's
    `invited`)."""
    if session.starts_at <= now:
        return []
    invited = []
    for person, reason in await candidates(uow, session.course, session.municipality_code,
                                           now):
        if await uow.records.add_invitation(person.person_id, session.session_id, reason):
            invited.append(Invitee(person_id=person.person_id, role=person.role,
                                   reason=reason))
    return invited


async def invite_to_next(uow: TrainingUnitOfWork, people: Iterable[tuple[Person, str]],
                         now: datetime, upcoming: Sequence[Session] | None = None,
                         course: Course = BASE_COURSE) -> dict[UUID, UUID]:
    """Invite each person to the next session of the course in or near their
    municipality: one `CourseSessionScheduled` announcement (`invitation`) per session.
    Returns whom it invited (person → session)."""
    if upcoming is None:
        upcoming = await uow.sessions.upcoming_sessions(course, now)
    invited: dict[UUID, list[Invitee]] = {}
    for person, reason in people:
        target = next_session(upcoming, course, person.municipality_code, now)
        if target is not None and await uow.records.add_invitation(
            person.person_id, target.session_id, reason
        ):
            invited.setdefault(target.session_id, []).append(
                Invitee(person_id=person.person_id, role=person.role, reason=reason))
    by_id = {s.session_id: s for s in upcoming}
    for session_id, people_invited in invited.items():
        announce(uow, by_id[session_id], "invitation", people_invited)
    return {i.person_id: session_id for session_id, group in invited.items() for i in group}


async def invite_to_session(cmd: commands.InviteToSession, uow: TrainingUnitOfWork,
                            deps: Dependencies) -> list[Invitee]:
    """Invite the people listed to the session (under its row lock): each must be among
    its `candidates` (else 422 `person_ids.<index>`, nothing invited); a cancelled or
    started session invites no one (409)."""
    roster = await uow.sessions.lock_roster(cmd.session_id)
    if roster is None:
        raise NotFound("no such session")
    session = roster.session
    if not may_access(cmd.scope, session.municipality_code):
        raise Forbidden()
    now = deps.clock()
    if session.cancelled:
        raise Conflict("the session is cancelled: it invites no one")
    if session.starts_at <= now:
        raise Conflict("the session has started: invitations are for sessions to come")
    found = {person.person_id: (person, reason) for person, reason in await candidates(
        uow, session.course, session.municipality_code, now, session.session_id)}
    problems = [FieldProblem(f"person_ids.{index}", _why_not(roster, person_id))
                for index, person_id in enumerate(cmd.person_ids) if person_id not in found]
    if problems:
        raise Rejected(problems)
    invited = []
    for person_id in dict.fromkeys(cmd.person_ids):
        person, reason = found[person_id]
        if await uow.records.add_invitation(person_id, session.session_id, reason):
            invited.append(Invitee(person_id=person_id, role=person.role, reason=reason))
    if invited:
        announce(uow, session, "invitation", invited)
    return invited


def _why_not(roster: Roster, person_id: UUID) -> str:
    enrolment = roster.enrolments.get(person_id)
    if enrolment is not None and enrolment.active:
        return f"already {enrolment.status} in this session"
    if roster.session.course not in (BASE_COURSE, MANAGER_BREAKFAST):
        return "no rule says whom to invite to this course: enrol them instead"
    return ("not to be invited to this session: already invited to it, or not whom the "
            "course is for (see to_invite)")


async def supervisor_reason(uow: TrainingUnitOfWork, person: Person,
                            now: datetime) -> str | None:
    """Why this supervisor should be invited to a base course, or None (a valid
    certificate, or already invited or enrolled)."""
    certificate = await uow.records.current_certificate(person.person_id)
    if certificate is not None and certificate.expired_at is None:
        return None
    if await uow.records.awaiting_base_course(person.person_id, now):
        return None
    return CERTIFICATION_EXPIRED if certificate is not None else UNCERTIFIED


async def invite_manager(uow: TrainingUnitOfWork, workplace: Workplace,
                         now: datetime) -> None:
    """A registered workplace that is not open because its manager has not attended the
    breakfast meeting: the manager is invited to the next one in or near it."""
    manager = workplace.manager_id
    if workplace.opened or manager is None:
        return
    if await uow.records.has_completed(manager, MANAGER_BREAKFAST) or (
        await uow.records.awaiting_session(manager, MANAGER_BREAKFAST, now)
    ):
        return
    person = Person(manager, "manager", workplace.municipality_code, workplace.workplace_id)
    await invite_to_next(uow, [(person, WORKPLACE_NOT_OPEN)], now, course=MANAGER_BREAKFAST)
