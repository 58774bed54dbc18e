"""The messages notifications sent about a placement, and what became of each (its
`GET /notifications/placements/{id}`): to whom by role, how, whether it went out, after
how many attempts, and the phone network's receipt. Nobody's address is shown."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

MESSAGE_NAMES: tuple[str, ...] = (
    "certificate", "certification_expired", "certification_expiring", "certification_note",
    "consent_outcome", "consent_receipt", "consent_request", "course_evaluation",
    "course_invitation", "course_reminder", "daily_digest", "day_one_checklist",
    "deadline_extended", "deadline_reminder", "enrolment_cancelled",
    "enrolment_confirmation", "enrolment_waitlisted", "placement_accepted",
    "placement_cancelled", "placement_declined", "placement_ended", "placement_offer",
    "placement_proposal", "waitlisted", "welcome_letter", "workplace_closed")
"""Notifications' templates, each with words (`staff.message.<name>`); another name is
shown as it is."""
DELIVERY: tuple[str, ...] = ("pending", "sending", "sent", "failed", "cancelled")
ROLES: tuple[str, ...] = ("participant", "guardian", "supervisor", "manager", "coordinator")


@dataclass(frozen=True)
class MessageRow:
    template: str
    recipient_role: str
    channel: str
    """email, sms."""
    status: str
    attempts: int
    sent_at: datetime | None
    receipt: str
    """The SMS receipt (delivered, failed); empty: none (or an e-mail)."""
    error: str

    @property
    def reached_no_one(self) -> bool:
        return self.status == "failed" or self.receipt == "failed"


def message_rows(answer: Mapping[str, Any]) -> list[MessageRow]:
    rows = []
    for item in answer.get("messages") or []:
        if not isinstance(item, dict):
            continue
        try:
            sent_at = datetime.fromisoformat(item["sent_at"]) if item.get("sent_at") else None
        except (TypeError, ValueError):
            sent_at = None
        rows.append(MessageRow(
            str(item.get("template") or ""), str(item.get("recipient_role") or ""),
            str(item.get("channel") or ""), str(item.get("status") or ""),
            int(item.get("attempts") or 0), sent_at, str(item.get("receipt") or ""),
            str(item.get("error") or "")))
    return rows
