"""Rounds stay stable after they run: random rounds, then random declines, cancels,
expiries, withdrawals and starts, each followed by the chain (rematch.py).

After every step:
- every offer and supervisor is within its places;
- nobody who can still move prefers an offer with room to what they hold (to prefer:
  a preference ranked higher; offers of the same rank are alike);
- nobody who never lost a placement (and has not started) is part of a blocking pair
  (`rounds.blocking_pairs`, with the declined pairs excluded), but for the one kind the
  chain may not undo, as undoing it would move someone down: a request kept from an
  offer by its supervisor's seats, all held (`_kept_out_by_the_supervisors_seats`), or
  by one behind it who took the offer while those seats were full (`_taken_while_kept_out`;
  `test_a_place_taken_while_the_seats_were_full_stays_taken`);
- nobody is worse off than if the round were run again on what remains: the same
  lottery, the declined pairs excluded, the withdrawn gone, the started placements
  kept, and what each holds kept as a floor (a serial dictatorship in the round's
  order, which is what a round is with one master list: checked against
  `solve_round` on the empty state first).

A request whose own placement ended takes only places that come free (nobody is moved
down for it), so it alone may envy a holder ranked after it; that is the rule. So the
round is not run again from scratch, where it would take a place another holds (and
move that one down); hypothesis finds such cases at once.

`test_the_old_greedy_rule_fails_the_property` shows the property catches today's
greedy behaviour (freed places to the waiting requests only).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.matching.domain.rematch import Step, chain
from services.matching.domain.rounds import (
    Preference,
    RoundOffer,
    RoundRequest,
    RoundResult,
    blocking_pairs,
    preference_lists,
    solve_round,
)
from services.matching.tests.unit.strategies import (
    OCCUPATIONS,
    SUPERVISORS,
    WEEK0,
    WORKPLACES,
    instances,
)

KeptOut = dict[tuple[str, str], set[str]]
"""(request, offer) → the requests behind it that took the offer in a chain while every
seat of its supervisor was held (by others than the request)."""
Instance = tuple[list[RoundRequest], list[RoundOffer], dict[str, int], int]
Rematcher = Callable[[list[RoundRequest], list[RoundOffer], dict[str, int],
                      list[int | None], list[bool]], list[Step]]
KINDS = ("decline", "cancel", "expire", "withdraw", "start")
NOW = datetime(2027, 1, 10, 9, 0, tzinfo=UTC)
events = st.lists(st.tuples(st.sampled_from(KINDS), st.integers(0, 1000)), max_size=6)
CHOICES: list[Preference] = [("occupation", o) for o in OCCUPATIONS] + [
    ("workplace", w) for w in WORKPLACES]


@st.composite
def crowded(draw: st.DrawFn) -> Instance:
    """A round where most pairs are feasible and places are few (the strategies'
    `instances` are mostly infeasible: there, few places ever come free)."""
    offers = [RoundOffer(
        key=f"o{i}", bucket=("1380", "prao"), occupation=draw(st.sampled_from(OCCUPATIONS)),
        workplace=draw(st.sampled_from(WORKPLACES)),
        supervisor=draw(st.sampled_from(SUPERVISORS)), start=WEEK0,
        end=WEEK0 + timedelta(days=11), capacity=draw(st.integers(1, 2)),
        min_age=draw(st.sampled_from((0, 0, 0, 15))), client_contact=False,
        supports=frozenset(), languages=frozenset({draw(st.sampled_from(("sv", "en")))}),
        certified_until=date(2028, 1, 1)) for i in range(draw(st.integers(1, 5)))]
    requests = []
    for i in range(draw(st.integers(1, 8))):
        start = WEEK0 + timedelta(weeks=draw(st.integers(0, 1)))
        requests.append(RoundRequest(
            key=f"r{i}", bucket=("1380", "prao"), start=start,
            end=start + timedelta(days=4), age=draw(st.integers(14, 16)), restricted=True,
            needs=frozenset(), language=draw(st.sampled_from(("sv", "en"))),
            priority=draw(st.integers(0, 1)),
            preferences=tuple(draw(st.lists(st.sampled_from(CHOICES), max_size=3,
                                            unique=True)))))
    room = {s: draw(st.integers(1, 3)) for s in SUPERVISORS}
    return requests, offers, room, draw(st.integers(0, 2**62))


@dataclass
class Season:
    """A round and what happened after it, in the round's order (index = position)."""

    requests: list[RoundRequest]
    offers: list[RoundOffer]
    room: dict[str, int]
    result: RoundResult
    holding: list[int | None]
    fixed: list[bool]
    lost: set[int] = field(default_factory=set)
    gone: set[int] = field(default_factory=set)
    seats_before: dict[str, str] = field(default_factory=dict)
    """Request key → the supervisor it held a seat at before the last event's chain."""
    kept_out: KeptOut = field(default_factory=dict)
    """What the chains so far took past a request kept out by a supervisor's seats."""


