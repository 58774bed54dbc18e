"""What the messages about courses and certificates say (template variables)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.notifications.domain.letters import Facts, SessionFacts, local
from shared.contracts.training import (
    CourseSessionScheduled,
    EnrolmentRecorded,
    SupervisorCertified,
)


def session(session: SessionFacts | None, timezone: str, course: str | None = None,
            starts_at: datetime | None = None) -> dict[str, Any]:
    if session is None:
        return {"course": course or "base_course", "topic": None,
                "starts_at": local(starts_at, timezone) if starts_at else None,
                "ends_at": None, "venue": None, "digital": False, "session_cancelled": False}
    return {"course": session.course, "topic": session.topic,
            "starts_at": local(session.starts_at, timezone),
            "ends_at": local(session.ends_at, timezone),
            "venue": session.venue, "digital": session.digital,
            "session_cancelled": session.cancelled}


def course_invitation(e: CourseSessionScheduled, timezone: str, reason: str) -> dict[str, Any]:
    return {"course": e.course, "topic": e.topic, "starts_at": local(e.starts_at, timezone),
            "ends_at": local(e.ends_at, timezone), "venue": e.venue, "digital": e.digital,
            "reason": reason}


def enrolment(e: EnrolmentRecorded, facts: Facts, timezone: str,
              link: str | None) -> dict[str, Any]:
    context = session(facts.session, timezone, e.course, e.starts_at)
    context["waitlist_position"] = e.waitlist_position
    context["promoted"] = e.previous_status == "waitlisted"
    context["session_id"] = str(e.session_id)
    context["link"] = link
    return context


def evaluation(e: Any, facts: Facts, timezone: str, link: str) -> dict[str, Any]:
    return {**session(facts.session, timezone, e.course), "link": link}


def certification(e: SupervisorCertified, facts: Facts) -> dict[str, Any]:
    return {"certified_at": e.certified_at.isoformat(), "valid_until": e.valid_until.isoformat(),
            "workplace_name": facts.workplace.name if facts.workplace else None,
            "supervisor_name": facts.names.get(e.supervisor_id)}


def certification_end(e: Any, facts: Facts, timezone: str) -> dict[str, Any]:
    """Expiring (in 60 days) or expired: the date, and the refresher course if one is set."""
    until = getattr(e, "valid_until", None) or getattr(e, "expired_at", None)
    refresher = facts.session
    return {"valid_until": until.isoformat() if until else None,
            "expired": hasattr(e, "expired_at"),
            "workplace_name": facts.workplace.name if facts.workplace else None,
            "supervisor_name": facts.names.get(e.supervisor_id),
            "refresher": session(refresher, timezone) if refresher else None}
