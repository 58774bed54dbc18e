"""Load and save registration's aggregates with SQLAlchemy Core, in the unit of work's
session: workplaces, supervisors, offers, requests, coordinators, and the news learnt
from training and matching (participants: `participant_repository`). Lookups by
`external_ref` are per municipality and kind (the unique keys)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import DateTime, Row, String, and_, any_, bindparam, case, func, select, update
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.ext.asyncio import AsyncSession

from services.registration.adapters import orm
from services.registration.adapters.rows import contact_of, contact_values, pairs_in, upsert
from services.registration.domain.consent import KnownPlacement
from services.registration.domain.model import (
    OPEN,
    Contact,
    Offer,
    PlacementRequest,
    Preference,
    Supervisor,
    Workplace,
)
from services.registration.domain.welcome import WelcomeFacts

_WELCOME = tuple(f.name for f in dataclasses.fields(WelcomeFacts))

_INSERT_NEW_REQUEST = (
    insert(orm.requests).on_conflict_do_nothing().returning(orm.requests.c.id)
)

_KNOWN_REQUEST_REFS = pairs_in(orm.requests, orm.requests.c.external_ref, "codes", "refs")


class WorkplaceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @staticmethod
    def _workplace(row: Row[Any]) -> Workplace:
        return Workplace(
            id=row.id, municipality_code=row.municipality_code, org_number=row.org_number,
            name=row.name, sector=row.sector, client_contact=row.client_contact,
            manager_id=row.manager_id,
            manager=None if row.manager_id is None else contact_of(row, "manager_"),
            min_age=row.min_age, address=row.address, external_ref=row.external_ref,
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
        await upsert(self.session, orm.workplaces, {
            "id": w.id, "municipality_code": w.municipality_code, "external_ref": w.external_ref,
            "org_number": w.org_number, "name": w.name, "sector": w.sector,
            "client_contact": w.client_contact, "min_age": w.min_age, "address": w.address,
            "manager_id": w.manager_id, **_manager_values(w.manager),
        })

    async def with_manager(self, manager_id: UUID) -> Workplace | None:
        """The workplace this person manages."""
        row = (await self.session.execute(
            select(orm.workplaces).where(orm.workplaces.c.manager_id == manager_id)
        )).first()
        return None if row is None else self._workplace(row)

    async def erase_manager(self, workplace_id: UUID) -> None:
        """The workplace without a manager: no id, no name, no contact."""
        t = orm.workplaces
        await self.session.execute(update(t).where(t.c.id == workplace_id).values(
            manager_id=None, **_manager_values(None), updated_at=func.now()))


def _manager_values(manager: Contact | None) -> dict[str, Any]:
    if manager is not None:
        return contact_values(manager, "manager_")
    return {"manager_name": None, "manager_email": None, "manager_phone": None,
            "manager_sms_allowed": False}


class SupervisorRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @staticmethod
    def _supervisor(row: Row[Any]) -> Supervisor:
        return Supervisor(
            id=row.id, workplace_id=row.workplace_id, municipality_code=row.municipality_code,
            contact=contact_of(row), languages=tuple(row.languages),
            max_participants=row.max_participants, external_ref=row.external_ref,
            left=row.left_at is not None,
        )

    async def get(self, supervisor_id: UUID) -> Supervisor | None:
        """A supervisor not erased (one who left is found, marked)."""
        t = orm.supervisors
        row = (await self.session.execute(
            select(t).where(t.c.id == supervisor_id, t.c.erased_at.is_(None)).with_for_update()
        )).first()
        return None if row is None else self._supervisor(row)

    async def get_by_ref(self, municipality_code: str, ref: str) -> Supervisor | None:
        t = orm.supervisors
        row = (await self.session.execute(
            select(t).where(t.c.municipality_code == municipality_code, t.c.external_ref == ref,
                            t.c.erased_at.is_(None))
        )).first()
        return None if row is None else self._supervisor(row)

    async def mark_left(self, supervisor_id: UUID, reason: str) -> None:
        t = orm.supervisors
        await self.session.execute(update(t).where(t.c.id == supervisor_id).values(
            left_at=func.now(), left_reason=reason, updated_at=func.now()))

    async def erase(self, supervisor_id: UUID) -> None:
        """Keep the row for the offers that name it, without name, contact or reference."""
        t = orm.supervisors
        await self.session.execute(update(t).where(t.c.id == supervisor_id).values(
            name="", email=None, phone=None, sms_allowed=False, external_ref=None,
            erased_at=func.now(), left_at=func.coalesce(t.c.left_at, func.now()),
            updated_at=func.now()))

    async def save(self, s: Supervisor) -> None:
        await upsert(self.session, orm.supervisors, {
            "id": s.id, "workplace_id": s.workplace_id, "municipality_code": s.municipality_code,
            "external_ref": s.external_ref, "languages": list(s.languages),
            "max_participants": s.max_participants, **contact_values(s.contact),
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
            welcome=WelcomeFacts(**{name: row._mapping[name] for name in _WELCOME}),
            variant=row.variant,
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
        await upsert(self.session, orm.offers, {
            "id": o.id, "workplace_id": o.workplace_id, "supervisor_id": o.supervisor_id,
            "municipality_code": o.municipality_code, "external_ref": o.external_ref,
            "program": o.program, "occupation": o.occupation, "period_start": o.period_start,
            "period_end": o.period_end, "capacity": o.capacity, "min_age": o.min_age,
            "without_client_contact": o.without_client_contact, "supports": list(o.supports),
            "status": o.status, "withdrawn_reason": o.withdrawn_reason, "variant": o.variant,
            **dataclasses.asdict(o.welcome),
        })

    async def open_of(self, supervisor_id: UUID) -> list[Offer]:
        """The supervisor's offers still open, oldest first (locked)."""
        t = orm.offers
        rows = await self.session.execute(
            select(t).where(t.c.supervisor_id == supervisor_id, t.c.status == OPEN)
            .order_by(t.c.created_at, t.c.id).with_for_update())
        return [self._offer(row) for row in rows]


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
            status=row.status, withdrawn_reason=row.withdrawn_reason, variant=row.variant,
            only_preferences=row.only_preferences,
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
            "withdrawn_reason": r.withdrawn_reason, "variant": r.variant,
            "only_preferences": r.only_preferences,
        }

    async def save(self, r: PlacementRequest) -> None:
        await upsert(self.session, orm.requests, self._values(r))

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

    async def placement(self, placement_id: UUID) -> KnownPlacement | None:
        """A placement matching proposed for a request (learnt from its events), by id:
        also one the request has since left for another."""
        t, r = orm.placements, orm.requests
        row = (await self.session.execute(
            select(t.c.request_id, t.c.participant_id, r.c.municipality_code, r.c.program,
                   t.c.offer_id, t.c.status).join(r, r.c.id == t.c.request_id)
            .where(t.c.placement_id == placement_id)
        )).first()
        return None if row is None else KnownPlacement(
            placement_id, row.request_id, row.participant_id, row.municipality_code,
            row.program, row.offer_id, row.status)

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
        await upsert(self.session, orm.coordinators, {
            "id": coordinator_id, "municipality_code": municipality_code,
            **contact_values(contact),
        })

    async def municipality_of(self, coordinator_id: UUID) -> str | None:
        return await self.session.scalar(
            select(orm.coordinators.c.municipality_code)
            .where(orm.coordinators.c.id == coordinator_id)
        )


