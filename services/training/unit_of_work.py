"""Training's unit of work: one transaction with the sessions, people, records and the
used links (a link's claim commits with what it did)."""

from __future__ import annotations

from services.training.adapters.orm import tables
from services.training.adapters.people import PeopleRepository, SqlPeople
from services.training.adapters.repository import (
    RecordRepository,
    SessionRepository,
    SqlRecords,
    SqlSessions,
)
from shared.unit_of_work import UnitOfWork
from shared.used_links import LinkUses, UsedLinks


class TrainingUnitOfWork(UnitOfWork):
    sessions: SessionRepository
    people: PeopleRepository
    records: RecordRepository
    links: LinkUses

    def _open(self) -> None:
        self.sessions = SqlSessions(self.session)
        self.people = SqlPeople(self.session)
        self.records = SqlRecords(self.session)
        self.links = UsedLinks(self.session, tables.used_links)
