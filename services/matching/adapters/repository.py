"""Loading and saving Books (one municipality's market) in Postgres: the write side.

Concurrency: every Book is loaded only after its municipality's transaction-scoped
advisory lock is taken, so two replicas (or a replica and an HTTP call) never decide
about the same seats at once; a second transaction waits, then reads what the first
committed. The lock is taken with `pg_try_advisory_xact_lock` in a short loop rather
than a blocking wait, so two batches that need two municipalities in opposite order
cannot deadlock: the one that gives up raises `MunicipalityBusy` (a TimeoutError,
hence transient), rolls back and is retried. Beneath the lock, Postgres checks the
invariants itself: an offer's seat counter only grows while `held < capacity`, a
supervisor's overlapping placements are counted against `max_participants`, and
partial unique indexes allow one open placement per request and per participant
and programme. Read models for HTTP are in views.py.
"""

from __future__ import annotations

import asyncio
import random
import uuid
import zlib
from datetime import datetime, timedelta
from typing import Any, Protocol
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy import any_, func, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.ext.asyncio import AsyncSession

from services.matching.adapters import deadlines, loading, orm, statistics
from services.matching.adapters.book_cache import BookCache, KeptBook
from services.matching.adapters.rows import (
    offer_row,
    participant_row,
    placement_from_row,
    placement_row,
    request_row,
    rules_row,
    text_array,
)
from services.matching.domain.answers import OfferRules
from services.matching.domain.book import Book, RoundSummary
from services.matching.domain.parties import Certificate, Participant, Supervisor, Workplace
from services.matching.domain.placements import OPEN, OPEN_REQUEST, Placement


class MunicipalityBusy(TimeoutError):
    """Another transaction holds the municipality: roll back and retry (transient)."""


class SeatTaken(Exception):
    """Postgres refused a seat the Book thought was free: the lock was bypassed (a bug)."""


def lock_key(municipality_code: str) -> int:
    return zlib.crc32(f"matching:{municipality_code}".encode())


_TRY_LOCKS = text(
    "SELECT k FROM unnest(CAST(:keys AS bigint[])) AS k WHERE NOT pg_try_advisory_xact_lock(k)"
)
"""Try every key's lock; returns the keys another transaction holds."""


class Books(Protocol):
    """What the handlers and jobs ask of the Books (a unit test fakes it)."""

    def forget(self) -> None: ...
    def keep(self) -> None: ...
    async def book(self, municipality_code: str) -> Book: ...
    async def books(self, municipality_codes: list[str]) -> dict[str, Book]: ...
    async def save(self, *books: Book) -> None: ...
    async def ensure_participant(self, book: Book, participant_id: UUID) -> bool: ...
    async def ensure_participants(self, wanted: list[tuple[Book, UUID]]) -> None: ...
    async def participant(self, participant_id: UUID) -> Participant | None: ...
    async def save_participant(self, p: Participant) -> None: ...
    async def erase_participant(self, participant_id: UUID) -> None: ...
    async def keep_statistics(self, participant_id: UUID) -> None: ...
    async def save_consent(self, participant_id: UUID, guardian_id: UUID, program: str,
                           granted: bool, state: str | None = None) -> None: ...
    async def save_rules(self, rules: OfferRules) -> None: ...
    async def save_workplace(self, w: Workplace) -> None: ...
    async def save_supervisor(self, sv: Supervisor) -> None: ...
    async def save_certificate(self, c: Certificate, municipality_code: str) -> None: ...
    async def withdrawn_offer(self, offer_id: UUID) -> None: ...
    async def save_round(self, summary: RoundSummary, ran_at: datetime) -> None: ...
    async def next_seed(self, municipality_code: str, program: str, drawn: int,
                        now: datetime) -> int: ...
    async def take_seed(self, municipality_code: str, program: str) -> int | None: ...
    async def round_ran_since(self, municipality_code: str, program: str,
                              since: datetime) -> bool: ...
    async def placement_municipality(self, placement_id: UUID) -> str | None: ...
    async def stored_placement(self, placement_id: UUID) -> Placement | None: ...
    async def municipalities_in_play(self, participant_id: UUID) -> set[str]: ...
    async def known_requests(self, request_ids: list[UUID]) -> set[UUID]: ...
    async def overdue(self, now: datetime) -> list[str]: ...
    async def reminders_due(self, now: datetime) -> list[str]: ...


