"""What goes to whom: the routing table, one row per (event type, message).

Each `Route` names a template, who receives it (an audience the handlers resolve from
the read models), on which channels, under which condition and when. This table is
the whole of "who hears what"; no other code decides it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from services.notifications.domain.model import Channel
from shared.contracts.base import EventData
from shared.contracts.matching import (
    PlacementConfirmed,
    PlacementProposed,
    PlacementWaitlisted,
)
from shared.contracts.training import (
    CourseSessionScheduled,
    EnrolmentRecorded,
    SupervisorCertified,
)

Audience = Literal[
    "participant",  # the event's participant
    "guardians_of_minor",  # the participant's guardians, when the participant is a minor
    "guardians",  # the participant's guardians
    "supervisor",  # the event's supervisor
    "manager",  # the manager of the event's workplace
    "invited",  # each person in a session announcement's `invited`
    "person",  # the event's person (enrolments)
]
Timing = Literal["now", "day_before_session"]

EMAIL: tuple[Channel, ...] = ("email",)
SMS: tuple[Channel, ...] = ("sms",)
EMAIL_AND_SMS: tuple[Channel, ...] = ("email", "sms")


def always(_: Any) -> bool:
    return True


@dataclass(frozen=True)
class Route:
    template: str
    audience: Audience
    channels: tuple[Channel, ...]
    when: Callable[[Any], bool] = always
    timing: Timing = "now"
    note: str = ""
    facts: bool = True
    """Whether the letter needs the read models (names, workplace, session); the event
    alone writes it when False, which saves the consumer its look-ups."""


def _enrolled(e: EnrolmentRecorded) -> bool:
    return e.status == "enrolled"


def _waitlisted(e: EnrolmentRecorded) -> bool:
    return e.status == "waitlisted"


def _invitation(e: CourseSessionScheduled) -> bool:
    return bool(e.invited) and not e.cancelled


def _consent_required(e: PlacementProposed) -> bool:
    return e.consent_required


ROUTES: dict[type[EventData], tuple[Route, ...]] = {
    CourseSessionScheduled: (
        Route("course_invitation", "invited", EMAIL, _invitation, facts=False,
              note="base course to uncertified supervisors, breakfast meeting to managers"),
    ),
    EnrolmentRecorded: (
        Route("enrolment_confirmation", "person", EMAIL, _enrolled),
        Route("course_reminder", "person", SMS, _enrolled, timing="day_before_session"),
        Route("enrolment_waitlisted", "person", EMAIL, _waitlisted),
    ),
    SupervisorCertified: (
        Route("certificate", "supervisor", EMAIL),
        Route("certification_note", "manager", EMAIL),
    ),
    PlacementProposed: (
        Route("placement_proposal", "supervisor", EMAIL_AND_SMS,
              note="accept or decline link"),
        Route("consent_request", "guardians", EMAIL, _consent_required,
              note="a minor's guardian gives consent (fullmakt) before the placement"),
    ),
    PlacementConfirmed: (
        Route("welcome_letter", "participant", EMAIL, note="välkomstbrev"),
        Route("welcome_letter", "guardians_of_minor", EMAIL),
        Route("day_one_checklist", "supervisor", EMAIL),
    ),
    PlacementWaitlisted: (
        Route("waitlisted", "participant", EMAIL, facts=False),
    ),
}

DIGEST_TEMPLATE = "daily_digest"
"""Sent by the digest job, not by an event: one a day to each coordinator."""

TEMPLATES: tuple[str, ...] = tuple(
    sorted({r.template for routes in ROUTES.values() for r in routes} | {DIGEST_TEMPLATE})
)
