"""The matching service's domain: what it knows about one municipality, and the rules.

`Book` is the aggregate: everything the service knows about one municipality's
placements (its participants with open requests, workplaces, supervisors and their
certificates, offers, open requests and open placements). Every decision is made on
a Book while the municipality is locked (see adapters/repository.py), so a decision
never races another one about the same seats. The Book records what changed and the
contract events to publish; the repository writes the changes, the unit of work
stages the events.

The life of a placement: `proposed` → `accepted` (by the workplace, before the
programme's deadline) → `confirmed` (when no consent is needed or it is in place).
`declined` and `cancelled` end it and free its place; `completed` records the outcome.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal
from uuid import UUID

from services.matching.domain import feasibility as f
from services.matching.domain.rounds import Preference, RoundOffer, RoundRequest, solve_round
from shared.contracts.base import EventData
from shared.contracts.matching import (
    MatchingRoundCompleted,
    PlacementCancelled,
    PlacementCompleted,
    PlacementConfirmed,
    PlacementDeclined,
    PlacementProposed,
    PlacementWaitlisted,
)

OPEN = frozenset({"proposed", "accepted", "confirmed"})
OPEN_REQUEST = frozenset({"awaiting_round", "waitlisted", "reopened", "placed"})
UNPLACED = frozenset({"awaiting_round", "waitlisted", "reopened"})
ConsentState = Literal["granted", "refused", "pending"]


class DomainError(Exception):
    """A command that the rules refuse (mapped to 409/422 by the entrypoint)."""


class UnknownPlacement(DomainError):
    pass


class InvalidTransition(DomainError):
    pass


@dataclass(slots=True)
class Participant:
    participant_id: UUID
    municipality_code: str
    birth_date: date
    gender: str
    preferred_language: str
    needs: frozenset[str] = frozenset()
    guardian_ids: tuple[UUID, ...] = ()


@dataclass(slots=True)
class Workplace:
    workplace_id: UUID
    municipality_code: str
    sector: str
    client_contact: bool
    min_age: int | None = None


@dataclass(slots=True)
class Supervisor:
    supervisor_id: UUID
    workplace_id: UUID
    municipality_code: str
    languages: frozenset[str]
    max_participants: int


@dataclass(slots=True)
class Certificate:
    supervisor_id: UUID
    valid_until: date
    expired: bool = False

    def valid_through(self, day: date) -> bool:
        return not self.expired and self.valid_until >= day


@dataclass(slots=True)
class Offer:
    offer_id: UUID
    workplace_id: UUID
    supervisor_id: UUID
    municipality_code: str
    program: str
    occupation: str
    period_start: date
    period_end: date
    capacity: int
    min_age: int | None = None
    without_client_contact: bool = False
    supports: frozenset[str] = frozenset()
    withdrawn: bool = False
    held: int = 0
    """Places taken by proposed, accepted, confirmed or completed placements."""

    @property
    def period(self) -> tuple[date, date]:
        return self.period_start, self.period_end


@dataclass(slots=True)
class Request:
    request_id: UUID
    participant_id: UUID
    municipality_code: str
    program: str
    period_start: date
    period_end: date
    preferences: tuple[Preference, ...]
    needs: frozenset[str]
    priority: int
    requested_at: datetime
    status: str = "waitlisted"
    reasons: tuple[str, ...] = ()
    lottery: int | None = None
    """The lottery number of the last round this request took part in."""

    def order_key(self) -> tuple[int, int, datetime, str]:
        """Waitlist order: priority (higher first), last round's lottery, arrival."""
        return (-self.priority, self.lottery if self.lottery is not None else 0,
                self.requested_at, str(self.request_id))


@dataclass(slots=True)
class Placement:
    placement_id: UUID
    request_id: UUID
    participant_id: UUID
    offer_id: UUID
    workplace_id: UUID
    supervisor_id: UUID
    municipality_code: str
    program: str
    period_start: date
    period_end: date
    preference_rank: int | None
    round_id: UUID | None
    status: str
    consent_required: bool
    proposed_at: datetime
    accept_by: datetime
    priority: int
    gender: str
    sector: str
    accepted_at: datetime | None = None
    confirmed_at: datetime | None = None
    ended_at: datetime | None = None
    end_reason: str | None = None
    outcome: str | None = None

    @property
    def period(self) -> tuple[date, date]:
        return self.period_start, self.period_end


