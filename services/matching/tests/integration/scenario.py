"""Helpers for the matching integration tests: publish facts, wait for decisions."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from devkit.bus import TopicReader
from devkit.publisher import Publisher
from shared.contracts import topics
from shared.contracts.base import EventData
from shared.contracts.registration import (
    ParticipantRegistered,
    PlacementRequested,
    PlacementSlotsOffered,
    Preference,
    SupervisorRegistered,
    WorkplaceRegistered,
)
from shared.contracts.registry import topic_of
from shared.contracts.training import SupervisorCertified, WorkplaceClosed, WorkplaceOpened
from shared.contracts.types import ClosedReason
from shared.links import HEADER, LinkSigner, Purpose
from shared.runtime import Service


def municipality() -> str:
    """A municipality code of its own per test: the shared topics carry others' traffic."""
    return f"{random.randint(2000, 9999)}"


class Scenario:
    def __init__(self, publisher: Publisher, reader: TopicReader, municipality_code: str):
        self.pub = publisher
        self.reader = reader
        self.m = municipality_code

    async def send(self, data: EventData) -> None:
        await self.pub.send_data(topic_of(data), data)

    async def workplace(self, client_contact: bool = False, sector: str = "municipal",
                        opened: bool = True) -> UUID:
        """A registered workplace; `opened`: its manager has attended the breakfast
        meeting, and training has opened it (matching places only at open workplaces)."""
        wid = uuid.uuid4()
        await self.send(WorkplaceRegistered(
            workplace_id=wid, org_number="212000-1355", name="Arbetsplats",
            sector=sector, municipality_code=self.m, manager_id=uuid.uuid4(),
            client_contact=client_contact))
        if opened:
            await self.open(wid)
        return wid

    async def open(self, wid: UUID) -> None:
        await self.send(WorkplaceOpened(workplace_id=wid, municipality_code=self.m))

    async def close(self, wid: UUID, closed_on: date,
                    reason: ClosedReason = "certification_expired") -> None:
        await self.send(WorkplaceClosed(workplace_id=wid, municipality_code=self.m,
                                        reason=reason, closed_on=closed_on))

    async def supervisor(self, wid: UUID, max_participants: int = 2,
                         certified: bool = True) -> UUID:
        sid = uuid.uuid4()
        await self.send(SupervisorRegistered(supervisor_id=sid, workplace_id=wid,
                                             municipality_code=self.m, languages=["sv"],
                                             max_participants=max_participants))
        if certified:
            await self.certify(sid, wid)
        return sid

    async def certify(self, sid: UUID, wid: UUID, valid_until: date = date(2029, 1, 1)) -> None:
        await self.send(SupervisorCertified(
            supervisor_id=sid, workplace_id=wid, municipality_code=self.m,
            certified_at=date(2026, 1, 1), valid_until=valid_until))

    async def offer(self, wid: UUID, sid: UUID, program: str = "internship",
                    occupation: str = "5120", capacity: int = 1,
                    start: date = date(2027, 3, 1), end: date = date(2027, 4, 30)) -> UUID:
        oid = uuid.uuid4()
        await self.send(PlacementSlotsOffered(
            offer_id=oid, workplace_id=wid, supervisor_id=sid, municipality_code=self.m,
            program=program, occupation=occupation, period_start=start, period_end=end,
            capacity=capacity))
        return oid

    async def participant(self, born: date = date(1990, 1, 1),
                          guardians: int = 0, gender: str = "female") -> tuple[UUID, list[UUID]]:
        pid = uuid.uuid4()
        guardian_ids = [uuid.uuid4() for _ in range(guardians)]
        await self.send(ParticipantRegistered(
            participant_id=pid, municipality_code=self.m, birth_date=born, gender=gender,
            preferred_language="sv", guardian_ids=guardian_ids))
        return pid, guardian_ids

    async def request(self, pid: UUID, program: str = "internship",
                      occupations: tuple[str, ...] = (), priority: int = 0,
                      start: date = date(2027, 3, 1), end: date = date(2027, 4, 30)) -> UUID:
        rid = uuid.uuid4()
        await self.send(PlacementRequested(
            request_id=rid, participant_id=pid, municipality_code=self.m, program=program,
            period_start=start, period_end=end,
            preferences=[Preference(occupation=o) for o in occupations],
            priority=priority))
        return rid

    def events(self, type_: str, **match: Any) -> list[dict[str, Any]]:
        return [e for e in self.reader.events(topics.MATCHING_EVENTS, type_)
                if all(e["data"].get(k) == str(v) if isinstance(v, UUID) else
                       e["data"].get(k) == v for k, v in match.items())]

    async def wait(self, type_: str, count: int = 1, timeout_s: float = 30.0,
                   **match: Any) -> list[dict[str, Any]]:
        await self.reader.wait_for(lambda _: len(self.events(type_, **match)) >= count,
                                   timeout_s=timeout_s)
        return self.events(type_, **match)


def link_token(service: Service, purpose: Purpose, placement: str | UUID, person: str | UUID,
               expires_at: datetime | None = None) -> str:
    """A link's token as notifications signs it (the services share `link_secret`)."""
    return LinkSigner(service.settings.link_secret).sign(
        purpose, UUID(str(placement)), UUID(str(person)),
        expires_at or now() + timedelta(days=7))


def link_header(token: str) -> dict[str, str]:
    return {HEADER: token}


def workplace_link(service: Service, proposed: dict[str, Any]) -> dict[str, str]:
    """The header of the supervisor's link to a proposal (a fresh token each call)."""
    data = proposed["data"]
    return link_header(link_token(service, "workplace_answer", data["placement_id"],
                                  data["supervisor_id"]))


def now() -> datetime:
    return datetime.now(UTC)