class BookRepository:
    """`Books` in Postgres: locked, cached between transactions, saved in bulk."""

    def __init__(self, session: AsyncSession, deadlines: dict[str, timedelta],
                 lock_wait_s: float = 5.0, cache: BookCache | None = None) -> None:
        self.session = session
        self.deadlines = deadlines
        self.lock_wait_s = lock_wait_s
        self.cache = cache
        self._books: dict[str, Book] = {}
        self._versions: dict[str, UUID | None] = {}
        """Each locked Book's version as read, then as written by `save`."""
        self._loaded_offers: dict[UUID, dict[str, Any]] = {}
        """Each loaded offer's row as last read or written: what `save` compares with."""

    def forget(self) -> None:
        """Drop this transaction's Books (after a rollback they may no longer be the
        database's); none of them goes back to the cache."""
        self._books.clear()
        self._versions.clear()
        self._loaded_offers.clear()

    def keep(self) -> None:
        """After a commit: hand the Books to the cache, each trimmed to what a fresh
        load would read, with the version this transaction read or wrote."""
        if self.cache is not None:
            for m, book in self._books.items():
                version = self._versions.get(m)
                if version is None or _pending(book):
                    continue
                _trim(book)
                rows = {oid: self._loaded_offers[oid] for oid in book.offers
                        if oid in self._loaded_offers}
                if len(rows) == len(book.offers):
                    self.cache.keep(m, KeptBook(version, book, rows))
        self.forget()
    # -- locking -------------------------------------------------------------------

    async def lock(self, *municipality_codes: str) -> None:
        """Take the municipalities' locks (one statement tries them all; those another
        transaction holds are tried again until the wait runs out)."""
        waiting = sorted({lock_key(m): m for m in municipality_codes}.items())
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.lock_wait_s * random.uniform(0.7, 1.3)
        while True:
            held = set(await self.session.scalars(_TRY_LOCKS, {"keys": [k for k, _ in waiting]}))
            waiting = [(k, m) for k, m in waiting if k in held]
            if not waiting:
                return
            if loop.time() > deadline:
                raise MunicipalityBusy(
                    f"municipality {', '.join(m for _, m in waiting)} is busy")
            await asyncio.sleep(random.uniform(0.01, 0.05))
    # -- books ---------------------------------------------------------------------

    async def book(self, municipality_code: str) -> Book:
        """The municipality's Book, locked for this transaction (cached per unit of work)."""
        found = self._books.get(municipality_code)
        if found is not None:
            return found
        await self.lock(municipality_code)
        await self.lock(municipality_code)
        book = (await self._fetch([municipality_code]))[municipality_code]
        self._books[municipality_code] = book
        return book

    async def books(self, municipality_codes: list[str]) -> dict[str, Book]:
        """`book` for several municipalities: all locked, then those not yet loaded read
        together (one query per table for all of them)."""
        wanted = list(dict.fromkeys(municipality_codes))
        missing = [m for m in wanted if m not in self._books]
        if missing:
            await self.lock(*missing)
            self._books.update(await self._fetch(missing))
        return {m: self._books[m] for m in wanted}

    async def _fetch(self, ms: list[str]) -> dict[str, Book]:
        """Locked Books: the cache's where its version is still the database's, the
        others read."""
        v = orm.book_versions
        self._versions.update({m: None for m in ms})
        self._versions.update({row.municipality_code: row.version for row in await
                               self.session.execute(select(v).where(
                                   v.c.municipality_code == any_(text_array("ms"))),
                                   {"ms": ms})})
        found: dict[str, Book] = {}
        for m in ms:
            kept = self.cache.take(m, self._versions[m]) if self.cache is not None else None
            if kept is not None:
                found[m] = kept.book
                self._loaded_offers.update(kept.offer_rows)
        rest = [m for m in ms if m not in found]
        if rest:
            found.update(await loading.load_books(self.session, rest, self.deadlines,
                                                  self._loaded_offers))
        return found

    # -- saving --------------------------------------------------------------------

    async def save(self, *books: Book) -> None:
        """Write what the Books changed, in a few bulk statements; Postgres re-checks the
        seat invariants.

        Only what changed is written: an offer whose seat counter alone moved gets one
        guarded increment (all such offers in one statement), changed requests one
        multi-row upsert, changed placements two (ended ones first: their rows must leave
        the "open" unique indexes before a new placement of the same request arrives),
        and the supervisors of the new placements one check of their maximum.
        """
        await self._save_offers(books)
        await self._upsert_many(orm.requests, [
            request_row(book.requests[request_id])
            for book in books for request_id in sorted(book.changed_requests)
            if request_id in book.requests
        ], ["request_id"])
        await self._save_placements(books)
        # Every save names a new version of its Books (see book_cache).
        versions = {book.municipality_code: uuid.uuid4() for book in books}
        await self._upsert_many(orm.book_versions, [
            {"municipality_code": m, "version": version} for m, version in versions.items()],
            ["municipality_code"])
        self._versions.update(versions)
        for book in books:
            book.changed_offers.clear()
            book.changed_requests.clear()
            book.changed_placements.clear()
            book.ended.clear()
            # Requests that are no longer open leave the Book.
            for request_id in [r for r, q in book.requests.items()
                               if q.status not in OPEN_REQUEST]:
                del book.requests[request_id]

    async def _save_offers(self, books: tuple[Book, ...]) -> None:
        """New offers inserted, changed ones updated, seat counters moved by their delta."""
        grown: dict[UUID, int] = {}
        shrunk: dict[UUID, int] = {}
        for book in books:
            for offer_id in sorted(book.changed_offers):
                offer = book.offers[offer_id]
                row = offer_row(offer)
                loaded = self._loaded_offers.get(offer_id)
                if loaded is None:
                    values = {k: v for k, v in row.items() if k != "held"}
                    await self.session.execute(
                        insert(orm.offers).values(**values, held=0).on_conflict_do_update(
                            index_elements=["offer_id"],
                            set_={k: v for k, v in values.items() if k != "offer_id"}))
                    loaded = {**row, "held": 0}
                delta = offer.held - loaded["held"]
                fields = {k: v for k, v in row.items()
                          if k not in ("offer_id", "held") and v != loaded[k]}
                if fields:
                    await self._update_offer(offer_id, fields, delta, offer.capacity)
                elif delta > 0:
                    grown[offer_id] = delta
                elif delta < 0:
                    shrunk[offer_id] = delta
                self._loaded_offers[offer_id] = row
        if grown:
            await self._add_held(grown, guarded=True)
        if shrunk:
            await self._add_held(shrunk, guarded=False)

    async def _save_placements(self, books: tuple[Book, ...]) -> None:
        """Ended placements first, then the open ones; the new ones' supervisors checked."""
        ended: list[dict[str, Any]] = []
        open_: list[Placement] = []
        for book in books:
            for placement_id in sorted(book.changed_placements):
                placement = book.placements.get(placement_id)
                if placement is None:
                    ended.append(placement_row(book.ended[placement_id]))
                else:
                    open_.append(placement)
        await self._upsert_many(orm.placements, ended, ["placement_id"])
        inserted = await self._upsert_many(
            orm.placements, [placement_row(p) for p in open_], ["placement_id"],
            returning=True)
        await self._check_supervisors([p for p in open_ if p.placement_id in inserted])

    async def _update_offer(self, offer_id: UUID, fields: dict[str, Any], delta: int,
                            capacity: int) -> None:
        o = orm.offers
        if delta > 0:
            # The seat counter only grows while places remain (checked by Postgres).
            done = await self.session.execute(
                update(o).where(o.c.offer_id == offer_id, o.c.held + delta <= capacity)
                .values(**fields, held=o.c.held + delta).returning(o.c.offer_id))
            if done.first() is None:
                raise SeatTaken(f"offer {offer_id} has no {delta} free place(s)")
        else:
            await self.session.execute(update(o).where(o.c.offer_id == offer_id)
                                       .values(**fields, held=o.c.held + delta))

    async def _add_held(self, deltas: dict[UUID, int], guarded: bool) -> None:
        """Move seat counters in one statement; growth only where places remain."""
        o = orm.offers
        ids, amounts = sorted(deltas), [deltas[i] for i in sorted(deltas)]
        v = (select(func.unnest(sa.cast(ids, ARRAY(PG_UUID(as_uuid=True)))).label("offer_id"),
                    func.unnest(sa.cast(amounts, ARRAY(sa.Integer))).label("delta"))
             .subquery("v"))
        stmt = update(o).where(o.c.offer_id == v.c.offer_id)
        if guarded:
            stmt = stmt.where(o.c.held + v.c.delta <= o.c.capacity)
        done = await self.session.execute(
            stmt.values(held=o.c.held + v.c.delta).returning(o.c.offer_id))
        missing = set(ids) - {row[0] for row in done}
        if missing:
            raise SeatTaken(f"offer(s) {sorted(map(str, missing))} have no free place")

    async def _upsert_many(self, table: Any, rows: list[dict[str, Any]], keys: list[str],
                           returning: bool = False) -> set[Any]:
        """Insert-or-update many rows (SQLAlchemy's "insertmanyvalues": few round trips,
        a cached statement). With `returning`, the keys of the rows that were inserted."""
        inserted: set[Any] = set()
        if not rows:
            return inserted
        stmt = insert(table)
        stmt = stmt.on_conflict_do_update(
            index_elements=keys, set_={k: stmt.excluded[k] for k in rows[0] if k not in keys})
        if not returning:
            await self.session.execute(stmt, rows)
            return inserted
        result = await self.session.execute(
            stmt.returning(table.c[keys[0]], text("(xmax = 0) AS inserted")), rows)
        inserted.update(row[0] for row in result if row[1])
        return inserted

    async def _check_supervisors(self, placements: list[Placement]) -> None:
        """One query: does any new placement's supervisor now exceed their maximum?"""
        spans = sorted({(p.supervisor_id, p.period_start, p.period_end) for p in placements})
        if not spans:
            return
        p, sv = orm.placements, orm.supervisors
        v = (select(
                func.unnest(sa.cast([x[0] for x in spans], ARRAY(PG_UUID(as_uuid=True))))
                .label("supervisor_id"),
                func.unnest(sa.cast([x[1] for x in spans], ARRAY(sa.Date))).label("ps"),
                func.unnest(sa.cast([x[2] for x in spans], ARRAY(sa.Date))).label("pe"))
             .subquery("v"))
        overlapping = (
            select(func.count()).select_from(p).where(
                p.c.supervisor_id == v.c.supervisor_id, p.c.status.in_(OPEN),
                p.c.period_start <= v.c.pe, p.c.period_end >= v.c.ps)
            .correlate(v).scalar_subquery())
        over = await self.session.scalar(
            select(v.c.supervisor_id).select_from(
                v.join(sv, sv.c.supervisor_id == v.c.supervisor_id))
            .where(overlapping > sv.c.max_participants).limit(1))
        if over is not None:
            raise SeatTaken(f"supervisor {over} is over their maximum")

    # -- what the Books learn from events ---------------------------------------------

    async def save_participant(self, p: Participant) -> None:
        await self._upsert(orm.participants, participant_row(p), "participant_id")

    async def participant(self, participant_id: UUID) -> Participant | None:
        return await loading.participant(self.session, participant_id)

    async def ensure_participant(self, book: Book, participant_id: UUID) -> bool:
        """Bring a participant (and their consents) into the Book if it does not hold
        them; False when the participant is unknown."""
        return await loading.add_participant(self.session, book, participant_id)

    async def ensure_participants(self, wanted: list[tuple[Book, UUID]]) -> None:
        """`ensure_participant` for many (book, participant) pairs in two queries."""
        await loading.add_participants(self.session, wanted)

    async def keep_statistics(self, participant_id: UUID) -> None:
        """Before an erasure changes anything: the person's requests as anonymous facts,
        so that the statistics count them as before (`adapters/statistics.py`)."""
        await statistics.keep_anonymous(self.session, participant_id)

    async def erase_participant(self, participant_id: UUID) -> None:
        s = self.session
        await s.execute(orm.participants.delete().where(
            orm.participants.c.participant_id == participant_id))
        await s.execute(orm.consents.delete().where(
            orm.consents.c.participant_id == participant_id))
        await s.execute(orm.consent_states.delete().where(
            orm.consent_states.c.participant_id == participant_id))
        await s.execute(update(orm.placements)
                        .where(orm.placements.c.participant_id == participant_id)
                        .values(participant_id=None, guardian_accepted_by=None))
        await s.execute(update(orm.requests)
                        .where(orm.requests.c.participant_id == participant_id)
                        .values(participant_id=None, preferences=[], needs=[]))

    async def save_consent(self, participant_id: UUID, guardian_id: UUID, program: str,
                           granted: bool, state: str | None = None) -> None:
        """A guardian's answer, and the participant's consent as registration stated it."""
        await self._upsert(orm.consents, {"participant_id": participant_id,
                                          "guardian_id": guardian_id, "program": program,
                                          "granted": granted},
                           ("participant_id", "guardian_id", "program"))
        if state is not None:
            await self._upsert(orm.consent_states, {
                "participant_id": participant_id, "program": program, "state": state},
                ("participant_id", "program"))

    async def save_rules(self, rules: OfferRules) -> None:
        await self._upsert(orm.offer_rules, rules_row(rules), "municipality_code")

    async def save_workplace(self, w: Workplace) -> None:
        await self._upsert(orm.workplaces, {
            "workplace_id": w.workplace_id, "municipality_code": w.municipality_code,
            "sector": w.sector, "client_contact": w.client_contact, "min_age": w.min_age,
        }, "workplace_id")

    async def save_supervisor(self, sv: Supervisor) -> None:
        await self._upsert(orm.supervisors, {
            "supervisor_id": sv.supervisor_id, "workplace_id": sv.workplace_id,
            "municipality_code": sv.municipality_code, "languages": sorted(sv.languages),
            "max_participants": sv.max_participants, "has_left": sv.left,
        }, "supervisor_id")

    async def save_certificate(self, c: Certificate, municipality_code: str) -> None:
        await self._upsert(orm.certificates, {
            "supervisor_id": c.supervisor_id, "municipality_code": municipality_code,
            "valid_until": c.valid_until, "expired": c.expired,
        }, "supervisor_id")

    async def withdrawn_offer(self, offer_id: UUID) -> None:
        await self.session.execute(update(orm.offers).where(orm.offers.c.offer_id == offer_id)
                                   .values(withdrawn=True))

    async def _upsert(self, table: Any, row: dict[str, Any],
                      key: str | tuple[str, ...]) -> None:
        keys = [key] if isinstance(key, str) else list(key)
        await self.session.execute(insert(table).values(**row).on_conflict_do_update(
            index_elements=keys, set_={k: v for k, v in row.items() if k not in keys}))

    async def save_round(self, summary: RoundSummary, ran_at: datetime) -> None:
        await self.session.execute(orm.rounds.insert().values(
            round_id=summary.round_id, municipality_code=summary.municipality_code,
            program=summary.program, seed=summary.seed, requests=summary.requests,
            placed=summary.placed, waitlisted=summary.waitlisted,
            duration_ms=summary.duration_ms, ran_at=ran_at))
        drawn = [{"round_id": summary.round_id, "request_id": d.request_id,
                  "lottery": d.lottery} for d in summary.draws if d.lottery is not None]
        if drawn:
            await self.session.execute(orm.round_draws.insert(), drawn)

    async def next_seed(self, municipality_code: str, program: str, drawn: int,
                        now: datetime) -> int:
        """The seed of the next round (`drawn` when none was drawn before it)."""
        await self.session.execute(insert(orm.round_seeds).values(
            municipality_code=municipality_code, program=program, seed=drawn, drawn_at=now,
        ).on_conflict_do_nothing())
        seeds = orm.round_seeds.c
        return int(await self.session.scalar(select(seeds.seed).where(
            seeds.municipality_code == municipality_code, seeds.program == program)) or 0)

    async def take_seed(self, municipality_code: str, program: str) -> int | None:
        """The next round's seed, if a preview drew one, removed for the round to use."""
        seed = await self.session.scalar(orm.round_seeds.delete().where(
            orm.round_seeds.c.municipality_code == municipality_code,
            orm.round_seeds.c.program == program).returning(orm.round_seeds.c.seed))
        return None if seed is None else int(seed)

    # -- queries of the write side --------------------------------------------------

    async def round_ran_since(self, municipality_code: str, program: str,
                              since: datetime) -> bool:
        found = await self.session.scalar(
            select(func.count()).select_from(orm.rounds).where(
                orm.rounds.c.municipality_code == municipality_code,
                orm.rounds.c.program == program, orm.rounds.c.ran_at >= since))
        return bool(found)

    async def placement_municipality(self, placement_id: UUID) -> str | None:
        """The municipality of a placement (open or not); None when there is none."""
        found = await self.session.scalar(select(orm.placements.c.municipality_code).where(
            orm.placements.c.placement_id == placement_id))
        return None if found is None else str(found)

    async def stored_placement(self, placement_id: UUID) -> Placement | None:
        """A placement as last saved (open or not), without a lock: who it concerns."""
        row = (await self.session.execute(select(orm.placements).where(
            orm.placements.c.placement_id == placement_id))).first()
        return None if row is None else placement_from_row(row)

    async def municipalities_in_play(self, participant_id: UUID) -> set[str]:
        """The municipalities where the participant has an open request."""
        r = orm.requests
        return set(await self.session.scalars(
            select(r.c.municipality_code).where(
                r.c.participant_id == participant_id, r.c.status.in_(OPEN_REQUEST))
            .distinct()))

    async def known_requests(self, request_ids: list[UUID]) -> set[UUID]:
        """Which of these requests the service already holds (one query)."""
        if not request_ids:
            return set()
        r = orm.requests
        return set(await self.session.scalars(
            select(r.c.request_id).where(r.c.request_id.in_(request_ids))))

    async def overdue(self, now: datetime) -> list[str]:
        """Municipalities with a placement an awaited party's deadline passed for."""
        return await deadlines.overdue(self.session, now)

    async def reminders_due(self, now: datetime) -> list[str]:
        """Municipalities with a placement an awaited party is due a reminder for."""
        return await deadlines.reminders_due(self.session, now)


def _pending(book: Book) -> bool:
    """Whether the Book holds changes or events not yet saved."""
    return bool(book.events or book.changed_offers or book.changed_requests
                or book.changed_placements or book.ended)


def _trim(book: Book) -> None:
    """Drop what a fresh load would not read: withdrawn offers, and the people (and
    exclusions) of requests and placements no longer open."""
    for offer_id in [o for o, offer in book.offers.items() if offer.withdrawn]:
        del book.offers[offer_id]
    in_play = {r.participant_id for r in book.requests.values()} | {
        p.participant_id for p in book.placements.values()}
    for pid in [pid for pid in book.participants if pid not in in_play]:
        del book.participants[pid]
    for pid in [pid for pid in book.consents if pid not in in_play]:
        del book.consents[pid]
    for pid in [pid for pid in book.consent_states if pid not in in_play]:
        del book.consent_states[pid]
    book.excluded = {(r, o) for r, o in book.excluded if r in book.requests}
