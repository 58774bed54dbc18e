"""Read side for the HTTP API: what is registered, paged and filtered, never an
identity number. Plain queries on registration's own tables."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

from pydantic import BaseModel
from sqlalchemy import Select, Table, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.registration.adapters import orm
from services.registration.domain.welcome import clock

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


class ContactOut(BaseModel):
    name: str
    email: str | None = None
    phone: str | None = None
    language: str
    sms_allowed: bool


class ConsentOut(BaseModel):
    """One guardian's answer for a programme: who, when, how, the message, for which
    placement (a link names one)."""

    participant_id: UUID
    guardian_id: UUID
    program: str
    granted: bool
    recorded_at: datetime | None = None
    via: str = "coordinator"
    """link (the guardian, from a message), coordinator (keyed in), intake."""
    message: str | None = None
    placement_id: UUID | None = None


class GuardianOut(ContactOut):
    guardian_id: UUID


class ParticipantOut(BaseModel):
    participant_id: UUID
    municipality_code: str
    external_ref: str | None = None
    birth_date: date
    name: str
    email: str | None = None
    phone: str | None = None
    sms_allowed: bool
    gender: str
    preferred_language: str
    needs: list[str]
    guardian_ids: list[UUID]
    guardians: list[GuardianOut]
    consents: list[ConsentOut]
    created_at: datetime
    updated_at: datetime


class ManagerOut(ContactOut):
    manager_id: UUID


class WorkplaceOut(BaseModel):
    workplace_id: UUID
    municipality_code: str
    external_ref: str | None = None
    org_number: str
    name: str
    sector: str
    client_contact: bool
    min_age: int | None = None
    address: str | None = None
    manager: ManagerOut | None
    """None: the manager was erased and no new one is registered yet."""
    opened: bool = False
    """Open for placements (learnt from training: the manager attended the breakfast
    meeting)."""
    created_at: datetime
    updated_at: datetime


class SupervisorOut(ContactOut):
    supervisor_id: UUID
    workplace_id: UUID
    municipality_code: str
    external_ref: str | None = None
    languages: list[str]
    max_participants: int
    certified_until: date | None = None
    """The valid certificate's last day, learnt from training (null: none)."""
    left_at: datetime | None = None
    """When the supervisor left the workplace (null: still there)."""
    left_reason: str | None = None


class OfferOut(BaseModel):
    offer_id: UUID
    workplace_id: UUID
    supervisor_id: UUID
    municipality_code: str
    external_ref: str | None = None
    program: str
    occupation: str
    period_start: date
    period_end: date
    capacity: int
    min_age: int | None = None
    without_client_contact: bool
    supports: list[str]
    status: str
    withdrawn_reason: str | None = None
    arrival_time: str | None = None
    """The welcome letter's facts; times of day as `HH:MM`."""
    arrival_place: str | None = None
    work_starts: str | None = None
    work_ends: str | None = None
    bring: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    variant: str | None = None
    """For summer_job: feriepraktik or feriearbete (null: either)."""


class PreferenceOut(BaseModel):
    occupation: str | None = None
    workplace_id: UUID | None = None


class PlacementStatusOut(BaseModel):
    status: str
    """proposed, confirmed, declined, cancelled, waitlisted or completed."""
    placement_id: UUID | None = None
    offer_id: UUID | None = None
    reasons: list[str] = []
    """Why it waits (matching's reason codes), who declined, why it ended."""
    changed_at: datetime


class RequestOut(BaseModel):
    request_id: UUID
    participant_id: UUID
    municipality_code: str
    external_ref: str | None = None
    program: str
    period_start: date
    period_end: date
    preferences: list[PreferenceOut]
    needs: list[str]
    priority: int
    status: str
    withdrawn_reason: str | None = None
    variant: str | None = None
    """For summer_job: feriepraktik or feriearbete (given, or picked by age)."""
    only_preferences: bool = False
    """Placed only at one of the preferences, else waitlisted."""
    placement: PlacementStatusOut | None = None
    """Where matching has got with the request (null: nothing heard yet)."""


class CoordinatorOut(ContactOut):
    coordinator_id: UUID
    municipality_code: str


def _contact(m: Any, prefix: str = "") -> dict[str, Any]:
    return {"name": m[f"{prefix}name"], "email": m[f"{prefix}email"],
            "phone": m[f"{prefix}phone"], "language": m[f"{prefix}language"],
            "sms_allowed": m[f"{prefix}sms_allowed"]}


async def municipality_of(session: AsyncSession, table: Table, ident: UUID) -> str | None:
    """Which municipality a registered thing belongs to (for authorisation), or None."""
    return await session.scalar(select(table.c.municipality_code).where(table.c.id == ident))


def _scoped(stmt: Select[Any], table: Table, municipalities: Collection[str] | None,
            program: str | None, program_of: Any = None) -> Select[Any]:
    if municipalities is not None:
        stmt = stmt.where(table.c.municipality_code.in_(list(municipalities)))
    if program is not None:
        stmt = stmt.where(program_of if program_of is not None else table.c.program == program)
    return stmt


