"""Read side of the link API and of municipality profiles (docs/portal.md): what a page
reached from a link shows, and whom to contact. Plain queries on registration's tables;
a first name only, never a surname, an identity number or a private phone number of a
participant or a guardian."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.registration.adapters import orm
from services.registration.domain.consent import DEFAULT_RULE, ConsentRule, consent_state
from services.registration.domain.welcome import clock
from shared.contracts.registration import AgeRule
from shared.links import Link


class ContactOut(BaseModel):
    """Whom to contact: a municipality's coordinator (a public office)."""

    municipality_code: str
    name: str
    coordinator_name: str
    coordinator_email: str
    coordinator_phone: str


class ProfileOut(ContactOut):
    consent_rule: str
    offer_answer_programs: list[str]
    offer_answer_days: int
    guardian_answers_offer: bool
    age_rules: list[AgeRule] = []
    """The municipality's own age rules (the defaults hold for what they leave out)."""
    only_preferences_programs: list[str] = []
    workplace_answer_days: int = 3
    consent_days: int = 5
    updated_at: datetime


class WorkplaceFacts(BaseModel):
    name: str
    address: str | None = None


class ContactPerson(BaseModel):
    name: str | None = None
    phone: str | None = None


class PlacementFactsOut(BaseModel):
    placement_id: UUID
    status: str
    """Where the placement stands as registration heard from matching: proposed,
    confirmed, declined, cancelled, completed (a link to a placement that is off still
    shows its facts, with this)."""
    municipality_code: str
    program: str
    period_start: date
    period_end: date
    occupation: str
    workplace: WorkplaceFacts
    supervisor_first_name: str
    participant_first_name: str
    secrecy: bool
    """The workplace handles client data (the secrecy note is shown)."""
    without_client_contact: bool
    """The offer is arranged without client contact (for a minor at such a workplace)."""
    arrival_time: str | None = None
    """Times of day as `HH:MM`."""
    arrival_place: str | None = None
    work_starts: str | None = None
    work_ends: str | None = None
    bring: str | None = None
    contact: ContactPerson
    """The contact person on site: the offer's, else the supervisor."""


class ConsentAnswerOut(BaseModel):
    granted: bool
    recorded_at: datetime
    via: str
    message: str | None = None


class ConsentPageOut(PlacementFactsOut):
    guardian_first_name: str
    state: str
    """The participant's consent for the programme under the rule: pending, granted,
    refused."""
    guardians_answered: int
    guardians: int
    answer: ConsentAnswerOut | None = None
    """This guardian's own answer, if any (by any channel)."""
    answered: bool
    """This link was used."""
    rule: str


def first_name(name: str | None) -> str:
    return name.split()[0] if name and name.split() else ""


async def profile(session: AsyncSession, code: str) -> ProfileOut | None:
    t = orm.municipality_profiles
    row = (await session.execute(select(t).where(t.c.municipality_code == code))).first()
    if row is None:
        return None
    return ProfileOut(**{k: v for k, v in row._mapping.items() if k != "created_at"})


async def contact(session: AsyncSession, code: str) -> ContactOut | None:
    found = await profile(session, code)
    return None if found is None else ContactOut(**found.model_dump(include=set(
        ContactOut.model_fields)))


_SUPERVISOR = orm.supervisors.alias("supervisor")
_PARTICIPANT = orm.participants.alias("participant")


async def _placement_row(session: AsyncSession, placement_id: UUID) -> Any:
    """The placement by its own id (also one its request has left), at its own offer."""
    pl, r, o, w = orm.placements, orm.requests, orm.offers, orm.workplaces
    s, p = _SUPERVISOR, _PARTICIPANT
    return (await session.execute(
        select(pl.c.status, r.c.id.label("request_id"), r.c.participant_id,
               r.c.municipality_code,
               r.c.program, r.c.period_start, r.c.period_end, o.c.occupation,
               o.c.supervisor_id, w.c.manager_id, w.c.name.label("workplace_name"),
               w.c.address, w.c.client_contact, s.c.name.label("supervisor_name"),
               s.c.phone.label("supervisor_phone"), p.c.name.label("participant_name"),
               o.c.arrival_time, o.c.arrival_place, o.c.work_starts, o.c.work_ends,
               o.c.bring, o.c.contact_name, o.c.contact_phone, o.c.without_client_contact)
        .select_from(pl).join(r, r.c.id == pl.c.request_id)
        .join(o, o.c.id == pl.c.offer_id).join(w, w.c.id == o.c.workplace_id)
        .join(s, s.c.id == o.c.supervisor_id).join(p, p.c.id == r.c.participant_id)
        .where(pl.c.placement_id == placement_id)
    )).first()


