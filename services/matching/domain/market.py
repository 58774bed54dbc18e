"""A municipality's placement market and what the rules say about it (no changes here).

`Market` holds what the Book knows (participants with open requests, workplaces and
which of them are open, supervisors with their certificates and what they are trained
for, offers, open requests and placements, consents) and answers the rules' questions:
may this request go to that offer, is there room, which offer is best. `Book`
(book.py) adds the changes and the events they publish.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal, NamedTuple
from uuid import UUID

from services.matching.domain import feasibility as f
from services.matching.domain.answers import OfferRules
from services.matching.domain.parties import Certificate, Participant, Supervisor, Workplace
from services.matching.domain.placements import Offer, Placement, Request
from services.matching.domain.rounds import RoundOffer, RoundRequest

ConsentState = Literal["granted", "refused", "pending"]


class Choice(NamedTuple):
    """The offer `Market.choose` picked for a request, the period, the preference rank."""

    offer: Offer
    period: tuple[date, date]
    rank: int | None


@dataclass
class Market:
    """One municipality's market as the rules see it (see the module docstring)."""

    municipality_code: str
    deadlines: dict[str, timedelta]
    """Per programme: how long a workplace has to accept a proposal."""
    participants: dict[UUID, Participant] = field(default_factory=dict)
    workplaces: dict[UUID, Workplace] = field(default_factory=dict)
    supervisors: dict[UUID, Supervisor] = field(default_factory=dict)
    certificates: dict[UUID, Certificate] = field(default_factory=dict)
    offers: dict[UUID, Offer] = field(default_factory=dict)
    requests: dict[UUID, Request] = field(default_factory=dict)
    placements: dict[UUID, Placement] = field(default_factory=dict)
    consents: dict[UUID, dict[tuple[UUID, str], bool]] = field(default_factory=dict)
    consent_states: dict[UUID, dict[str, ConsentState]] = field(default_factory=dict)
    """Per participant and programme: the consent as registration last stated it under
    the municipality's rule (`GuardianConsentRecorded.consent`); it overrides the count."""
    rules: OfferRules | None = None
    """The municipality's rules for answers; None: no participant answers an offer."""
    open_workplaces: set[UUID] = field(default_factory=set)
    """Workplaces training has opened (`WorkplaceOpened`) and not closed since."""
    trained_for: dict[UUID, frozenset[str]] = field(default_factory=dict)
    """Per supervisor: the needs their completed deep dives train them for."""
    excluded: set[tuple[UUID, UUID]] = field(default_factory=set)
    _by_supervisor: dict[UUID, set[UUID]] = field(default_factory=dict)
    _holding: dict[tuple[UUID, str], int] = field(default_factory=dict)
    """Open placements per (participant, programme): `holds_placement` without a scan."""

    def __post_init__(self) -> None:
        for placement in self.placements.values():
            self._index(placement)

    # -- what the rules say ------------------------------------------------------------

    def consent(self, participant_id: UUID, program: str) -> ConsentState:
        """As registration stated it; without that (older senders): refused when a
        guardian refused, granted when one granted, else pending."""
        stated = self.consent_states.get(participant_id, {}).get(program)
        if stated is not None:
            return stated
        given = [granted for (_, prog), granted in self.consents.get(participant_id, {}).items()
                 if prog == program]
        if any(not granted for granted in given):
            return "refused"
        return "granted" if given else "pending"

    def supports(self, offer: Offer) -> frozenset[str]:
        """What an offer supports: its own `supports` and what its supervisor is
        trained for (seed 001: a participant's needs meet a supervisor trained for them)."""
        trained = self.trained_for.get(offer.supervisor_id)
        return offer.supports | trained if trained else offer.supports

    def certified_until(self, supervisor_id: UUID) -> date | None:
        """The last day of the supervisor's valid certificate; None when there is none."""
        certificate = self.certificates.get(supervisor_id)
        if supervisor_id not in self.supervisors or certificate is None or (
                certificate.expired):
            return None
        return certificate.valid_until

    def offer_blocked(self, offer: Offer) -> list[str]:
        """What keeps everyone from an offer: its workplace not open, its supervisor gone."""
        reasons: list[str] = []
        if offer.workplace_id not in self.open_workplaces:
            reasons.append(f.WORKPLACE_NOT_OPEN)
        supervisor = self.supervisors.get(offer.supervisor_id)
        if supervisor is not None and supervisor.left:
            reasons.append(f.SUPERVISOR_LEFT)
        return reasons

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
        reasons += f.certificate_reasons(self.certified_until(offer.supervisor_id), end)
        reasons += self.offer_blocked(offer)
        if not f.variant_fits(offer.variant, request.variant):
            reasons.append(f.VARIANT)
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
            if not (request.needs | participant.needs) <= self.supports(offer):
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

    def choose(self, request: Request) -> Choice | tuple[str, ...]:
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
        best: tuple[tuple[int, bool, int, date, str], Offer, tuple[date, date],
                    int | None] | None = None
        any_offer = False
        for offer in self.offers.values():
            if offer.program != request.program or offer.withdrawn:
                continue
            any_offer = True
            rank = self.preference_rank(request, offer)
            if rank is None and request.only_preferences:
                continue  # "only my choices": never placed outside them
            blocking, period = self.assess(request, offer)
            if blocking:
                reasons.update(blocking)
                continue
            if not self.has_room(offer, period):
                reasons.add(f.NO_CAPACITY)
                continue
            supervisor = self.supervisors[offer.supervisor_id]
            key = (rank if rank is not None else 1 << 30,
                   participant.preferred_language not in supervisor.languages,
                   len(self.supports(offer)), period[0], str(offer.offer_id))
            if best is None or key < best[0]:
                best = (key, offer, period, rank)
        if best is not None:
            return Choice(best[1], best[2], best[3])
        return self._no_offer(request, reasons, any_offer)

    def _no_offer(self, request: Request, reasons: set[str],
                  any_offer: bool) -> tuple[str, ...]:
        """The reason codes `choose` answers when it found nothing."""
        if not any_offer:
            reasons.add(f.PROGRAM)
            if self.consent(request.participant_id, request.program) == "refused":
                reasons.add(f.CONSENT)
        elif request.only_preferences:
            reasons.add(f.PREFERENCES_UNAVAILABLE)
        return tuple(sorted(reasons))

    # -- rounds --------------------------------------------------------------------

    def round_request(self, request: Request, participant: Participant) -> RoundRequest:
        """A waiting request as a round's solver sees it."""
        program = request.program
        age = f.age_at(participant.birth_date, request.period_start)
        return RoundRequest(
            key=str(request.request_id), bucket=(self.municipality_code, program),
            start=request.period_start, end=request.period_end, age=age,
            restricted=f.restricted_from_client_contact(program, age),
            needs=request.needs | participant.needs,
            language=participant.preferred_language, priority=request.priority,
            preferences=request.preferences,
            consent_refused=self.consent(participant.participant_id, program) == "refused",
            excluded=frozenset(str(o) for (r, o) in self.excluded if r == request.request_id),
            variant=request.variant, only_preferences=request.only_preferences,
        )

    def round_offers(self, program: str) -> tuple[list[RoundOffer], dict[str, int]]:
        """The programme's open offers as a round's solver sees them, and each
        supervisor's room (places left in the busiest of their periods)."""
        offers: list[RoundOffer] = []
        spans: dict[UUID, list[tuple[date, date]]] = {}
        for offer in self.offers.values():
            if offer.program != program or offer.withdrawn:
                continue
            workplace = self.workplaces.get(offer.workplace_id)
            supervisor = self.supervisors.get(offer.supervisor_id)
            if workplace is None or supervisor is None:
                continue
            offers.append(RoundOffer(
                key=str(offer.offer_id), bucket=(self.municipality_code, program),
                occupation=offer.occupation, workplace=str(offer.workplace_id),
                supervisor=str(offer.supervisor_id), start=offer.period_start,
                end=offer.period_end, capacity=max(offer.capacity - offer.held, 0),
                min_age=max(offer.min_age or 0, workplace.min_age or 0),
                client_contact=workplace.client_contact and not offer.without_client_contact,
                supports=self.supports(offer), languages=supervisor.languages,
                certified_until=self.certified_until(offer.supervisor_id),
                blocked=tuple(self.offer_blocked(offer)), variant=offer.variant,
            ))
            spans.setdefault(offer.supervisor_id, []).append(offer.period)
        room = {
            str(sid): max(
                self.supervisors[sid].max_participants
                - max(self.supervisor_load(sid, span) for span in periods), 0)
            for sid, periods in spans.items()
        }
        return offers, room

    # -- indexes of the open placements -------------------------------------------

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