async def _page(session: AsyncSession, table: Table, municipalities: Collection[str] | None,
                program: str | None, limit: int, offset: int,
                program_of: Any = None, *where: Any) -> tuple[list[Any], int]:
    base = _scoped(select(table).where(*where), table, municipalities, program, program_of)
    total = await session.scalar(select(func.count()).select_from(base.subquery()))
    rows = (await session.execute(
        base.order_by(table.c.created_at, table.c.id).limit(limit).offset(offset)
    )).all()
    return list(rows), int(total or 0)


# -- participants -----------------------------------------------------------------------


async def _participant_out(session: AsyncSession, row: Any) -> ParticipantOut:
    g, link = orm.guardians, orm.participant_guardians
    guardian_rows = (await session.execute(
        select(g).join(link, link.c.guardian_id == g.c.id)
        .where(link.c.participant_id == row.id).order_by(link.c.position)
    )).all()
    consent_rows = await consents_of(session, row.id)
    m = row._mapping
    contact = _contact(m)
    return ParticipantOut(
        participant_id=row.id, municipality_code=row.municipality_code,
        external_ref=row.external_ref, birth_date=row.birth_date, name=contact["name"],
        email=contact["email"], phone=contact["phone"], sms_allowed=contact["sms_allowed"],
        gender=row.gender, preferred_language=contact["language"], needs=list(row.needs),
        guardian_ids=[gr.id for gr in guardian_rows],
        guardians=[GuardianOut(guardian_id=gr.id, **_contact(gr._mapping))
                   for gr in guardian_rows],
        consents=consent_rows,
        created_at=row.created_at, updated_at=row.updated_at,
    )


async def consents_of(session: AsyncSession, participant_id: UUID) -> list[ConsentOut]:
    """Every guardian's answer for the participant, oldest first."""
    c = orm.consents
    rows = await session.execute(
        select(c).where(c.c.participant_id == participant_id)
        .order_by(c.c.recorded_at, c.c.guardian_id))
    return [ConsentOut(participant_id=r.participant_id, guardian_id=r.guardian_id,
                       program=r.program, granted=r.granted, recorded_at=r.recorded_at,
                       via=r.via, message=r.message, placement_id=r.placement_id)
            for r in rows]


async def participant(session: AsyncSession, ident: UUID) -> ParticipantOut | None:
    row = (await session.execute(
        select(orm.participants).where(orm.participants.c.id == ident)
    )).first()
    return None if row is None else await _participant_out(session, row)


async def participants(session: AsyncSession, municipalities: Collection[str] | None,
                       program: str | None, limit: int, offset: int,
                       where: Sequence[Any] = ()) -> Page[ParticipantOut]:
    p, r = orm.participants, orm.requests
    has_program = exists().where(r.c.participant_id == p.c.id, r.c.program == program)
    rows, total = await _page(session, p, municipalities, program, limit, offset, has_program,
                              *where)
    return Page[ParticipantOut](items=[await _participant_out(session, row) for row in rows],
                                total=total, limit=limit, offset=offset)


# -- workplaces and supervisors ---------------------------------------------------------


def _workplace_out(row: Any) -> WorkplaceOut:
    return WorkplaceOut(
        workplace_id=row.id, municipality_code=row.municipality_code,
        external_ref=row.external_ref, org_number=row.org_number, name=row.name,
        sector=row.sector, client_contact=row.client_contact, min_age=row.min_age,
        address=row.address, opened=row.opened,
        manager=None if row.manager_id is None else ManagerOut(
            manager_id=row.manager_id, **_contact(row._mapping, "manager_")),
        created_at=row.created_at, updated_at=row.updated_at,
    )


async def workplace(session: AsyncSession, ident: UUID) -> WorkplaceOut | None:
    row = (await session.execute(
        select(orm.workplaces).where(orm.workplaces.c.id == ident)
    )).first()
    return None if row is None else _workplace_out(row)


async def workplaces(session: AsyncSession, municipalities: Collection[str] | None,
                     program: str | None, limit: int, offset: int) -> Page[WorkplaceOut]:
    w, o = orm.workplaces, orm.offers
    has_program = exists().where(o.c.workplace_id == w.c.id, o.c.program == program)
    rows, total = await _page(session, w, municipalities, program, limit, offset, has_program)
    return Page[WorkplaceOut](items=[_workplace_out(row) for row in rows], total=total,
                              limit=limit, offset=offset)


def _supervisor_out(row: Any) -> SupervisorOut:
    return SupervisorOut(
        supervisor_id=row.id, workplace_id=row.workplace_id,
        municipality_code=row.municipality_code, external_ref=row.external_ref,
        languages=list(row.languages), max_participants=row.max_participants,
        certified_until=row.certified_until, left_at=row.left_at,
        left_reason=row.left_reason, **_contact(row._mapping),
    )


async def supervisor(session: AsyncSession, ident: UUID) -> SupervisorOut | None:
    """A supervisor not erased (one who left is shown, with `left_at`)."""
    s = orm.supervisors
    row = (await session.execute(
        select(s).where(s.c.id == ident, s.c.erased_at.is_(None)))).first()
    return None if row is None else _supervisor_out(row)


