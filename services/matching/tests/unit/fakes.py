"""Matching's ports in memory: the Books and the facts, and a unit of work around them.

`FakeBooks` keeps each municipality's Book between units of work, like the database:
a unit of work works on a copy of the Books it loads, and the copies it saved replace
the kept ones when it commits (a unit of work that does not commit leaves them as they
were). The facts (participants, consents, workplaces, rounds, the rows of requests and
placements) are written at once.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, cast
from uuid import UUID

from sqlalchemy.ext.asyncio import async_sessionmaker

from services.matching.adapters.orm import tables
from services.matching.domain import deadlines
from services.matching.domain.answers import OfferRules
from services.matching.domain.book import Book, RoundSummary
from services.matching.domain.market import ConsentState
from services.matching.domain.parties import Certificate, Participant, Supervisor, Workplace
from services.matching.domain.placements import OPEN_REQUEST, Placement, Request
from services.matching.unit_of_work import MatchingUnitOfWork
from shared.contracts.base import EventData
from shared.links import BadLink, Link, LinkSigner

DEADLINES = {program: timedelta(hours=72) for program in
             ("prao", "summer_job", "work_trial", "internship", "job_track")}
SIGNER = LinkSigner("unit-test-link-secret-of-thirty-two-characters")


class FakeUsedLinks:
    """The `used_links` table: claimed in the unit of work, kept once it commits."""

    def __init__(self) -> None:
        self.kept: set[str] = set()
        self.claimed: set[str] = set()

    async def claim(self, link: Link) -> None:
        if link.token_id in self.kept or link.token_id in self.claimed:
            raise BadLink("link_used", link.municipality_code)
        self.claimed.add(link.token_id)

    async def used(self, link: Link) -> bool:
        return link.token_id in self.kept


class FakeBooks:
    def __init__(self, deadlines: dict[str, timedelta]) -> None:
        self.deadlines = deadlines
        self.kept: dict[str, Book] = {}
        self.participants: dict[UUID, Participant] = {}
        self.consents: dict[tuple[UUID, UUID, str], bool] = {}
        self.seeds: dict[tuple[str, str], int] = {}
        self.consent_states: dict[tuple[UUID, str], ConsentState] = {}
        self.rules: dict[str, OfferRules] = {}
        self.workplaces: dict[UUID, Workplace] = {}
        self.supervisors: dict[UUID, Supervisor] = {}
        self.certificates: dict[UUID, tuple[Certificate, str]] = {}
        self.withdrawn: set[UUID] = set()
        self.rounds: list[tuple[RoundSummary, datetime]] = []
        self.requests: dict[UUID, Request] = {}
        """Every request saved, open or not (the `requests` table)."""
        self.placements: dict[UUID, Placement] = {}
        """Every placement saved, open or not (the `placements` table)."""
        self.kept_statistics: list[UUID] = []
        """Participants whose requests were kept as anonymous facts before erasure."""
        self._open: dict[str, Book] = {}
        self._saved: set[str] = set()

    # -- transactions ---------------------------------------------------------------

    def forget(self) -> None:
        self._open.clear()
        self._saved.clear()

    def keep(self) -> None:
        for m in self._saved:
            self.kept[m] = self._open[m]
        self.forget()

    # -- books ---------------------------------------------------------------------

    async def book(self, municipality_code: str) -> Book:
        if municipality_code not in self._open:
            kept = self.kept.get(municipality_code)
            self._open[municipality_code] = (copy.deepcopy(kept) if kept is not None
                                             else Book(municipality_code, self.deadlines))
        return self._open[municipality_code]

    async def books(self, municipality_codes: list[str]) -> dict[str, Book]:
        return {m: await self.book(m) for m in dict.fromkeys(municipality_codes)}

    async def save(self, *books: Book) -> None:
        for book in books:
            for request_id in book.changed_requests:
                if request_id in book.requests:
                    self.requests[request_id] = copy.copy(book.requests[request_id])
            for placement_id in book.changed_placements:
                placement = book.placements.get(placement_id) or book.ended[placement_id]
                self.placements[placement_id] = copy.copy(placement)
            book.changed_offers.clear()
            book.changed_requests.clear()
            book.changed_placements.clear()
            book.ended.clear()
            for request_id in [r for r, q in book.requests.items()
                               if q.status not in OPEN_REQUEST]:
                del book.requests[request_id]
            self._saved.add(book.municipality_code)

    async def ensure_participant(self, book: Book, participant_id: UUID) -> bool:
        if participant_id in book.participants:
            return True
        participant = self.participants.get(participant_id)
        if participant is None:
            return False
        book.participants[participant_id] = participant
        for (pid, guardian_id, program), granted in self.consents.items():
            if pid == participant_id:
                book.consents.setdefault(pid, {})[(guardian_id, program)] = granted
        for (pid, program), state in self.consent_states.items():
            if pid == participant_id:
                book.consent_states.setdefault(pid, {})[program] = state
        return True

    async def ensure_participants(self, wanted: list[tuple[Book, UUID]]) -> None:
        for book, participant_id in wanted:
            await self.ensure_participant(book, participant_id)

    # -- facts -----------------------------------------------------------------------

    async def participant(self, participant_id: UUID) -> Participant | None:
        return self.participants.get(participant_id)

    async def save_participant(self, p: Participant) -> None:
        self.participants[p.participant_id] = p

    async def keep_statistics(self, participant_id: UUID) -> None:
        self.kept_statistics.append(participant_id)

    async def erase_participant(self, participant_id: UUID) -> None:
        self.participants.pop(participant_id, None)
        self.consents = {k: v for k, v in self.consents.items() if k[0] != participant_id}
        self.consent_states = {k: v for k, v in self.consent_states.items()
                               if k[0] != participant_id}

    async def save_consent(self, participant_id: UUID, guardian_id: UUID, program: str,
                           granted: bool, state: str | None = None) -> None:
        self.consents[(participant_id, guardian_id, program)] = granted
        if state is not None:
            self.consent_states[(participant_id, program)] = cast(ConsentState, state)

    async def save_rules(self, rules: OfferRules) -> None:
        self.rules[rules.municipality_code] = rules

    async def save_workplace(self, w: Workplace) -> None:
        self.workplaces[w.workplace_id] = w

    async def save_supervisor(self, sv: Supervisor) -> None:
        self.supervisors[sv.supervisor_id] = sv

    async def save_certificate(self, c: Certificate, municipality_code: str) -> None:
        self.certificates[c.supervisor_id] = (copy.copy(c), municipality_code)

    async def withdrawn_offer(self, offer_id: UUID) -> None:
        self.withdrawn.add(offer_id)

    async def save_round(self, summary: RoundSummary, ran_at: datetime) -> None:
        self.rounds.append((summary, ran_at))

    async def next_seed(self, municipality_code: str, program: str, drawn: int,
                        now: datetime) -> int:
        return self.seeds.setdefault((municipality_code, program), drawn)

    async def take_seed(self, municipality_code: str, program: str) -> int | None:
        return self.seeds.pop((municipality_code, program), None)

    # -- queries ---------------------------------------------------------------------

    async def round_ran_since(self, municipality_code: str, program: str,
                              since: datetime) -> bool:
        return any(s.municipality_code == municipality_code and s.program == program
                   and at >= since for s, at in self.rounds)

    async def placement_municipality(self, placement_id: UUID) -> str | None:
        placement = self.placements.get(placement_id)
        return None if placement is None else placement.municipality_code

    async def stored_placement(self, placement_id: UUID) -> Placement | None:
        placement = self.placements.get(placement_id)
        return None if placement is None else copy.copy(placement)

    async def municipalities_in_play(self, participant_id: UUID) -> set[str]:
        return {r.municipality_code for r in self.requests.values()
                if r.participant_id == participant_id and r.status in OPEN_REQUEST}

    async def known_requests(self, request_ids: list[UUID]) -> set[UUID]:
        return {r for r in request_ids if r in self.requests}

    async def overdue(self, now: datetime) -> list[str]:
        """Like the query: the consent counted as missing (the Book counts it)."""
        return sorted({p.municipality_code for p in self.placements.values()
                       if p.status in ("proposed", "accepted")
                       and deadlines.lapsed(p, p.consent_required, now) is not None})

    async def reminders_due(self, now: datetime) -> list[str]:
        return sorted({p.municipality_code for p in self.placements.values()
                       if p.status in ("proposed", "accepted")
                       and deadlines.reminders_due(p, p.consent_required, now)})


class FakeParties:
    """The facts beside the Books (`adapters/parties`): open workplaces, who left, what
    supervisors are trained for; erasure updates the kept people."""

    def __init__(self, store: FakeBooks) -> None:
        self.store = store
        self.open: dict[UUID, str] = {}
        self.left: set[UUID] = set()
        self.supports: dict[UUID, frozenset[str]] = {}

    async def open_workplace(self, workplace_id: UUID, municipality_code: str,
                             opened_at: datetime) -> None:
        self.open[workplace_id] = municipality_code

    async def close_workplace(self, workplace_id: UUID) -> None:
        self.open.pop(workplace_id, None)

    async def supervisor_left(self, supervisor_id: UUID) -> None:
        self.left.add(supervisor_id)

    async def save_supervisor_supports(self, supervisor_id: UUID, municipality_code: str,
                                       supports: Iterable[str]) -> None:
        self.supports[supervisor_id] = frozenset(supports)

    async def erase_supervisor(self, supervisor_id: UUID) -> None:
        self.store.supervisors.pop(supervisor_id, None)
        self.store.certificates.pop(supervisor_id, None)
        self.supports.pop(supervisor_id, None)

    async def erase_guardian(self, guardian_id: UUID) -> None:
        for participant in self.store.participants.values():
            participant.guardian_ids = tuple(
                g for g in participant.guardian_ids if g != guardian_id)
        self.store.consents = {k: v for k, v in self.store.consents.items()
                               if k[1] != guardian_id}


class FakeUnitOfWork(MatchingUnitOfWork):
    """Keeps its `FakeBooks` across units of work; `events` is everything it published."""

    def __init__(self) -> None:
        super().__init__(async_sessionmaker(), tables.outbox, "urn:praktik:matching",
                         deadlines=DEADLINES, lock_wait_s=0.0, book_cache=None)
        self.store = FakeBooks(DEADLINES)
        self.books = self.store
        self.facts = FakeParties(self.store)
        self.parties = self.facts
        self.links = FakeUsedLinks()
        self.used_links = self.links
        self.events: list[EventData] = []
        self.commits = 0

    async def __aenter__(self) -> FakeUnitOfWork:
        self._pending = []
        self.published = []
        self.store.forget()
        self.links.claimed.clear()
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        self._pending = []
        self.store.forget()
        self.links.claimed.clear()

    def publish(self, data: EventData, **kwargs: Any) -> Any:
        self.events.append(data)
        return super().publish(data, **kwargs)

    async def commit(self) -> None:
        self.commits += 1
        self._pending = []
        self.store.keep()
        self.links.kept |= self.links.claimed
        self.links.claimed.clear()

    async def rollback(self) -> None:
        self._pending = []
        self.published = []
        self.store.forget()

    def of_type(self, kind: type) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]