@dataclass
class RoundSummary:
    round_id: UUID
    municipality_code: str
    program: str
    seed: int
    requests: int
    placed: int
    waitlisted: int
    duration_ms: float


@dataclass
class Book:
    """One municipality's placement market (see the module docstring)."""

    municipality_code: str
    deadlines: dict[str, timedelta]
    participants: dict[UUID, Participant] = field(default_factory=dict)
    workplaces: dict[UUID, Workplace] = field(default_factory=dict)
    supervisors: dict[UUID, Supervisor] = field(default_factory=dict)
    certificates: dict[UUID, Certificate] = field(default_factory=dict)
    offers: dict[UUID, Offer] = field(default_factory=dict)
    requests: dict[UUID, Request] = field(default_factory=dict)
    placements: dict[UUID, Placement] = field(default_factory=dict)
    consents: dict[UUID, dict[tuple[UUID, str], bool]] = field(default_factory=dict)
    excluded: set[tuple[UUID, UUID]] = field(default_factory=set)

    events: list[EventData] = field(default_factory=list)
    changed_requests: set[UUID] = field(default_factory=set)
    changed_placements: set[UUID] = field(default_factory=set)
    changed_offers: set[UUID] = field(default_factory=set)
    ended: dict[UUID, Placement] = field(default_factory=dict)
    _by_supervisor: dict[UUID, set[UUID]] = field(default_factory=dict)
    _holding: dict[tuple[UUID, str], int] = field(default_factory=dict)
    """Open placements per (participant, programme): `holds_placement` without a scan."""

    def __post_init__(self) -> None:
        for placement in self.placements.values():
            self._index(placement)

    # -- what the rules say ------------------------------------------------------------

    def consent(self, participant_id: UUID, program: str) -> ConsentState:
        """Refused when a guardian refused; granted when one granted; else pending."""
        given = [granted for (_, prog), granted in self.consents.get(participant_id, {}).items()
                 if prog == program]
        if any(not granted for granted in given):
            return "refused"
        return "granted" if given else "pending"

    def assess(self, request: Request, offer: Offer) -> tuple[list[str], tuple[date, date]]:
        """The reason codes (capacity aside) that keep request from offer, and the period."""
        reasons: list[str] = []
        period = f.placement_period(
            request.program, (request.period_start, request.period_end),
            (offer.period_start, offer.period_end),
        )
        if period is None:
            reasons.append(f.PERIOD)
            period = (request.period_start, request.period_end)
        start, end = period
        certificate = self.certificates.get(offer.supervisor_id)
        if (offer.supervisor_id not in self.supervisors or certificate is None
                or not certificate.valid_through(end)):
            reasons.append(f.NO_CERTIFIED_SUPERVISOR)
        participant = self.participants.get(request.participant_id)
        workplace = self.workplaces.get(offer.workplace_id)
        if workplace is None:
            reasons.append(f.WORKPLACE_UNKNOWN)
        if participant is None:
            reasons.append(f.PARTICIPANT_UNKNOWN)
        else:
            age = f.age_at(participant.birth_date, start)
            minimum = max(offer.min_age or 0, (workplace.min_age or 0) if workplace else 0)
            if age < minimum:
                reasons.append(f.AGE)
            if (workplace is not None and workplace.client_contact
                    and not offer.without_client_contact
                    and f.restricted_from_client_contact(request.program, age)):
                reasons.append(f.CLIENT_CONTACT)
            if not (request.needs | participant.needs) <= offer.supports:
                reasons.append(f.NEEDS)
            if self.consent(participant.participant_id, request.program) == "refused":
                reasons.append(f.CONSENT)
        if (request.request_id, offer.offer_id) in self.excluded:
            reasons.append(f.DECLINED)
        return reasons, period

    def supervisor_load(self, supervisor_id: UUID, period: tuple[date, date]) -> int:
        """Open placements the supervisor has in a period overlapping `period`."""
        return sum(
            1 for pid in self._by_supervisor.get(supervisor_id, ())
            if f.overlaps(self.placements[pid].period, period)
        )

    def has_room(self, offer: Offer, period: tuple[date, date]) -> bool:
        supervisor = self.supervisors.get(offer.supervisor_id)
        return (
            not offer.withdrawn
            and offer.held < offer.capacity
            and supervisor is not None
            and self.supervisor_load(offer.supervisor_id, period) < supervisor.max_participants
        )

    def holds_placement(self, participant_id: UUID, program: str) -> bool:
        """One open placement per participant and programme (also a unique index)."""
        return (participant_id, program) in self._holding

    def preference_rank(self, request: Request, offer: Offer) -> int | None:
        for rank, (kind, value) in enumerate(request.preferences, 1):
            if (kind == "occupation" and value == offer.occupation) or (
                kind == "workplace" and value == str(offer.workplace_id)
            ):
                return rank
        return None

    def choose(
        self, request: Request
    ) -> tuple[Offer, tuple[date, date], int | None] | tuple[str, ...]:
        """Continuous mode: the best feasible offer with room, or the reasons there is none.

        Best = preference rank first, then a supervisor who speaks the participant's
        language, then the offer supporting the fewest needs beyond the participant's
        (specialised places stay free for those who need them), then earliest start,
        then offer id.
        """
        participant = self.participants.get(request.participant_id)
        if participant is None:
            return (f.PARTICIPANT_UNKNOWN,)
        if self.holds_placement(request.participant_id, request.program):
            return (f.ALREADY_PLACED,)
        reasons: set[str] = set()
        best: tuple[tuple[int, bool, int, date, str], Offer, tuple[date, date], int | None]
        best = None  # type: ignore[assignment]
        any_offer = False
        for offer in self.offers.values():
            if offer.program != request.program or offer.withdrawn:
                continue
            any_offer = True
            blocking, period = self.assess(request, offer)
            if blocking:
                reasons.update(blocking)
                continue
            if not self.has_room(offer, period):
                reasons.add(f.NO_CAPACITY)
                continue
            rank = self.preference_rank(request, offer)
            supervisor = self.supervisors[offer.supervisor_id]
            key = (rank if rank is not None else 1 << 30,
                   participant.preferred_language not in supervisor.languages,
                   len(offer.supports), period[0], str(offer.offer_id))
            if best is None or key < best[0]:
                best = (key, offer, period, rank)
        if best is not None:
            return best[1], best[2], best[3]
        if not any_offer:
            reasons.add(f.PROGRAM)
            if self.consent(participant.participant_id, request.program) == "refused":
                reasons.add(f.CONSENT)
        return tuple(sorted(reasons))

    # -- changes -------------------------------------------------------------------

    def _emit(self, event: EventData) -> None:
        self.events.append(event)

    def add_request(self, request: Request) -> None:
        self.requests[request.request_id] = request
        self.changed_requests.add(request.request_id)
        if f.is_round_program(request.program):
            self._waitlist(request, (f.AWAITING_ROUND,), status="awaiting_round")
        else:
            self.place_or_waitlist(request, now=request.requested_at)

    def place_or_waitlist(self, request: Request, now: datetime) -> Placement | None:
        choice = self.choose(request)
        if isinstance(choice, tuple) and choice and isinstance(choice[0], Offer):
            offer, period, rank = choice  # type: ignore[misc]
            return self.propose(request, offer, period, rank, now)
        self._waitlist(request, choice)  # type: ignore[arg-type]
        return None

    def _waitlist(self, request: Request, reasons: tuple[str, ...],
                  status: str = "waitlisted") -> None:
        if request.status == status and request.reasons == reasons:
            return  # nothing new to say
        request.status, request.reasons = status, reasons
        self.changed_requests.add(request.request_id)
        self._emit(PlacementWaitlisted(
            request_id=request.request_id, participant_id=request.participant_id,
            municipality_code=request.municipality_code, program=request.program,  # type: ignore[arg-type]
            reasons=list(reasons),
        ))

    def propose(
        self, request: Request, offer: Offer, period: tuple[date, date],
        rank: int | None, now: datetime, round_id: UUID | None = None,
    ) -> Placement:
        participant = self.participants[request.participant_id]
        workplace = self.workplaces[offer.workplace_id]
        age = f.age_at(participant.birth_date, period[0])
        consent_required = f.needs_consent(request.program, age)
        placement = Placement(
            placement_id=uuid.uuid4(), request_id=request.request_id,
            participant_id=request.participant_id, offer_id=offer.offer_id,
            workplace_id=offer.workplace_id, supervisor_id=offer.supervisor_id,
            municipality_code=self.municipality_code, program=request.program,
            period_start=period[0], period_end=period[1], preference_rank=rank,
            round_id=round_id, status="proposed", consent_required=consent_required,
            proposed_at=now, accept_by=now + self.deadlines.get(request.program, timedelta(days=3)),
            priority=request.priority, gender=participant.gender, sector=workplace.sector,
        )
        self.placements[placement.placement_id] = placement
        self._index(placement)
        self.changed_placements.add(placement.placement_id)
        offer.held += 1
        self.changed_offers.add(offer.offer_id)
        request.status, request.reasons = "placed", ()
        self.changed_requests.add(request.request_id)
        self._emit(PlacementProposed(
            placement_id=placement.placement_id, request_id=request.request_id,
            participant_id=request.participant_id, offer_id=offer.offer_id,
            workplace_id=offer.workplace_id, supervisor_id=offer.supervisor_id,
            municipality_code=self.municipality_code, program=request.program,  # type: ignore[arg-type]
            period_start=period[0], period_end=period[1], preference_rank=rank,
            round_id=round_id,
            consent_required=consent_required
            and self.consent(request.participant_id, request.program) != "granted",
            accept_by=placement.accept_by,
        ))
        return placement

    def _end(self, placement: Placement, status: str, reason: str, now: datetime) -> None:
        """Close an open placement and free its place."""
        placement.status, placement.end_reason, placement.ended_at = status, reason, now
        del self.placements[placement.placement_id]
        self._unindex(placement)
        self.ended[placement.placement_id] = placement
        self.changed_placements.add(placement.placement_id)
        offer = self.offers.get(placement.offer_id)
        if offer is not None:
            offer.held -= 1
            self.changed_offers.add(offer.offer_id)
        self.excluded.add((placement.request_id, placement.offer_id))

    def _index(self, placement: Placement) -> None:
        self._by_supervisor.setdefault(placement.supervisor_id, set()).add(
            placement.placement_id)
        key = (placement.participant_id, placement.program)
        self._holding[key] = self._holding.get(key, 0) + 1

    def _unindex(self, placement: Placement) -> None:
        held = self._by_supervisor.get(placement.supervisor_id)
        if held is not None:
            held.discard(placement.placement_id)
            if not held:
                del self._by_supervisor[placement.supervisor_id]
        key = (placement.participant_id, placement.program)
        if self._holding.get(key, 0) > 1:
            self._holding[key] -= 1
        else:
            self._holding.pop(key, None)

    def _reopen(self, request_id: UUID) -> None:
        request = self.requests.get(request_id)
        if request is not None and request.status == "placed":
            request.status = "reopened"
            self.changed_requests.add(request_id)

    def _open_placement(self, placement_id: UUID) -> Placement:
        placement = self.placements.get(placement_id)
        if placement is None:
            raise UnknownPlacement(f"no open placement {placement_id}")
        return placement

    def decline(self, placement_id: UUID, by: str, reason: str, now: datetime,
                end_request: bool = False) -> None:
        placement = self._open_placement(placement_id)
        if by == "workplace" and placement.status != "proposed":
            raise InvalidTransition(f"placement is {placement.status}, not proposed")
        self._end(placement, "declined", reason, now)
        self._emit(PlacementDeclined(
            placement_id=placement.placement_id, request_id=placement.request_id,
            by=by, reason=reason, municipality_code=self.municipality_code,  # type: ignore[arg-type]
        ))
        if end_request:
            self._close_request(placement.request_id, "withdrawn")
        else:
            self._reopen(placement.request_id)
        self.reexamine(now, programs={placement.program})

    def cancel(self, placement: Placement, reason: str, now: datetime,
               reopen: bool = True) -> None:
        self._end(placement, "cancelled", reason, now)
        self._emit(PlacementCancelled(
            placement_id=placement.placement_id, request_id=placement.request_id,
            reason=reason, municipality_code=self.municipality_code,  # type: ignore[arg-type]
        ))
        if reopen:
            self._reopen(placement.request_id)

    def _close_request(self, request_id: UUID, status: str) -> None:
        request = self.requests.get(request_id)
        if request is not None:
            request.status = status
            self.changed_requests.add(request_id)

    def accept(self, placement_id: UUID, now: datetime) -> Placement:
        placement = self._open_placement(placement_id)
        if placement.status != "proposed":
            raise InvalidTransition(f"placement is {placement.status}, not proposed")
        if now > placement.accept_by:
            raise InvalidTransition("the deadline to accept has passed")
        placement.status, placement.accepted_at = "accepted", now
        self.changed_placements.add(placement_id)
        self._confirm_if_ready(placement, now)
        return placement

    def _confirm_if_ready(self, placement: Placement, now: datetime) -> None:
        if placement.status != "accepted":
            return
        if placement.consent_required and (
            self.consent(placement.participant_id, placement.program) != "granted"
        ):
            return
        placement.status, placement.confirmed_at = "confirmed", now
        self.changed_placements.add(placement.placement_id)
        self._emit(PlacementConfirmed(
            placement_id=placement.placement_id, request_id=placement.request_id,
            participant_id=placement.participant_id, offer_id=placement.offer_id,
            workplace_id=placement.workplace_id, supervisor_id=placement.supervisor_id,
            municipality_code=self.municipality_code, program=placement.program,  # type: ignore[arg-type]
            period_start=placement.period_start, period_end=placement.period_end,
        ))

    def record_consent(self, participant_id: UUID, guardian_id: UUID, program: str,
                       granted: bool, now: datetime) -> None:
        self.consents.setdefault(participant_id, {})[(guardian_id, program)] = granted
        state = self.consent(participant_id, program)
        for placement in list(self.placements.values()):
            if placement.participant_id != participant_id or placement.program != program:
                continue
            if state == "refused":
                self.decline(placement.placement_id, "guardian", "consent_refused", now)
            else:
                self._confirm_if_ready(placement, now)
        self.reexamine(now, programs={program}, participant_id=participant_id)

    def complete(self, placement_id: UUID, outcome: str, now: datetime) -> Placement:
        placement = self._open_placement(placement_id)
        if placement.status != "confirmed":
            raise InvalidTransition(f"placement is {placement.status}, not confirmed")
        placement.status, placement.outcome, placement.ended_at = "completed", outcome, now
        del self.placements[placement_id]
        self._unindex(placement)
        self.ended[placement_id] = placement
        self.changed_placements.add(placement_id)
        self._close_request(placement.request_id, "completed")
        self._emit(PlacementCompleted(
            placement_id=placement_id, outcome=outcome,  # type: ignore[arg-type]
            municipality_code=self.municipality_code,
        ))
        return placement

    def add_offer(self, offer: Offer, now: datetime) -> None:
        existing = self.offers.get(offer.offer_id)
        if existing is not None:
            offer.held, offer.withdrawn = existing.held, existing.withdrawn
        self.offers[offer.offer_id] = offer
        self.changed_offers.add(offer.offer_id)
        self.reexamine(now, programs={offer.program})

    def withdraw_offer(self, offer_id: UUID, reason: str, now: datetime) -> None:
        offer = self.offers.get(offer_id)
        if offer is None:
            return
        offer.withdrawn = True
        self.changed_offers.add(offer_id)
        for placement in [p for p in self.placements.values() if p.offer_id == offer_id]:
            self.cancel(placement, f"offer_withdrawn: {reason}", now)
        self.reexamine(now, programs={offer.program})

    def withdraw_request(self, request_id: UUID, now: datetime) -> None:
        request = self.requests.get(request_id)
        programs: set[str] = set()
        for placement in [p for p in self.placements.values() if p.request_id == request_id]:
            self.cancel(placement, "request_withdrawn", now, reopen=False)
            programs.add(placement.program)
        if request is not None:
            self._close_request(request_id, "withdrawn")
        if programs:
            self.reexamine(now, programs=programs)

    def erase(self, participant_id: UUID, now: datetime) -> None:
        """GDPR erasure: end what is open, forget the person; anonymous counts remain."""
        programs: set[str] = set()
        for placement in [p for p in self.placements.values()
                          if p.participant_id == participant_id]:
            self.cancel(placement, "participant_erased", now, reopen=False)
            programs.add(placement.program)
        for request in self.requests.values():
            if request.participant_id == participant_id:
                self._close_request(request.request_id, "erased")
        self.participants.pop(participant_id, None)
        self.consents.pop(participant_id, None)
        if programs:
            self.reexamine(now, programs=programs)

    def certify(self, certificate: Certificate, now: datetime) -> None:
        self.certificates[certificate.supervisor_id] = certificate
        self.reexamine(now)

    def expire_certificate(self, supervisor_id: UUID, expired_at: date, now: datetime) -> None:
        """Placements that start after the expiry lose their supervisor and reopen."""
        certificate = self.certificates.get(supervisor_id)
        if certificate is not None:
            certificate.expired = True
        for placement in [p for p in self.placements.values()
                          if p.supervisor_id == supervisor_id and p.period_start > expired_at]:
            self.cancel(placement, "certificate_expired", now)
        self.reexamine(now)

    def expire_deadlines(self, now: datetime) -> int:
        """Proposals not accepted in time count as declined by the workplace."""
        late = [p for p in self.placements.values()
                if p.status == "proposed" and p.accept_by < now]
        for placement in late:
            if placement.placement_id in self.placements:
                self.decline(placement.placement_id, "workplace", "acceptance_deadline_passed", now)
        return len(late)

    def reexamine(self, now: datetime, programs: Iterable[str] | None = None,
                  participant_id: UUID | None = None) -> None:
        """Offer free places to waiting requests, best waiting first.

        Continuous programmes: every waiting request. Round programmes: only those a
        round has already seen (the others wait for their round).
        """
        wanted = set(programs) if programs is not None else None
        waiting = [
            r for r in self.requests.values()
            if (r.status in ("waitlisted", "reopened"))
            and (wanted is None or r.program in wanted)
            and (participant_id is None or r.participant_id == participant_id)
        ]
        for request in sorted(waiting, key=Request.order_key):
            if f.is_round_program(request.program) and request.lottery is None and (
                request.status != "reopened"
            ):
                continue
            self.place_or_waitlist(request, now)

    # -- rounds ----------------------------------------------------------------------

    def run_round(self, program: str, seed: int, now: datetime,
                  round_id: UUID | None = None) -> RoundSummary:
        """A matching round over the municipality's waiting requests of one programme."""
        round_id = round_id or uuid.uuid4()
        waiting = [r for r in self.requests.values()
                   if r.program == program and r.status in UNPLACED]
        round_requests: list[RoundRequest] = []
        unknown: list[Request] = []
        already: list[Request] = []
        entered: set[UUID] = set()
        for request in sorted(waiting, key=Request.order_key):
            participant = self.participants.get(request.participant_id)
            if participant is None:
                unknown.append(request)
                continue
            if self.holds_placement(request.participant_id, program) or (
                    request.participant_id in entered):
                already.append(request)  # one placement per participant and programme
                continue
            entered.add(request.participant_id)
            age = f.age_at(participant.birth_date, request.period_start)
            round_requests.append(RoundRequest(
                key=str(request.request_id), bucket=(self.municipality_code, program),
                start=request.period_start, end=request.period_end, age=age,
                restricted=f.restricted_from_client_contact(program, age),
                needs=request.needs | participant.needs,
                language=participant.preferred_language, priority=request.priority,
                preferences=request.preferences,
                consent_refused=self.consent(participant.participant_id, program) == "refused",
                excluded=frozenset(str(o) for (r, o) in self.excluded
                                   if r == request.request_id),
            ))
        round_offers, room = self._round_offers(program)
        result = solve_round(round_requests, round_offers, room, seed)
        for request in unknown:
            self._waitlist(request, (f.PARTICIPANT_UNKNOWN,))
        for request in already:
            self._waitlist(request, (f.ALREADY_PLACED,))
        placed = 0
        for rr in round_requests:
            request = self.requests[UUID(rr.key)]
            request.lottery = result.lottery[rr.key]
            self.changed_requests.add(request.request_id)
            if rr.key in result.placed:
                offer_key, rank = result.placed[rr.key]
                self.propose(request, self.offers[UUID(offer_key)],
                             (request.period_start, request.period_end), rank, now, round_id)
                placed += 1
            else:
                self._waitlist(request, result.waitlisted[rr.key])
        summary = RoundSummary(
            round_id=round_id, municipality_code=self.municipality_code, program=program,
            seed=seed, requests=len(waiting), placed=placed, waitlisted=len(waiting) - placed,
            duration_ms=result.duration_ms,
        )
        self._emit(MatchingRoundCompleted(
            round_id=round_id, municipality_code=self.municipality_code,
            program=program, requests=summary.requests, placed=placed,  # type: ignore[arg-type]
            waitlisted=summary.waitlisted, seed=seed, duration_ms=round(result.duration_ms, 3),
        ))
        return summary

    def _round_offers(self, program: str) -> tuple[list[RoundOffer], dict[str, int]]:
        offers: list[RoundOffer] = []
        spans: dict[UUID, list[tuple[date, date]]] = {}
        for offer in self.offers.values():
            if offer.program != program or offer.withdrawn:
                continue
            workplace = self.workplaces.get(offer.workplace_id)
            supervisor = self.supervisors.get(offer.supervisor_id)
            if workplace is None or supervisor is None:
                continue
            certificate = self.certificates.get(offer.supervisor_id)
            offers.append(RoundOffer(
                key=str(offer.offer_id), bucket=(self.municipality_code, program),
                occupation=offer.occupation, workplace=str(offer.workplace_id),
                supervisor=str(offer.supervisor_id), start=offer.period_start,
                end=offer.period_end, capacity=max(offer.capacity - offer.held, 0),
                min_age=max(offer.min_age or 0, workplace.min_age or 0),
                client_contact=workplace.client_contact and not offer.without_client_contact,
                supports=offer.supports, languages=supervisor.languages,
                certified_until=certificate.valid_until
                if certificate is not None and not certificate.expired else None,
            ))
            spans.setdefault(offer.supervisor_id, []).append(offer.period)
        room = {
            str(sid): max(
                self.supervisors[sid].max_participants
                - max(self.supervisor_load(sid, span) for span in periods), 0)
            for sid, periods in spans.items()
        }
        return offers, room


