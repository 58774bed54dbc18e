"""What a message says: the template variables for each template, from an event and the
facts the read models hold. Plain functions; values are JSON-safe (stored with the row)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from shared.contracts.matching import PlacementConfirmed, PlacementProposed, PlacementWaitlisted
from shared.contracts.training import (
    CourseSessionScheduled,
    EnrolmentRecorded,
    SupervisorCertified,
)

ADULT_AGE = 18


@dataclass(frozen=True)
class ParticipantFacts:
    participant_id: UUID
    municipality_code: str
    birth_date: date
    language: str
    guardian_ids: tuple[UUID, ...] = ()

    def is_minor_on(self, day: date) -> bool:
        years = day.year - self.birth_date.year
        if (day.month, day.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years < ADULT_AGE


@dataclass(frozen=True)
class WorkplaceFacts:
    workplace_id: UUID
    name: str
    address: str | None
    client_contact: bool
    manager_id: UUID
    municipality_code: str


@dataclass(frozen=True)
class SessionFacts:
    session_id: UUID
    course: str
    topic: str | None
    starts_at: datetime
    ends_at: datetime
    venue: str
    digital: bool


@dataclass(frozen=True)
class Facts:
    """What the read models know around one event (any of it may be missing)."""

    participant: ParticipantFacts | None = None
    workplace: WorkplaceFacts | None = None
    session: SessionFacts | None = None
    supervisor_workplace_id: UUID | None = None
    names: dict[UUID, str] = field(default_factory=dict)
    without_client_contact: bool = False


def local(dt: datetime, timezone: str) -> str:
    return dt.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")


def workdays(start: date, end: date, limit: int = 31) -> list[str]:
    """The weekdays of a placement period: the schedule's days."""
    days: list[str] = []
    day = start
    while day <= end and len(days) < limit:
        if day.weekday() < 5:
            days.append(day.isoformat())
        day += timedelta(days=1)
    return days


def _session(session: SessionFacts | None, timezone: str, course: str | None = None,
             starts_at: datetime | None = None) -> dict[str, Any]:
    if session is None:
        return {"course": course or "base_course", "topic": None,
                "starts_at": local(starts_at, timezone) if starts_at else None,
                "ends_at": None, "venue": None, "digital": False}
    return {"course": session.course, "topic": session.topic,
            "starts_at": local(session.starts_at, timezone),
            "ends_at": local(session.ends_at, timezone),
            "venue": session.venue, "digital": session.digital}


def course_invitation(e: CourseSessionScheduled, timezone: str, reason: str) -> dict[str, Any]:
    return {"course": e.course, "topic": e.topic, "starts_at": local(e.starts_at, timezone),
            "ends_at": local(e.ends_at, timezone), "venue": e.venue, "digital": e.digital,
            "reason": reason}


def enrolment(e: EnrolmentRecorded, facts: Facts, timezone: str) -> dict[str, Any]:
    context = _session(facts.session, timezone, e.course, e.starts_at)
    context["waitlist_position"] = e.waitlist_position
    context["promoted"] = e.previous_status == "waitlisted"
    return context


def certification(e: SupervisorCertified, facts: Facts) -> dict[str, Any]:
    return {"certified_at": e.certified_at.isoformat(), "valid_until": e.valid_until.isoformat(),
            "workplace_name": facts.workplace.name if facts.workplace else None,
            "supervisor_name": facts.names.get(e.supervisor_id)}


def proposal(e: PlacementProposed, facts: Facts, timezone: str, link: str) -> dict[str, Any]:
    return {"program": e.program, "period_start": e.period_start.isoformat(),
            "period_end": e.period_end.isoformat(),
            "accept_by": local(e.accept_by, timezone) if e.accept_by else None,
            "workplace_name": facts.workplace.name if facts.workplace else None,
            "link": link}


def consent_request(e: PlacementProposed, facts: Facts, link: str) -> dict[str, Any]:
    return {"program": e.program, "period_start": e.period_start.isoformat(),
            "period_end": e.period_end.isoformat(),
            "participant_name": facts.names.get(e.participant_id),
            "workplace_name": facts.workplace.name if facts.workplace else None,
            "link": link}


def secrecy_applies(facts: Facts) -> bool:
    """The workplace handles confidential client data (social services, care): the letter
    carries the secrecy information and day one the oral briefing (seed 000)."""
    return bool(facts.workplace and facts.workplace.client_contact)


def welcome_letter(e: PlacementConfirmed, facts: Facts) -> dict[str, Any]:
    """Välkomstbrev: address, dates, schedule, supervisor's name, secrecy information."""
    workplace = facts.workplace
    return {"program": e.program,
            "participant_name": facts.names.get(e.participant_id),
            "workplace_name": workplace.name if workplace else None,
            "address": workplace.address if workplace else None,
            "period_start": e.period_start.isoformat(), "period_end": e.period_end.isoformat(),
            "schedule": workdays(e.period_start, e.period_end),
            "supervisor_name": facts.names.get(e.supervisor_id),
            "secrecy": secrecy_applies(facts)}


def day_one_checklist(e: PlacementConfirmed, facts: Facts) -> dict[str, Any]:
    workplace = facts.workplace
    return {"program": e.program,
            "participant_name": facts.names.get(e.participant_id),
            "workplace_name": workplace.name if workplace else None,
            "period_start": e.period_start.isoformat(), "period_end": e.period_end.isoformat(),
            "secrecy": secrecy_applies(facts)}


def waitlisted(e: PlacementWaitlisted) -> dict[str, Any]:
    return {"program": e.program, "reasons": list(e.reasons)}