def _season(instance: Instance) -> Season:
    requests, offers, room, seed = instance
    result = solve_round(requests, offers, room, seed)
    ordered = sorted(requests, key=lambda r: result.rank[r.key])
    at = {o.key: i for i, o in enumerate(offers)}
    holding = [at[result.placed[r.key][0]] if r.key in result.placed else None
               for r in ordered]
    return Season(ordered, list(offers), room, result, holding, [False] * len(ordered))


def _apply(season: Season, kind: str, pick: int, rematcher: Rematcher) -> None:
    """One event on a holder of a placement, then the chain."""
    holders = [i for i, h in enumerate(season.holding) if h is not None]
    if not holders:
        return
    i = holders[pick % len(holders)]
    if kind == "start":
        season.fixed[i] = True
        return
    if season.fixed[i] and kind != "withdraw":
        return  # a started placement is no longer declined by these rules' paths
    r, held = season.requests[i], season.holding[i]
    assert held is not None
    season.holding[i], season.fixed[i] = None, False
    if kind == "withdraw":
        season.gone.add(i)
        season.requests[i] = replace(r, consent_refused=True)  # wants nothing more
    else:  # declined, cancelled, expired: the pair is excluded, the request waits
        season.lost.add(i)
        season.requests[i] = replace(r, excluded=r.excluded | {season.offers[held].key})
    season.seats_before = seats(season)
    holding = list(season.holding)
    steps = rematcher(season.requests, season.offers, season.room, season.holding,
                      season.fixed)
    note_kept_out(season.kept_out, season.requests, season.offers, season.room, holding,
                  season.fixed, steps)


def note_kept_out(kept_out: KeptOut, requests: list[RoundRequest], offers: list[RoundOffer],
                  room: dict[str, int], holding: list[int | None], fixed: list[bool],
                  steps: list[Step]) -> None:
    """Replay a chain's steps from `holding`: note each request ahead of a mover that
    preferred the offer it took, had no seat of that supervisor, and found every seat
    held (the chain cannot give it the place without moving a seat's holder down)."""
    ranks = [{o: pref if pref is not None else 1 << 30 for o, pref in lst}
             for lst in preference_lists(requests, offers)]
    holding = list(holding)
    for step in steps:
        supervisor = offers[step.offer].supervisor
        seated = [h for h in holding if h is not None and offers[h].supervisor == supervisor]
        if len(seated) >= room.get(supervisor, 10**9):
            for i in range(step.request):
                own = holding[i]
                if (not fixed[i] and step.offer in ranks[i]
                        and ranks[i][step.offer] < _worth(ranks[i], own)
                        and (own is None or offers[own].supervisor != supervisor)):
                    kept_out.setdefault((requests[i].key, offers[step.offer].key),
                                        set()).add(requests[step.request].key)
        holding[step.request] = step.offer


def seats(season: Season) -> dict[str, str]:
    """Request key → the supervisor whose seat it holds."""
    return {r.key: season.offers[h].supervisor
            for r, h in zip(season.requests, season.holding, strict=True) if h is not None}


def _lists(season: Season) -> list[list[int]]:
    return [[o for o, _ in lst] for lst in preference_lists(season.requests, season.offers)]


def _ranks(season: Season) -> list[dict[int, int]]:
    """Per request: each feasible offer's preference rank (outside them: after all)."""
    return [{o: pref if pref is not None else 1 << 30 for o, pref in lst}
            for lst in preference_lists(season.requests, season.offers)]


def _worth(ranks: dict[int, int], offer: int | None) -> int:
    """How a request ranks what it holds (nothing: worst of all)."""
    return ranks.get(offer, 1 << 31) if offer is not None else 1 << 31


