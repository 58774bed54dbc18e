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
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from services.matching.domain import deadlines as d
from services.matching.domain import feasibility as f
from services.matching.domain import outcomes as o
from services.matching.domain import rematch
from services.matching.domain.answers import (
    ANSWER_DEADLINE,
    NO_REASON,
    WORKPLACE_DEADLINE,
    Party,
    waiting_for,
)
from services.matching.domain.errors import InvalidTransition
from services.matching.domain.ledger import Ledger
from services.matching.domain.market import Choice, ConsentState
from services.matching.domain.parties import Certificate
from services.matching.domain.placements import UNPLACED, Offer, Placement, Request
from services.matching.domain.rounds import RoundRequest, solve_round
from shared.contracts.matching import (
    MatchingRoundCompleted,
    PlacementAccepted,
    PlacementConfirmed,
    PlacementDeclined,
)
from shared.contracts.types import Awaited, RecordedBy


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
    draws: tuple[Draw, ...] = ()
    """Each request's draw in the round, in the round's order."""


@dataclass(frozen=True)
class Draw:
    """One request's lottery number in a round, and what the round gave it."""

    request_id: UUID
    priority: int
    lottery: int | None
    """None: it did not enter the draw (its participant unknown, or placed already)."""
    offer_id: UUID | None = None
    """The offer it was proposed, with the rank of that preference (None: waitlisted)."""
    rank: int | None = None
    reasons: tuple[str, ...] = ()


