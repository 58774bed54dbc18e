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
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from uuid import UUID

from services.training.domain.invitations import (
    CERTIFICATION_EXPIRED,
    UNCERTIFIED,
    WORKPLACE_NOT_OPEN,
    county_of,
    next_session,
)
from services.training.domain.model import BASE_COURSE, MANAGER_BREAKFAST, Session
from services.training.domain.people import Person, Workplace
from services.training.handlers.publishing import announce
from services.training.unit_of_work import TrainingUnitOfWork
from shared.contracts.training import Invitee
from shared.contracts.types import Course


async def candidates(uow: TrainingUnitOfWork, course: Course, municipality_code: str,
                     now: datetime) -> list[tuple[Person, str]]:
    """Who in the county of the municipality is to be invited to a session of the course,
    with the reason (nobody for deep dives and the network)."""
    county = county_of(municipality_code)
    if course == BASE_COURSE:
        return await uow.records.to_invite(county, now)
    if course == MANAGER_BREAKFAST:
        return [(p, WORKPLACE_NOT_OPEN) for p in await uow.records.managers_to_invite(county, now)]
    return []


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
                         course: Course = BASE_COURSE) -> None:
    """Invite each person to the next session of the course in or near their
    municipality: one `CourseSessionScheduled` announcement (`invitation`) per session."""
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
