"""Training's unit of work: one transaction with the sessions, people and records."""

from __future__ import annotations

from services.training.adapters.repository import (
    PeopleRepository,
    RecordRepository,
    SessionRepository,
    SqlPeople,
    SqlRecords,
    SqlSessions,
)
from shared.unit_of_work import UnitOfWork


class TrainingUnitOfWork(UnitOfWork):
    sessions: SessionRepository
    people: PeopleRepository
    records: RecordRepository

    def _open(self) -> None:
        self.sessions = SqlSessions(self.session)
        self.people = SqlPeople(self.session)
        self.records = SqlRecords(self.session)
