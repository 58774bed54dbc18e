"""In-memory repositories and unit of work: the handlers run without Postgres or Kafka."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import MetaData, Table
from sqlalchemy.ext.asyncio import async_sessionmaker

from services.registration.domain.access import AccessEntry
from services.registration.domain.consent import (
    DEFAULT_RULE,
    ConsentAnswer,
    ConsentRule,
    KnownPlacement,
)
from services.registration.domain.erasure import ErasedPerson
from services.registration.domain.model import (
    Contact,
    Guardian,
    Offer,
    Participant,
    PlacementRequest,
    Supervisor,
    Workplace,
)
from services.registration.domain.profile import MunicipalityProfile
from services.registration.domain.senders import Sender
from shared.links import BadLink, Link
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
        self.answers: dict[tuple[UUID, UUID, str], ConsentAnswer] = {}
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

    async def record_consent(self, answer: ConsentAnswer) -> None:
        key = (answer.participant_id, answer.guardian_id, answer.program)
        self.consents[key] = answer.granted
        self.answers[key] = answer

    async def answers_for(self, participant_id: UUID, program: str) -> dict[UUID, bool]:
        return {g: granted for (p, g, prog), granted in self.consents.items()
                if p == participant_id and prog == program}

    async def erase(self, participant: Participant) -> list[UUID]:
        del self.items[participant.id]
        for key in [k for k in self.consents if k[0] == participant.id]:
            del self.consents[key], self.answers[key]
        self.links.pop(participant.id, None)
        self.erasures[participant.id] = participant.municipality_code
        return await self.drop_orphan_guardians(participant.guardian_ids)

    async def erased(self, participant_id: UUID) -> str | None:
        return self.erasures.get(participant_id)

    async def guardian(self, guardian_id: UUID) -> Guardian | None:
        found = self.guardians.get(guardian_id)
        return None if found is None else replace(found)

    async def children_of(self, guardian_id: UUID) -> list[UUID]:
        return sorted(p for p, ids in self.links.items() if guardian_id in ids)

    async def erase_guardian(self, guardian_id: UUID) -> None:
        del self.guardians[guardian_id]
        for ids in self.links.values():
            if guardian_id in ids:
                ids.remove(guardian_id)
        for key in [k for k in self.consents if k[1] == guardian_id]:
            del self.consents[key], self.answers[key]


class FakeWorkplaces(_ByRef):
    async def with_manager(self, manager_id: UUID) -> Workplace | None:
        return next((replace(w) for w in self.items.values() if w.manager_id == manager_id),
                    None)

    async def erase_manager(self, workplace_id: UUID) -> None:
        self.items[workplace_id] = replace(self.items[workplace_id], manager_id=None,
                                           manager=None)


class FakeSupervisors(_ByRef):
    def __init__(self) -> None:
        super().__init__()
        self.erased: set[UUID] = set()
        self.reasons: dict[UUID, str] = {}

    async def get(self, ident: UUID, lock: bool = False) -> Any:
        return None if ident in self.erased else await super().get(ident)

    async def mark_left(self, supervisor_id: UUID, reason: str) -> None:
        self.items[supervisor_id] = replace(self.items[supervisor_id], left=True)
        self.reasons[supervisor_id] = reason

    async def erase(self, supervisor_id: UUID) -> None:
        self.items[supervisor_id] = replace(
            self.items[supervisor_id], contact=Contact(""), external_ref=None, left=True)
        self.erased.add(supervisor_id)


class FakeOffers(_ByRef):
    async def open_of(self, supervisor_id: UUID) -> list[Offer]:
        return [replace(o) for o in self.items.values()
                if o.supervisor_id == supervisor_id and o.status == "open"]


class FakeErasures:
    def __init__(self) -> None:
        self.items: dict[UUID, ErasedPerson] = {}

    async def record(self, erased: ErasedPerson) -> None:
        self.items.setdefault(erased.person_id, erased)

    async def get(self, person_id: UUID) -> ErasedPerson | None:
        return self.items.get(person_id)


class FakeRequests(_ByRef):
    def __init__(self, workplaces: _ByRef) -> None:
        super().__init__()
        self.workplaces = workplaces
        self.placements: dict[UUID, KnownPlacement] = {}
        """What matching's events told (`placement_news` in Postgres)."""

    async def placement(self, placement_id: UUID) -> KnownPlacement | None:
        return self.placements.get(placement_id)

    async def workplaces_exist(self, municipality_code: str, ids: Iterable[UUID]) -> set[UUID]:
        return {i for i in ids if i in self.workplaces.items
                and self.workplaces.items[i].municipality_code == municipality_code}


