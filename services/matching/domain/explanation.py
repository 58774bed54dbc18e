"""Why a request got what it got: an explanation a coordinator may read.

`got`: the place it holds and its rank among the request's preferences;
`higher_preferences`: for each preference ranked higher, why it did not get it (every
offer it names is full, with the requests holding it and whether they come ahead in
the round's order, priority then lottery number; or blocked by a rule, with the rule's
code; or no such offer); `moved_up`: when it moved up after the round (rematch.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from services.matching.domain.answers import answers
from services.matching.domain.market import Market
from services.matching.domain.placements import Offer, Placement, Request
from services.matching.domain.rematch import MOVED_TO_PREFERRED, round_order


def explain(book: Market, request: Request, lottery_of: dict[UUID, int | None],
            history: Sequence[Placement] = ()) -> dict[str, object]:
    """Why a request got what it got, without anyone else's personal data.

    For every offer of the request's programme: whether it was feasible and, if not,
    the reason codes; if feasible but full, the seat holders as (priority, whether
    they came through a round, whether they outrank this request) — no ids, no names.
    `lottery_of` gives the holders' requests' last lottery numbers where known;
    `history`: the request's placements that have ended (for `moved_up`).
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
            holders: list[dict[str, Any]] = []
            for p in book.placements.values():
                if p.offer_id != offer.offer_id or p.request_id == request.request_id:
                    continue
                lottery = lottery_of.get(p.request_id)
                key = (-p.priority, lottery if lottery is not None else 1 << 30)
                holders.append({"priority": p.priority, "via_round": p.round_id is not None,
                                "status": p.status, "outranks_this_request": key < own_key})
            entry["held_by"] = sorted(holders, key=lambda h: -int(h["priority"]))
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
            "accept_by": current.accept_by.isoformat(),
            "answer_by": current.answer_by.isoformat() if current.answer_by else None,
            "answers": answers(current),
            "consent": (book.consent(current.participant_id, current.program)
                        if current.consent_required else None),
        },
        "offers": offers,
        "round": None if request.round_id is None else {
            "round_id": str(request.round_id), "priority": request.priority,
            "lottery": request.lottery},
        "got": None if current is None else {
            "placement_id": str(current.placement_id), "offer_id": str(current.offer_id),
            "preference_rank": current.preference_rank},
        "higher_preferences": higher_preferences(book, request, current),
        "moved_up": moved_up(request, [*history, *([current] if current else [])]),
    }


def higher_preferences(book: Market, request: Request,
                       current: Placement | None) -> list[dict[str, Any]]:
    """For each preference ranked above what the request holds: why it is not held."""
    got = current.preference_rank if current is not None else None
    found = []
    for rank, (kind, value) in enumerate(request.preferences, 1):
        if got is not None and rank >= got:
            break
        named = [o for o in book.offers.values()
                 if o.program == request.program and not o.withdrawn
                 and book.preference_rank(request, o) == rank]
        found.append(_why_not(book, request, rank, {kind: value}, named))
    return found


def _why_not(book: Market, request: Request, rank: int, preference: dict[str, str],
             named: list[Offer]) -> dict[str, Any]:
    """Why none of the offers a preference names is held: full (and by whom), or the
    codes of the rules that blocked them."""
    reasons: set[str] = set()
    ahead: list[dict[str, Any]] = []
    full = supervisor_full = False
    for offer in named:
        blocking, period = book.assess(request, offer)
        if blocking:
            reasons.update(blocking)
        elif offer.held >= offer.capacity:
            full = True
            ahead += [_holder(book, request, p) for p in book.placements.values()
                      if p.offer_id == offer.offer_id]
        elif not book.has_room(offer, period):
            supervisor_full = True
    why = ("full" if full else "supervisor_full" if supervisor_full
           else "blocked" if reasons else "no_offer")
    return {"preference_rank": rank, "preference": preference, "why": why,
            "reasons": sorted(reasons), "ahead": ahead}


def _holder(book: Market, request: Request, placement: Placement) -> dict[str, Any]:
    """A holder of a place, without who they are: priority, lottery number (in the same
    round only) and whether the round's order puts them ahead of this request."""
    other = book.requests.get(placement.request_id)
    same_round = (other is not None and other.round_id is not None
                  and other.round_id == request.round_id)
    if same_round and other is not None:
        is_ahead = round_order(other) < round_order(request)
    else:
        is_ahead = placement.priority > request.priority
    return {"priority": placement.priority,
            "lottery": other.lottery if same_round and other is not None else None,
            "same_round": same_round, "ahead_in_round_order": is_ahead,
            "status": placement.status}


def moved_up(request: Request, placements: Sequence[Placement]) -> list[dict[str, Any]]:
    """When the request left a placement for one it ranked higher, after the round."""
    moves = []
    for old in sorted(placements, key=lambda p: p.proposed_at):
        if old.request_id != request.request_id or old.end_reason != MOVED_TO_PREFERRED:
            continue
        new = next((p for p in placements if p.request_id == request.request_id
                    and p.placement_id != old.placement_id
                    and p.proposed_at == old.ended_at), None)
        moves.append({
            "at": old.ended_at.isoformat() if old.ended_at else None,
            "from_placement_id": str(old.placement_id),
            "from_preference_rank": old.preference_rank,
            "to_placement_id": str(new.placement_id) if new is not None else None,
            "to_preference_rank": new.preference_rank if new is not None else None})
    return moves
