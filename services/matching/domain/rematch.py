"""Rounds stay stable after they run: a freed place moves up the round's order.

A round (rounds.py) places everyone in one order: priority (higher first), then the
round's lottery number. When one of its placements ends afterwards (declined,
cancelled, its deadline passed: any reason), the place it frees goes to the request
that this order puts first among those who prefer it to what they hold. To prefer is to
have ranked it higher: a place of a preference ranked above the one held (a place
outside the preferences: any preference); places of the same rank are alike, and
nobody moves between them. A request that holds nothing (waitlisted, or its own
placement just ended) prefers every place it may have; a request that declined a
place, or was declined by it, never prefers that place again (`Market.excluded`).
The request that moves up frees its old place, which moves on in the same way: a
chain, until a place finds nobody.

Who may move: a request whose placement is proposed, accepted or confirmed and has
not started (`period_start` after today). A started placement never moves; it holds
its place like any other. Nobody ever moves down: a place is never taken from the
one who holds it, so a request whose own placement ended takes only places that come
free (in its order), not places others already hold.

The model is the round's (`RoundRequest`, `RoundOffer`, a supervisor's room for the
whole round), built from the Book as it stands: the offers' places are those the
round's requests hold plus those still free; what other requests hold is not theirs
to give. The chain is computed here without changes; the Book applies its moves (the
old placement cancelled with `moved_to_preferred`, the new one proposed with
`replaces`).

The chain runs whenever the Book assesses its waiting requests again (`settle`, from
`Book.reexamine`): so a place that comes new after the round (an offer, a workplace
that opens, a supervisor certified) follows the round's order too.

Continuous programmes have no round order (a request is placed when it arrives):
their freed places go to the waiting requests as before (`Book.reexamine`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import TYPE_CHECKING
from uuid import UUID

from services.matching.domain import feasibility as f
from services.matching.domain.market import Market
from services.matching.domain.placements import Placement, Request
from services.matching.domain.rounds import (
    RoundOffer,
    RoundRequest,
    _Indexes,
    candidates,
    waitlist_reasons,
)

if TYPE_CHECKING:
    from services.matching.domain.book import Book

MOVED_TO_PREFERRED = "moved_to_preferred"
"""PlacementCancelled.reason of a placement its participant left for a place they
ranked higher."""
MEMBERS = frozenset({"placed", "waitlisted", "reopened"})
"""The statuses of a round's requests that are still in play."""


def settle(book: Book, now: datetime, programs: set[str] | None) -> None:
    """After any change: the free places of a round's programme move up each round's
    order (`Book.reexamine` calls this before it serves the other waiting requests)."""
    for program in sorted(programs if programs is not None else f.ROUND_PROGRAMS):
        if not f.is_round_program(program):
            continue
        free = has_free_place(book, program)
        for round_id in rounds_in_play(book, program):
            if not free and not any(r.status == "reopened" and r.round_id == round_id
                                    for r in book.requests.values()):
                continue  # nothing came free, nobody lost a place: nothing moves
            found = state(book, program, round_id, now.date())
            for move in moves(found):
                _move_up(book, move, round_id, now)
            for request, reasons in unplaced(found):
                book._waitlist(request, reasons)  # the Book's own bookkeeping


def _move_up(book: Book, move: Move, round_id: UUID, now: datetime) -> None:
    """A request of the round takes a place it prefers; the one it held is freed."""
    request = book.requests[move.request_id]
    held = next((p for p in book.placements.values() if p.request_id == move.request_id),
                None)
    if held is not None:
        book.cancel(held, MOVED_TO_PREFERRED, now, reopen=False)
    book.propose(request, book.offers[move.offer_id],
                 (request.period_start, request.period_end), move.rank, now, round_id,
                 replaces=held.placement_id if held is not None else None)


def better_lists(
    requests: Sequence[RoundRequest], offers: Sequence[RoundOffer],
    holding: Sequence[int | None],
) -> list[list[tuple[int, int | None]]]:
    """Per request, the feasible offers it prefers to the one it holds, best first:
    those of a preference ranked higher than the held one's (a held offer outside the
    preferences: every preference). Holding nothing: every feasible offer. Offers of
    the same rank are alike to it: nobody moves between them. A request whose held
    offer is no longer on its list prefers nothing: it stays."""
    indexes = _Indexes(offers)
    lists: list[list[tuple[int, int | None]]] = []
    for r, held in zip(requests, holding, strict=True):
        found: list[tuple[int, int | None]] = []
        for o, pref in candidates(r, offers, indexes.view(r)):  # best rank first
            if o == held:
                found = [(x, p) for x, p in found if _rank(p) < _rank(pref)]
                break
            found.append((o, pref))
        else:
            if held is not None:
                found = []
        lists.append(found)
    return lists


