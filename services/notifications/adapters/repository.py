"""Notifications' write side, with SQLAlchemy Core on the unit of work's session: what the
handlers and the dispatcher read and write. What HTTP shows is in `views.py`."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import (
    DateTime,
    Integer,
    String,
    and_,
    any_,
    bindparam,
    delete,
    func,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.ext.asyncio import AsyncSession

from services.notifications.adapters.orm import (
    attempts,
    contacts,
    digests,
    municipalities,
    notifications,
    offers,
    participants,
    placements,
    sessions,
    supervisors,
    workplaces,
)
from services.notifications.domain.letters import (
    OfferFacts,
    ParticipantFacts,
    PlacementFacts,
    SessionFacts,
    WorkplaceFacts,
)
from services.notifications.domain.model import Channel, Contact, PlannedNotification
from services.notifications.domain.sender import MunicipalityProfile

OFFER_FACTS = ("arrival_time", "arrival_place", "work_starts", "work_ends", "bring",
               "contact_name", "contact_phone")
OPEN = ("proposed", "accepted", "confirmed")


@dataclass(frozen=True)
class Settlement:
    """What became of one claimed notification (`attempt` None: deferred, not tried)."""

    notification_id: UUID
    attempt: int | None
    status: str
    not_before: datetime | None = None
    error: str | None = None
    provider_ref: str | None = None
    segments: int | None = None
    outcome: str | None = None


@dataclass(frozen=True)
class Claimed:
    """A notification claimed for sending, with its recipient's contact (if known)."""

    notification_id: UUID
    cause_event_id: str
    recipient_id: UUID
    channel: Channel
    template: str
    context: dict[str, Any]
    attempts: int
    correlation_id: str | None
    created_at: datetime
    contact: Contact | None
    placement_id: UUID | None = None
    about_participant_id: UUID | None = None
    municipality_code: str | None = None
    recipient_role: str = ""


def _uuids(name: str) -> Any:
    """A bound array of ids: one statement (and one prepared plan) for any count."""
    return bindparam(name, type_=ARRAY(PG_UUID(as_uuid=True)))


def _contact(row: Any) -> Contact:
    return Contact(person_id=row.person_id, role=row.role, name=row.name, email=row.email,
                   phone=row.phone, language=row.language, sms_allowed=row.sms_allowed,
                   sms_opt_out=row.sms_opt_out, municipality_code=row.municipality_code,
                   email_opt_out=row.email_opt_out)


def _placement(row: Any) -> PlacementFacts:
    return PlacementFacts(row.placement_id, row.status, row.participant_id, row.workplace_id,
                          row.supervisor_id, row.offer_id, row.program, row.period_start,
                          row.period_end, row.municipality_code, row.variant)