async def supervisors(session: AsyncSession, municipalities: Collection[str] | None,
                      program: str | None, limit: int, offset: int,
                      workplace_id: UUID | None = None,
                      certified_until: tuple[date, date] | None = None) -> Page[SupervisorOut]:
    """`certified_until`: only those whose certificate ends within (first, last day)."""
    s, o = orm.supervisors, orm.offers
    has_program = exists().where(o.c.supervisor_id == s.c.id, o.c.program == program)
    where = [s.c.workplace_id == workplace_id] if workplace_id is not None else []
    if certified_until is not None:
        where.append(s.c.certified_until.between(*certified_until))
    rows, total = await _page(session, s, municipalities, program, limit, offset, has_program,
                              s.c.erased_at.is_(None), *where)
    return Page[SupervisorOut](items=[_supervisor_out(row) for row in rows], total=total,
                               limit=limit, offset=offset)


# -- offers and requests ----------------------------------------------------------------


def _offer_out(row: Any) -> OfferOut:
    return OfferOut(
        offer_id=row.id, workplace_id=row.workplace_id, supervisor_id=row.supervisor_id,
        municipality_code=row.municipality_code, external_ref=row.external_ref,
        program=row.program, occupation=row.occupation, period_start=row.period_start,
        period_end=row.period_end, capacity=row.capacity, min_age=row.min_age,
        without_client_contact=row.without_client_contact, supports=list(row.supports),
        status=row.status, withdrawn_reason=row.withdrawn_reason,
        arrival_time=clock(row.arrival_time), arrival_place=row.arrival_place,
        work_starts=clock(row.work_starts), work_ends=clock(row.work_ends), bring=row.bring,
        contact_name=row.contact_name, contact_phone=row.contact_phone, variant=row.variant,
    )


async def offer(session: AsyncSession, ident: UUID) -> OfferOut | None:
    row = (await session.execute(select(orm.offers).where(orm.offers.c.id == ident))).first()
    return None if row is None else _offer_out(row)


async def offers(session: AsyncSession, municipalities: Collection[str] | None,
                 program: str | None, limit: int, offset: int,
                 workplace_id: UUID | None = None) -> Page[OfferOut]:
    o = orm.offers
    where = [o.c.workplace_id == workplace_id] if workplace_id is not None else []
    rows, total = await _page(session, o, municipalities, program, limit, offset, None, *where)
    return Page[OfferOut](items=[_offer_out(row) for row in rows], total=total, limit=limit,
                          offset=offset)


def _request_out(row: Any) -> RequestOut:
    return RequestOut(
        request_id=row.id, participant_id=row.participant_id,
        municipality_code=row.municipality_code, external_ref=row.external_ref,
        program=row.program, period_start=row.period_start, period_end=row.period_end,
        preferences=[PreferenceOut(**p) for p in row.preferences], needs=list(row.needs),
        priority=row.priority, status=row.status, withdrawn_reason=row.withdrawn_reason,
        variant=row.variant, only_preferences=row.only_preferences,
        placement=None if row.placement_status is None else PlacementStatusOut(
            status=row.placement_status, placement_id=row.placement_id,
            offer_id=row.placement_offer_id, reasons=list(row.placement_reasons or []),
            changed_at=row.placement_changed_at),
    )


async def request(session: AsyncSession, ident: UUID) -> RequestOut | None:
    row = (await session.execute(select(orm.requests).where(orm.requests.c.id == ident))).first()
    return None if row is None else _request_out(row)


async def requests(session: AsyncSession, municipalities: Collection[str] | None,
                   program: str | None, limit: int, offset: int,
                   participant_id: UUID | None = None) -> Page[RequestOut]:
    r = orm.requests
    where = [r.c.participant_id == participant_id] if participant_id is not None else []
    rows, total = await _page(session, r, municipalities, program, limit, offset, None,
                              *where)
    return Page[RequestOut](items=[_request_out(row) for row in rows], total=total,
                            limit=limit, offset=offset)


async def coordinator(session: AsyncSession, ident: UUID) -> CoordinatorOut | None:
    row = (await session.execute(
        select(orm.coordinators).where(orm.coordinators.c.id == ident)
    )).first()
    if row is None:
        return None
    return CoordinatorOut(coordinator_id=row.id, municipality_code=row.municipality_code,
                          **_contact(row._mapping))


async def person_municipality(session: AsyncSession, role: str, ident: UUID) -> str | None:
    """The municipality of a supervisor, a manager or a guardian (also one erased: an
    erasure answers again), for authorisation; None when unknown."""
    tables = {"supervisor": (orm.supervisors, orm.supervisors.c.id),
              "manager": (orm.workplaces, orm.workplaces.c.manager_id),
              "guardian": (orm.guardians, orm.guardians.c.id)}
    table, key = tables[role]
    code = await session.scalar(select(table.c.municipality_code).where(key == ident).limit(1))
    if code is not None:
        return str(code)
    e = orm.person_erasures
    return await session.scalar(select(e.c.municipality_code).where(
        e.c.person_id == ident, e.c.role == role))
