"""In-memory repositories and unit of work: the handlers' ports without a database."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import async_sessionmaker

from services.training.adapters.orm import tables
from services.training.domain.certification import Certificate
from services.training.domain.evaluation import EvaluationAnswer
from services.training.domain.model import BASE_COURSE, Roster, Session
from services.training.domain.people import Person, Workplace
from services.training.unit_of_work import TrainingUnitOfWork
from shared.contracts.base import EventData
from shared.contracts.types import ClosedReason, Course, TrainingRole
from shared.links import BadLink, Link


class FakeSessions:
    def __init__(self) -> None:
        self.rosters: dict[UUID, Roster] = {}

    async def add(self, session: Session) -> None:
        self.rosters[session.session_id] = Roster(copy.deepcopy(session))

    async def get(self, session_id: UUID) -> Session | None:
        roster = self.rosters.get(session_id)
        return copy.deepcopy(roster.session) if roster else None

    async def lock_roster(self, session_id: UUID) -> Roster | None:
        roster = self.rosters.get(session_id)
        return copy.deepcopy(roster) if roster else None

    async def save(self, roster: Roster) -> None:
        roster.changed.clear()
        self.rosters[roster.session.session_id] = copy.deepcopy(roster)

    async def save_session(self, session: Session) -> None:
        self.rosters[session.session_id].session = copy.deepcopy(session)

    async def upcoming_base_courses(self, now: datetime) -> list[Session]:
        return await self.upcoming_sessions(BASE_COURSE, now)

    async def upcoming_sessions(self, course: Course, now: datetime) -> list[Session]:
        return sorted(
            (copy.deepcopy(r.session) for r in self.rosters.values()
             if r.session.course == course and r.session.starts_at > now
             and not r.session.cancelled),
            key=lambda s: s.starts_at,
        )

    async def rosters_of(self, person_id: UUID) -> list[Roster]:
        return [copy.deepcopy(r) for r in self.rosters.values() if person_id in r.enrolments]

    async def purge_dietary_needs(self, ended_before: datetime) -> int:
        count = 0
        for roster in self.rosters.values():
            if roster.session.ends_at < ended_before:
                for enrolment in roster.enrolments.values():
                    if enrolment.dietary_needs:
                        enrolment.dietary_needs = ()
                        count += 1
        return count


class FakePeople:
    def __init__(self) -> None:
        self.workplaces: dict[UUID, Workplace] = {}
        self.supervisors: dict[UUID, Person] = {}
        self.left: set[UUID] = set()
        self.closed: dict[UUID, str] = {}

    async def add_workplace(self, workplace_id: UUID, municipality_code: str,
                            manager_id: UUID, name: str, sector: str | None = None) -> None:
        opened = workplace_id in self.workplaces and self.workplaces[workplace_id].opened
        self.workplaces[workplace_id] = Workplace(workplace_id, municipality_code, manager_id,
                                                  opened)

    async def add_supervisor(self, supervisor_id: UUID, workplace_id: UUID,
                             municipality_code: str) -> None:
        self.supervisors[supervisor_id] = Person(supervisor_id, "supervisor", municipality_code,
                                                 workplace_id)
        self.left.discard(supervisor_id)

    def active(self, supervisor_id: UUID) -> bool:
        return supervisor_id in self.supervisors and supervisor_id not in self.left

    async def person(self, person_id: UUID) -> Person | None:
        if self.active(person_id):
            return self.supervisors[person_id]
        for workplace in sorted(self.workplaces.values(), key=lambda w: str(w.workplace_id)):
            if workplace.manager_id == person_id:
                return Person(person_id, "manager", workplace.municipality_code,
                              workplace.workplace_id)
        return None

    async def workplace(self, workplace_id: UUID, lock: bool = False) -> Workplace | None:
        return self.workplaces.get(workplace_id)

    async def workplaces_of_manager(self, manager_id: UUID) -> list[Workplace]:
        return [w for w in self.workplaces.values() if w.manager_id == manager_id]

    async def mark_opened(self, workplace_id: UUID, at: datetime) -> bool:
        workplace = self.workplaces[workplace_id]
        if workplace.opened:
            return False
        self.workplaces[workplace_id] = replace(workplace, opened=True)
        self.closed.pop(workplace_id, None)
        return True

    async def mark_closed(self, workplace_id: UUID, at: datetime, reason: ClosedReason) -> bool:
        workplace = self.workplaces[workplace_id]
        if not workplace.opened:
            return False
        self.workplaces[workplace_id] = replace(workplace, opened=False)
        self.closed[workplace_id] = reason
        return True

    async def supervisor_left(self, supervisor_id: UUID, workplace_id: UUID,
                              at: datetime) -> bool:
        person = self.supervisors.get(supervisor_id)
        if person is None or person.workplace_id != workplace_id or supervisor_id in self.left:
            return False
        self.left.add(supervisor_id)
        return True

    async def remove_manager(self, manager_id: UUID) -> list[UUID]:
        found = sorted((w.workplace_id for w in self.workplaces.values()
                        if w.manager_id == manager_id), key=str)
        for workplace_id in found:
            self.workplaces[workplace_id] = replace(self.workplaces[workplace_id],
                                                    manager_id=None)
        return found

    async def supervisors_in_county(self, county: str) -> list[Person]:
        return sorted((p for p in self.supervisors.values()
                       if p.municipality_code.startswith(county) and self.active(p.person_id)),
                      key=lambda p: str(p.person_id))


class FakeRecords:
    def __init__(self, sessions: FakeSessions, people: FakePeople) -> None:
        self.sessions = sessions
        self.people = people
        self.completions: dict[tuple[UUID, UUID], str] = {}
        self.roles: dict[tuple[UUID, UUID], TrainingRole] = {}
        self.certificates: dict[tuple[UUID, UUID], Certificate] = {}
        self.superseded: set[tuple[UUID, UUID]] = set()
        self.invitations: dict[tuple[UUID, UUID], str] = {}
        self.warned: dict[tuple[UUID, UUID], date] = {}
        self.answers: list[EvaluationAnswer] = []
        self.respondents: set[tuple[UUID, UUID]] = set()

    async def add_completion(self, session_id: UUID, person_id: UUID, role: TrainingRole,
                             course: Course, completed_at: datetime) -> bool:
        if (session_id, person_id) in self.completions:
            return False
        self.completions[(session_id, person_id)] = course
        self.roles[(session_id, person_id)] = role
        return True

    async def has_completed(self, person_id: UUID, course: Course) -> bool:
        return any(p == person_id and c == course for (_, p), c in self.completions.items())

    async def add_certificate(self, certificate: Certificate) -> bool:
        key = (certificate.supervisor_id, certificate.session_id)
        if key in self.certificates:
            return False
        for (supervisor_id, session_id), other in self.certificates.items():
            if (supervisor_id == certificate.supervisor_id and other.expired_at is None
                    and other.valid_until < certificate.valid_until):
                self.superseded.add((supervisor_id, session_id))
        self.certificates[key] = certificate
        return True

    async def current_certificate(self, supervisor_id: UUID) -> Certificate | None:
        mine = [c for (s, _), c in self.certificates.items() if s == supervisor_id]
        return max(mine, key=lambda c: c.valid_until) if mine else None

    async def certified_supervisors(self, workplace_id: UUID) -> int:
        return len({
            s for (s, session), c in self.certificates.items()
            if c.expired_at is None and (s, session) not in self.superseded
            and self.people.active(s)
            and self.people.supervisors[s].workplace_id == workplace_id
        })

    async def expire_due(self, on: date) -> list[Certificate]:
        due = []
        for key, certificate in self.certificates.items():
            if (certificate.expired_at is None and key not in self.superseded
                    and certificate.valid_until < on):
                expired = replace(certificate, expired_at=certificate.expires_on)
                self.certificates[key] = expired
                due.append(expired)
        return due

    async def add_invitation(self, person_id: UUID, session_id: UUID, reason: str) -> bool:
        if (person_id, session_id) in self.invitations:
            return False
        self.invitations[(person_id, session_id)] = reason
        return True

    async def awaiting_base_course(self, person_id: UUID, now: datetime) -> bool:
        return await self.awaiting_session(person_id, BASE_COURSE, now)

    async def awaiting_session(self, person_id: UUID, course: Course, now: datetime) -> bool:
        upcoming = {s.session_id for s in await self.sessions.upcoming_sessions(course, now)}
        invited = any(p == person_id and s in upcoming for (p, s) in self.invitations)
        enrolled = any(
            roster.enrolments[person_id].active
            for session_id, roster in self.sessions.rosters.items()
            if session_id in upcoming and person_id in roster.enrolments
        )
        return invited or enrolled

    async def _not_yet(self, person_id: UUID, course: Course, now: datetime,
                       session_id: UUID | None) -> bool:
        if session_id is None:
            return not await self.awaiting_session(person_id, course, now)
        roster = self.sessions.rosters.get(session_id)
        held = roster is not None and person_id in roster.enrolments and (
            roster.enrolments[person_id].active)
        return (person_id, session_id) not in self.invitations and not held

    async def candidates(self, course: Course, county: str, now: datetime,
                         session_id: UUID | None = None) -> list[tuple[Person, str]]:
        if course == BASE_COURSE:
            return await self.to_invite(county, now, session_id)
        if course == "manager_breakfast":
            return [(p, "workplace_not_open")
                    for p in await self.managers_to_invite(county, now, session_id)]
        return []

    async def to_invite(self, county: str, now: datetime,
                        session_id: UUID | None = None) -> list[tuple[Person, str]]:
        found = []
        for person in await self.people.supervisors_in_county(county):
            current = await self.current_certificate(person.person_id)
            expiring = (current is not None and current.expired_at is None
                        and (person.person_id, current.session_id) in self.warned)
            if current is not None and current.expired_at is None and not expiring:
                continue
            if not await self._not_yet(person.person_id, BASE_COURSE, now, session_id):
                continue
            found.append((person, "certification_expiring" if expiring
                          else "uncertified" if current is None else "certification_expired"))
        return found

    async def managers_to_invite(self, county: str, now: datetime,
                                 session_id: UUID | None = None) -> list[Person]:
        found: dict[UUID, Person] = {}
        for w in sorted(self.people.workplaces.values(),
                        key=lambda w: (str(w.manager_id), str(w.workplace_id))):
            if (w.manager_id is None or w.opened or not w.municipality_code.startswith(county)
                    or await self.has_completed(w.manager_id, "manager_breakfast")
                    or not await self._not_yet(w.manager_id, "manager_breakfast", now,
                                               session_id)):
                continue
            found.setdefault(w.manager_id, Person(w.manager_id, "manager", w.municipality_code,
                                                  w.workplace_id))
        return list(found.values())

    async def forget_invitations(self, person_id: UUID) -> None:
        for key in [k for k in self.invitations if k[0] == person_id]:
            del self.invitations[key]

    async def deep_dive_supports(self, person_id: UUID) -> list[str]:
        tags = {tag for (session_id, p), course in self.completions.items()
                if p == person_id and course == "deep_dive"
                for tag in self.sessions.rosters[session_id].session.supports}
        return sorted(tags)

    async def completers(self, session_id: UUID, role: TrainingRole) -> list[UUID]:
        return sorted((p for (s, p), r in self.roles.items() if s == session_id and r == role),
                      key=str)

    async def warn_due(self, on: date, through: date) -> list[Certificate]:
        due = []
        for key, certificate in self.certificates.items():
            if (certificate.expired_at is None and key not in self.superseded
                    and key not in self.warned and on <= certificate.valid_until <= through
                    and self.people.active(certificate.supervisor_id)):
                self.warned[key] = on
                due.append(certificate)
        return due

    async def completed_session(self, session_id: UUID, person_id: UUID) -> bool:
        return (session_id, person_id) in self.completions

    async def add_evaluation_answer(self, answer: EvaluationAnswer, person_id: UUID) -> bool:
        if (answer.session_id, person_id) in self.respondents:
            return False
        self.respondents.add((answer.session_id, person_id))
        self.answers.append(answer)
        return True


class FakeLinks:
    def __init__(self) -> None:
        self.tokens: set[str] = set()

    async def claim(self, link: Link) -> None:
        if link.token_id in self.tokens:
            raise BadLink("link_used", link.municipality_code)
        self.tokens.add(link.token_id)

    async def used(self, link: Link) -> bool:
        return link.token_id in self.tokens


class FakeUnitOfWork(TrainingUnitOfWork):
    """Keeps the repositories across units of work, like a database would (its session
    factory is bound to nothing: no session is ever opened)."""

    def __init__(self) -> None:
        super().__init__(async_sessionmaker(), tables.outbox, "urn:praktik:training")
        self.fake_sessions = FakeSessions()
        self.fake_people = FakePeople()
        self.fake_records = FakeRecords(self.fake_sessions, self.fake_people)
        self.fake_links = FakeLinks()
        self.events: list[EventData] = []
        self.commits = 0

    async def __aenter__(self) -> FakeUnitOfWork:
        self._pending = []
        self.published = []
        self.sessions = self.fake_sessions
        self.people = self.fake_people
        self.records = self.fake_records
        self.links = self.fake_links
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        self._pending = []

    def publish(self, data: EventData, **kwargs: Any) -> Any:
        self.events.append(data)
        return super().publish(data, **kwargs)

    async def commit(self) -> None:
        self.commits += 1
        self._pending = []

    def of_type(self, kind: type) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]
