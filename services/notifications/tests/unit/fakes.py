"""In-memory directory, outbound messages and unit of work: the handlers' and the
dispatcher's ports without a database, with the SQL's semantics (upserts, one row per
cause, recipient and channel, a field given as None keeps what is known)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import async_sessionmaker

from services.notifications.adapters.email import OutgoingEmail
from services.notifications.adapters.orm import tables
from services.notifications.adapters.receipts import FINAL, Receipts
from services.notifications.adapters.repository import Claimed, Directory, Outbound, Settlement
from services.notifications.domain.letters import (
    OfferFacts,
    ParticipantFacts,
    PlacementFacts,
    SessionFacts,
    WorkplaceFacts,
)
from services.notifications.domain.model import (
    Channel,
    Contact,
    Delivered,
    PlannedNotification,
    SendOutcome,
)
from services.notifications.domain.sender import MunicipalityProfile
from services.notifications.unit_of_work import NotificationsUnitOfWork
from shared.clock import Clock
from shared.contracts.base import EventData
from shared.contracts.envelope import CloudEvent
from shared.links import BadLink, Link

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


class FakeDirectory(Directory):
    def __init__(self, clock: Clock) -> None:  # no session: every method is in memory
        self.clock = clock
        self.contact_of: dict[UUID, Contact] = {}
        self.participant_of: dict[UUID, ParticipantFacts] = {}
        self.workplace_of: dict[UUID, WorkplaceFacts] = {}
        self.supervisor_of: dict[UUID, tuple[UUID, str]] = {}
        self.offer_of: dict[UUID, OfferFacts] = {}
        self.profile_of: dict[str, MunicipalityProfile] = {}
        self.session_of: dict[UUID, tuple[SessionFacts, str, bool]] = {}
        self.placement_of: dict[UUID, dict[str, Any]] = {}

    async def save_contact(self, c: Contact) -> None:
        known = self.contact_of.get(c.person_id)  # the opt-out is not the registry's
        self.contact_of[c.person_id] = replace(
            c, sms_opt_out=bool(known and known.sms_opt_out),
            email_opt_out=bool(known and known.email_opt_out))

    async def drop_contact(self, person_id: UUID) -> None:
        self.contact_of.pop(person_id, None)

    async def contacts(self, ids: Iterable[UUID]) -> dict[UUID, Contact]:
        return {i: self.contact_of[i] for i in ids if i in self.contact_of}

    async def set_opt_out(self, person_id: UUID, channel: Channel, opt_out: bool) -> bool:
        if person_id not in self.contact_of:
            return False
        known = self.contact_of[person_id]
        self.contact_of[person_id] = (replace(known, sms_opt_out=opt_out) if channel == "sms"
                                      else replace(known, email_opt_out=opt_out))
        return True

    async def save_profile(self, p: MunicipalityProfile) -> None:
        self.profile_of[p.municipality_code] = p

    async def profiles(self, codes: Iterable[str]) -> dict[str, MunicipalityProfile]:
        return {c: self.profile_of[c] for c in codes if c in self.profile_of}

    async def coordinators(self) -> list[Contact]:
        return sorted((c for c in self.contact_of.values()
                       if c.role == "coordinator" and c.municipality_code is not None),
                      key=lambda c: str(c.person_id))

    async def save_participant(self, p: ParticipantFacts) -> None:
        self.participant_of[p.participant_id] = p

    async def participants(self, ids: Iterable[UUID]) -> dict[UUID, ParticipantFacts]:
        return {i: self.participant_of[i] for i in ids if i in self.participant_of}

    async def drop_participant(self, participant_id: UUID) -> None:
        self.participant_of.pop(participant_id, None)

    async def save_workplace(self, w: WorkplaceFacts) -> None:
        self.workplace_of[w.workplace_id] = w

    async def workplaces(self, ids: Iterable[UUID]) -> dict[UUID, WorkplaceFacts]:
        return {i: self.workplace_of[i] for i in ids if i in self.workplace_of}

    async def save_supervisor(self, supervisor_id: UUID, workplace_id: UUID,
                              municipality_code: str) -> None:
        self.supervisor_of[supervisor_id] = (workplace_id, municipality_code)

    async def supervisor_workplaces(self, ids: Iterable[UUID]) -> dict[UUID, UUID]:
        return {i: self.supervisor_of[i][0] for i in ids if i in self.supervisor_of}

    async def save_offer(self, offer: OfferFacts, workplace_id: UUID,
                         supervisor_id: UUID) -> None:
        self.offer_of[offer.offer_id] = offer

    async def offers(self, ids: Iterable[UUID]) -> dict[UUID, OfferFacts]:
        return {i: self.offer_of[i] for i in ids if i in self.offer_of}

    def _placement(self, placement_id: UUID) -> PlacementFacts:
        p = self.placement_of[placement_id]
        return PlacementFacts(placement_id, p["status"], p["participant_id"], p["workplace_id"],
                              p["supervisor_id"], p["offer_id"], p["program"],
                              p["period_start"], p["period_end"], p["municipality_code"],
                              p.get("variant"))

    async def placements(self, ids: Iterable[UUID]) -> dict[UUID, PlacementFacts]:
        return {i: self._placement(i) for i in ids if i in self.placement_of}

    async def open_placements_of(self, participant_id: UUID) -> list[PlacementFacts]:
        return [self._placement(i) for i, p in self.placement_of.items()
                if p["participant_id"] == participant_id
                and p["status"] in ("proposed", "accepted", "confirmed")]

    async def forget_participant(self, participant_id: UUID) -> None:
        for p in self.placement_of.values():
            if p["participant_id"] == participant_id:
                p["participant_id"] = None

    async def forget_person(self, person_id: UUID, role: str) -> None:
        if role == "guardian":
            for i, f in list(self.participant_of.items()):
                self.participant_of[i] = replace(f, guardian_ids=tuple(
                    g for g in f.guardian_ids if g != person_id))
        if role == "supervisor":
            self.supervisor_of.pop(person_id, None)
            for p in self.placement_of.values():
                if p["supervisor_id"] == person_id:
                    p["supervisor_id"] = None
        if role == "manager":
            for i, w in list(self.workplace_of.items()):
                if w.manager_id == person_id:
                    self.workplace_of[i] = replace(w, manager_id=None)

    async def save_session(self, s: SessionFacts, municipality_code: str, cancelled: bool) -> None:
        self.session_of[s.session_id] = (s, municipality_code, cancelled)

    async def sessions(self, ids: Iterable[UUID]) -> dict[UUID, SessionFacts]:
        return {i: self.session_of[i][0] for i in ids if i in self.session_of}

    async def save_placements(self, rows: Sequence[dict[str, Any]]) -> None:
        for row in rows:
            known = {k: v for k, v in row.items() if v is not None}
            placement = self.placement_of.setdefault(row["placement_id"], {
                "request_id": None, "participant_id": None, "workplace_id": None,
                "supervisor_id": None, "municipality_code": None, "program": None,
                "offer_id": None, "period_start": None, "period_end": None})
            placement.update(known, updated_at=self.clock())

    async def placement_counts(self, municipality_code: str, since: datetime) -> dict[str, int]:
        counts: dict[str, int] = {}
        for p in self.placement_of.values():
            if p["municipality_code"] == municipality_code and p["updated_at"] >= since:
                counts[p["status"]] = counts.get(p["status"], 0) + 1
        return counts


@dataclass
class Row:
    """One row of `notifications`: what was planned and what became of it."""

    planned: PlannedNotification
    created_at: datetime
    context: dict[str, Any]
    not_before: datetime
    status: str = "pending"
    attempts: int = 0
    lease_until: datetime | None = None
    last_error: str | None = None
    provider_ref: str | None = None
    receipt_status: str | None = None
    segments: int | None = None
    sent_at: datetime | None = None
    finished_at: datetime | None = None
    tries: list[tuple[int, str, str | None]] = field(default_factory=list)
    """(attempt, outcome, error) of each attempt, as the `attempts` table."""

    def claimed(self, contact: Contact | None) -> Claimed:
        p = self.planned
        return Claimed(p.notification_id, p.cause_event_id, p.recipient_id, p.channel,
                       p.template, self.context, self.attempts, p.correlation_id,
                       self.created_at, contact, p.placement_id, p.about_participant_id,
                       p.municipality_code, p.recipient_role)


class FakeOutbound(Outbound):
    def __init__(self, directory: FakeDirectory) -> None:  # no session
        self.directory = directory
        self.recorded = 0
        self.pending: list[PlannedNotification] = []
        self.rows: dict[UUID, Row] = {}
        self.digests: set[tuple[UUID, date]] = set()

    async def flush(self) -> int:
        planned, self.pending = self.pending, []
        added = 0
        for p in planned:
            if p.notification_id not in self.rows:  # on conflict do nothing
                self.rows[p.notification_id] = Row(p, self.directory.clock(), p.context,
                                                   p.not_before)
                added += 1
        self.recorded += added
        return added

    async def claim(self, now: datetime, lease_s: float, limit: int) -> list[Claimed]:
        await self.flush()
        due = sorted((r for r in self.rows.values()
                      if r.status in ("pending", "sending") and r.not_before <= now
                      and (r.lease_until is None or r.lease_until < now)),
                     key=lambda r: r.not_before)[:limit]
        for r in due:
            r.status, r.lease_until = "sending", now + timedelta(seconds=lease_s)
            r.attempts += 1
        return [r.claimed(self.directory.contact_of.get(r.planned.recipient_id)) for r in due]

    async def settle(self, settlements: Sequence[Settlement], now: datetime) -> None:
        await self.flush()
        for x in settlements:
            r = self.rows[x.notification_id]
            r.status, r.lease_until, r.last_error = x.status, None, x.error
            r.not_before = x.not_before or r.not_before
            r.provider_ref = x.provider_ref or r.provider_ref
            r.segments = x.segments or r.segments
            r.sent_at = now if x.status == "sent" else r.sent_at
            r.finished_at = now if x.status in ("sent", "failed", "cancelled") else r.finished_at
            r.attempts -= 1 if x.attempt is None else 0
            if x.attempt is not None and x.outcome is not None:
                r.tries.append((x.attempt, x.outcome, x.error))

    async def cancel_reminders(self, person_id: UUID, session_id: UUID, now: datetime) -> None:
        await self.flush()
        for r in self.rows.values():
            if (r.planned.recipient_id == person_id and r.planned.template == "course_reminder"
                    and r.status == "pending" and r.context.get("session_id") == str(session_id)):
                r.status, r.finished_at, r.last_error = "cancelled", now, "enrolment cancelled"

    async def withdraw(self, placement_id: UUID, template: str, now: datetime) -> bool:
        await self.flush()
        sent = False
        for r in self.rows.values():
            if r.planned.placement_id == placement_id and r.planned.template == template:
                if r.status == "pending":
                    r.status, r.finished_at, r.last_error = ("cancelled", now,
                                                             "placement cancelled")
                sent = sent or r.status in ("sent", "sending")
        return sent

    async def erase(self, person_id: UUID, now: datetime) -> None:
        await self.flush()
        for r in self.rows.values():
            if person_id in (r.planned.recipient_id, r.planned.about_participant_id):
                if r.status in ("pending", "sending"):
                    r.status, r.finished_at = "cancelled", now
                r.context, r.last_error = {}, None
                r.tries = [(attempt, outcome, None) for attempt, outcome, _ in r.tries]

    async def failures(self, municipality_code: str, since: datetime) -> int:
        await self.flush()
        return sum(1 for r in self.rows.values()
                   if r.planned.municipality_code == municipality_code and r.status == "failed"
                   and r.finished_at is not None and r.finished_at >= since)

    async def mark_digest(self, coordinator_id: UUID, day: date) -> bool:
        if (coordinator_id, day) in self.digests:
            return False
        self.digests.add((coordinator_id, day))
        return True

    def to(self, person_id: UUID) -> list[Row]:
        """The rows to one person, by template and channel."""
        return sorted((r for r in self.rows.values() if r.planned.recipient_id == person_id),
                      key=lambda r: (r.planned.template, r.planned.channel))


class FakeReceipts(Receipts):
    """Receipts on the fake outbound's rows, or kept by provider id (as `sms_receipts`)."""

    def __init__(self, outbound: FakeOutbound) -> None:  # no session
        self.outbound = outbound
        self.kept: dict[str, tuple[str, datetime]] = {}

    async def _mark(self, provider_ref: str, status: str) -> Claimed | None:
        for r in self.outbound.rows.values():
            if r.provider_ref == provider_ref and r.planned.channel == "sms":
                r.receipt_status = status
                return r.claimed(None)
        return None

    async def record(self, provider_ref: str, status: str, now: datetime) -> Claimed | None:
        row = await self._mark(provider_ref, status)
        if row is None and (provider_ref not in self.kept or status in FINAL):
            self.kept[provider_ref] = (status, now)
        return row

    async def apply_kept(self, provider_refs: Iterable[str]) -> list[tuple[Claimed, str]]:
        applied = []
        for ref in sorted(set(provider_refs) & set(self.kept)):
            status, _ = self.kept.pop(ref)
            if (row := await self._mark(ref, status)) is not None:
                applied.append((row, status))
        return applied

    async def forget(self, before: datetime) -> int:
        old = [ref for ref, (_, at) in self.kept.items() if at < before]
        for ref in old:
            del self.kept[ref]
        return len(old)


