"""The matching round: many-to-one stable matching with offer and supervisor capacities.

The model (student–project allocation with a master list)
---------------------------------------------------------
* Participants (requests) rank offers: first their ranked preferences, each expanded
  to the feasible offers it names (an occupation or a workplace), then every other
  feasible offer of their municipality and programme. Within a preference, and in
  the tail, offers go in one deterministic order: the supervisor speaks the
  participant's language first, then the offer with fewer supported needs (keeps
  specialised places for those who need them), then the earliest start, then offer
  id.
* Offers have places (`capacity` minus what is already held); supervisors have
  `max_participants` shared by all their offers in the round (minus the placements
  they already hold in an overlapping period).
* Offers and supervisors rank participants by one master list: `priority` (higher
  first), ties broken by a lottery drawn from `seed` (single tie-breaking).
* A pair (participant p, offer o) *blocks* a matching when p finds o feasible and
  prefers it to its placement (or is unplaced), and either o has a free place and
  o's supervisor has room; or o has a free place, the supervisor is full, and p is
  already with that supervisor or outranks one of its participants; or o is full
  and p outranks one of o's participants. This is the stability of the
  student–project allocation problem (Abraham, Irving & Manlove 2007) with
  projects = offers and lecturers = supervisors.

Where it coincides with hospital–residents: when no supervisor's room is smaller
than the sum of its offers' places, the supervisor constraint never binds and the
model is exactly HR with hospitals = offers (ranking by the master list); the
`matching` package's `HospitalResident` and `StudentAllocation` then give the same
result (tests/unit/test_reference.py).

The algorithm is participant-proposing deferred acceptance with one heap per offer
and one per supervisor (worst held participant on top, lazily invalidated). Its
outcome does not depend on the order in which free participants propose; with a
master list the stable matching is unique, and proposing in master-list order
means no tentative acceptance is ever undone, so that is the default order (the
`input` order exercises evictions and must give the same result).
"""

from __future__ import annotations

import heapq
import random
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from services.matching.domain import feasibility as f

SEED_BITS = 62
"""A round's seed is a random number below 2**62 (it fits Postgres' bigint)."""

Preference = tuple[Literal["occupation", "workplace"], str]
Bucket = tuple[str, str]
"""(municipality_code, program): the only offers a request can be placed at."""


@dataclass(slots=True, frozen=True)
class RoundOffer:
    key: str
    """Offer id (string): the last deterministic tie-break."""
    bucket: Bucket
    occupation: str
    workplace: str
    supervisor: str
    start: date
    end: date
    capacity: int
    """Free places for this round."""
    min_age: int
    """The larger of the offer's and the workplace's minimum age (0 when none)."""
    client_contact: bool
    """The workplace handles client data and the offer is not marked without client contact."""
    supports: frozenset[str]
    languages: frozenset[str]
    """The supervisor's languages."""
    certified_until: date | None
    """Last day of the supervisor's valid certificate; None when not certified."""
    blocked: tuple[str, ...] = ()
    """What keeps everyone from the offer (`workplace_not_open`, `supervisor_left`)."""
    variant: str | None = None
    """The summer-job variant the offer is for; None: either."""


@dataclass(slots=True, frozen=True)
class RoundRequest:
    key: str
    bucket: Bucket
    start: date
    end: date
    age: int
    """Age at the start of the requested period."""
    restricted: bool
    """prao or minor: may not go where there is client contact."""
    needs: frozenset[str]
    language: str
    priority: int
    preferences: tuple[Preference, ...]
    consent_refused: bool = False
    excluded: frozenset[str] = frozenset()
    """Offer keys this request already had and lost (declined, cancelled)."""
    variant: str | None = None
    only_preferences: bool = False
    """Only offers its preferences name: no tail of every other feasible offer."""


@dataclass
class RoundResult:
    seed: int
    placed: dict[str, tuple[str, int | None]]
    """request key → (offer key, preference rank, 1-based; None outside the preferences)."""
    waitlisted: dict[str, tuple[str, ...]]
    """request key → the reason codes that blocked it."""
    lottery: dict[str, int]
    """request key → its lottery number (lower wins a tie)."""
    rank: dict[str, int]
    """request key → position in the master list (0 = first)."""
    duration_ms: float = 0.0
    proposals: int = 0
    evictions: int = 0
    stats: dict[str, float] = field(default_factory=dict)


