"""The people and workplaces training knows from registration's events, and when a
workplace opens (öppen arbetsplats)."""

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
    manager_id: UUID
    opened: bool


def workplace_opens(already_open: bool, manager_attended_breakfast: bool,
                    certified_supervisors: int) -> bool:
    """Öppen arbetsplats: the manager attended the breakfast meeting and a supervisor is
    certified. Opening is announced once."""
    return not already_open and manager_attended_breakfast and certified_supervisors > 0