class FakeUsedLinks:
    def __init__(self) -> None:
        self.ids: set[str] = set()

    async def claim(self, link: Link) -> None:
        if link.token_id in self.ids:
            raise BadLink("link_used", link.municipality_code)
        self.ids.add(link.token_id)

    async def used(self, link: Link) -> bool:
        return link.token_id in self.ids


class FakeUnitOfWork(NotificationsUnitOfWork):
    """Keeps the directory and the messages across units of work, like a database would;
    `events` holds what committed units of work published."""

    def __init__(self, clock: Clock = lambda: EPOCH,
                 after_record: Callable[[], None] | None = None) -> None:
        super().__init__(async_sessionmaker(), tables.outbox, "urn:praktik:notifications",
                         after_record=after_record)
        self.fake_directory = FakeDirectory(clock)
        self.fake_outbound = FakeOutbound(self.fake_directory)
        self.fake_used_links = FakeUsedLinks()
        self.fake_receipts = FakeReceipts(self.fake_outbound)
        self.events: list[EventData] = []
        self._staged: list[EventData] = []
        self.commits = 0

    async def __aenter__(self) -> FakeUnitOfWork:
        self._pending, self.published, self._staged = [], [], []
        self.directory, self.outbound = self.fake_directory, self.fake_outbound
        self.used_links = self.fake_used_links
        self.receipts = self.fake_receipts
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        self.fake_outbound.pending.clear()
        self._pending, self._staged = [], []

    def publish(self, data: EventData, **kwargs: Any) -> CloudEvent:
        self._staged.append(data)
        return super().publish(data, **kwargs)

    async def commit(self) -> None:
        await self.fake_outbound.flush()
        recorded, self.fake_outbound.recorded = self.fake_outbound.recorded, 0
        self.events += self._staged
        self._pending, self._staged = [], []
        self.commits += 1
        if recorded and self._after_record is not None:
            self._after_record()

    def of_type(self, kind: type) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]


class FakeEmail:
    """An SMTP server that answers per address (delivered unless told otherwise)."""

    def __init__(self, answers: dict[str, SendOutcome] | None = None) -> None:
        self.answers = answers or {}
        self.sent: list[OutgoingEmail] = []

    async def send(self, message: OutgoingEmail) -> SendOutcome:
        self.sent.append(message)
        return self.answers.get(message.to, Delivered())

    async def close(self) -> None:
        pass


class FakeSms:
    """A 46elks that accepts every message and names it `sms-<n>`."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    async def send(self, to: str, message: str) -> SendOutcome:
        self.sent.append((to, message))
        return Delivered(provider_ref=f"sms-{len(self.sent)}")

    async def close(self) -> None:
        pass
