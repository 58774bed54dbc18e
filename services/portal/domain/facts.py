"""The facts a page shows, read from what a service's link API answered (docs/portal.md).

Each reader takes the service's JSON and keeps what the page needs, with dates and times
as `date`/`datetime`; a fact the service did not give is left out (the page then says
nothing of it), never guessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any

Facts = dict[str, Any]


def _date(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _time(value: Any) -> time | None:
    if not isinstance(value, str):
        return None
    try:
        return time.fromisoformat(value)
    except ValueError:
        return None


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def placement(raw: Mapping[str, Any]) -> Facts:
    """Registration's `GET /registration/links/placement`."""
    found = raw.get("workplace")
    workplace: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    contact = raw.get("contact")
    return {
        "program": _text(raw.get("program")),
        "period_start": _date(raw.get("period_start")),
        "period_end": _date(raw.get("period_end")),
        "occupation": _text(raw.get("occupation")),
        "workplace_name": _text(workplace.get("name")),
        "workplace_address": _text(workplace.get("address")),
        "supervisor_first_name": _text(raw.get("supervisor_first_name")),
        "participant_first_name": _text(raw.get("participant_first_name")),
        "secrecy": raw.get("secrecy") is True,
        "arrival_time": _time(raw.get("arrival_time")),
        "arrival_place": _text(raw.get("arrival_place")),
        "work_starts": _time(raw.get("work_starts")),
        "work_ends": _time(raw.get("work_ends")),
        "bring": _text(raw.get("bring")),
        "contact": _contact_line(contact),
    }


def _contact_line(contact: Any) -> str:
    if isinstance(contact, Mapping):
        return ", ".join(_text(v) for v in (contact.get("name"), contact.get("phone")) if _text(v))
    return _text(contact)


def _given(raw: Mapping[str, Any], field: str) -> bool | None:
    """This person's answer as the service recorded it (`answer.<field>`), if any."""
    answer = raw.get("answer")
    value = answer.get(field) if isinstance(answer, Mapping) else None
    return value if isinstance(value, bool) else None


def consent(raw: Mapping[str, Any]) -> Facts:
    """Registration's `GET /registration/links/consent`."""
    return {"guardian_first_name": _text(raw.get("guardian_first_name")),
            "state": _text(raw.get("state")) or "pending",
            "given": _given(raw, "granted"), "answered": raw.get("answered") is True}


def workplace_answer(raw: Mapping[str, Any]) -> Facts:
    """Matching's `GET /matching/links/workplace_answer`."""
    return {"status": _text(raw.get("status")), "accept_by": _moment(raw.get("accept_by")),
            "given": _given(raw, "accept"), "answered": raw.get("answered") is True}


def offer_answer(raw: Mapping[str, Any]) -> Facts:
    """Matching's `GET /matching/links/offer_answer`; `you` is who answers (the
    participant, or a guardian where the municipality asks one too)."""
    you = _text(raw.get("you"))
    return {"status": _text(raw.get("status")), "answer_by": _moment(raw.get("answer_by")),
            "you": you if you in ("participant", "guardian") else "participant",
            "given": _given(raw, "accept"), "answered": raw.get("answered") is True}


def enrolment(raw: Mapping[str, Any]) -> Facts:
    """Training's `GET /training/links/enrolment`."""
    position = raw.get("waitlist_position")
    return {"course": _text(raw.get("course")), "topic": _text(raw.get("topic")),
            "start": _moment(raw.get("starts_at", raw.get("start"))),
            "end": _moment(raw.get("ends_at", raw.get("end"))),
            "venue": _text(raw.get("venue")), "digital": raw.get("digital") is True,
            "status": _text(raw.get("status")),
            "waitlist_position": position if isinstance(position, int) else None,
            "given": True if raw.get("confirmed") is True else None,
            "answered": raw.get("answered") is True}


def evaluation(raw: Mapping[str, Any]) -> Facts:
    """Training's `GET /training/links/evaluation`."""
    return {"course": _text(raw.get("course")), "date": _date(raw.get("date")),
            "answered": raw.get("answered") is True}


def opt_out(raw: Mapping[str, Any]) -> Facts:
    """Notifications' `GET /notifications/links/opt_out`."""
    channel = _text(raw.get("channel"))
    return {"channel": channel if channel in ("sms", "email") else "sms",
            "answered": raw.get("answered") is True or raw.get("opted_out") is True}