@dataclass
class Book(Ledger):
    """One municipality's placement market, with its changes (see the module docstring)."""

    # -- changes -------------------------------------------------------------------

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

    def accept(self, placement_id: UUID, now: datetime, supervisor_id: UUID | None = None,
               recorded_by: RecordedBy = "link") -> Placement:
        """The workplace accepts (its supervisor, when it answered by link; a coordinator
        records a yes given by phone)."""
        placement = self._open_placement(placement_id)
        if placement.status != "proposed":
            raise InvalidTransition(f"placement is {placement.status}, not proposed",
                                    "not_proposed")
        if now > placement.accept_by:
            raise InvalidTransition("the deadline to accept has passed", "deadline_passed")
        placement.status, placement.accepted_at = "accepted", now
        self.changed_placements.add(placement_id)
        self._accepted(placement, "workplace", supervisor_id or placement.supervisor_id, now,
                       recorded_by)
        return placement

    def answer_offer(self, placement_id: UUID, by: Party, person: UUID, accept: bool,
                     reason: str | None, now: datetime,
                     recorded_by: RecordedBy = "link") -> Placement:
        """The participant (or a guardian, where asked) accepts or declines the offer;
        a decline frees the place for the next in line."""
        placement = self._open_placement(placement_id)
        asked = placement.guardian_answer if by == "guardian" else by == "participant"
        if placement.answer_by is None or not asked:
            raise InvalidTransition(f"no answer of the {by} is asked for this offer",
                                    "not_asked")
        due = d.deadline(placement, by)
        if due is not None and now > due:
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
        self._accepted(placement, by, person, now, recorded_by)
        return placement

    def _accepted(self, placement: Placement, by: Party, person: UUID, now: datetime,
                  recorded_by: RecordedBy) -> None:
        self._emit(PlacementAccepted(
            placement_id=placement.placement_id, request_id=placement.request_id,
            participant_id=placement.participant_id, municipality_code=self.municipality_code,
            by=by, answered_by=person, recorded_by=recorded_by,
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
            variant=request.variant if (request := self.requests.get(placement.request_id))
            else None,
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

    def complete(self, placement_id: UUID, outcome: str, now: datetime,
                 ended_on: date | None = None, reason: str | None = None) -> Placement:
        """How a confirmed placement ended: on or after its last day, or earlier with
        the day it ended and why (outcomes.py)."""
        placement = self._open_placement(placement_id)
        if placement.status != "confirmed":
            raise InvalidTransition(f"placement is {placement.status}, not confirmed")
        completed = o.complete(placement, outcome, now, ended_on, reason)
        del self.placements[placement_id]
        self._unindex(placement)
        self.ended[placement_id] = placement
        self.changed_placements.add(placement_id)
        self._close_request(placement.request_id, "completed")
        self._emit(completed)
        return placement

    def follow_up(self, placement: Placement, outcome: str, now: datetime) -> Placement:
        """The six-month follow-up of a completed placement (closed, so not among the
        Book's open ones: the caller reads it while holding the Book)."""
        self._emit(o.follow_up(placement, outcome, now))
        self.ended[placement.placement_id] = placement
        self.changed_placements.add(placement.placement_id)
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
        """The first deadline to pass lets the place go (deadlines.py): a missed answer
        counts as a decline by that party, missing consent cancels the placement
        (`consent_deadline_passed`); either way the place moves on to the next in line."""
        late = [(p, party) for p in list(self.placements.values())
                if (party := d.lapsed(p, self._consent_missing(p), now)) is not None]
        for placement, party in late:
            if placement.placement_id not in self.placements:
                continue
            if party == "consent":
                self.cancel(placement, d.CONSENT_DEADLINE, now)
                self.reexamine(now, programs={placement.program})
            else:
                self.decline(placement.placement_id, party, WORKPLACE_DEADLINE
                             if party == "workplace" else ANSWER_DEADLINE, now)
        return len(late)

    def remind(self, now: datetime) -> int:
        """Remind each awaited party halfway to its deadline, once (deadlines.py)."""
        before = len(self.events)
        for p in self.placements.values():
            if reminders := d.remind(p, self._consent_missing(p), now):
                self.changed_placements.add(p.placement_id)
                self.events.extend(reminders)
        return len(self.events) - before

    def extend_deadline(self, placement_id: UUID, awaiting: Awaited, deadline: datetime,
                        now: datetime) -> Placement:
        """A coordinator gives `awaiting` until `deadline` (deadlines.py `extend`)."""
        placement = self._open_placement(placement_id)
        self._emit(d.extend(placement, awaiting, self._consent_missing(placement),
                            deadline, now))
        self.changed_placements.add(placement_id)
        return placement

    def reexamine(self, now: datetime, programs: Iterable[str] | None = None,
                  participant_id: UUID | None = None) -> None:
        """Offer free places to waiting requests, best waiting first.

        Continuous programmes: every waiting request. Round programmes: the requests of
        a round follow the round's order (rematch.py); the others wait for their round.
        """
        wanted = set(programs) if programs is not None else None
        rematch.settle(self, now, wanted)
        waiting = [
            r for r in self.requests.values()
            if (r.status in ("waitlisted", "reopened"))
            and (wanted is None or r.program in wanted)
            and (participant_id is None or r.participant_id == participant_id)
            and r.round_id is None
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
        draws = [Draw(r.request_id, r.priority, None, reasons=(f.PARTICIPANT_UNKNOWN,))
                 for r in unknown] + [Draw(r.request_id, r.priority, None,
                                           reasons=(f.ALREADY_PLACED,)) for r in already]
        for rr in round_requests:
            request = self.requests[UUID(rr.key)]
            request.lottery, request.round_id = result.lottery[rr.key], round_id
            self.changed_requests.add(request.request_id)
            if rr.key in result.placed:
                offer_key, rank = result.placed[rr.key]
                self.propose(request, self.offers[UUID(offer_key)],
                             (request.period_start, request.period_end), rank, now, round_id)
                placed += 1
                draws.append(Draw(request.request_id, request.priority, request.lottery,
                                  UUID(offer_key), rank))
            else:
                self._waitlist(request, result.waitlisted[rr.key], round_id=round_id)
                draws.append(Draw(request.request_id, request.priority, request.lottery,
                                  reasons=tuple(result.waitlisted[rr.key])))
        draws.sort(key=lambda d: (d.lottery is None, -d.priority, d.lottery or 0))
        summary = RoundSummary(
            round_id=round_id, municipality_code=self.municipality_code, program=program,
            seed=seed, requests=len(waiting), placed=placed, waitlisted=len(waiting) - placed,
            duration_ms=result.duration_ms, draws=tuple(draws),
        )
        self._emit(MatchingRoundCompleted(
            round_id=round_id, municipality_code=self.municipality_code,
            program=program, requests=summary.requests, placed=placed,
            waitlisted=summary.waitlisted, seed=seed, duration_ms=round(result.duration_ms, 3),
        ))
        return summary

