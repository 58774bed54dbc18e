"""What remains of an erased supervisor, manager or guardian (GDPR): an anonymous id, the
role, the municipality, and the ids `PersonErased` names, so that erasing again answers
again. Registration keeps no name, contact, reference or identity number of them."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from shared.contracts.types import ErasedRole

LEFT_ON_ERASURE = "erased"
"""`SupervisorLeft.reason` when a supervisor leaves because they are erased."""
SUPERVISOR_LEFT = "supervisor_left"
"""`PlacementSlotsWithdrawn.reason` for the offers of a supervisor who left."""


@dataclass(frozen=True)
class ErasedPerson:
    person_id: UUID
    role: ErasedRole
    municipality_code: str
    workplace_id: UUID | None = None
    participant_ids: tuple[UUID, ...] = ()