async def _guardian_ids(session: AsyncSession, participant_id: UUID) -> list[UUID]:
    link = orm.participant_guardians
    rows = await session.execute(select(link.c.guardian_id).where(
        link.c.participant_id == participant_id).order_by(link.c.position))
    return [row.guardian_id for row in rows]


def _facts(placement_id: UUID, row: Any) -> PlacementFactsOut:
    named = row.contact_name is not None
    return PlacementFactsOut(
        placement_id=placement_id, status=row.status,
        municipality_code=row.municipality_code,
        program=row.program, period_start=row.period_start, period_end=row.period_end,
        occupation=row.occupation,
        workplace=WorkplaceFacts(name=row.workplace_name, address=row.address),
        supervisor_first_name=first_name(row.supervisor_name),
        participant_first_name=first_name(row.participant_name),
        secrecy=row.client_contact, without_client_contact=row.without_client_contact,
        arrival_time=clock(row.arrival_time),
        arrival_place=row.arrival_place, work_starts=clock(row.work_starts),
        work_ends=clock(row.work_ends), bring=row.bring,
        contact=ContactPerson(name=row.contact_name if named else row.supervisor_name,
                              phone=row.contact_phone if named else row.supervisor_phone),
    )


async def _of_party(session: AsyncSession, link: Link) -> Any | None:
    """The placement a link names, when the link's recipient is one of its parties (the
    participant's guardian for `consent`, the participant or a guardian for
    `offer_answer`, the supervisor or the workplace's manager for `workplace_answer`)."""
    row = await _placement_row(session, link.subject)
    if row is None:
        return None
    if link.purpose == "workplace_answer":
        parties = {row.supervisor_id, row.manager_id}
    else:
        parties = set(await _guardian_ids(session, row.participant_id))
        if link.purpose == "offer_answer":
            parties.add(row.participant_id)
    return row if link.recipient in parties else None


async def placement_facts(session: AsyncSession, link: Link) -> PlacementFactsOut | None:
    """The facts of the placement a link names; None when it is not known, or the link
    was not sent to one of its parties."""
    row = await _of_party(session, link)
    return None if row is None else _facts(link.subject, row)


async def link_used(session: AsyncSession, link: Link) -> bool:
    used = orm.tables.used_links
    return await session.scalar(
        select(used.c.token_id).where(used.c.token_id == link.token_id)) is not None


async def consent_rule(session: AsyncSession, code: str) -> ConsentRule:
    t = orm.municipality_profiles
    rule = await session.scalar(select(t.c.consent_rule).where(t.c.municipality_code == code))
    return "both" if rule == "both" else DEFAULT_RULE


async def consent_page(session: AsyncSession, link: Link) -> ConsentPageOut | None:
    """What a consent link's page shows; None when the link's guardian is not a guardian
    of the placement's participant (or the placement is not known)."""
    row = await _of_party(session, link)
    if row is None:
        return None
    facts = _facts(link.subject, row)
    guardians = await _guardian_ids(session, row.participant_id)
    c, g = orm.consents, orm.guardians
    answers = {a.guardian_id: a for a in await session.execute(select(c).where(
        c.c.participant_id == row.participant_id, c.c.program == row.program))}
    rule = await consent_rule(session, row.municipality_code)
    own = answers.get(link.recipient)
    name = await session.scalar(select(g.c.name).where(g.c.id == link.recipient))
    return ConsentPageOut(
        **facts.model_dump(), guardian_first_name=first_name(name),
        state=consent_state(rule, guardians, {k: a.granted for k, a in answers.items()}),
        guardians_answered=sum(1 for k in guardians if k in answers),
        guardians=len(guardians), answered=await link_used(session, link), rule=rule,
        answer=None if own is None else ConsentAnswerOut(
            granted=own.granted, recorded_at=own.recorded_at, via=own.via,
            message=own.message),
    )