def explain(book: Book, request: Request, lottery_of: dict[UUID, int | None]) -> dict[str, object]:
    """Why a request got what it got, without anyone else's personal data.

    For every offer of the request's programme: whether it was feasible and, if not,
    the reason codes; if feasible but full, the seat holders as (priority, whether
    they came through a round, whether they outrank this request) — no ids, no names.
    `lottery_of` gives the holders' requests' last lottery numbers where known.
    """
    current = next((p for p in book.placements.values()
                    if p.request_id == request.request_id), None)
    own_key = (-request.priority, request.lottery if request.lottery is not None else 1 << 30)
    offers = []
    for offer in sorted(book.offers.values(), key=lambda o: (o.period_start, str(o.offer_id))):
        if offer.program != request.program or offer.withdrawn:
            continue
        reasons, period = book.assess(request, offer)
        entry: dict[str, object] = {
            "offer_id": str(offer.offer_id), "workplace_id": str(offer.workplace_id),
            "occupation": offer.occupation, "period_start": offer.period_start.isoformat(),
            "period_end": offer.period_end.isoformat(),
            "preference_rank": book.preference_rank(request, offer),
            "feasible": not reasons, "reasons": reasons,
            "places": offer.capacity, "taken": offer.held,
            "holds_this_request": current is not None and current.offer_id == offer.offer_id,
        }
        if not reasons and not book.has_room(offer, period):
            entry["full"] = True
            holders = []
            for p in book.placements.values():
                if p.offer_id != offer.offer_id or p.request_id == request.request_id:
                    continue
                lottery = lottery_of.get(p.request_id)
                key = (-p.priority, lottery if lottery is not None else 1 << 30)
                holders.append({"priority": p.priority, "via_round": p.round_id is not None,
                                "status": p.status, "outranks_this_request": key < own_key})
            entry["held_by"] = sorted(holders, key=lambda h: -int(h["priority"]))  # type: ignore[call-overload]
            supervisor = book.supervisors.get(offer.supervisor_id)
            if offer.held < offer.capacity and supervisor is not None:
                entry["supervisor_full"] = True
        else:
            entry["full"] = False
        offers.append(entry)
    return {
        "request_id": str(request.request_id), "status": request.status,
        "program": request.program, "priority": request.priority,
        "lottery": request.lottery, "reasons": list(request.reasons),
        "placement": None if current is None else {
            "placement_id": str(current.placement_id), "offer_id": str(current.offer_id),
            "status": current.status, "preference_rank": current.preference_rank,
        },
        "offers": offers,
    }
