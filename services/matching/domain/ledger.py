"""The Book's bookkeeping: the few changes every decision is made of.

A proposal, the end of a placement, a waitlisting, a request reopened or closed: each is
recorded (`changed_*`, `ended`) for the repository to write and announced as a contract
event (`events`) for the unit of work to stage. `Book` (book.py) decides when.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from uuid import UUID

from services.matching.domain import deadlines as d
from services.matching.domain import feasibility as f
from services.matching.domain import rematch
from services.matching.domain.errors import UnknownPlacement
from services.matching.domain.market import Market
from services.matching.domain.placements import Offer, Placement, Request
from shared.contracts.base import EventData
from shared.contracts.matching import PlacementCancelled, PlacementProposed, PlacementWaitlisted


@dataclass
class Ledger(Market):
    """A Market with its changes recorded (see the module docstring)."""

    events: list[EventData] = field(default_factory=list)
    changed_requests: set[UUID] = field(default_factory=set)
    changed_placements: set[UUID] = field(default_factory=set)
    changed_offers: set[UUID] = field(default_factory=set)
    ended: dict[UUID, Placement] = field(default_factory=dict)

    def _emit(self, event: EventData) -> None:
        self.events.append(event)

    def _waitlist(self, request: Request, reasons: tuple[str, ...],
                  status: str = "waitlisted", round_id: UUID | None = None) -> None:
        if request.status == status and request.reasons == reasons:
            return  # nothing new to say
        request.status, request.reasons = status, reasons
        self.changed_requests.add(request.request_id)
        self._emit(PlacementWaitlisted(
            request_id=request.request_id, participant_id=request.participant_id,
            municipality_code=request.municipality_code, program=request.program,
            reasons=list(reasons), round_id=round_id,
        ))

    def propose(
        self, request: Request, offer: Offer, period: tuple[date, date],
        rank: int | None, now: datetime, round_id: UUID | None = None,
        replaces: UUID | None = None,
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
            proposed_at=now,
            accept_by=d.workplace_deadline(self.rules, request.program, now, self.deadlines),
            priority=request.priority, gender=participant.gender, sector=workplace.sector,
            answer_by=answer_by, guardian_answer=guardian_answer,
            guardian_answer_by=answer_by if guardian_answer else None,
            consent_by=d.consent_deadline(self.rules, now) if consent_required else None,
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
            consent_required=self._consent_missing(placement),
            consent_by=placement.consent_by if self._consent_missing(placement) else None,
            accept_by=placement.accept_by, answer_by=answer_by, guardian_answer=guardian_answer,
            variant=request.variant, replaces=replaces,
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
        if reason != rematch.MOVED_TO_PREFERRED:  # left, not lost: it may come back to it
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

    def _consent_missing(self, placement: Placement) -> bool:
        return placement.consent_required and (
            self.consent(placement.participant_id, placement.program) != "granted")
