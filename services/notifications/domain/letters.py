"""What a message says: the template variables for each template, from an event and the
facts the read models hold. Plain functions; values are JSON-safe (stored with the row).
Dates go in as ISO strings; the templates word them in the reader's language."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from services.notifications.domain.dates import working_days

ADULT_AGE = 18


@dataclass(frozen=True)
class ParticipantFacts:
    participant_id: UUID
    municipality_code: str
    birth_date: date
    language: str
    guardian_ids: tuple[UUID, ...] = ()

    def is_minor_on(self, day: date) -> bool:
        years = day.year - self.birth_date.year
        if (day.month, day.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years < ADULT_AGE


@dataclass(frozen=True)
class WorkplaceFacts:
    workplace_id: UUID
    name: str
    address: str | None
    client_contact: bool
    manager_id: UUID | None
    """None once the manager is erased (PersonErased)."""
    municipality_code: str


@dataclass(frozen=True)
class SessionFacts:
    session_id: UUID
    course: str
    topic: str | None
    starts_at: datetime
    ends_at: datetime
    venue: str
    digital: bool
    cancelled: bool = False


@dataclass(frozen=True)
class OfferFacts:
    """An offer's facts for the welcome letter (PlacementSlotsOffered)."""

    offer_id: UUID
    without_client_contact: bool = False
    arrival_time: str | None = None
    arrival_place: str | None = None
    work_starts: str | None = None
    work_ends: str | None = None
    bring: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None


@dataclass(frozen=True)
class PlacementFacts:
    """What notifications knows of a placement (from its proposal and confirmation)."""

    placement_id: UUID
    status: str
    participant_id: UUID | None = None
    workplace_id: UUID | None = None
    supervisor_id: UUID | None = None
    offer_id: UUID | None = None
    program: str | None = None
    period_start: date | None = None
    period_end: date | None = None
    municipality_code: str | None = None
    variant: str | None = None
    """A summer job's variant (feriepraktik, feriearbete): letters name it."""


@dataclass(frozen=True)
class Facts:
    """What the read models know around one event (any of it may be missing)."""

    participant: ParticipantFacts | None = None
    workplace: WorkplaceFacts | None = None
    session: SessionFacts | None = None
    supervisor_workplace_id: UUID | None = None
    names: dict[UUID, str] = field(default_factory=dict)
    offer: OfferFacts | None = None
    placement: PlacementFacts | None = None
    open_placements: tuple[PlacementFacts, ...] = ()
    """ParticipantErased: the participant's open or confirmed placements."""
    checklist_sent: bool = False
    """PlacementCancelled: the day-one checklist had gone out (it is withdrawn)."""
    replaced: PlacementFacts | None = None
    """PlacementProposed with `replaces`: the earlier placement the participant leaves."""
    replaced_workplace_name: str | None = None

    @property
    def without_client_contact(self) -> bool:
        return bool(self.offer and self.offer.without_client_contact)


def local(dt: datetime, timezone: str) -> str:
    return dt.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")


def secrecy_applies(facts: Facts) -> bool:
    """The workplace handles confidential client data (social services, care): the letter
    carries the secrecy information and day one the oral briefing (seed 000)."""
    return bool(facts.workplace and facts.workplace.client_contact)


def placement(e: Any, facts: Facts) -> dict[str, Any]:
    """What every placement message says of the placement: programme, period, workplace."""
    p = facts.placement
    start = getattr(e, "period_start", None) or (p.period_start if p else None)
    end = getattr(e, "period_end", None) or (p.period_end if p else None)
    workplace = facts.workplace
    return {"program": getattr(e, "program", None) or (p.program if p else None) or "internship",
            "variant": getattr(e, "variant", None) or (p.variant if p else None),
            "period_start": start.isoformat() if start else None,
            "period_end": end.isoformat() if end else None,
            "workplace_name": workplace.name if workplace else None,
            "address": workplace.address if workplace else None}


def proposal(e: Any, facts: Facts, timezone: str, link: str) -> dict[str, Any]:
    return {**placement(e, facts),
            "accept_by": local(e.accept_by, timezone) if e.accept_by else None,
            "link": link}


def moved_up(e: Any, facts: Facts) -> dict[str, Any]:
    """A proposal that `replaces` an earlier placement: the participant moves up to a
    place they ranked higher, and the earlier one is released (one message, not a
    cancellation and an offer)."""
    if getattr(e, "replaces", None) is None:
        return {"moved_up": False, "earlier_workplace": None, "earlier_start": None,
                "earlier_end": None}
    earlier = facts.replaced
    return {"moved_up": True, "earlier_workplace": facts.replaced_workplace_name,
            "earlier_start": earlier.period_start.isoformat()
            if earlier and earlier.period_start else None,
            "earlier_end": earlier.period_end.isoformat()
            if earlier and earlier.period_end else None}


