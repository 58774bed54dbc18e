"""Load and save registration's aggregates with SQLAlchemy Core, in the unit of work's
session. Lookups by `external_ref` are per municipality and kind (the unique keys)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Row,
    String,
    Table,
    and_,
    any_,
    bindparam,
    delete,
    func,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.ext.asyncio import AsyncSession

from services.registration.adapters import orm
from services.registration.domain.model import (
    Contact,
    Guardian,
    Offer,
    Participant,
    PlacementRequest,
    Preference,
    Supervisor,
    Workplace,
)


def _contact(row: Row[Any], prefix: str = "") -> Contact:
    m = row._mapping
    return Contact(m[f"{prefix}name"], m[f"{prefix}email"], m[f"{prefix}phone"],
                   m[f"{prefix}language"], m[f"{prefix}sms_allowed"])


def _contact_values(contact: Contact, prefix: str = "") -> dict[str, Any]:
    return {f"{prefix}name": contact.name, f"{prefix}email": contact.email,
            f"{prefix}phone": contact.phone, f"{prefix}language": contact.language,
            f"{prefix}sms_allowed": contact.sms_allowed}


async def _upsert(session: AsyncSession, table: Table, values: dict[str, Any]) -> None:
    stmt = insert(table).values(**values)
    changes: dict[str, Any] = {k: stmt.excluded[k] for k in values if k != "id"}
    changes["updated_at"] = func.now()
    await session.execute(stmt.on_conflict_do_update(index_elements=["id"], set_=changes))


_INSERT_NEW_PARTICIPANT = (
    insert(orm.participants).on_conflict_do_nothing().returning(orm.participants.c.id)
)
"""Built once: compiled once (the hot path of the intake)."""


def _pairs_in(table: Table, column: Any, codes: str, values: str, *selected: Any) -> Any:
    """Rows of `table` whose `(municipality_code, column)` is one of the pairs given as
    two array parameters: a join on the unique key, one statement for any count."""
    pairs = func.unnest(bindparam(codes, type_=ARRAY(String)),
                        bindparam(values, type_=ARRAY(String))
                        ).table_valued("code", "value").render_derived()
    return (select(table.c.municipality_code, table.c.external_ref, *selected)
            .join(pairs, and_(table.c.municipality_code == pairs.c.code,
                              column == pairs.c.value)))


def _holding(column: Any, codes: str, values: str) -> Any:
    """Participants holding one of the given `(municipality_code, column)` pairs."""
    t = orm.participants
    return _pairs_in(t, column, codes, values, t.c.identity_hash)


_KNOWN_KEYS = union_all(
    _holding(orm.participants.c.external_ref, "ref_codes", "refs"),
    _holding(orm.participants.c.identity_hash, "hash_codes", "hashes"),
)
"""Participants holding any of the given references or identity hashes, per municipality."""


_PARTICIPANTS_BY_REF = _pairs_in(orm.participants, orm.participants.c.external_ref, "codes",
                                 "refs", orm.participants.c.id, orm.participants.c.birth_date)

_INSERT_NEW_REQUEST = (
    insert(orm.requests).on_conflict_do_nothing().returning(orm.requests.c.id)
)

_KNOWN_REQUEST_REFS = _pairs_in(orm.requests, orm.requests.c.external_ref, "codes", "refs")


class ParticipantRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @staticmethod
    def _participant(row: Row[Any], guardian_ids: list[UUID]) -> Participant:
        return Participant(
            id=row.id, municipality_code=row.municipality_code, birth_date=row.birth_date,
            contact=_contact(row), gender=row.gender, needs=tuple(row.needs),
            identity_hash=row.identity_hash, sealed_identity=row.sealed_identity,
            external_ref=row.external_ref, guardian_ids=guardian_ids,
        )

    async def _guardian_ids(self, participant_id: UUID) -> list[UUID]:
        link = orm.participant_guardians
        rows = await self.session.execute(
            select(link.c.guardian_id).where(link.c.participant_id == participant_id)
            .order_by(link.c.position)
        )
        return [row.guardian_id for row in rows]

    async def get(self, participant_id: UUID, *, lock: bool = False) -> Participant | None:
        stmt = select(orm.participants).where(orm.participants.c.id == participant_id)
        if lock:
            stmt = stmt.with_for_update()
        row = (await self.session.execute(stmt)).first()
        if row is None:
            return None
        return self._participant(row, await self._guardian_ids(row.id))

    async def get_by_ref(self, municipality_code: str, ref: str) -> Participant | None:
        t = orm.participants
        row = (await self.session.execute(
            select(t).where(t.c.municipality_code == municipality_code, t.c.external_ref == ref)
        )).first()
        if row is None:
            return None
        return self._participant(row, await self._guardian_ids(row.id))

    async def find(self, municipality_code: str, external_ref: str | None,
                   identity_hash: str) -> list[Participant]:
        """Participants of the municipality with this reference or this identity number."""
        t = orm.participants
        match = t.c.identity_hash == identity_hash
        if external_ref is not None:
            match = or_(match, t.c.external_ref == external_ref)
        rows = (await self.session.execute(
            select(t).where(t.c.municipality_code == municipality_code, match).with_for_update()
        )).all()
        return [self._participant(row, await self._guardian_ids(row.id)) for row in rows]

    async def add(self, participant: Participant) -> None:
        await self.session.execute(orm.participants.insert().values(**self._values(participant)))

    async def add_if_new(self, participant: Participant) -> bool:
        """Insert unless the id, the reference or the identity number is known already
        (one round trip for the common case of a new person); False when it was known."""
        inserted = await self.session.execute(_INSERT_NEW_PARTICIPANT, self._values(participant))
        return inserted.first() is not None

    async def known_keys(
        self, refs: Iterable[tuple[str, str]], hashes: Iterable[tuple[str, str]]
    ) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
        """Which `(municipality_code, external_ref)` and `(municipality_code,
        identity_hash)` pairs are taken already: one query for a whole run of intake."""
        wanted_refs, wanted_hashes = list(dict.fromkeys(refs)), list(dict.fromkeys(hashes))
        if not wanted_refs and not wanted_hashes:
            return set(), set()
        rows = await self.session.execute(_KNOWN_KEYS, {
            "ref_codes": [code for code, _ in wanted_refs],
            "refs": [ref for _, ref in wanted_refs],
            "hash_codes": [code for code, _ in wanted_hashes],
            "hashes": [digest for _, digest in wanted_hashes],
        })
        known_refs: set[tuple[str, str]] = set()
        known_hashes: set[tuple[str, str]] = set()
        for row in rows:
            if row.external_ref is not None:
                known_refs.add((row.municipality_code, row.external_ref))
            known_hashes.add((row.municipality_code, row.identity_hash))
        return known_refs, known_hashes

    async def born(self, ids: Iterable[UUID], refs: Iterable[tuple[str, str]],
                   ) -> dict[UUID | tuple[str, str], tuple[UUID, str, date]]:
        """The participants named by id or by `(municipality_code, external_ref)`: each
        name → (id, municipality, birth date), in two queries for a run of intake."""
        t = orm.participants
        found: dict[UUID | tuple[str, str], tuple[UUID, str, date]] = {}
        wanted_ids = list(dict.fromkeys(ids))
        if wanted_ids:
            rows = await self.session.execute(
                select(t.c.id, t.c.municipality_code, t.c.birth_date).where(t.c.id == any_(
                    bindparam("ids", type_=ARRAY(PG_UUID(as_uuid=True))))),
                {"ids": wanted_ids})
            for row in rows:
                found[row.id] = (row.id, row.municipality_code, row.birth_date)
        wanted_refs = list(dict.fromkeys(refs))
        if wanted_refs:
            rows = await self.session.execute(_PARTICIPANTS_BY_REF, {
                "codes": [code for code, _ in wanted_refs],
                "refs": [ref for _, ref in wanted_refs]})
            for row in rows:
                found[(row.municipality_code, row.external_ref)] = (
                    row.id, row.municipality_code, row.birth_date)
        return found

    async def add_many_if_new(self, participants: list[Participant]) -> int:
        """`add_if_new` for many in one round trip; returns how many were inserted (fewer
        than given when some id, reference or identity number was known meanwhile)."""
        if not participants:
            return 0
        inserted = await self.session.execute(
            _INSERT_NEW_PARTICIPANT, [self._values(p) for p in participants]
        )
        return len(inserted.all())

    async def update(self, participant: Participant) -> None:
        values = self._values(participant)
        values.pop("id")
        await self.session.execute(
            update(orm.participants).where(orm.participants.c.id == participant.id)
            .values(**values, updated_at=func.now())
        )

    @staticmethod
    def _values(p: Participant) -> dict[str, Any]:
        return {
            "id": p.id, "municipality_code": p.municipality_code,
            "external_ref": p.external_ref, "identity_hash": p.identity_hash,
            "sealed_identity": p.sealed_identity, "birth_date": p.birth_date,
            "gender": p.gender, "needs": list(p.needs),
            **_contact_values(p.contact, ""),
        }

    async def guardians_of(self, participant_id: UUID) -> list[Guardian]:
        g, link = orm.guardians, orm.participant_guardians
        rows = await self.session.execute(
            select(g).join(link, link.c.guardian_id == g.c.id)
            .where(link.c.participant_id == participant_id).order_by(link.c.position)
        )
        return [self._guardian(row) for row in rows]

    async def guardians_by_hash(self, municipality_code: str,
                                hashes: Iterable[str]) -> dict[str, Guardian]:
        wanted = list(hashes)
        if not wanted:
            return {}
        g = orm.guardians
        rows = await self.session.execute(
            select(g).where(g.c.municipality_code == municipality_code,
                            g.c.identity_hash.in_(wanted))
        )
        return {row.identity_hash: self._guardian(row) for row in rows}

    @staticmethod
    def _guardian(row: Row[Any]) -> Guardian:
        return Guardian(row.id, row.municipality_code, _contact(row), row.identity_hash,
                        row.sealed_identity)

    async def set_guardians(self, participant_id: UUID, guardians: list[Guardian]) -> None:
        for guardian in guardians:
            await _upsert(self.session, orm.guardians, {
                "id": guardian.id, "municipality_code": guardian.municipality_code,
                "identity_hash": guardian.identity_hash,
                "sealed_identity": guardian.sealed_identity,
                **_contact_values(guardian.contact),
            })
        link = orm.participant_guardians
        await self.session.execute(delete(link).where(link.c.participant_id == participant_id))
        if guardians:
            await self.session.execute(link.insert(), [
                {"participant_id": participant_id, "guardian_id": g.id, "position": i}
                for i, g in enumerate(guardians)
            ])

    async def drop_orphan_guardians(self, candidates: Iterable[UUID]) -> list[UUID]:
        """Delete those of `candidates` linked to no participant; returns their ids."""
        ids = list(candidates)
        if not ids:
            return []
        g, link = orm.guardians, orm.participant_guardians
        linked = select(link.c.guardian_id).where(link.c.guardian_id == g.c.id).exists()
        rows = await self.session.execute(
            delete(g).where(g.c.id.in_(ids), ~linked).returning(g.c.id)
        )
        return [row.id for row in rows]

    async def record_consent(self, participant_id: UUID, guardian_id: UUID, program: str,
                             granted: bool) -> None:
        stmt = insert(orm.consents).values(participant_id=participant_id,
                                           guardian_id=guardian_id, program=program,
                                           granted=granted)
        await self.session.execute(stmt.on_conflict_do_update(
            index_elements=["participant_id", "guardian_id", "program"],
            set_={"granted": stmt.excluded.granted, "recorded_at": func.now()},
        ))

    async def erase(self, participant: Participant) -> list[UUID]:
        """Delete the participant with everything personal; keep an anonymous erasure mark.
        Returns the ids of guardians who no longer have any participant (also deleted)."""
        await self.session.execute(
            delete(orm.participants).where(orm.participants.c.id == participant.id)
        )
        await self.session.execute(
            insert(orm.erasures).values(participant_id=participant.id,
                                        municipality_code=participant.municipality_code)
            .on_conflict_do_nothing()
        )
        return await self.drop_orphan_guardians(participant.guardian_ids)

    async def erased(self, participant_id: UUID) -> str | None:
        """The municipality of an erased participant, or None."""
        return await self.session.scalar(
            select(orm.erasures.c.municipality_code)
            .where(orm.erasures.c.participant_id == participant_id)
        )


class WorkplaceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @staticmethod
    def _workplace(row: Row[Any]) -> Workplace:
        return Workplace(
            id=row.id, municipality_code=row.municipality_code, org_number=row.org_number,
            name=row.name, sector=row.sector, client_contact=row.client_contact,
            manager_id=row.manager_id, manager=_contact(row, "manager_"), min_age=row.min_age,
            address=row.address, external_ref=row.external_ref,
        )

    async def get(self, workplace_id: UUID) -> Workplace | None:
        row = (await self.session.execute(
            select(orm.workplaces).where(orm.workplaces.c.id == workplace_id)
        )).first()
        return None if row is None else self._workplace(row)

    async def get_by_ref(self, municipality_code: str, ref: str) -> Workplace | None:
        t = orm.workplaces
        row = (await self.session.execute(
            select(t).where(t.c.municipality_code == municipality_code, t.c.external_ref == ref)
        )).first()
        return None if row is None else self._workplace(row)

    async def save(self, w: Workplace) -> None:
        await _upsert(self.session, orm.workplaces, {
            "id": w.id, "municipality_code": w.municipality_code, "external_ref": w.external_ref,
            "org_number": w.org_number, "name": w.name, "sector": w.sector,
            "client_contact": w.client_contact, "min_age": w.min_age, "address": w.address,
            "manager_id": w.manager_id, **_contact_values(w.manager, "manager_"),
        })


class SupervisorRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @staticmethod
    def _supervisor(row: Row[Any]) -> Supervisor:
        return Supervisor(
            id=row.id, workplace_id=row.workplace_id, municipality_code=row.municipality_code,
            contact=_contact(row), languages=tuple(row.languages),
            max_participants=row.max_participants, external_ref=row.external_ref,
        )

    async def get(self, supervisor_id: UUID) -> Supervisor | None:
        row = (await self.session.execute(
            select(orm.supervisors).where(orm.supervisors.c.id == supervisor_id)
        )).first()
        return None if row is None else self._supervisor(row)

    async def get_by_ref(self, municipality_code: str, ref: str) -> Supervisor | None:
        t = orm.supervisors
        row = (await self.session.execute(
            select(t).where(t.c.municipality_code == municipality_code, t.c.external_ref == ref)
        )).first()
        return None if row is None else self._supervisor(row)

    async def save(self, s: Supervisor) -> None:
        await _upsert(self.session, orm.supervisors, {
            "id": s.id, "workplace_id": s.workplace_id, "municipality_code": s.municipality_code,
            "external_ref": s.external_ref, "languages": list(s.languages),
            "max_participants": s.max_participants, **_contact_values(s.contact),
        })


class OfferRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @staticmethod
    def _offer(row: Row[Any]) -> Offer:
        return Offer(
            id=row.id, workplace_id=row.workplace_id, supervisor_id=row.supervisor_id,
            municipality_code=row.municipality_code, program=row.program,
            occupation=row.occupation, period_start=row.period_start,
            period_end=row.period_end, capacity=row.capacity, min_age=row.min_age,
            without_client_contact=row.without_client_contact, supports=tuple(row.supports),
            external_ref=row.external_ref, status=row.status,
            withdrawn_reason=row.withdrawn_reason,
        )

    async def get(self, offer_id: UUID) -> Offer | None:
        row = (await self.session.execute(
            select(orm.offers).where(orm.offers.c.id == offer_id).with_for_update()
        )).first()
        return None if row is None else self._offer(row)

    async def get_by_ref(self, municipality_code: str, ref: str) -> Offer | None:
        t = orm.offers
        row = (await self.session.execute(
            select(t).where(t.c.municipality_code == municipality_code, t.c.external_ref == ref)
            .with_for_update()
        )).first()
        return None if row is None else self._offer(row)

    async def save(self, o: Offer) -> None:
        await _upsert(self.session, orm.offers, {
            "id": o.id, "workplace_id": o.workplace_id, "supervisor_id": o.supervisor_id,
            "municipality_code": o.municipality_code, "external_ref": o.external_ref,
            "program": o.program, "occupation": o.occupation, "period_start": o.period_start,
            "period_end": o.period_end, "capacity": o.capacity, "min_age": o.min_age,
            "without_client_contact": o.without_client_contact, "supports": list(o.supports),
            "status": o.status, "withdrawn_reason": o.withdrawn_reason,
        })


class RequestRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @staticmethod
    def _request(row: Row[Any]) -> PlacementRequest:
        return PlacementRequest(
            id=row.id, participant_id=row.participant_id,
            municipality_code=row.municipality_code, program=row.program,
            period_start=row.period_start, period_end=row.period_end,
            preferences=tuple(
                Preference(p.get("occupation"),
                           UUID(p["workplace_id"]) if p.get("workplace_id") else None)
                for p in row.preferences
            ),
            needs=tuple(row.needs), priority=row.priority, external_ref=row.external_ref,
            status=row.status, withdrawn_reason=row.withdrawn_reason,
        )

    async def get(self, request_id: UUID) -> PlacementRequest | None:
        row = (await self.session.execute(
            select(orm.requests).where(orm.requests.c.id == request_id).with_for_update()
        )).first()
        return None if row is None else self._request(row)

    async def get_by_ref(self, municipality_code: str, ref: str) -> PlacementRequest | None:
        t = orm.requests
        row = (await self.session.execute(
            select(t).where(t.c.municipality_code == municipality_code, t.c.external_ref == ref)
            .with_for_update()
        )).first()
        return None if row is None else self._request(row)

    @staticmethod
    def _values(r: PlacementRequest) -> dict[str, Any]:
        return {
            "id": r.id, "participant_id": r.participant_id,
            "municipality_code": r.municipality_code, "external_ref": r.external_ref,
            "program": r.program, "period_start": r.period_start, "period_end": r.period_end,
            "preferences": [
                {"occupation": p.occupation} if p.occupation is not None
                else {"workplace_id": str(p.workplace_id)} for p in r.preferences
            ],
            "needs": list(r.needs), "priority": r.priority, "status": r.status,
            "withdrawn_reason": r.withdrawn_reason,
        }

    async def save(self, r: PlacementRequest) -> None:
        await _upsert(self.session, orm.requests, self._values(r))

    async def add_many_if_new(self, requests: list[PlacementRequest]) -> int:
        """New requests in one statement; returns how many were inserted (fewer when a
        reference was taken meanwhile)."""
        if not requests:
            return 0
        inserted = await self.session.execute(
            _INSERT_NEW_REQUEST, [self._values(r) for r in requests])
        return len(inserted.all())

    async def known_refs(self, refs: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
        """Which `(municipality_code, external_ref)` pairs name a request already."""
        wanted = list(dict.fromkeys(refs))
        if not wanted:
            return set()
        rows = await self.session.execute(_KNOWN_REQUEST_REFS, {
            "codes": [code for code, _ in wanted], "refs": [ref for _, ref in wanted]})
        return {(row.municipality_code, row.external_ref) for row in rows}

    async def workplaces_in(self, ids: Iterable[UUID]) -> dict[UUID, str]:
        """The municipality of each of these workplaces that exists."""
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return {}
        t = orm.workplaces
        rows = await self.session.execute(
            select(t.c.id, t.c.municipality_code).where(t.c.id == any_(
                bindparam("ids", type_=ARRAY(PG_UUID(as_uuid=True))))), {"ids": wanted})
        return {row.id: row.municipality_code for row in rows}

    async def workplaces_exist(self, municipality_code: str, ids: Iterable[UUID]) -> set[UUID]:
        wanted = list(ids)
        if not wanted:
            return set()
        t = orm.workplaces
        rows = await self.session.execute(
            select(t.c.id).where(and_(t.c.municipality_code == municipality_code,
                                      t.c.id.in_(wanted)))
        )
        return {row.id for row in rows}


class CoordinatorRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def save(self, coordinator_id: UUID, municipality_code: str, contact: Contact) -> None:
        await _upsert(self.session, orm.coordinators, {
            "id": coordinator_id, "municipality_code": municipality_code,
            **_contact_values(contact),
        })

    async def municipality_of(self, coordinator_id: UUID) -> str | None:
        return await self.session.scalar(
            select(orm.coordinators.c.municipality_code)
            .where(orm.coordinators.c.id == coordinator_id)
        )


_PLACEMENT_NEWS = (
    update(orm.requests).where(orm.requests.c.id == bindparam("n_request_id")).values(
        placement_status=bindparam("n_status"), placement_id=bindparam("n_placement_id"),
        placement_offer_id=bindparam("n_offer_id"), placement_reasons=bindparam("n_reasons"),
        placement_changed_at=bindparam("n_at")))
"""(Its parameters are named apart from the table's columns, as SQLAlchemy requires.)"""


class NewsRepository:
    """What registration learns from training and matching about things it registered.

    Each write names its row by id and changes only the learnt columns; news about a
    row that is not here (erased, or another deployment's) changes nothing.
    """

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def placements(self, news: Sequence[dict[str, Any]]) -> None:
        """Where requests stand: rows of `request_id, status, placement_id, offer_id,
        reasons, at`, applied in order in one round trip (the last about a request wins)."""
        latest = {row["request_id"]: row for row in news}
        if latest:
            await self.session.execute(_PLACEMENT_NEWS, [
                {f"n_{k}": v for k, v in row.items()} for row in latest.values()])

    async def placement_ended(self, placement_id: UUID, status: str, reason: str | None,
                              at: datetime) -> None:
        """A placement completed: its request is found by the placement's id."""
        t = orm.requests
        await self.session.execute(update(t).where(t.c.placement_id == placement_id).values(
            placement_status=status, placement_reasons=[reason] if reason else None,
            placement_changed_at=at))

    async def certified_until(self, supervisor_id: UUID, last_day: date | None) -> None:
        t = orm.supervisors
        await self.session.execute(
            update(t).where(t.c.id == supervisor_id).values(certified_until=last_day))

    async def workplace_opened(self, workplace_id: UUID) -> None:
        t = orm.workplaces
        await self.session.execute(update(t).where(t.c.id == workplace_id).values(opened=True))
