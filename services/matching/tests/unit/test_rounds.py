"""Properties of the matching round on random instances (hypothesis)."""

from __future__ import annotations

import itertools
import random
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from devkit.matching_instances import make_instance
from services.matching.domain.rounds import (
    RoundOffer,
    RoundRequest,
    RoundResult,
    blocking_pairs,
    draw_lottery,
    feasible,
    preference_lists,
    solve_round,
)
from services.matching.tests.unit.strategies import instances

Instance = tuple[list[RoundRequest], list[RoundOffer], dict[str, int], int]


def _check_capacities(requests: list[RoundRequest], offers: list[RoundOffer],
                      room: dict[str, int], result: RoundResult) -> None:
    by_key = {o.key: o for o in offers}
    per_offer = Counter(offer for offer, _ in result.placed.values())
    per_sup = Counter(by_key[offer].supervisor for offer, _ in result.placed.values())
    for key, count in per_offer.items():
        assert count <= by_key[key].capacity
    for sup, count in per_sup.items():
        assert count <= room.get(sup, 10**9)


def _stable_by_definition(requests: list[RoundRequest], offers: list[RoundOffer],
                          room: dict[str, int], placed: dict[str, str | None],
                          rank: dict[str, int],
                          lists: list[list[int]]) -> bool:
    """An independent statement of stability (SPA with a master list)."""
    at_offer: dict[str, list[str]] = {o.key: [] for o in offers}
    at_sup: dict[str, list[str]] = {}
    sup_of = {o.key: o.supervisor for o in offers}
    for who, where in placed.items():
        if where is not None:
            at_offer[where].append(who)
            at_sup.setdefault(sup_of[where], []).append(who)
    for i, r in enumerate(requests):
        mine = placed[r.key]
        order = [offers[o].key for o in lists[i]]
        better = order if mine is None else order[:order.index(mine)]
        for key in better:
            offer = next(o for o in offers if o.key == key)
            holders = at_offer[key]
            sup_holders = at_sup.get(offer.supervisor, [])
            offer_free = len(holders) < offer.capacity
            sup_free = len(sup_holders) < room.get(offer.supervisor, 10**9)
            mine_rank = rank[r.key]
            if offer_free and sup_free:
                return False
            if offer_free and (r.key in sup_holders
                               or any(mine_rank < rank[q] for q in sup_holders)):
                return False
            if not offer_free and any(mine_rank < rank[q] for q in holders):
                return False
    return True


@settings(max_examples=150, deadline=None)
@given(instances())
def test_every_placement_is_feasible_and_within_capacity(instance: Instance) -> None:
    requests, offers, room, seed = instance
    result = solve_round(requests, offers, room, seed)
    by_key = {o.key: o for o in offers}
    for r in requests:
        if r.key in result.placed:
            offer = by_key[result.placed[r.key][0]]
            assert feasible(r, offer)
            assert offer.bucket == r.bucket
        else:
            assert result.waitlisted[r.key], "a waitlisted request always carries reasons"
    _check_capacities(requests, offers, room, result)
    assert set(result.placed) | set(result.waitlisted) == {r.key for r in requests}


@settings(max_examples=150, deadline=None)
@given(instances())
def test_no_blocking_pair(instance: Instance) -> None:
    requests, offers, room, seed = instance
    result = solve_round(requests, offers, room, seed)
    assert blocking_pairs(requests, offers, room, result) == []
    lists = [[o for o, _ in lst] for lst in preference_lists(requests, offers)]
    placed = {r.key: result.placed.get(r.key, (None, None))[0] for r in requests}
    assert _stable_by_definition(requests, offers, room, placed, result.rank, lists)


@settings(max_examples=200, deadline=None)
@given(instances(), st.randoms(use_true_random=False))
def test_deterministic_for_a_seed_and_independent_of_order(instance: Instance,
                                                           rnd: random.Random) -> None:
    requests, offers, room, seed = instance
    first = solve_round(requests, offers, room, seed)
    shuffled_requests, shuffled_offers = requests[:], offers[:]
    rnd.shuffle(shuffled_requests)
    rnd.shuffle(shuffled_offers)
    again = solve_round(shuffled_requests, shuffled_offers, room, seed)
    evicting = solve_round(shuffled_requests, shuffled_offers, room, seed,
                           proposal_order="input")
    assert again.placed == first.placed
    assert again.lottery == first.lottery
    assert evicting.placed == first.placed
    assert evicting.waitlisted == first.waitlisted


@settings(max_examples=150, deadline=None)
@given(instances(max_requests=5, max_offers=4))
def test_participant_optimal_against_brute_force(instance: Instance) -> None:
    """Among all stable matchings (enumerated), ours is the best for every participant."""
    requests, offers, room, seed = instance
    result = solve_round(requests, offers, room, seed)
    lists = [[o for o, _ in lst] for lst in preference_lists(requests, offers)]
    stable = []
    for choice in itertools.product(*[[None, *lst] for lst in lists]):
        placed = {r.key: (offers[o].key if o is not None else None)
                  for r, o in zip(requests, choice, strict=True)}
        per_offer = Counter(v for v in placed.values() if v is not None)
        if any(per_offer[o.key] > o.capacity for o in offers):
            continue
        per_sup = Counter(next(o.supervisor for o in offers if o.key == v)
                          for v in placed.values() if v is not None)
        if any(count > room.get(s, 10**9) for s, count in per_sup.items()):
            continue
        if _stable_by_definition(requests, offers, room, placed, result.rank, lists):
            stable.append(placed)
    ours = {r.key: result.placed.get(r.key, (None, None))[0] for r in requests}
    assert ours in stable

    def position(i: int, key: str | None) -> int:
        order = [offers[o].key for o in lists[i]]
        return order.index(key) if key is not None else len(order)

    for other in stable:
        for i, r in enumerate(requests):
            assert position(i, ours[r.key]) <= position(i, other[r.key])


def test_lottery_breaks_ties_and_priority_comes_first() -> None:
    requests, _, _ = make_instance(400, seed=3)
    lottery, rank = draw_lottery(requests, seed=99)
    assert sorted(lottery) == list(range(len(requests)))
    order = sorted(range(len(requests)), key=rank.__getitem__)
    for a, b in itertools.pairwise(order):
        ra, rb = requests[a], requests[b]
        assert ra.priority > rb.priority or (
            ra.priority == rb.priority and lottery[a] < lottery[b])
    assert draw_lottery(requests, seed=100)[0] != lottery


def test_generated_instance_is_stable_and_explained() -> None:
    requests, offers, room = make_instance(1500, seed=5)
    result = solve_round(requests, offers, room, seed=11)
    assert result.placed and result.waitlisted
    assert blocking_pairs(requests, offers, room, result) == []
    _check_capacities(requests, offers, room, result)
    # Ranks published per placement: within the preferences, or None for the tail.
    assert {rank for _, rank in result.placed.values()} <= {None, 1, 2, 3, 4, 5}
