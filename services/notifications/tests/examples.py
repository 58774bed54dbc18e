"""Example events and facts for every route of the table (used by unit and integration
tests): the sample world of `domain.samples`, what the table sends for it, and the
tests' links."""

from __future__ import annotations

from services.notifications.domain.links import Links
from services.notifications.domain.planning import PlanConfig
from services.notifications.domain.samples import World
from shared.links import DEVELOPMENT_SECRET, LinkSigner

__all__ = ["EXPECTED", "LINKS", "PLAN", "World"]

EXPECTED: set[tuple[str, str, str]] = {
    ("course_invitation", "supervisor", "email"),
    ("course_invitation", "manager", "email"),
    ("enrolment_confirmation", "supervisor", "email"),
    ("course_reminder", "supervisor", "sms"),
    ("certificate", "supervisor", "email"),
    ("certification_note", "manager", "email"),
    ("placement_proposal", "supervisor", "email"),
    ("placement_proposal", "supervisor", "sms"),
    ("consent_request", "guardian", "email"),
    ("welcome_letter", "participant", "email"),
    ("welcome_letter", "guardian", "email"),
    ("day_one_checklist", "supervisor", "email"),
    ("waitlisted", "participant", "email"),
    ("waitlisted", "guardian", "email"),
    ("enrolment_waitlisted", "manager", "email"),
    ("placement_offer", "participant", "email"),
    ("consent_receipt", "guardian", "email"),
    ("consent_outcome", "participant", "email"),
    ("placement_accepted", "participant", "email"),
    ("placement_accepted", "guardian", "email"),
    ("placement_accepted", "supervisor", "email"),
    ("placement_declined", "participant", "email"),
    ("placement_declined", "supervisor", "email"),
    ("placement_cancelled", "participant", "email"),
    ("placement_cancelled", "guardian", "email"),
    ("placement_cancelled", "supervisor", "email"),
    ("placement_ended", "supervisor", "email"),
    ("deadline_reminder", "supervisor", "email"),
    ("deadline_reminder", "supervisor", "sms"),
    ("deadline_extended", "guardian", "email"),
    ("workplace_closed", "manager", "email"),
    ("enrolment_cancelled", "manager", "email"),
    ("course_evaluation", "supervisor", "email"),
    ("certification_expiring", "supervisor", "email"),
    ("certification_expired", "supervisor", "email"),
    ("certification_expired", "manager", "email"),
}


LINKS = Links("http://portal.test", LinkSigner(DEVELOPMENT_SECRET))
"""The links of the tests: to a portal at portal.test, signed with the development key."""
PLAN = PlanConfig(LINKS)