_NEWS_PLACEMENT = bindparam("n_placement_id", type_=PG_UUID(as_uuid=True))
_PLACEMENT_NEWS = (
    update(orm.requests).where(orm.requests.c.id == bindparam("n_request_id")).values(
        placement_status=bindparam("n_status"), placement_id=_NEWS_PLACEMENT,
        placement_offer_id=func.coalesce(
            bindparam("n_offer_id", type_=PG_UUID(as_uuid=True)),
            case((orm.requests.c.placement_id == _NEWS_PLACEMENT,
                  orm.requests.c.placement_offer_id))),
        placement_reasons=bindparam("n_reasons"), placement_changed_at=bindparam("n_at")))
"""(Its parameters are named apart from the table's columns, as SQLAlchemy requires.) A
decline or a cancellation names no offer: the placement keeps the one it was at, so its
links still show its facts."""


_P = orm.placements
_UUID = PG_UUID(as_uuid=True)
_NEW_PLACEMENT = insert(_P).from_select(
    ["placement_id", "request_id", "participant_id", "offer_id", "status", "changed_at"],
    select(bindparam("k_placement_id", type_=_UUID), orm.requests.c.id,
           orm.requests.c.participant_id, bindparam("k_offer_id", type_=_UUID),
           bindparam("k_status", type_=String()),
           bindparam("k_at", type_=DateTime(timezone=True)))
    .where(orm.requests.c.id == bindparam("k_request_id", type_=_UUID)))
_KNOWN_PLACEMENT = _NEW_PLACEMENT.on_conflict_do_update(
    index_elements=[_P.c.placement_id], set_={
        "status": _NEW_PLACEMENT.excluded.status,
        "changed_at": _NEW_PLACEMENT.excluded.changed_at,
        "offer_id": func.coalesce(_NEW_PLACEMENT.excluded.offer_id, _P.c.offer_id)})
"""A placement's row, from the request it answers (a request not here, erased or another
deployment's, adds nothing). A decline or a cancellation names no offer: it keeps its
own."""


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

    async def known_placements(self, news: Sequence[dict[str, Any]]) -> None:
        """Every placement heard of, by id: rows of `placement_id, request_id, offer_id,
        status, at`, applied in order in one round trip (the last about one wins)."""
        if news:
            await self.session.execute(_KNOWN_PLACEMENT, [
                {f"k_{k}": v for k, v in row.items()} for row in news])

    async def placement_ended(self, placement_id: UUID, status: str, reason: str | None,
                              at: datetime) -> None:
        """A placement completed: its own row, and its request's when it is the request's
        latest."""
        t = orm.requests
        await self.session.execute(update(t).where(t.c.placement_id == placement_id).values(
            placement_status=status, placement_reasons=[reason] if reason else None,
            placement_changed_at=at))
        await self.session.execute(update(_P).where(_P.c.placement_id == placement_id)
                                   .values(status=status, changed_at=at))

    async def certified_until(self, supervisor_id: UUID, last_day: date | None) -> None:
        t = orm.supervisors
        await self.session.execute(
            update(t).where(t.c.id == supervisor_id).values(certified_until=last_day))

    async def workplace_opened(self, workplace_id: UUID) -> None:
        t = orm.workplaces
        await self.session.execute(update(t).where(t.c.id == workplace_id).values(opened=True))