def _rank(pref: int | None) -> int:
    """A preference rank for comparing: outside the preferences comes after them all."""
    return pref if pref is not None else 1 << 30


@dataclass(frozen=True, slots=True)
class Step:
    """One move of a chain on the model: request index, offer index, preference rank."""

    request: int
    offer: int
    rank: int | None


def chain(requests: Sequence[RoundRequest], offers: Sequence[RoundOffer],
          room: dict[str, int], holding: list[int | None],
          fixed: Sequence[bool]) -> list[Step]:
    """The moves that make the round stable again, in the order they happen.

    `requests` in the round's order (first = first served); `offers[i].capacity`: the
    places of offer i that the round's requests hold or may take; `room`: each
    supervisor's places for the round's requests; `holding[i]`: the offer request i
    holds (None: nothing; updated in place); `fixed[i]`: its placement cannot move.
    Each step gives the first request, in order, that prefers an offer with room to
    what it holds, the best such offer; then it starts over, until nobody moves.
    """
    sup_of = [o.supervisor for o in offers]
    load = [0] * len(offers)
    sup_load: dict[str, int] = {}
    for held in holding:
        if held is not None:
            load[held] += 1
            sup_load[sup_of[held]] = sup_load.get(sup_of[held], 0) + 1
    lists = better_lists(requests, offers, holding)
    steps: list[Step] = []
    while True:
        step = _first_move(lists, offers, room, holding, fixed, load, sup_load)
        if step is None:
            return steps
        held = holding[step.request]
        if held is not None:
            load[held] -= 1
            sup_load[sup_of[held]] -= 1
        load[step.offer] += 1
        sup_load[sup_of[step.offer]] = sup_load.get(sup_of[step.offer], 0) + 1
        holding[step.request] = step.offer
        lists[step.request] = [(o, pref) for o, pref in lists[step.request]
                               if _rank(pref) < _rank(step.rank)]
        steps.append(step)


def _first_move(lists: list[list[tuple[int, int | None]]], offers: Sequence[RoundOffer],
                room: dict[str, int], holding: list[int | None], fixed: Sequence[bool],
                load: list[int], sup_load: dict[str, int]) -> Step | None:
    """The first request in order with an offer it prefers that has room, and the best.

    When that request is indifferent among what is left (its best is outside its
    preferences), a request behind it whose move is to one of its own preferences goes
    first if that leaves everyone ahead of it as well off: with a supervisor's seats
    shared between offers, the indifferent one would otherwise take the very seat the
    other needs, while the place the other leaves would have done as well."""
    seats = _Seats(offers, room, holding, load, sup_load)
    pending: list[Step] = []
    for i, better in enumerate(lists):
        if fixed[i] or not better:
            continue
        step = seats.best(i, better)
        if step is None:
            continue
        if not pending and step.rank is not None:
            return step
        if pending and step.rank is not None and seats.harmless(step, pending, lists):
            return step
        pending.append(step)
    return pending[0] if pending else None


@dataclass
class _Seats:
    """The places and supervisors' seats taken as the chain goes (for `_first_move`)."""

    offers: Sequence[RoundOffer]
    room: dict[str, int]
    holding: list[int | None]
    load: list[int]
    sup_load: dict[str, int]

    def best(self, i: int, better: list[tuple[int, int | None]]) -> Step | None:
        held = self.holding[i]
        own = self.offers[held].supervisor if held is not None else None
        for o, rank in better:
            supervisor = self.offers[o].supervisor
            limit = self.room.get(supervisor)  # absent: no limit beyond the offers' places
            if self.load[o] < self.offers[o].capacity and (
                    supervisor == own or limit is None
                    or self.sup_load.get(supervisor, 0) < limit):
                return Step(i, o, rank)
        return None

    def harmless(self, step: Step, ahead: list[Step],
                 lists: list[list[tuple[int, int | None]]]) -> bool:
        """Whether, after `step`, each request of `ahead` still has a move as good."""
        held = self.holding[step.request]
        load, sup_load = list(self.load), dict(self.sup_load)
        if held is not None:
            load[held] -= 1
            sup_load[self.offers[held].supervisor] -= 1
        load[step.offer] += 1
        sup = self.offers[step.offer].supervisor
        sup_load[sup] = sup_load.get(sup, 0) + 1
        holding = list(self.holding)
        holding[step.request] = step.offer
        after = _Seats(self.offers, self.room, holding, load, sup_load)
        for first in ahead:
            again = after.best(first.request, lists[first.request])
            if again is None or _rank(again.rank) > _rank(first.rank):
                return False
        return True