def offer(e: Any, facts: Facts, timezone: str, link: str | None) -> dict[str, Any]:
    """The participant's (or a guardian's) news of a proposal, with the answer link when
    the programme asks them to answer."""
    return {**placement(e, facts), **moved_up(e, facts),
            "participant_name": facts.names.get(e.participant_id),
            "answer_by": local(e.answer_by, timezone) if e.answer_by and link else None,
            "link": link}


def consent_request(e: Any, facts: Facts, timezone: str, link: str,
                    answer_link: str | None) -> dict[str, Any]:
    consent_by = getattr(e, "consent_by", None)
    return {**placement(e, facts), **moved_up(e, facts),
            "participant_name": facts.names.get(e.participant_id),
            "secrecy": secrecy_applies(facts), "link": link,
            "consent_by": local(consent_by, timezone) if consent_by else None,
            "answer_by": local(e.answer_by, timezone) if e.answer_by and answer_link else None,
            "answer_link": answer_link}


def deadline(e: Any, facts: Facts, timezone: str, link: str) -> dict[str, Any]:
    """A reminder at half the time, or a deadline moved: what is asked of whom (`awaiting`),
    by when, and the link to answer with."""
    previous = getattr(e, "previous_deadline", None)
    return {**placement(e, facts), "awaiting": e.awaiting,
            "deadline": local(e.deadline, timezone),
            "previous_deadline": local(previous, timezone) if previous else None,
            "participant_name": facts.names.get(e.participant_id), "link": link}


def workplace_closed(e: Any, facts: Facts) -> dict[str, Any]:
    """To the manager: why the workplace takes no participants now, and what opens it."""
    return {"workplace_name": facts.workplace.name if facts.workplace else None,
            "reason": e.reason, "closed_on": e.closed_on.isoformat()}


def consent_answer(e: Any, facts: Facts) -> dict[str, Any]:
    return {**placement(e, facts), "granted": e.granted, "consent": e.consent,
            "participant_name": facts.names.get(e.participant_id)}


def placement_news(e: Any, facts: Facts) -> dict[str, Any]:
    """Accepted, declined, cancelled: who did it, why, and who is still to answer."""
    return {**placement(e, facts),
            "by": getattr(e, "by", None), "reason": getattr(e, "reason", None),
            "waiting_for": list(getattr(e, "waiting_for", [])),
            "participant_name": facts.names.get(getattr(e, "participant_id", None)
                                                or UUID(int=0)),
            "checklist_sent": facts.checklist_sent}


def placement_ended(p: PlacementFacts, workplace: WorkplaceFacts | None) -> dict[str, Any]:
    """To the supervisor of an erased participant's placement: that it ended, not why,
    and no name."""
    return {"program": p.program or "internship",
            "period_start": p.period_start.isoformat() if p.period_start else None,
            "period_end": p.period_end.isoformat() if p.period_end else None,
            "workplace_name": workplace.name if workplace else None,
            "was_confirmed": p.status == "confirmed"}


def _hours(o: OfferFacts | None) -> str | None:
    if o is None or not (o.work_starts and o.work_ends):
        return None
    return f"{o.work_starts[:5]}\u2013{o.work_ends[:5]}"


def welcome_letter(e: Any, facts: Facts) -> dict[str, Any]:
    """Välkomstbrev: address, arrival, contact person, hours, the working days (no
    weekends, no public holidays), what to bring, secrecy information."""
    o = facts.offer
    supervisor = facts.names.get(e.supervisor_id)
    return {**placement(e, facts),
            "participant_name": facts.names.get(e.participant_id),
            "schedule": [d.isoformat() for d in working_days(e.period_start, e.period_end)],
            "hours": _hours(o),
            "arrival_time": o.arrival_time[:5] if o and o.arrival_time else None,
            "arrival_place": o.arrival_place if o else None,
            "bring": o.bring if o else None,
            "contact_name": (o.contact_name if o and o.contact_name else supervisor),
            "contact_phone": o.contact_phone if o else None,
            "supervisor_name": supervisor,
            "secrecy": secrecy_applies(facts)}


def day_one_checklist(e: Any, facts: Facts) -> dict[str, Any]:
    o = facts.offer
    return {**placement(e, facts), "participant_name": facts.names.get(e.participant_id),
            "arrival_time": o.arrival_time[:5] if o and o.arrival_time else None,
            "hours": _hours(o), "secrecy": secrecy_applies(facts)}


def waitlisted(e: Any, facts: Facts) -> dict[str, Any]:
    return {"program": e.program, "reasons": list(e.reasons),
            "participant_name": facts.names.get(e.participant_id)}
