"""Why a request got what it got: an explanation a coordinator may read."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from services.matching.domain.answers import answers
from services.matching.domain.market import Market
from services.matching.domain.placements import Request


def explain(book: Market, request: Request,
            lottery_of: dict[UUID, int | None]) -> dict[str, object]:
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
    }