@dataclass
class RoundState:
    """One round's requests still in play, in its order, as the model sees them."""

    requests: list[Request]
    round_requests: list[RoundRequest]
    offers: list[RoundOffer]
    room: dict[str, int]
    holding: list[int | None]
    fixed: list[bool]
    placements: list[Placement | None]


@dataclass(frozen=True, slots=True)
class Move:
    """A request moves up to a place it prefers (leaving the one it holds, if any)."""

    request_id: UUID
    offer_id: UUID
    rank: int | None


def rounds_in_play(market: Market, program: str) -> list[UUID]:
    """The rounds of a programme whose requests are still in play."""
    return sorted({r.round_id for r in market.requests.values()
                   if r.program == program and r.round_id is not None
                   and r.status in MEMBERS}, key=str)


def round_order(request: Request) -> tuple[int, int, str]:
    """The round's order: priority (higher first), then the lottery (lower first)."""
    return (-request.priority, request.lottery if request.lottery is not None else 1 << 30,
            str(request.request_id))


def state(market: Market, program: str, round_id: UUID, today: date) -> RoundState:
    """The round's requests in play, its offers' places and its supervisors' room."""
    held_by = {p.request_id: p for p in market.placements.values() if p.program == program}
    members = sorted((r for r in market.requests.values()
                      if r.round_id == round_id and r.program == program
                      and r.status in MEMBERS and r.participant_id in market.participants),
                     key=round_order)
    base, _ = market.round_offers(program)
    at = {o.key: i for i, o in enumerate(base)}
    chosen: list[Request] = []
    placements: list[Placement | None] = []
    holding: list[int | None] = []
    for request in members:
        placement = held_by.get(request.request_id)
        if placement is not None and str(placement.offer_id) not in at:
            continue  # held where the round's model does not reach: it stays
        if placement is None and market.holds_placement(request.participant_id, program):
            continue  # placed through another request: one placement per programme
        chosen.append(request)
        placements.append(placement)
        holding.append(None if placement is None else at[str(placement.offer_id)])
    ours = [0] * len(base)
    for held in holding:
        if held is not None:
            ours[held] += 1
    offers = [replace(o, capacity=o.capacity + ours[i]) for i, o in enumerate(base)]
    return RoundState(
        requests=chosen,
        round_requests=[market.round_request(r, market.participants[r.participant_id])
                        for r in chosen],
        offers=offers, room=_room(market, offers, placements), holding=holding,
        fixed=[p is not None and p.period_start <= today for p in placements],
        placements=placements)


def _room(market: Market, offers: Sequence[RoundOffer],
          ours: Sequence[Placement | None]) -> dict[str, int]:
    """Each supervisor's places for the round's requests: their maximum less what others
    hold in the busiest of the supervisor's periods (as a round counts it)."""
    mine: dict[UUID, list[Placement]] = {}
    for p in ours:
        if p is not None:
            mine.setdefault(p.supervisor_id, []).append(p)
    spans: dict[str, list[tuple[date, date]]] = {}
    for o in offers:
        spans.setdefault(o.supervisor, []).append((o.start, o.end))
    room: dict[str, int] = {}
    for key, periods in spans.items():
        supervisor = market.supervisors[UUID(key)]
        sid = supervisor.supervisor_id
        others = max(market.supervisor_load(sid, span) - sum(
            1 for p in mine.get(sid, ()) if p.period_start <= span[1]
            and p.period_end >= span[0]) for span in periods)
        room[key] = max(supervisor.max_participants - others, 0)
    return room


def has_free_place(market: Market, program: str) -> bool:
    """Whether any offer of the programme has a place left (else nothing can move)."""
    return any(o.program == program and not o.withdrawn and o.held < o.capacity
               for o in market.offers.values())


def moves(found: RoundState) -> list[Move]:
    """The chain on a round's state, as moves of requests to offers (state updated)."""
    steps = chain(found.round_requests, found.offers, found.room, found.holding,
                  found.fixed)
    return [Move(found.requests[step.request].request_id, UUID(found.offers[step.offer].key),
                 step.rank) for step in steps]


def unplaced(found: RoundState) -> list[tuple[Request, tuple[str, ...]]]:
    """The round's requests that lost their placement and hold nothing after the chain,
    with the reasons (the others waiting keep the reasons their round gave them)."""
    indexes = _Indexes(found.offers)
    return [(request, waitlist_reasons(rr, found.offers, indexes.view(rr)))
            for request, rr, held in zip(found.requests, found.round_requests,
                                         found.holding, strict=True)
            if held is None and request.status == "reopened"]