def _blocking_reasons(r: RoundRequest, o: RoundOffer) -> list[str]:
    """Every rule (capacity aside) that keeps r from o; empty when feasible."""
    reasons = []
    if not (o.start <= r.start and o.end >= r.end):
        reasons.append(f.PERIOD)
    reasons += f.certificate_reasons(o.certified_until, r.end)
    reasons += o.blocked
    if not f.variant_fits(o.variant, r.variant):
        reasons.append(f.VARIANT)
    if r.age < o.min_age:
        reasons.append(f.AGE)
    if r.restricted and o.client_contact:
        reasons.append(f.CLIENT_CONTACT)
    if r.needs and not r.needs <= o.supports:
        reasons.append(f.NEEDS)
    if r.consent_refused:
        reasons.append(f.CONSENT)
    if o.key in r.excluded:
        reasons.append(f.DECLINED)
    return reasons


def feasible(r: RoundRequest, o: RoundOffer) -> bool:
    return (
        o.start <= r.start
        and o.end >= r.end
        and o.certified_until is not None
        and o.certified_until >= r.end
        and r.age >= o.min_age
        and not (r.restricted and o.client_contact)
        and (not r.needs or r.needs <= o.supports)
        and not r.consent_refused
        and o.key not in r.excluded
        and not o.blocked and (o.variant is None or o.variant == r.variant)
    )


class _Index:
    """The offers one request can see: its bucket's offers that cover its period.

    Lists are in the base order (fewer supported needs, earliest start, offer id);
    `ordered` puts, per language, the offers whose supervisor speaks it first.
    """

    __slots__ = ("_ordered", "all", "bucket_size", "by_occupation", "by_workplace")

    def __init__(self, bucket_size: int) -> None:
        self.all: list[int] = []
        self.by_occupation: dict[str, list[int]] = {}
        self.by_workplace: dict[str, list[int]] = {}
        self.bucket_size = bucket_size
        self._ordered: dict[tuple[str, str, str], list[int]] = {}

    def ordered(
        self, offers: Sequence[RoundOffer], kind: str, value: str, language: str
    ) -> list[int]:
        cache_key = (kind, value, language)
        found = self._ordered.get(cache_key)
        if found is None:
            if kind == "occupation":
                group = self.by_occupation.get(value, [])
            elif kind == "workplace":
                group = self.by_workplace.get(value, [])
            else:
                group = self.all
            found = [i for i in group if language in offers[i].languages]
            found += [i for i in group if language not in offers[i].languages]
            self._ordered[cache_key] = found
        return found


class _Indexes:
    """Offers by bucket, and per (bucket, period) the `_Index` of those covering it."""

    def __init__(self, offers: Sequence[RoundOffer]) -> None:
        self.offers = offers
        order = sorted(
            range(len(offers)),
            key=lambda i: (len(offers[i].supports), offers[i].start, offers[i].key),
        )
        self.buckets: dict[Bucket, list[int]] = {}
        for i in order:
            self.buckets.setdefault(offers[i].bucket, []).append(i)
        self._views: dict[tuple[Bucket, date, date], _Index] = {}

    def view(self, r: RoundRequest) -> _Index | None:
        key = (r.bucket, r.start, r.end)
        found = self._views.get(key)
        if found is None:
            members = self.buckets.get(r.bucket)
            if members is None:
                return None
            found = _Index(len(members))
            offers = self.offers
            for i in members:
                o = offers[i]
                if o.start <= r.start and o.end >= r.end:
                    found.all.append(i)
                    found.by_occupation.setdefault(o.occupation, []).append(i)
                    found.by_workplace.setdefault(o.workplace, []).append(i)
            self._views[key] = found
        return found


def candidates(
    r: RoundRequest,
    offers: Sequence[RoundOffer],
    idx: _Index | None,
    closed: Sequence[bool] | None = None,
) -> Iterator[tuple[int, int | None]]:
    """r's feasible offers, best first, lazily: (offer index, preference rank or None).

    `closed` (optional) marks offers that can take nobody more; they are skipped
    before the feasibility test (only valid when proposals go in master-list order).
    """
    if idx is None or r.consent_refused or not idx.all:
        return
    lang = r.language
    seen: set[int] = set()
    end, age, restricted, needs, excluded = r.end, r.age, r.restricted, r.needs, r.excluded
    variant = r.variant
    for rank, (kind, value) in enumerate(r.preferences, 1):
        for i in idx.ordered(offers, kind, value, lang):
            if i in seen:
                continue
            seen.add(i)
            if closed is not None and closed[i]:
                continue
            o = offers[i]
            if (
                o.certified_until is not None
                and o.certified_until >= end
                and age >= o.min_age
                and not (restricted and o.client_contact)
                and (not needs or needs <= o.supports)
                and (not excluded or o.key not in excluded)
                and not o.blocked and (o.variant is None or o.variant == variant)
            ):
                yield i, rank
    if r.only_preferences:
        return
    for i in idx.ordered(offers, "all", "", lang):
        if i in seen or (closed is not None and closed[i]):
            continue
        o = offers[i]
        if (
            o.certified_until is not None
            and o.certified_until >= end
            and age >= o.min_age
            and not (restricted and o.client_contact)
            and (not needs or needs <= o.supports)
            and (not excluded or o.key not in excluded)
            and not o.blocked and (o.variant is None or o.variant == variant)
        ):
            yield i, None