class Directory:
    """Contacts and the facts the letters are written from."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def save_contact(self, c: Contact) -> None:
        values = {"person_id": c.person_id, "role": c.role, "name": c.name, "email": c.email,
                  "phone": c.phone, "language": c.language, "sms_allowed": c.sms_allowed,
                  "municipality_code": c.municipality_code}
        await self.session.execute(
            insert(contacts).values(**values).on_conflict_do_update(
                index_elements=[contacts.c.person_id],
                set_={**{k: v for k, v in values.items() if k != "person_id"},
                      "updated_at": func.now()}))

    async def drop_contact(self, person_id: UUID) -> None:
        await self.session.execute(delete(contacts).where(contacts.c.person_id == person_id))

    async def contacts(self, ids: Iterable[UUID]) -> dict[UUID, Contact]:
        return {row.person_id: _contact(row)
                for row in await self._rows(contacts, contacts.c.person_id, ids)}

    async def contact(self, person_id: UUID) -> Contact | None:
        return (await self.contacts([person_id])).get(person_id)

    async def set_opt_out(self, person_id: UUID, channel: Channel, opt_out: bool) -> bool:
        """The person wants no (or again) messages on `channel`; False: no such contact."""
        column = "sms_opt_out" if channel == "sms" else "email_opt_out"
        result = await self.session.execute(
            update(contacts).where(contacts.c.person_id == person_id)
            .values({column: opt_out}).returning(contacts.c.person_id))
        return result.first() is not None

    async def save_profile(self, p: MunicipalityProfile) -> None:
        await self._upsert(municipalities, "municipality_code", {
            "municipality_code": p.municipality_code, "name": p.name,
            "coordinator_name": p.coordinator_name,
            "coordinator_email": p.coordinator_email,
            "coordinator_phone": p.coordinator_phone})

    async def profiles(self, codes: Iterable[str]) -> dict[str, MunicipalityProfile]:
        wanted = sorted(set(codes))
        if not wanted:
            return {}
        rows = await self.session.execute(select(municipalities).where(
            municipalities.c.municipality_code.in_(wanted)))
        return {row.municipality_code: MunicipalityProfile(
                    row.municipality_code, row.name, row.coordinator_name,
                    row.coordinator_email, row.coordinator_phone) for row in rows}

    async def coordinators(self) -> list[Contact]:
        rows = await self.session.execute(
            select(contacts).where(contacts.c.role == "coordinator",
                                   contacts.c.municipality_code.is_not(None)))
        return [_contact(row) for row in rows]

    async def _upsert(self, table: Any, key: str, values: dict[str, Any]) -> None:
        await self.session.execute(
            insert(table).values(**values).on_conflict_do_update(
                index_elements=[table.c[key]],
                set_={k: v for k, v in values.items() if k != key}))

    async def save_participant(self, p: ParticipantFacts) -> None:
        await self._upsert(participants, "participant_id", {
            "participant_id": p.participant_id, "municipality_code": p.municipality_code,
            "birth_date": p.birth_date, "language": p.language,
            "guardian_ids": [str(g) for g in p.guardian_ids]})

    async def participants(self, ids: Iterable[UUID]) -> dict[UUID, ParticipantFacts]:
        return {row.participant_id: ParticipantFacts(
                    row.participant_id, row.municipality_code, row.birth_date, row.language,
                    tuple(uuid.UUID(g) for g in row.guardian_ids))
                for row in await self._rows(participants, participants.c.participant_id, ids)}

    async def _rows(self, table: Any, key: Any, ids: Iterable[UUID]) -> Any:
        """The rows whose `key` is one of `ids` (one statement for any count)."""
        wanted = sorted(set(ids))
        if not wanted:
            return []
        return await self.session.execute(select(table).where(key == any_(_uuids("ids"))),
                                          {"ids": wanted})

    async def drop_participant(self, participant_id: UUID) -> None:
        await self.session.execute(
            delete(participants).where(participants.c.participant_id == participant_id))

    async def save_workplace(self, w: WorkplaceFacts) -> None:
        await self._upsert(workplaces, "workplace_id", {
            "workplace_id": w.workplace_id, "name": w.name, "address": w.address,
            "client_contact": w.client_contact, "manager_id": w.manager_id,
            "municipality_code": w.municipality_code})

    async def workplaces(self, ids: Iterable[UUID]) -> dict[UUID, WorkplaceFacts]:
        return {row.workplace_id: WorkplaceFacts(
                    row.workplace_id, row.name, row.address, row.client_contact,
                    row.manager_id, row.municipality_code)
                for row in await self._rows(workplaces, workplaces.c.workplace_id, ids)}

    async def save_supervisor(self, supervisor_id: UUID, workplace_id: UUID,
                              municipality_code: str) -> None:
        await self._upsert(supervisors, "supervisor_id", {
            "supervisor_id": supervisor_id, "workplace_id": workplace_id,
            "municipality_code": municipality_code})

    async def supervisor_workplaces(self, ids: Iterable[UUID]) -> dict[UUID, UUID]:
        return {row.supervisor_id: row.workplace_id
                for row in await self._rows(supervisors, supervisors.c.supervisor_id, ids)}

    async def save_offer(self, offer: OfferFacts, workplace_id: UUID,
                         supervisor_id: UUID) -> None:
        await self._upsert(offers, "offer_id", {
            "offer_id": offer.offer_id, "workplace_id": workplace_id,
            "supervisor_id": supervisor_id,
            "without_client_contact": offer.without_client_contact,
            **{name: getattr(offer, name) for name in OFFER_FACTS}})

    async def offers(self, ids: Iterable[UUID]) -> dict[UUID, OfferFacts]:
        return {row.offer_id: OfferFacts(row.offer_id, row.without_client_contact,
                                         *(getattr(row, name) for name in OFFER_FACTS))
                for row in await self._rows(offers, offers.c.offer_id, ids)}

    async def placements(self, ids: Iterable[UUID]) -> dict[UUID, PlacementFacts]:
        return {row.placement_id: _placement(row)
                for row in await self._rows(placements, placements.c.placement_id, ids)}

    async def open_placements_of(self, participant_id: UUID) -> list[PlacementFacts]:
        rows = await self.session.execute(select(placements).where(
            placements.c.participant_id == participant_id, placements.c.status.in_(OPEN)))
        return [_placement(row) for row in rows]

    async def forget_participant(self, participant_id: UUID) -> None:
        """Erasure: the placements keep their status (the digest counts it), not whose."""
        await self.session.execute(update(placements).where(
            placements.c.participant_id == participant_id).values(participant_id=None))

    async def forget_person(self, person_id: UUID, role: str) -> None:
        """Erasure of a guardian, supervisor or manager: out of the read models (ids only
        are kept here; the contact is dropped apart)."""
        match role:
            case "guardian":
                await self.session.execute(update(participants).where(
                    participants.c.guardian_ids.contains([str(person_id)])).values(
                    guardian_ids=participants.c.guardian_ids.op("-")(
                        literal(str(person_id), String))))
            case "supervisor":
                await self.session.execute(
                    delete(supervisors).where(supervisors.c.supervisor_id == person_id))
                await self.session.execute(update(placements).where(
                    placements.c.supervisor_id == person_id).values(supervisor_id=None))
            case "manager":
                await self.session.execute(update(workplaces).where(
                    workplaces.c.manager_id == person_id).values(manager_id=None))

    async def save_session(self, s: SessionFacts, municipality_code: str, cancelled: bool) -> None:
        await self._upsert(sessions, "session_id", {
            "session_id": s.session_id, "course": s.course, "topic": s.topic,
            "starts_at": s.starts_at, "ends_at": s.ends_at, "venue": s.venue,
            "digital": s.digital, "municipality_code": municipality_code,
            "cancelled": cancelled})

    async def sessions(self, ids: Iterable[UUID]) -> dict[UUID, SessionFacts]:
        return {row.session_id: SessionFacts(row.session_id, row.course, row.topic,
                                             row.starts_at, row.ends_at, row.venue, row.digital,
                                             row.cancelled)
                for row in await self._rows(sessions, sessions.c.session_id, ids)}

    async def save_placement(self, placement_id: UUID, status: str, **fields: Any) -> None:
        await self.save_placements([{"placement_id": placement_id, "status": status,
                                     **fields}])

    async def save_placements(self, rows: Sequence[dict[str, Any]]) -> None:
        """Upsert placements' status and facts; a field given as None keeps what is
        known. Rows with the same known fields share one statement (where a placement
        comes twice, the later row wins, as it would one statement after the other)."""
        by_fields: dict[tuple[str, ...], dict[UUID, dict[str, Any]]] = {}
        for row in rows:
            known = {k: v for k, v in row.items() if v is not None}
            by_fields.setdefault(tuple(sorted(known)), {})[row["placement_id"]] = {
                "request_id": row.get("request_id"), **known}
        for fields, group in by_fields.items():
            stmt = insert(placements)
            await self.session.execute(stmt.on_conflict_do_update(
                index_elements=[placements.c.placement_id],
                set_={**{k: stmt.excluded[k] for k in fields if k != "placement_id"},
                      "updated_at": func.now()}), list(group.values()))

    async def placement_counts(self, municipality_code: str, since: datetime) -> dict[str, int]:
        rows = await self.session.execute(
            select(placements.c.status, func.count()).where(
                placements.c.municipality_code == municipality_code,
                placements.c.updated_at >= since).group_by(placements.c.status))
        return {row[0]: int(row[1]) for row in rows}


class Outbound:
    """The notifications: recorded by consumers, claimed and settled by the dispatcher."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.recorded = 0
        self.pending: list[PlannedNotification] = []

    def add(self, planned: Sequence[PlannedNotification]) -> None:
        """Record messages to send; one per (cause, recipient, channel) whatever the
        redelivery. Kept until `flush()` (the unit of work flushes before any other write
        of this repository, at each savepoint's end and at commit), so a consumer's batch
        inserts its rows in one statement instead of one round trip per event."""
        self.pending.extend(planned)

    async def flush(self) -> int:
        if not self.pending:
            return 0
        planned, self.pending = self.pending, []
        # One cached statement whatever the count (SQLAlchemy's "insertmanyvalues"
        # batches the rows into multi-row VALUES under Postgres' parameter limit).
        result = await self.session.execute(
            insert(notifications).on_conflict_do_nothing()
            .returning(notifications.c.notification_id), [{
                "notification_id": p.notification_id, "cause_event_id": p.cause_event_id,
                "recipient_id": p.recipient_id, "channel": p.channel,
                "template": p.template, "context": p.context,
                "recipient_role": p.recipient_role, "correlation_id": p.correlation_id,
                "placement_id": p.placement_id,
                "about_participant_id": p.about_participant_id,
                "municipality_code": p.municipality_code, "not_before": p.not_before,
            } for p in planned])
        added = len(result.all())
        self.recorded += added
        return added

    async def claim(self, now: datetime, lease_s: float, limit: int) -> list[Claimed]:
        """Due rows, locked against other dispatchers (SKIP LOCKED), leased and counted as an
        attempt before anything is sent. A row whose lease ran out (its dispatcher died) is
        due again: it is in doubt and is sent again with the same Message-ID."""
        await self.flush()
        n = notifications
        due = (select(n.c.notification_id)
               .where(n.c.status.in_(("pending", "sending")), n.c.not_before <= now,
                      or_(n.c.lease_until.is_(None), n.c.lease_until < now))
               .order_by(n.c.not_before).limit(limit).with_for_update(skip_locked=True)
               .scalar_subquery())
        claimed = (update(n).where(n.c.notification_id.in_(due))
                   .values(status="sending", lease_until=now + timedelta(seconds=lease_s),
                           attempts=n.c.attempts + 1)
                   .returning(n.c.notification_id, n.c.cause_event_id, n.c.recipient_id,
                              n.c.channel, n.c.template, n.c.context, n.c.attempts,
                              n.c.correlation_id, n.c.created_at, n.c.placement_id,
                              n.c.about_participant_id, n.c.municipality_code,
                              n.c.recipient_role)).cte("claimed")
        rows = await self.session.execute(
            select(claimed, contacts).select_from(claimed.outerjoin(
                contacts, contacts.c.person_id == claimed.c.recipient_id)))
        return [Claimed(r.notification_id, r.cause_event_id, r.recipient_id, r.channel,
                        r.template, r.context, r.attempts, r.correlation_id, r.created_at,
                        _contact(r) if r.person_id is not None else None, r.placement_id,
                        r.about_participant_id, r.municipality_code, r.recipient_role)
                for r in rows]

    async def settle(self, settlements: Sequence[Settlement], now: datetime) -> None:
        """Record the outcome of a batch: one UPDATE and one INSERT, executed many times."""
        await self.flush()
        if not settlements:
            return
        n = notifications
        done = ("sent", "failed", "cancelled")
        await self.session.execute(
            update(n).where(n.c.notification_id == bindparam("b_id")).values(
                status=bindparam("b_status"), lease_until=None,
                last_error=bindparam("b_error"),
                not_before=func.coalesce(bindparam("b_not_before", type_=DateTime(True)),
                                         n.c.not_before),
                provider_ref=func.coalesce(bindparam("b_ref", type_=String), n.c.provider_ref),
                segments=func.coalesce(bindparam("b_segments", type_=Integer), n.c.segments),
                sent_at=func.coalesce(bindparam("b_sent_at", type_=DateTime(True)), n.c.sent_at),
                finished_at=func.coalesce(bindparam("b_finished_at", type_=DateTime(True)),
                                          n.c.finished_at),
                attempts=n.c.attempts - bindparam("b_undo", type_=Integer)),
            [{"b_id": x.notification_id, "b_status": x.status, "b_error": x.error,
              "b_not_before": x.not_before, "b_ref": x.provider_ref, "b_segments": x.segments,
              "b_sent_at": now if x.status == "sent" else None,
              "b_finished_at": now if x.status in done else None,
              "b_undo": 1 if x.attempt is None else 0} for x in settlements],
            execution_options={"synchronize_session": False})
        tried = [x for x in settlements if x.attempt is not None and x.outcome is not None]
        if tried:
            await self.session.execute(insert(attempts).on_conflict_do_nothing(), [
                {"notification_id": x.notification_id, "attempt": x.attempt,
                 "outcome": x.outcome, "at": now, "error": x.error} for x in tried])

    async def cancel_reminders(self, person_id: UUID, session_id: UUID, now: datetime) -> None:
        await self.flush()
        n = notifications
        await self.session.execute(
            update(n).where(n.c.recipient_id == person_id, n.c.template == "course_reminder",
                            n.c.status == "pending",
                            n.c.context["session_id"].astext == str(session_id))
            .values(status="cancelled", finished_at=now, last_error="enrolment cancelled"))

    async def withdraw(self, placement_id: UUID, template: str, now: datetime) -> bool:
        """Cancel the placement's unsent messages of `template`; True when one had gone
        out already (then a withdrawal is news to its recipient)."""
        await self.flush()
        n = notifications
        mine = and_(n.c.placement_id == placement_id, n.c.template == template)
        await self.session.execute(
            update(n).where(mine, n.c.status == "pending")
            .values(status="cancelled", finished_at=now, last_error="placement cancelled"))
        sent = await self.session.scalar(select(func.count()).where(
            mine, n.c.status.in_(("sent", "sending"))))
        return bool(sent)

    async def erase(self, person_id: UUID, now: datetime) -> None:
        """Erasure: the person's messages lose their personal content; unsent ones are dropped."""
        await self.flush()
        n = notifications
        mine = or_(n.c.recipient_id == person_id, n.c.about_participant_id == person_id)
        await self.session.execute(
            update(n).where(mine, n.c.status.in_(("pending", "sending")))
            .values(status="cancelled", finished_at=now, last_error="erased"))
        await self.session.execute(update(n).where(mine).values(
            context=text("'{}'::jsonb"), last_error=None))
        await self.session.execute(
            update(attempts).where(attempts.c.notification_id.in_(
                select(n.c.notification_id).where(mine))).values(error=None))

    async def failures(self, municipality_code: str, since: datetime) -> int:
        await self.flush()
        n = notifications
        value = await self.session.scalar(select(func.count()).where(
            and_(n.c.municipality_code == municipality_code, n.c.status == "failed",
                 n.c.finished_at >= since)))
        return int(value or 0)

    async def mark_digest(self, coordinator_id: UUID, day: date) -> bool:
        result = await self.session.execute(
            insert(digests).values(coordinator_id=coordinator_id, day=day)
            .on_conflict_do_nothing().returning(digests.c.day))
        return result.first() is not None