def _within_places(season: Season) -> None:
    per_offer = [0] * len(season.offers)
    per_sup: dict[str, int] = {}
    for held in season.holding:
        if held is not None:
            per_offer[held] += 1
            s = season.offers[held].supervisor
            per_sup[s] = per_sup.get(s, 0) + 1
    assert all(n <= o.capacity for n, o in zip(per_offer, season.offers, strict=True))
    assert all(n <= season.room.get(s, 10**9) for s, n in per_sup.items())


def _free_room_wanted(season: Season) -> list[tuple[str, str]]:
    """(request, offer) pairs where a movable request prefers an offer with room."""
    ranks = _ranks(season)
    per_offer = [0] * len(season.offers)
    per_sup: dict[str, int] = {}
    for held in season.holding:
        if held is not None:
            per_offer[held] += 1
            s = season.offers[held].supervisor
            per_sup[s] = per_sup.get(s, 0) + 1
    found = []
    for i, r in enumerate(season.requests):
        if season.fixed[i]:
            continue
        held = season.holding[i]
        own = season.offers[held].supervisor if held is not None else None
        for o in [o for o, rank in ranks[i].items() if rank < _worth(ranks[i], held)]:
            offer = season.offers[o]
            sup_ok = (offer.supervisor == own or per_sup.get(offer.supervisor, 0)
                      < season.room.get(offer.supervisor, 10**9))
            if per_offer[o] < offer.capacity and sup_ok:
                found.append((r.key, offer.key))
    return found


def _blocking_by_the_never_lost(season: Season) -> list[tuple[str, str]]:
    placed: dict[str, tuple[str, int | None]] = {r.key: (season.offers[h].key, None)
              for r, h in zip(season.requests, season.holding, strict=True) if h is not None}
    current = RoundResult(season.result.seed, placed, {}, season.result.lottery,
                          season.result.rank)
    never_lost = {r.key for i, r in enumerate(season.requests)
                  if i not in season.lost and i not in season.gone and not season.fixed[i]}
    ranks = _ranks(season)
    at = {o.key: i for i, o in enumerate(season.offers)}
    index = {r.key: i for i, r in enumerate(season.requests)}
    return [(r, o) for r, o in blocking_pairs(season.requests, season.offers, season.room,
                                              current)
            if r in never_lost and ranks[index[r]][at[o]]
            < _worth(ranks[index[r]], season.holding[index[r]])
            and not _kept_out_by_the_supervisors_seats(season, index[r], at[o])
            and not _taken_while_kept_out(season, index[r], at[o])]


def _taken_while_kept_out(season: Season, i: int, o: int) -> bool:
    """Whether each request behind i that holds offer o took it in a chain while i was
    kept out by o's supervisor's seats (`note_kept_out`): it holds o by right, and giving
    o to i now would move it down."""
    took = season.kept_out.get((season.requests[i].key, season.offers[o].key), set())
    holders = [j for j, h in enumerate(season.holding) if h == o and j > i]
    return bool(holders) and all(season.requests[j].key in took for j in holders)


def _kept_out_by_the_supervisors_seats(season: Season, i: int, o: int) -> bool:
    """Whether request i is kept from offer o by seats nobody may lose: every seat of o's
    supervisor is held, i holds none of them, and each request behind i that holds one
    held it before the event (it only moved between that supervisor's offers).

    The one kind of blocking pair the chain cannot undo, because undoing it would move
    someone below what they held: a supervisor's seats shared between offers, one held
    since before by a request behind i ("nobody moves down"). A seat a request behind i
    took in this very chain is no such excuse: the chain should have offered it to i
    first, and that pair is checked. `_first_move` also avoids the common case where a
    request ahead is indifferent (test_a_wish_behind_an_indifferent_request_goes_first)."""
    supervisor = season.offers[o].supervisor
    held = season.holding[i]
    if held is not None and season.offers[held].supervisor == supervisor:
        return False
    holders = [j for j, h in enumerate(season.holding)
               if h is not None and season.offers[h].supervisor == supervisor]
    if len(holders) < season.room.get(supervisor, 10**9):
        return False
    return all(season.seats_before.get(season.requests[j].key) == supervisor
               for j in holders if j > i)


