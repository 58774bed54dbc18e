"""What goes to whom: the routing table, one row per (event type, message).

Each `Route` names a template, who receives it (an audience the planner resolves from
the event and the read models), on which channels, under which condition and when. This
table is the whole of "who hears what"; no other code decides it. README.md shows it as
a table (event × recipient × channel × template), and tests/unit/test_message_table.py
walks it row by row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from services.notifications.domain.model import Channel
from shared.contracts.base import EventData
from shared.contracts.matching import (
    PlacementAccepted,
    PlacementCancelled,
    PlacementConfirmed,
    PlacementDeadlineApproaching,
    PlacementDeadlineExtended,
    PlacementDeclined,
    PlacementProposed,
    PlacementWaitlisted,
)
from shared.contracts.registration import GuardianConsentRecorded, ParticipantErased
from shared.contracts.training import (
    CourseCompleted,
    CourseSessionScheduled,
    EnrolmentRecorded,
    SupervisorCertificationExpired,
    SupervisorCertificationExpiring,
    SupervisorCertified,
    WorkplaceClosed,
)

Audience = Literal[
    "participant",  # the event's (or its placement's) participant
    "guardians_of_minor",  # the participant's guardians, when the participant is a minor
    "guardians",  # the participant's guardians
    "guardian",  # the event's guardian (the one who answered)
    "supervisor",  # the event's (or its placement's) supervisor
    "manager",  # the manager of the event's workplace
    "invited",  # each person in a session announcement's `invited`
    "person",  # the event's person (enrolments, completions)
    "open_placement_supervisors",  # the supervisor of each open placement (erasure)
]
Timing = Literal["now", "day_before_session"]

EMAIL: tuple[Channel, ...] = ("email",)
SMS: tuple[Channel, ...] = ("sms",)
EMAIL_AND_SMS: tuple[Channel, ...] = ("email", "sms")
DEADLINES = frozenset({"acceptance_deadline_passed", "answer_deadline_passed"})
MOVED_UP = "moved_to_preferred"
"""A cancellation because the participant moved up to a place they ranked higher."""


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


def _status(*statuses: str) -> Callable[[EnrolmentRecorded], bool]:
    return lambda e: e.status in statuses


def _invitation(e: CourseSessionScheduled) -> bool:
    return bool(e.invited) and not e.cancelled


def _consent_required(e: PlacementProposed) -> bool:
    return e.consent_required


def _no_consent_asked(e: PlacementProposed) -> bool:
    return not e.consent_required


def _consent_decided(e: GuardianConsentRecorded) -> bool:
    return e.consent in ("granted", "refused")


def _by(*parties: str) -> Callable[[Any], bool]:
    return lambda e: e.by in parties


def _not_by(party: str) -> Callable[[PlacementDeclined], bool]:
    """Everyone but the one who declined, who knows; a deadline that ran out is news to
    both sides."""
    return lambda e: e.by != party or e.reason in DEADLINES


def _unless(*reasons: str) -> Callable[[PlacementCancelled], bool]:
    return lambda e: e.reason not in reasons


def _awaiting(*parties: str) -> Callable[[Any], bool]:
    return lambda e: e.awaiting in parties


ROUTES: dict[type[EventData], tuple[Route, ...]] = {
    CourseSessionScheduled: (
        Route("course_invitation", "invited", EMAIL, _invitation, facts=False,
              note="base course to uncertified supervisors, breakfast meeting to managers"),
    ),
    EnrolmentRecorded: (
        Route("enrolment_confirmation", "person", EMAIL, _status("enrolled"),
              note="a place (or promoted from the waitlist), with the enrolment link"),
        Route("course_reminder", "person", SMS, _status("enrolled"),
              timing="day_before_session", note="the local day before, 09:00"),
        Route("enrolment_waitlisted", "person", EMAIL, _status("waitlisted")),
        Route("enrolment_cancelled", "person", EMAIL, _status("cancelled"),
              note="the place is cancelled, or the session is"),
    ),
    CourseCompleted: (
        Route("course_evaluation", "person", EMAIL, note="the evaluation link"),
    ),
    SupervisorCertified: (
        Route("certificate", "supervisor", EMAIL),
        Route("certification_note", "manager", EMAIL),
    ),
    SupervisorCertificationExpiring: (
        Route("certification_expiring", "supervisor", EMAIL,
              note="60 days before, with the refresher"),
    ),
    SupervisorCertificationExpired: (
        Route("certification_expired", "supervisor", EMAIL),
        Route("certification_expired", "manager", EMAIL),
    ),
    PlacementProposed: (
        Route("placement_proposal", "supervisor", EMAIL_AND_SMS,
              note="workplace_answer link, deadline"),
        Route("placement_offer", "participant", EMAIL,
              note="offer_answer link when answer_by is set; with `replaces`: moved up"),
        Route("consent_request", "guardians", EMAIL, _consent_required,
              note="consent link (and offer_answer link when guardian_answer)"),
        Route("placement_offer", "guardians_of_minor", EMAIL, _no_consent_asked,
              note="offer_answer link when guardian_answer"),
    ),
    GuardianConsentRecorded: (
        Route("consent_receipt", "guardian", EMAIL, note="the answer is recorded"),
        Route("consent_outcome", "participant", EMAIL, _consent_decided,
              note="granted, or refused"),
    ),
    PlacementAccepted: (
        Route("placement_accepted", "participant", EMAIL, _by("workplace"),
              note="the workplace said yes"),
        Route("placement_accepted", "guardians_of_minor", EMAIL, _by("workplace")),
        Route("placement_accepted", "supervisor", EMAIL, _by("participant", "guardian"),
              note="the participant (or guardian) said yes"),
    ),
    PlacementDeclined: (
        Route("placement_declined", "participant", EMAIL, _not_by("participant")),
        Route("placement_declined", "guardians_of_minor", EMAIL, _not_by("guardian")),
        Route("placement_declined", "supervisor", EMAIL, _not_by("workplace"),
              note="never the family's reasons: only that it will not happen"),
    ),
    PlacementWaitlisted: (
        Route("waitlisted", "participant", EMAIL, note="each reason in plain words"),
        Route("waitlisted", "guardians_of_minor", EMAIL),
    ),
    PlacementConfirmed: (
        Route("welcome_letter", "participant", EMAIL, note="välkomstbrev"),
        Route("welcome_letter", "guardians_of_minor", EMAIL),
        Route("day_one_checklist", "supervisor", EMAIL),
    ),
    PlacementDeadlineApproaching: (
        Route("deadline_reminder", "supervisor", EMAIL_AND_SMS, _awaiting("workplace"),
              note="workplace_answer link"),
        Route("deadline_reminder", "participant", EMAIL, _awaiting("participant"),
              note="offer_answer link"),
        Route("deadline_reminder", "guardians", EMAIL, _awaiting("guardian", "consent"),
              note="offer_answer link (guardian), consent link (consent)"),
    ),
    PlacementDeadlineExtended: (
        Route("deadline_extended", "supervisor", EMAIL, _awaiting("workplace")),
        Route("deadline_extended", "participant", EMAIL, _awaiting("participant")),
        Route("deadline_extended", "guardians", EMAIL, _awaiting("guardian", "consent")),
    ),
    PlacementCancelled: (
        Route("placement_cancelled", "participant", EMAIL, _unless(MOVED_UP),
              note="not when they moved up: the new proposal tells them"),
        Route("placement_cancelled", "guardians_of_minor", EMAIL, _unless(MOVED_UP)),
        Route("placement_cancelled", "supervisor", EMAIL, _unless("supervisor_left"),
              note="the day-one checklist is withdrawn"),
    ),
    WorkplaceClosed: (
        Route("workplace_closed", "manager", EMAIL, note="why, and what opens it again"),
    ),
    ParticipantErased: (
        Route("placement_ended", "open_placement_supervisors", EMAIL,
              note="the placement has ended; not why, no name"),
    ),
}

DIGEST_TEMPLATE = "daily_digest"
"""Sent by the digest job, not by an event: one a day to each coordinator."""

TEMPLATES: tuple[str, ...] = tuple(
    sorted({r.template for routes in ROUTES.values() for r in routes} | {DIGEST_TEMPLATE})
)
