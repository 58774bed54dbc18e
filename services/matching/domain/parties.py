"""The people and places the Book learns of from registration and training.

Plain values: a participant, a workplace, a supervisor and their certificate. Whether a
workplace is open (training's `WorkplaceOpened`/`WorkplaceClosed`) and what a supervisor's
deep dives train them for (`SupervisorSupportsRecorded`) are kept by the Market beside
these, since training may speak of a workplace or supervisor before registration does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID


@dataclass(slots=True)
class Participant:
    participant_id: UUID
    municipality_code: str
    birth_date: date
    gender: str
    preferred_language: str
    needs: frozenset[str] = frozenset()
    guardian_ids: tuple[UUID, ...] = ()


@dataclass(slots=True)
class Workplace:
    workplace_id: UUID
    municipality_code: str
    sector: str
    client_contact: bool
    min_age: int | None = None


@dataclass(slots=True)
class Supervisor:
    supervisor_id: UUID
    workplace_id: UUID
    municipality_code: str
    languages: frozenset[str]
    max_participants: int
    left: bool = False
    """The supervisor left the workplace (`SupervisorLeft`): no new placements."""


@dataclass(slots=True)
class Certificate:
    supervisor_id: UUID
    valid_until: date
    expired: bool = False

    def valid_through(self, day: date) -> bool:
        return not self.expired and self.valid_until >= day