def _run_again(season: Season) -> list[int | None]:
    """The round run again on what remains: in the round's order, each request takes
    the best offer (by preference rank) with room, counting what the others hold as
    theirs (nobody loses a held place for another: each keeps it as a floor); started
    placements stay; the withdrawn want nothing; declined pairs are excluded. Right
    after the round (nothing held yet) this is the round itself."""
    ranks = _ranks(season)
    lists = _lists(season)
    again = list(season.holding)
    for i in range(len(season.requests)):
        if season.fixed[i] or i in season.gone:
            continue
        per_offer = [0] * len(season.offers)
        per_sup: dict[str, int] = {}
        for j, held in enumerate(again):
            if held is not None and j != i:
                per_offer[held] += 1
                s = season.offers[held].supervisor
                per_sup[s] = per_sup.get(s, 0) + 1
        for o in lists[i]:
            if _worth(ranks[i], o) >= _worth(ranks[i], again[i]) and again[i] is not None:
                break
            offer = season.offers[o]
            if per_offer[o] < offer.capacity and (
                    per_sup.get(offer.supervisor, 0) < season.room.get(offer.supervisor, 10**9)):
                again[i] = o
                break
    return again


def _violations(instance: Instance, steps: list[tuple[str, int]],
                rematcher: Rematcher) -> list[str]:
    season = _season(instance)
    empty = replace(season, holding=[None] * len(season.holding))
    assert _run_again(empty) == season.holding, "the reference is the round itself"
    for kind, pick in steps:
        _apply(season, kind, pick, rematcher)
        _within_places(season)
        found = [f"free room: {p}" for p in _free_room_wanted(season)]
        found += [f"blocking: {p}" for p in _blocking_by_the_never_lost(season)]
        ranks, again = _ranks(season), _run_again(season)
        for i, r in enumerate(season.requests):
            if _worth(ranks[i], season.holding[i]) > _worth(ranks[i], again[i]):
                found.append(f"worse off than a new round: {r.key}")
        if found:
            return found
    return []


def greedy(requests: list[RoundRequest], offers: list[RoundOffer], room: dict[str, int],
           holding: list[int | None], fixed: list[bool]) -> list[Step]:
    """Today's rule before issue 18: free places go to the waiting requests, in order;
    those who hold a placement never move."""
    waiting = [i for i, h in enumerate(holding) if h is None]
    moved = chain([requests[i] for i in waiting], offers,
                  _room_left(offers, room, holding),
                  [None] * len(waiting), [False] * len(waiting))
    for step in moved:
        holding[waiting[step.request]] = step.offer
    return moved


def _room_left(offers: list[RoundOffer], room: dict[str, int],
               holding: list[int | None]) -> dict[str, int]:
    """Room, less what the holders take (their offers' places are taken below)."""
    left = dict(room)
    taken = [0] * len(offers)
    for held in holding:
        if held is not None:
            taken[held] += 1
            s = offers[held].supervisor
            if s in left:
                left[s] -= 1
    for i, o in enumerate(offers):
        offers[i] = replace(o, capacity=o.capacity - taken[i])
    return left


@pytest.mark.timeout(120)  # hundreds of examples: more than a unit test's 30 s on a busy machine
@settings(max_examples=250, deadline=None)
@given(st.one_of(instances(max_requests=8, max_offers=5), crowded()), events)
def test_stable_after_every_decline_cancel_and_expiry(
        instance: Instance, steps: list[tuple[str, int]]) -> None:
    assert _violations(instance, steps, chain) == []


def _offer(key: str, supervisor: str, occupation: str = "5120") -> RoundOffer:
    return RoundOffer(key=key, bucket=("1380", "prao"), occupation=occupation,
                      workplace="w1", supervisor=supervisor, start=WEEK0,
                      end=WEEK0 + timedelta(days=4), capacity=1, min_age=0,
                      client_contact=False, supports=frozenset(), languages=frozenset({"sv"}),
                      certified_until=date(2028, 1, 1))


def _request(key: str, *prefs: str, priority: int = 0) -> RoundRequest:
    return RoundRequest(key=key, bucket=("1380", "prao"), start=WEEK0,
                        end=WEEK0 + timedelta(days=4), age=14, restricted=True,
                        needs=frozenset(), language="sv", priority=priority,
                        preferences=tuple(("occupation", p) for p in prefs))


def test_the_old_greedy_rule_fails_the_property() -> None:
    """The property catches today's rule: the first in order leaves 3353; the second,
    who ranked 3353 first and holds her second choice, is never moved up by it."""
    instance: Instance = ([_request("r0", "3353", priority=1),
                           _request("r1", "3353", "5120")],
                          [_offer("a", "s1", "3353"), _offer("b", "s2", "5120")],
                          {"s1": 1, "s2": 1}, 0)
    steps = [("withdraw", 0)]

    def greedy_on_a_copy(requests: list[RoundRequest], offers: list[RoundOffer],
                         room: dict[str, int], holding: list[int | None],
                         fixed: list[bool]) -> list[Step]:
        return greedy(requests, list(offers), room, holding, fixed)

    assert _violations(instance, steps, greedy_on_a_copy) == [
        "free room: ('r1', 'a')", "blocking: ('r1', 'a')", "worse off than a new round: r1"]
    assert _violations(instance, steps, chain) == []


