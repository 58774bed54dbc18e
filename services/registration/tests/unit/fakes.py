"""In-memory repositories and unit of work: the handlers run without Postgres or Kafka."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any
from uuid import UUID

from sqlalchemy import MetaData, Table
from sqlalchemy.ext.asyncio import async_sessionmaker

from services.registration.domain.model import (
    Contact,
    Guardian,
    Offer,
    Participant,
    PlacementRequest,
    Supervisor,
    Workplace,
)
from shared.outbox import OutboxMessage
from shared.unit_of_work import UnitOfWork


class _ByRef:
    def __init__(self) -> None:
        self.items: dict[UUID, Any] = {}

    async def get(self, ident: UUID, lock: bool = False) -> Any:
        item = self.items.get(ident)
        return None if item is None else replace(item)

    async def get_by_ref(self, municipality_code: str, ref: str) -> Any:
        return next((replace(i) for i in self.items.values()
                     if i.municipality_code == municipality_code and i.external_ref == ref), None)

    async def save(self, item: Any) -> None:
        self.items[item.id] = replace(item)


class FakeParticipants(_ByRef):
    def __init__(self) -> None:
        super().__init__()
        self.guardians: dict[UUID, Guardian] = {}
        self.links: dict[UUID, list[UUID]] = {}
        self.consents: dict[tuple[UUID, UUID, str], bool] = {}
        self.erasures: dict[UUID, str] = {}

    async def get(self, ident: UUID, lock: bool = False) -> Participant | None:
        item = self.items.get(ident)
        return None if item is None else replace(item, guardian_ids=list(self.links[ident]))

    async def get_by_ref(self, municipality_code: str, ref: str) -> Participant | None:
        found = await super().get_by_ref(municipality_code, ref)
        return None if found is None else await self.get(found.id)

    async def find(self, municipality_code: str, external_ref: str | None,
                   identity_hash: str) -> list[Participant]:
        return [replace(p) for p in self.items.values() if p.municipality_code ==
                municipality_code and (p.identity_hash == identity_hash
                                       or (external_ref and p.external_ref == external_ref))]

    async def add(self, participant: Participant) -> None:
        self.items[participant.id] = replace(participant)
        self.links.setdefault(participant.id, [])

    update = add

    async def add_if_new(self, participant: Participant) -> bool:
        if await self.find(participant.municipality_code, participant.external_ref,
                           participant.identity_hash) or participant.id in self.items:
            return False
        await self.add(participant)
        return True

    async def guardians_of(self, participant_id: UUID) -> list[Guardian]:
        return [replace(self.guardians[g]) for g in self.links.get(participant_id, [])]

    async def guardians_by_hash(self, municipality_code: str,
                                hashes: Iterable[str]) -> dict[str, Guardian]:
        wanted = set(hashes)
        return {g.identity_hash: replace(g) for g in self.guardians.values()
                if g.identity_hash in wanted and g.municipality_code == municipality_code}

    async def set_guardians(self, participant_id: UUID, guardians: list[Guardian]) -> None:
        for guardian in guardians:
            self.guardians[guardian.id] = replace(guardian)
        self.links[participant_id] = [g.id for g in guardians]

    async def drop_orphan_guardians(self, candidates: Iterable[UUID]) -> list[UUID]:
        linked = {g for ids in self.links.values() for g in ids}
        dropped = [g for g in candidates if g not in linked and g in self.guardians]
        for g in dropped:
            del self.guardians[g]
        return dropped

    async def record_consent(self, participant_id: UUID, guardian_id: UUID, program: str,
                             granted: bool) -> None:
        self.consents[(participant_id, guardian_id, program)] = granted

    async def erase(self, participant: Participant) -> list[UUID]:
        del self.items[participant.id]
        self.links.pop(participant.id, None)
        self.erasures[participant.id] = participant.municipality_code
        return await self.drop_orphan_guardians(participant.guardian_ids)

    async def erased(self, participant_id: UUID) -> str | None:
        return self.erasures.get(participant_id)


class FakeRequests(_ByRef):
    def __init__(self, workplaces: _ByRef) -> None:
        super().__init__()
        self.workplaces = workplaces

    async def workplaces_exist(self, municipality_code: str, ids: Iterable[UUID]) -> set[UUID]:
        return {i for i in ids if i in self.workplaces.items
                and self.workplaces.items[i].municipality_code == municipality_code}


class FakeCoordinators:
    def __init__(self) -> None:
        self.items: dict[UUID, tuple[str, Contact]] = {}

    async def save(self, ident: UUID, municipality_code: str, contact: Contact) -> None:
        self.items[ident] = (municipality_code, contact)

    async def municipality_of(self, ident: UUID) -> str | None:
        found = self.items.get(ident)
        return None if found is None else found[0]


class FakeUnitOfWork(UnitOfWork):
    """The shared unit of work's publishing, with dictionaries for tables."""

    def __init__(self) -> None:
        # Never opened: the fake keeps its tables in dictionaries and commits to a list.
        super().__init__(session_factory=async_sessionmaker(), outbox=Table("outbox", MetaData()),
                         source="urn:praktik:registration")
        self.participants = FakeParticipants()
        self.workplaces: _ByRef = _ByRef()
        self.supervisors: _ByRef = _ByRef()
        self.offers: _ByRef = _ByRef()
        self.requests = FakeRequests(self.workplaces)
        self.coordinators = FakeCoordinators()
        self.committed: list[OutboxMessage] = []

    async def __aenter__(self) -> FakeUnitOfWork:
        self.published = []
        self._pending = []
        return self

    async def __aexit__(self, *_: Any) -> None:
        self._pending = []

    async def commit(self) -> None:
        self.committed += self._pending
        self._pending = []


__all__ = ["FakeUnitOfWork", "Offer", "PlacementRequest", "Supervisor", "Workplace"]
