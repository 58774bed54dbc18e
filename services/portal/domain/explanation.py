"""A request's page for staff: the request as registration has it, and matching's "why"
(its `GET /requests/{id}/explanation`) as a table a coordinator reads: each offer of the
request's programme, feasible or blocked, with the blocking rules in words (the
`staff.reason.<code>` texts), and for each preference ranked above what it holds, why
it is not held. Matching names no one else: the holders of a full offer are counted,
never named.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from services.portal.domain.dates import read_day

REASONS: tuple[str, ...] = (
    "program", "period", "workplace_not_open", "no_certified_supervisor",
    "certificate_ends_before_period", "supervisor_left", "variant", "age", "client_contact",
    "needs", "consent", "no_capacity", "declined", "preferences_unavailable",
    "participant_unknown", "workplace_unknown", "awaiting_round", "already_placed")
"""Matching's reason codes (its `domain.feasibility`), each with words in the texts; a
code not among them is shown as it is."""
WHY_NOT: tuple[str, ...] = ("full", "supervisor_full", "blocked", "no_offer")


@dataclass(frozen=True)
class OfferWhy:
    """One offer of the request's programme, as matching judges it for this request."""

    workplace: str
    occupation: str
    period_start: date | None
    period_end: date | None
    places: int
    taken: int
    feasible: bool
    reasons: list[str]
    full: bool
    holds_this_request: bool
    preference_rank: int | None
    ahead: int
    """Of those holding its places, how many the round's order puts ahead."""


@dataclass(frozen=True)
class HigherWhy:
    """A preference ranked above what the request holds, and why it is not held."""

    rank: int
    workplace: str
    """The preferred workplace's name (empty: an occupation is preferred)."""
    occupation: str
    why: str
    reasons: list[str]


@dataclass(frozen=True)
class RequestPage:
    request_id: str
    participant_id: str
    program: str
    period_start: date | None
    period_end: date | None
    request_status: str
    """The request's own: active, withdrawn (`status` is a page's HTTP status)."""
    known: bool = False
    """Matching has seen the request (else its part of the page is not there yet)."""
    placement: str = ""
    """Where matching has got: proposed, confirmed, ...; empty: nothing held."""
    reasons: list[str] = field(default_factory=list)
    priority: int | None = None
    lottery: int | None = None
    got_rank: int | None = None
    offers: list[OfferWhy] = field(default_factory=list)
    higher: list[HigherWhy] = field(default_factory=list)


def _offer(entry: Mapping[str, Any], names: Mapping[str, str]) -> OfferWhy:
    holders = entry.get("held_by") or []
    return OfferWhy(
        names.get(str(entry.get("workplace_id")), ""), str(entry.get("occupation") or ""),
        read_day(entry.get("period_start")), read_day(entry.get("period_end")),
        int(entry.get("places") or 0), int(entry.get("taken") or 0),
        bool(entry.get("feasible")), [str(r) for r in entry.get("reasons") or []],
        bool(entry.get("full")), bool(entry.get("holds_this_request")),
        entry.get("preference_rank") if isinstance(entry.get("preference_rank"), int) else None,
        sum(1 for h in holders if isinstance(h, dict) and h.get("outranks_this_request")))


def _higher(entry: Mapping[str, Any], names: Mapping[str, str]) -> HigherWhy:
    preference = entry.get("preference")
    wanted: Mapping[str, Any] = preference if isinstance(preference, dict) else {}
    workplace = str(wanted.get("workplace_id") or "")
    return HigherWhy(int(entry.get("preference_rank") or 0),
                     names.get(workplace, "") if workplace else "",
                     str(wanted.get("occupation") or ""), str(entry.get("why") or ""),
                     [str(r) for r in entry.get("reasons") or []])


def request_page(request: Mapping[str, Any], explanation: Mapping[str, Any] | None,
                 workplaces: Mapping[str, str]) -> RequestPage:
    """The page of registration's request and matching's explanation (None: matching
    has not seen it yet); `workplaces` names the workplaces by id."""
    base = RequestPage(str(request["request_id"]), str(request.get("participant_id") or ""),
                       str(request.get("program") or ""), read_day(request.get("period_start")),
                       read_day(request.get("period_end")), str(request.get("status") or ""))
    if explanation is None:
        return base
    placement = explanation.get("placement")
    got = explanation.get("got")
    higher = [_higher(h, workplaces) for h in explanation.get("higher_preferences") or []
              if isinstance(h, dict)]
    return RequestPage(
        base.request_id, base.participant_id, base.program, base.period_start,
        base.period_end, base.request_status, True,
        str(placement.get("status") or "") if isinstance(placement, dict) else "",
        [str(r) for r in explanation.get("reasons") or []],
        explanation.get("priority") if isinstance(explanation.get("priority"), int) else None,
        explanation.get("lottery") if isinstance(explanation.get("lottery"), int) else None,
        got.get("preference_rank") if isinstance(got, dict) else None,
        [_offer(o, workplaces) for o in explanation.get("offers") or [] if isinstance(o, dict)],
        higher)
