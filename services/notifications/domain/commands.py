"""Intents from HTTP and jobs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID


@dataclass(frozen=True)
class RecordDeliveryReceipt:
    """The SMS provider reports what became of a message it accepted."""

    provider_ref: str
    status: str  # delivered / failed
    delivered_at: str | None = None


@dataclass(frozen=True)
class SetSmsOptOut:
    person_id: UUID
    opt_out: bool = True


@dataclass(frozen=True)
class SendDigests:
    """Record today's digest for every coordinator who has not had it yet."""

    now: datetime