def preference_lists(
    requests: Sequence[RoundRequest], offers: Sequence[RoundOffer]
) -> list[list[tuple[int, int | None]]]:
    """Every request's complete list (for audits and for the reference solvers)."""
    indexes = _Indexes(offers)
    return [list(candidates(r, offers, indexes.view(r))) for r in requests]


def draw_lottery(requests: Sequence[RoundRequest], seed: int) -> tuple[list[int], list[int]]:
    """(lottery number per request, master-list rank per request) for this seed.

    The lottery permutes the requests taken in request-key order, so the draw depends
    only on the set of requests and the seed, not on the order they were given in.
    """
    n = len(requests)
    by_key = sorted(range(n), key=lambda i: requests[i].key)
    numbers = list(range(n))
    random.Random(seed).shuffle(numbers)
    lottery = [0] * n
    for position, i in enumerate(by_key):
        lottery[i] = numbers[position]
    order = sorted(range(n), key=lambda i: (-requests[i].priority, lottery[i]))
    rank = [0] * n
    for position, i in enumerate(order):
        rank[i] = position
    return lottery, rank


def solve_round(
    requests: Sequence[RoundRequest],
    offers: Sequence[RoundOffer],
    supervisor_room: Mapping[str, int],
    seed: int,
    *,
    proposal_order: Literal["rank", "input"] = "rank",
    explain_waitlist: bool = True,
) -> RoundResult:
    """Participant-proposing deferred acceptance; see the module docstring for the model.

    `supervisor_room`: places each supervisor still has in this round (absent = no
    limit beyond its offers).
    """
    started = time.perf_counter()
    n = len(requests)
    lottery, rank = draw_lottery(requests, seed)
    indexes = _Indexes(offers)

    capacity = [o.capacity for o in offers]
    held = [0] * len(offers)
    sup_names = sorted({o.supervisor for o in offers})
    sup_index = {name: s for s, name in enumerate(sup_names)}
    sup_of = [sup_index[o.supervisor] for o in offers]
    total_by_sup = [0] * len(sup_names)
    for offer in offers:
        total_by_sup[sup_index[offer.supervisor]] += max(offer.capacity, 0)
    sup_cap = [
        supervisor_room.get(name, total_by_sup[s]) for s, name in enumerate(sup_names)
    ]
    sup_load = [0] * len(sup_names)
    offer_heap: list[list[tuple[int, int]]] = [[] for _ in offers]
    sup_heap: list[list[tuple[int, int]]] = [[] for _ in sup_names]
    assigned = [-1] * n
    assigned_pref: list[int | None] = [None] * n
    by_rank = proposal_order == "rank"
    closed = [False] * len(offers) if by_rank else None
    sup_offers: list[list[int]] = [[] for _ in sup_names]
    for o_index, s_index in enumerate(sup_of):
        sup_offers[s_index].append(o_index)
    lists = [candidates(r, offers, indexes.view(r), closed) for r in requests]

    if by_rank:
        free = sorted(range(n), key=rank.__getitem__, reverse=True)  # best on top of stack
    else:
        free = list(range(n - 1, -1, -1))
    proposals = evictions = 0
    heappush, heappop = heapq.heappush, heapq.heappop

    while free:
        p = free.pop()
        rp = rank[p]
        for o, pref in lists[p]:
            proposals += 1
            s = sup_of[o]
            if capacity[o] <= 0 or sup_cap[s] <= 0:
                continue
            if held[o] >= capacity[o]:
                heap = offer_heap[o]
                while assigned[heap[0][1]] != o:  # lazily drop those who left
                    heappop(heap)
                worst_neg, worst = heap[0]
                if -worst_neg < rp:
                    continue  # the offer keeps everyone it holds
                heappop(heap)
                assigned[worst] = -1
                assigned_pref[worst] = None
                held[o] -= 1
                sup_load[s] -= 1
                free.append(worst)
                evictions += 1
            elif sup_load[s] >= sup_cap[s]:
                heap = sup_heap[s]
                while True:
                    q = heap[0][1]
                    at = assigned[q]
                    if at != -1 and sup_of[at] == s:
                        break
                    heappop(heap)
                worst_neg, worst = heap[0]
                if -worst_neg < rp:
                    continue  # the supervisor keeps everyone it holds
                heappop(heap)
                held[assigned[worst]] -= 1
                assigned[worst] = -1
                assigned_pref[worst] = None
                sup_load[s] -= 1
                free.append(worst)
                evictions += 1
            heappush(offer_heap[o], (-rp, p))
            heappush(sup_heap[s], (-rp, p))
            held[o] += 1
            sup_load[s] += 1
            assigned[p] = o
            assigned_pref[p] = pref
            if closed is not None:
                # In master-list order nobody later outranks a holder: full stays full.
                if held[o] >= capacity[o]:
                    closed[o] = True
                if sup_load[s] >= sup_cap[s]:
                    for other in sup_offers[s]:
                        closed[other] = True
            break

    placed: dict[str, tuple[str, int | None]] = {}
    waitlisted: dict[str, tuple[str, ...]] = {}
    explained: dict[tuple[object, ...], tuple[str, ...]] = {}
    for i, r in enumerate(requests):
        o = assigned[i]
        if o != -1:
            placed[r.key] = (offers[o].key, assigned_pref[i])
        elif explain_waitlist:
            view = indexes.view(r)
            # Requests alike in every rule-relevant field share their reasons.
            alike = (id(view), r.end, r.age, r.restricted, r.needs, r.consent_refused,
                     r.excluded, r.variant, r.only_preferences and r.preferences)
            reasons = explained.get(alike)
            if reasons is None:
                reasons = explained[alike] = waitlist_reasons(r, offers, view)
            waitlisted[r.key] = reasons
        else:
            waitlisted[r.key] = ()
    return RoundResult(
        seed=seed,
        placed=placed,
        waitlisted=waitlisted,
        lottery={r.key: lottery[i] for i, r in enumerate(requests)},
        rank={r.key: rank[i] for i, r in enumerate(requests)},
        duration_ms=(time.perf_counter() - started) * 1000,
        proposals=proposals,
        evictions=evictions,
    )


