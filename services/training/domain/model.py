"""Supervisor training (handledarutbildning, seed 001): sessions and their rosters.

- A `Session` (utbildningstillfälle) of one course: the managers' breakfast meeting
  (frukostmöte), the one-day base course (grundutbildning) that certifies, deep-dive half
  days (fördjupningshalvdagar) on named topics, the supervisor network.
- A `Roster` is a session with its enrolments: the aggregate that hands out seats in
  enrolment order, keeps the waitlist, moves the first waitlisted up when a seat frees,
  and records attendance. The repository loads it under a row lock on the session, so
  two replicas never hand out one seat twice.

Certificates are in `certification.py`, invitations in `invitations.py`, catering and the
budget in `administration.py`, the evaluation answers in `evaluation.py`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Final
from uuid import UUID

from shared.contracts.errors import FieldProblem
from shared.contracts.types import Course, EnrolmentStatus, TrainingRole
from shared.errors import Conflict, NotFound, Rejected

COURSES: tuple[str, ...] = ("manager_breakfast", "base_course", "deep_dive", "supervisor_network")
BASE_COURSE: Final = "base_course"
MANAGER_BREAKFAST: Final = "manager_breakfast"
DEEP_DIVE: Final = "deep_dive"

ROLES_FOR_COURSE: dict[str, frozenset[str]] = {
    "manager_breakfast": frozenset({"manager"}),
    "base_course": frozenset({"supervisor"}),
    "deep_dive": frozenset({"supervisor", "manager"}),
    "supervisor_network": frozenset({"supervisor", "manager"}),
}
"""Who may take a seat: the breakfast meeting is for managers, the base course certifies
supervisors; deep dives and the network are open to both."""

FULL_DAY = timedelta(hours=5)
"""A session at least this long gets two coffee breaks (förmiddags- och eftermiddagsfika)."""


@dataclass
class Costs:
    """What the federation pays for a session, in SEK (venue, coffee and lunch, material)."""

    venue: Decimal = Decimal(0)
    food: Decimal = Decimal(0)
    material: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        for name in ("venue", "food", "material"):
            if getattr(self, name) < 0:
                raise Rejected.field(f"costs.{name}", "must not be negative")

    @property
    def total(self) -> Decimal:
        return self.venue + self.food + self.material


@dataclass
class Session:
    session_id: UUID
    course: Course
    topic: str | None
    starts_at: datetime
    ends_at: datetime
    municipality_code: str
    venue: str
    digital: bool
    capacity: int
    trainers: list[str] = field(default_factory=list)
    lunch: bool = False
    cancelled: bool = False
    costs: Costs = field(default_factory=Costs)
    supports: tuple[str, ...] = ()
    """For a deep dive, the needs a supervisor who completes it is trained for
    (`npf_support` for one on neuropsychiatric disabilities)."""

    @classmethod
    def schedule(
        cls,
        session_id: UUID,
        course: Course,
        topic: str | None,
        starts_at: datetime,
        ends_at: datetime,
        municipality_code: str,
        venue: str,
        digital: bool,
        capacity: int,
        trainers: Sequence[str] = (),
        lunch: bool | None = None,
        supports: Sequence[str] = (),
    ) -> Session:
        session = cls(
            session_id=session_id, course=course, topic=topic, starts_at=starts_at,
            ends_at=ends_at, municipality_code=municipality_code, venue=venue, digital=digital,
            capacity=capacity, trainers=list(trainers),
            lunch=(course == BASE_COURSE and not digital) if lunch is None else lunch,
            supports=normalise_tags(supports),
        )
        session.check()
        return session

    def check(self) -> None:
        problems = []
        if self.course not in COURSES:
            problems.append(("course", f"unknown course {self.course!r}"))
        if self.starts_at.tzinfo is None or self.ends_at.tzinfo is None:
            problems.append(("starts_at", "needs a time zone"))
        elif self.ends_at <= self.starts_at:
            problems.append(("ends_at", "the session ends before it starts"))
        if self.capacity < 1:
            problems.append(("capacity", "must be at least 1"))
        if self.course == "deep_dive" and not (self.topic and self.topic.strip()):
            problems.append(("topic", "a deep-dive half day names its topic"))
        if not self.venue.strip():
            problems.append(("venue", "name the venue (or the meeting link for a digital one)"))
        if self.digital and self.lunch:
            problems.append(("lunch", "a digital session serves no lunch"))
        if self.supports and self.course != DEEP_DIVE:
            problems.append(("supports", "only a deep-dive half day trains for needs"))
        if problems:
            raise Rejected([FieldProblem(f, m) for f, m in problems])

    @property
    def year(self) -> int:
        return self.starts_at.year

    @property
    def coffee_breaks(self) -> int:
        if self.digital:
            return 0
        return 2 if self.ends_at - self.starts_at >= FULL_DAY else 1


@dataclass
class Enrolment:
    person_id: UUID
    role: TrainingRole
    status: EnrolmentStatus
    queue: int
    """Order of enrolment within the session: seats and the waitlist go by it."""
    name: str | None = None
    dietary_needs: tuple[str, ...] = ()
    attended: bool | None = None
    confirmed_at: datetime | None = None
    """When the person confirmed the place by the link in their letter (no status change)."""

    @property
    def active(self) -> bool:
        return self.status != "cancelled"


@dataclass(frozen=True)
class EnrolmentChange:
    """One status change of one person's enrolment: published as `EnrolmentRecorded`."""

    person_id: UUID
    role: TrainingRole
    status: EnrolmentStatus
    previous_status: EnrolmentStatus | None
    waitlist_position: int | None = None


