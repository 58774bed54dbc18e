"""Intents from HTTP and jobs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID


@dataclass(frozen=True)
class RecordDeliveryReceipt:
    """The SMS provider reports what became of a message it accepted."""

    provider_ref: str
    status: str  # delivered / failed / sent
    delivered_at: str | None = None


@dataclass(frozen=True)
class ForgetUnmatchedReceipts:
    """Drop the delivery receipts kept since before `before` whose SMS never appeared."""

    before: datetime


@dataclass(frozen=True)
class SetSmsOptOut:
    person_id: UUID
    opt_out: bool = True


@dataclass(frozen=True)
class OptOutByLink:
    """The person followed the opt-out link in a message and confirmed: no more messages
    on the link's channel (SMS: e-mail instead; e-mail: SMS where allowed)."""

    token: str


@dataclass(frozen=True)
class SendDigests:
    """Record today's digest for every coordinator who has not had it yet."""

    now: datetime