class FakeNews:
    """Matching's news: the requests' latest as rows, and every placement by id (into
    `FakeRequests.placements`, from the request it answers, as the Postgres upsert)."""

    def __init__(self, requests: FakeRequests) -> None:
        self.requests = requests
        self.latest: dict[UUID, dict[str, Any]] = {}

    async def placements(self, news: Iterable[dict[str, Any]]) -> None:
        self.latest.update({row["request_id"]: dict(row) for row in news})

    async def known_placements(self, news: Iterable[dict[str, Any]]) -> None:
        for row in news:
            request = self.requests.items.get(row["request_id"])
            if request is None:
                continue
            known = self.requests.placements.get(row["placement_id"])
            offer_id = row["offer_id"] or (known.offer_id if known else None)
            self.requests.placements[row["placement_id"]] = KnownPlacement(
                row["placement_id"], request.id, request.participant_id,
                request.municipality_code, request.program, offer_id, row["status"])

    async def placement_ended(self, placement_id: UUID, status: str, reason: str | None,
                              at: Any) -> None:
        known = self.requests.placements.get(placement_id)
        if known is not None:
            self.requests.placements[placement_id] = replace(known, status=status)


class FakeCoordinators:
    def __init__(self) -> None:
        self.items: dict[UUID, tuple[str, Contact]] = {}

    async def save(self, ident: UUID, municipality_code: str, contact: Contact) -> None:
        self.items[ident] = (municipality_code, contact)

    async def municipality_of(self, ident: UUID) -> str | None:
        found = self.items.get(ident)
        return None if found is None else found[0]


class FakeMunicipalities:
    def __init__(self) -> None:
        self.items: dict[str, MunicipalityProfile] = {}

    async def get(self, code: str) -> MunicipalityProfile | None:
        return self.items.get(code)

    async def consent_rule(self, code: str) -> ConsentRule:
        found = self.items.get(code)
        return DEFAULT_RULE if found is None else found.consent_rule

    async def save(self, profile: MunicipalityProfile) -> None:
        self.items[profile.municipality_code] = profile


class FakeLinks:
    def __init__(self) -> None:
        self.tokens: set[str] = set()

    async def claim(self, link: Link) -> None:
        if link.token_id in self.tokens:
            raise BadLink("link_used", link.municipality_code)
        self.tokens.add(link.token_id)

    async def used(self, link: Link) -> bool:
        return link.token_id in self.tokens


class FakeSenders:
    def __init__(self) -> None:
        self.items: dict[str, Sender] = {}
        self.subjects: dict[UUID, tuple[str, str]] = {}

    async def get(self, name: str) -> Sender | None:
        return self.items.get(name)

    async def by_source(self, source: str) -> Sender | None:
        return next((s for s in self.items.values() if s.source == source), None)

    async def all(self) -> list[Sender]:
        return [self.items[name] for name in sorted(self.items)]

    async def save(self, sender: Sender) -> None:
        self.items[sender.name] = sender

    async def remove(self, name: str) -> bool:
        self.subjects = {k: v for k, v in self.subjects.items() if v[0] != name}
        return self.items.pop(name, None) is not None

    async def remember(self, subjects: Iterable[tuple[UUID, str, str]]) -> None:
        for ident, sender, code in subjects:
            self.subjects.setdefault(ident, (sender, code))

    async def whose(self, subject_ids: Iterable[UUID]) -> dict[UUID, tuple[str, str]]:
        return {i: self.subjects[i] for i in subject_ids if i in self.subjects}


class FakeAccessLog:
    def __init__(self) -> None:
        self.entries: list[AccessEntry] = []

    async def add(self, entry: AccessEntry) -> None:
        self.entries.append(entry)

    async def purge(self, before: datetime) -> int:
        kept = [e for e in self.entries if e.read_at >= before]
        purged, self.entries = len(self.entries) - len(kept), kept
        return purged


class FakeIntakeRejections:
    def __init__(self) -> None:
        self.rejected: list[tuple[Any, datetime]] = []

    async def add(self, answer: Any, at: datetime) -> None:
        self.rejected.append((answer, at))

    async def purge(self, before: datetime) -> int:
        kept = [(a, at) for a, at in self.rejected if at >= before]
        purged, self.rejected = len(self.rejected) - len(kept), kept
        return purged


class FakeUnitOfWork(UnitOfWork):
    """The shared unit of work's publishing, with dictionaries for tables."""

    def __init__(self) -> None:
        # Never opened: the fake keeps its tables in dictionaries and commits to a list.
        super().__init__(session_factory=async_sessionmaker(), outbox=Table("outbox", MetaData()),
                         source="urn:praktik:registration")
        self.participants = FakeParticipants()
        self.workplaces = FakeWorkplaces()
        self.supervisors = FakeSupervisors()
        self.offers = FakeOffers()
        self.requests = FakeRequests(self.workplaces)
        self.news = FakeNews(self.requests)
        self.coordinators = FakeCoordinators()
        self.municipalities = FakeMunicipalities()
        self.links = FakeLinks()
        self.erasures = FakeErasures()
        self.senders = FakeSenders()
        self.access_log = FakeAccessLog()
        self.intake_rejections = FakeIntakeRejections()
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