def waitlist_reasons(
    r: RoundRequest, offers: Sequence[RoundOffer], idx: _Index | None
) -> tuple[str, ...]:
    """Why an unplaced request got nothing: every code that blocked one of its offers."""
    if idx is None or not idx.bucket_size:
        return (f.CONSENT, f.PROGRAM) if r.consent_refused else (f.PROGRAM,)
    reasons: set[str] = {f.PREFERENCES_UNAVAILABLE} if r.only_preferences else set()
    if len(idx.all) < idx.bucket_size and not r.only_preferences:
        reasons.add(f.PERIOD)
    considered = {i for kind, value in r.preferences for i in idx.ordered(
        offers, kind, value, "")} if r.only_preferences else idx.all
    for i in considered:
        blocking = _blocking_reasons(r, offers[i])
        if blocking:
            reasons.update(blocking)
        else:
            reasons.add(f.NO_CAPACITY)
    return tuple(sorted(reasons))


def blocking_pairs(
    requests: Sequence[RoundRequest],
    offers: Sequence[RoundOffer],
    supervisor_room: Mapping[str, int],
    result: RoundResult,
) -> list[tuple[str, str]]:
    """Every (request, offer) pair that blocks the result (an audit; quadratic-ish)."""
    offer_at = {o.key: i for i, o in enumerate(offers)}
    members: dict[int, list[int]] = {}
    sup_members: dict[str, list[int]] = {}
    rank = [result.rank[r.key] for r in requests]
    where: dict[int, int] = {}
    for i, r in enumerate(requests):
        if r.key in result.placed:
            o = offer_at[result.placed[r.key][0]]
            where[i] = o
            members.setdefault(o, []).append(i)
            sup_members.setdefault(offers[o].supervisor, []).append(i)
    room = dict(supervisor_room)
    lists = preference_lists(requests, offers)
    found = []
    for i, r in enumerate(requests):
        for o, _pref in lists[i]:
            if where.get(i) == o:
                break  # everything after is worse than what r holds
            offer = offers[o]
            held = members.get(o, [])
            in_sup = sup_members.get(offer.supervisor, [])
            cap_sup = room.get(offer.supervisor)
            offer_free = len(held) < offer.capacity
            sup_free = cap_sup is None or len(in_sup) < cap_sup
            if offer_free and sup_free:
                found.append((r.key, offer.key))
            elif offer_free and not sup_free and (
                i in in_sup or any(rank[i] < rank[q] for q in in_sup)
            ):
                found.append((r.key, offer.key))
            elif not offer_free and any(rank[i] < rank[q] for q in held):
                found.append((r.key, offer.key))
    return found
