"""The people and workplaces training knows from registration's events."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from shared.contracts.types import TrainingRole


@dataclass(frozen=True)
class Person:
    """A supervisor or manager as registration announced them (no name: an opaque id)."""

    person_id: UUID
    role: TrainingRole
    municipality_code: str
    workplace_id: UUID | None


@dataclass(frozen=True)
class Workplace:
    workplace_id: UUID
    municipality_code: str
    manager_id: UUID | None
    """None once the manager left (erased) and no new one is registered."""
    opened: bool