def test_a_wish_behind_an_indifferent_request_goes_first() -> None:
    """Three offers of one supervisor with two seats, one more elsewhere. r3 (first in
    order, no wishes) is declined at 5120, the place r0 (second) wished for. Were r3 to
    take the supervisor's free seat (o3) first, r0 would be kept from 5120 by r2, who is
    behind her; r0 moves first, and r3 takes the place r0 leaves, as good to him."""
    requests = [_request("r3", "5120"), _request("r0", "5120"), _request("r2"),
                _request("r1")]
    offers = [_offer("o0", "s1", "5311"), _offer("o1", "s2", "5311"),
              _offer("o2", "s2", "5120"), _offer("o3", "s2", "5311")]
    room = {"s1": 1, "s2": 2}
    holding: list[int | None] = [None, 0, 1, None]  # r3 lost o2 (declined there)
    requests[0] = replace(requests[0], excluded=frozenset({"o2"}))
    steps = chain(requests, offers, room, holding, [False] * 4)
    assert [(s.request, s.offer) for s in steps] == [(1, 2), (0, 0)]
    assert holding == [0, 2, 1, None]


def test_a_place_taken_while_the_seats_were_full_stays_taken() -> None:
    """Hypothesis's find: s3 has two seats, r1 (behind r0) holds one at o0 (for ages
    15+). r3 is declined at o2 and takes o0, the last seat; r1 moves up to o2 (her wish,
    her own seat), and r0 (14, no wishes) finds s3 full. Then r3 is declined at o0: a
    seat is free, but o2 is r1's, who took it by right; giving it to r0 would move her
    down. The property allows that pair, and no other."""
    young = [replace(_request(k, *wish), age=age) for k, wish, age in (
        ("r3", ("5120",), 15), ("r5", (), 14), ("r0", (), 14), ("r1", ("5120",), 15),
        ("r4", (), 14), ("r2", (), 14))]
    offers = [replace(_offer("o0", "s3", "5311"), capacity=2, min_age=15),
              _offer("o1", "s1", "5311"), _offer("o2", "s3"), _offer("o3", "s1")]
    season = Season(young, offers, {"s1": 1, "s3": 2},
                    RoundResult(0, {}, {}, {}, {r.key: i for i, r in enumerate(young)}),
                    [2, 1, None, 0, None, None], [False] * 6)
    _apply(season, "decline", 0, chain)
    assert season.holding == [0, 1, None, 2, None, None]
    assert season.kept_out == {("r0", "o2"): {"r1"}}
    _apply(season, "decline", 0, chain)
    assert season.holding == [None, 1, None, 2, None, None]
    assert _blocking_by_the_never_lost(season) == []
    season.kept_out.clear()
    assert _blocking_by_the_never_lost(season) == [("r0", "o2")]


def test_the_issue_example_on_the_model() -> None:
    """P0 (first in order) holds 3353, P1 (lottery 0) holds her second choice, P2
    (lottery 1) waits; P0 declines and wants no other place: P1 moves up to 3353, P2
    takes P1's old place."""
    requests = [_request("p0", "3353"), _request("p1", "3353", "5120"),
                _request("p2", "3353", "5120")]
    offers = [_offer("a", "s1", "3353"), _offer("b", "s2", "5120")]
    season = Season(requests, offers, {"s1": 1, "s2": 1},
                    RoundResult(0, {}, {}, {}, {"p0": 0, "p1": 1, "p2": 2}),
                    [0, 1, None], [False] * 3)
    _apply(season, "withdraw", 0, chain)
    assert season.holding == [None, 0, 1]
    season = Season(requests, list(offers), {"s1": 1, "s2": 1}, season.result,
                    [0, 1, None], [False] * 3)
    _apply(season, "withdraw", 0, lambda r, o, room, h, f: greedy(r, list(o), room, h, f))
    assert season.holding == [None, 1, 0]  # the old rule: P2 gets 3353, a blocking pair
    assert ("p1", "a") in _blocking_by_the_never_lost(season)