@dataclass
class Roster:
    """A session and its enrolments; seats go in enrolment order, the rest wait in order."""

    session: Session
    enrolments: dict[UUID, Enrolment] = field(default_factory=dict)
    changed: set[UUID] = field(default_factory=set)
    """Enrolments to write back."""
    session_changed: bool = False
    """The session's own details changed (write the session row back too)."""

    def enrolled(self) -> list[Enrolment]:
        return sorted((e for e in self.enrolments.values() if e.status == "enrolled"),
                      key=lambda e: e.queue)

    def waitlist(self) -> list[Enrolment]:
        return sorted((e for e in self.enrolments.values() if e.status == "waitlisted"),
                      key=lambda e: e.queue)

    @property
    def free_seats(self) -> int:
        return max(0, self.session.capacity - len(self.enrolled()))

    def _next_queue(self) -> int:
        return max((e.queue for e in self.enrolments.values()), default=0) + 1

    def _set(self, enrolment: Enrolment, status: EnrolmentStatus) -> EnrolmentChange:
        previous = enrolment.status
        enrolment.status = status
        self.changed.add(enrolment.person_id)
        position = None
        if status == "waitlisted":
            position = [e.person_id for e in self.waitlist()].index(enrolment.person_id) + 1
        return EnrolmentChange(enrolment.person_id, enrolment.role, status, previous, position)

    def enrol(
        self,
        person_id: UUID,
        role: TrainingRole,
        name: str | None = None,
        dietary_needs: Sequence[str] = (),
    ) -> list[EnrolmentChange]:
        if self.session.cancelled:
            raise Conflict("the session is cancelled")
        if role not in ROLES_FOR_COURSE[self.session.course]:
            raise Rejected.field(
                "person_id", f"a {role} cannot enrol in a {self.session.course} session"
            )
        existing = self.enrolments.get(person_id)
        if existing is not None and existing.active:
            raise Conflict(f"already {existing.status} in this session")
        queue = self._next_queue()
        enrolment = Enrolment(person_id, role, "cancelled", queue, name,
                              normalise_dietary_needs(dietary_needs))
        if existing is not None:
            enrolment.attended = existing.attended
        self.enrolments[person_id] = enrolment
        seat = self.free_seats > 0 and not self.waitlist()
        status: EnrolmentStatus = "enrolled" if seat else "waitlisted"
        change = self._set(enrolment, status)
        return [EnrolmentChange(person_id, role, status, existing.status if existing else None,
                                change.waitlist_position)]

    def cancel(self, person_id: UUID) -> list[EnrolmentChange]:
        enrolment = self.enrolments.get(person_id)
        if enrolment is None or not enrolment.active:
            raise NotFound("no enrolment of this person in this session")
        if enrolment.attended:
            raise Conflict("attendance is already recorded for this person")
        changes = [self._set(enrolment, "cancelled")]
        return changes + self.promote()

    def answer(self, person_id: UUID, attend: bool, now: datetime) -> list[EnrolmentChange]:
        """The person's own answer by link, before the session starts: `attend` confirms
        the place (no status change, nothing to publish); otherwise the place is cancelled
        and the first on the waitlist moves up. Conflicts name the reason as a code."""
        enrolment = self.enrolments.get(person_id)
        if enrolment is None:
            raise NotFound("no enrolment of this person in this session")
        if self.session.cancelled:
            raise Conflict("session_cancelled")
        if now >= self.session.starts_at:
            raise Conflict("session_started")
        if not enrolment.active:
            raise Conflict("place_cancelled")
        if not attend:
            return self.cancel(person_id)
        enrolment.confirmed_at = now
        self.changed.add(person_id)
        return []

    def promote(self) -> list[EnrolmentChange]:
        """Move the first on the waitlist up while seats are free."""
        changes = []
        while self.free_seats > 0 and (waiting := self.waitlist()):
            changes.append(self._set(waiting[0], "enrolled"))
        return changes

    def change(
        self,
        *,
        starts_at: datetime | None = None,
        ends_at: datetime | None = None,
        venue: str | None = None,
        digital: bool | None = None,
        capacity: int | None = None,
        topic: str | None = None,
        trainers: Sequence[str] | None = None,
        lunch: bool | None = None,
        supports: Sequence[str] | None = None,
    ) -> list[EnrolmentChange]:
        """Change a session's details; more seats move the waitlist up."""
        session = self.session
        if session.cancelled:
            raise Conflict("the session is cancelled")
        if capacity is not None and capacity < len(self.enrolled()):
            raise Rejected.field(
                "capacity",
                f"{len(self.enrolled())} are enrolled; cancel enrolments before reducing "
                "the capacity below that",
            )
        updates = {
            "starts_at": starts_at, "ends_at": ends_at, "venue": venue, "digital": digital,
            "capacity": capacity, "topic": topic, "lunch": lunch,
        }
        for name, value in updates.items():
            if value is not None:
                setattr(session, name, value)
        if digital is True and lunch is None:
            session.lunch = False
        if trainers is not None:
            session.trainers = list(trainers)
        if supports is not None:
            session.supports = normalise_tags(supports)
        session.check()
        self.session_changed = True
        return self.promote()

    def cancel_session(self) -> list[EnrolmentChange]:
        if self.session.cancelled:
            raise Conflict("the session is already cancelled")
        changes = [self._set(e, "cancelled") for e in self.waitlist()]
        changes = [self._set(e, "cancelled") for e in self.enrolled()] + changes
        self.session.cancelled = True
        self.session_changed = True
        return changes

    def record_attendance(
        self, present: Sequence[UUID], absent: Sequence[UUID], now: datetime
    ) -> list[Enrolment]:
        """Mark who came; returns those newly marked present (their course is completed)."""
        if self.session.cancelled:
            raise Conflict("the session is cancelled")
        if now < self.session.starts_at:
            raise Rejected.field("present", "attendance is recorded once the session has started")
        if problems := self._attendance_problems(present, absent):
            raise Rejected(problems)
        newly = []
        for person_id in dict.fromkeys(present):
            enrolment = self.enrolments[person_id]
            if not enrolment.attended:
                enrolment.attended = True
                self.changed.add(person_id)
                newly.append(enrolment)
        for person_id in absent:
            self.enrolments[person_id].attended = False
            self.changed.add(person_id)
        return newly

    def _attendance_problems(self, present: Sequence[UUID],
                             absent: Sequence[UUID]) -> list[FieldProblem]:
        """Everyone listed is enrolled; no one is absent who is also present, or whose
        presence is already recorded."""
        enrolled = {e.person_id for e in self.enrolled()}
        problems = []
        for label, ids in (("present", present), ("absent", absent)):
            for index, person_id in enumerate(ids):
                if person_id not in enrolled:
                    problems.append(FieldProblem(f"{label}.{index}",
                                                 f"{person_id} is not enrolled in this session"))
        for index, person_id in enumerate(absent):
            if person_id in set(present):
                problems.append(FieldProblem(f"absent.{index}", "also listed as present"))
            elif person_id in enrolled and self.enrolments[person_id].attended:
                problems.append(FieldProblem(
                    f"absent.{index}", "already recorded as present; a completion stands"))
        return problems

    def erase(self, person_id: UUID) -> bool:
        """Drop a person's name and dietary needs (GDPR); the anonymous seat stays."""
        enrolment = self.enrolments.get(person_id)
        if enrolment is None or (enrolment.name is None and not enrolment.dietary_needs):
            return False
        enrolment.name, enrolment.dietary_needs = None, ()
        self.changed.add(person_id)
        return True


def normalise_dietary_needs(needs: Iterable[str]) -> tuple[str, ...]:
    """Short tags, lower case, each once: `Vegetarian ` and `vegetarian` count as one."""
    return tuple(dict.fromkeys(n.strip().lower() for n in needs if n.strip()))


def normalise_tags(tags: Iterable[str]) -> tuple[str, ...]:
    """Need tags as the other services spell them (no case change), each once, sorted."""
    return tuple(sorted({t.strip() for t in tags if t.strip()}))
