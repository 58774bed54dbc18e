"""Consent (fullmakt) by a participant's guardians, and the municipality's rule that
turns their answers into the participant's consent for a programme.

With two guardians a municipality decides: `either` may consent (the first yes is
enough, a refusal counts only while nobody said yes), or `both` must (one refusal is
enough to refuse; consent needs a yes from every guardian).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from uuid import UUID

from services.registration.domain import validation as v

ConsentRule = Literal["either", "both"]
ConsentState = Literal["granted", "refused", "pending"]
Via = Literal["link", "coordinator", "intake"]
DEFAULT_RULE: ConsentRule = "either"
MAX_MESSAGE = 1000
CLOSED = frozenset({"declined", "cancelled"})
"""The placement statuses after which a consent link answers 409 `placement_closed`."""

_CONTROL_BUT_LINES = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class ConsentAnswer:
    """One guardian's answer for a programme: who, when, how, with what message."""

    participant_id: UUID
    guardian_id: UUID
    program: str
    granted: bool
    via: Via
    recorded_at: datetime | None = None
    message: str | None = None
    placement_id: UUID | None = None


@dataclass(frozen=True)
class KnownPlacement:
    """A placement as registration knows it from matching's events: the request it
    answers (whose participant and programme), the offer it is at, and where it stands
    (`proposed`, `confirmed`, `declined`, `cancelled`, `completed`), kept by placement:
    a request proposed another placement keeps the links of the old one answering."""

    placement_id: UUID
    request_id: UUID
    participant_id: UUID
    municipality_code: str
    program: str
    offer_id: UUID | None
    status: str = "proposed"

    @property
    def closed(self) -> bool:
        """Declined or cancelled: it is off, and nobody answers for it any more."""
        return self.status in CLOSED


def consent_state(rule: ConsentRule, guardian_ids: Sequence[UUID],
                  answers: Mapping[UUID, bool]) -> ConsentState:
    """The participant's consent under `rule`, from the answers of its guardians (answers
    of anyone no longer a guardian do not count)."""
    given = [answers[g] for g in guardian_ids if g in answers]
    if rule == "both":
        if not all(given):
            return "refused"
        return "granted" if guardian_ids and len(given) == len(guardian_ids) else "pending"
    if any(given):
        return "granted"
    return "refused" if given else "pending"


def message(value: str | None) -> str | None:
    """A guardian's message: trimmed, at most 1000 characters, lines kept."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise v.Invalid("must be text")
    cleaned = value.replace("\r\n", "\n").strip()
    if len(cleaned) > MAX_MESSAGE:
        raise v.Invalid(f"must be at most {MAX_MESSAGE} characters")
    if _CONTROL_BUT_LINES.search(cleaned):
        raise v.Invalid("must not contain control characters")
    return cleaned or None
