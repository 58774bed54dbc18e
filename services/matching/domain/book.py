"""The matching service's aggregate: a municipality's Book, and every change to it.

`Book` is what the service knows about one municipality's placements (`Market`,
market.py) with the changes the rules allow. Every decision is made on a Book while
the municipality is locked (see adapters/repository.py), so a decision never races
another one about the same seats. The Book records what changed and the contract
events to publish; the repository writes the changes, the unit of work stages the
events. The life of a placement is in placements.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from uuid import UUID

from services.matching.domain import feasibility as f
from services.matching.domain.answers import (
    ANSWER_DEADLINE,
    NO_REASON,
    WORKPLACE_DEADLINE,
    Party,
    waiting_for,
)
from services.matching.domain.errors import InvalidTransition, UnknownPlacement
from services.matching.domain.market import Choice, ConsentState, Market
from services.matching.domain.parties import Certificate
from services.matching.domain.placements import UNPLACED, Offer, Placement, Request
from services.matching.domain.rounds import RoundRequest, solve_round
from shared.contracts.base import EventData
from shared.contracts.matching import (
    MatchingRoundCompleted,
    PlacementAccepted,
    PlacementCancelled,
    PlacementCompleted,
    PlacementConfirmed,
    PlacementDeclined,
    PlacementProposed,
    PlacementWaitlisted,
)


@dataclass
class RoundSummary:
    """What a round did (answered over HTTP, kept in the `rounds` table)."""

    round_id: UUID
    municipality_code: str
    program: str
    seed: int
    requests: int
    placed: int
    waitlisted: int
    duration_ms: float


@dataclass
class Book(Market):
    """One municipality's placement market, with its changes (see the module docstring)."""

    events: list[EventData] = field(default_factory=list)
    changed_requests: set[UUID] = field(default_factory=set)
    changed_placements: set[UUID] = field(default_factory=set)
    changed_offers: set[UUID] = field(default_factory=set)
    ended: dict[UUID, Placement] = field(default_factory=dict)

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
        if isinstance(choice, Choice):
            return self.propose(request, choice.offer, choice.period, choice.rank, now)
        self._waitlist(request, choice)
        return None

    def _waitlist(self, request: Request, reasons: tuple[str, ...],
                  status: str = "waitlisted") -> None:
        if request.status == status and request.reasons == reasons:
            return  # nothing new to say
        request.status, request.reasons = status, reasons
        self.changed_requests.add(request.request_id)
        self._emit(PlacementWaitlisted(
            request_id=request.request_id, participant_id=request.participant_id,
            municipality_code=request.municipality_code, program=request.program,
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
        answer_by = self.rules.answer_by(request.program, now) if self.rules else None
        guardian_answer = bool(answer_by is not None and self.rules is not None
                               and self.rules.guardian_answers and age < f.ADULT_AGE
                               and participant.guardian_ids)
        placement = Placement(
            placement_id=uuid.uuid4(), request_id=request.request_id,
            participant_id=request.participant_id, offer_id=offer.offer_id,
            workplace_id=offer.workplace_id, supervisor_id=offer.supervisor_id,
            municipality_code=self.municipality_code, program=request.program,
            period_start=period[0], period_end=period[1], preference_rank=rank,
            round_id=round_id, status="proposed", consent_required=consent_required,
            proposed_at=now, accept_by=now + self.deadlines.get(request.program, timedelta(days=3)),
            priority=request.priority, gender=participant.gender, sector=workplace.sector,
            answer_by=answer_by, guardian_answer=guardian_answer,
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
            municipality_code=self.municipality_code, program=request.program,
            period_start=period[0], period_end=period[1], preference_rank=rank,
            round_id=round_id,
            consent_required=consent_required
            and self.consent(request.participant_id, request.program) != "granted",
            accept_by=placement.accept_by, answer_by=answer_by, guardian_answer=guardian_answer,
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
            raise InvalidTransition(f"placement is {placement.status}, not proposed",
                                    "not_proposed")
        placement.declined_by = by
        self._end(placement, "declined", reason, now)
        self._emit(PlacementDeclined(
            placement_id=placement.placement_id, request_id=placement.request_id,
            by=by, reason=reason, municipality_code=self.municipality_code,
            participant_id=placement.participant_id,
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
            reason=reason, municipality_code=self.municipality_code,
            participant_id=placement.participant_id,
        ))
        if reopen:
            self._reopen(placement.request_id)

    def _close_request(self, request_id: UUID, status: str) -> None:
        request = self.requests.get(request_id)
        if request is not None:
            request.status = status
            self.changed_requests.add(request_id)

    def accept(self, placement_id: UUID, now: datetime,
               supervisor_id: UUID | None = None) -> Placement:
        """The workplace accepts (its supervisor, when it answered by link)."""
        placement = self._open_placement(placement_id)
        if placement.status != "proposed":
            raise InvalidTransition(f"placement is {placement.status}, not proposed",
                                    "not_proposed")
        if now > placement.accept_by:
            raise InvalidTransition("the deadline to accept has passed", "deadline_passed")
        placement.status, placement.accepted_at = "accepted", now
        self.changed_placements.add(placement_id)
        self._accepted(placement, "workplace", supervisor_id or placement.supervisor_id, now)
        return placement

    def answer_offer(self, placement_id: UUID, by: Party, person: UUID, accept: bool,
                     reason: str | None, now: datetime) -> Placement:
        """The participant (or a guardian, where asked) accepts or declines the offer;
        a decline frees the place for the next in line."""
        placement = self._open_placement(placement_id)
        asked = placement.guardian_answer if by == "guardian" else by == "participant"
        if placement.answer_by is None or not asked:
            raise InvalidTransition(f"no answer of the {by} is asked for this offer",
                                    "not_asked")
        if now > placement.answer_by:
            raise InvalidTransition("the deadline to answer has passed", "deadline_passed")
        if (placement.guardian_accepted_at if by == "guardian"
                else placement.participant_accepted_at) is not None:
            raise InvalidTransition(f"the {by} has already accepted", "already_answered")
        if not accept:
            self.decline(placement_id, by, reason or NO_REASON, now)
            return placement
        if by == "guardian":
            placement.guardian_accepted_at, placement.guardian_accepted_by = now, person
        else:
            placement.participant_accepted_at = now
        self.changed_placements.add(placement_id)
        self._accepted(placement, by, person, now)
        return placement

    def _consent_missing(self, placement: Placement) -> bool:
        return placement.consent_required and (
            self.consent(placement.participant_id, placement.program) != "granted")

    def _accepted(self, placement: Placement, by: Party, person: UUID, now: datetime) -> None:
        self._emit(PlacementAccepted(
            placement_id=placement.placement_id, request_id=placement.request_id,
            participant_id=placement.participant_id, municipality_code=self.municipality_code,
            by=by, answered_by=person,
            waiting_for=waiting_for(placement, self._consent_missing(placement))))
        self._confirm_if_ready(placement, now)

    def _confirm_if_ready(self, placement: Placement, now: datetime) -> None:
        """Confirmed once the workplace, the participant (when asked) and a guardian
        (when asked) accepted and the consent (when needed) is granted."""
        if placement.status != "accepted" or waiting_for(
                placement, self._consent_missing(placement)):
            return
        placement.status, placement.confirmed_at = "confirmed", now
        self.changed_placements.add(placement.placement_id)
        self._emit(PlacementConfirmed(
            placement_id=placement.placement_id, request_id=placement.request_id,
            participant_id=placement.participant_id, offer_id=placement.offer_id,
            workplace_id=placement.workplace_id, supervisor_id=placement.supervisor_id,
            municipality_code=self.municipality_code, program=placement.program,
            period_start=placement.period_start, period_end=placement.period_end,
        ))

    def record_consent(self, participant_id: UUID, guardian_id: UUID, program: str,
                       granted: bool, now: datetime, stated: ConsentState | None = None) -> None:
        """A guardian's answer; `stated`: the participant's consent as registration
        counts it under the municipality's rule (None from older senders: counted here)."""
        self.consents.setdefault(participant_id, {})[(guardian_id, program)] = granted
        if stated is not None:
            self.consent_states.setdefault(participant_id, {})[program] = stated
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
            placement_id=placement_id, outcome=outcome,
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
        self.consent_states.pop(participant_id, None)
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
        """Proposals the workplace did not accept in time count as declined by it; offers
        the participant (or the guardian asked) did not accept in time, by them."""
        late: list[tuple[UUID, str, str]] = []
        for p in self.placements.values():
            if p.status == "proposed" and p.accept_by < now:
                late.append((p.placement_id, "workplace", WORKPLACE_DEADLINE))
            elif p.status in ("proposed", "accepted") and overdue_answer(p, now):
                by = "participant" if p.participant_accepted_at is None else "guardian"
                late.append((p.placement_id, by, ANSWER_DEADLINE))
        for placement_id, by, reason in late:
            if placement_id in self.placements:
                self.decline(placement_id, by, reason, now)
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
            round_requests.append(self.round_request(request, participant))
        round_offers, room = self.round_offers(program)
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
            program=program, requests=summary.requests, placed=placed,
            waitlisted=summary.waitlisted, seed=seed, duration_ms=round(result.duration_ms, 3),
        ))
        return summary


def overdue_answer(placement: Placement, now: datetime) -> bool:
    """Whether an answer asked of the participant or guardian is missing past `answer_by`."""
    if placement.answer_by is None or placement.answer_by >= now:
        return False
    return placement.participant_accepted_at is None or (
        placement.guardian_answer and placement.guardian_accepted_at is None)
