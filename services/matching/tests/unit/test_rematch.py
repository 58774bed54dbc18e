"""The chain on a Book: a place freed after a round moves up the round's order."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from services.matching.domain.book import Book
from services.matching.domain.explanation import explain
from services.matching.domain.rematch import MOVED_TO_PREFERRED
from services.matching.domain.rounds import draw_lottery
from services.matching.tests.unit.test_book import (
    NOW,
    book,
    of_type,
    offer,
    participant,
    request,
    supervisor,
    workplace,
)
from shared.contracts.matching import (
    PlacementCancelled,
    PlacementDeclined,
    PlacementProposed,
    PlacementWaitlisted,
)

START = date(2027, 4, 5)
PUPIL = date(2012, 2, 2)


def prao_offer(b: Book, occupation: str, start: date = START, days: int = 4,
               capacity: int = 1) -> UUID:
    wid = workplace(b)
    return offer(b, wid, supervisor(b, wid, max_participants=5), program="prao",
                 occupation=occupation, capacity=capacity, start=start, days=days)


def pupil(b: Book, *occupations: str, priority: int = 0, start: date = START,
          days: int = 4) -> UUID:
    return request(b, participant(b, born=PUPIL), program="prao",
                   prefs=tuple(("occupation", o) for o in occupations), priority=priority,
                   start=start, days=days)


def seed_for(b: Book, wanted: list[UUID]) -> int:
    """A seed whose lottery puts `wanted` in this order (ties of priority only)."""
    rrs = [b.round_request(r, b.participants[r.participant_id])
           for r in b.requests.values() if r.program == "prao"]
    keys = [rr.key for rr in rrs]
    for seed in range(10_000):
        lottery, _ = draw_lottery(rrs, seed)
        numbers = [lottery[keys.index(str(w))] for w in wanted]
        if numbers == list(range(len(wanted))):
            return seed
    raise AssertionError("no such seed")


def placement_of(b: Book, request_id: UUID) -> Any:
    return next(p for p in b.placements.values() if p.request_id == request_id)


def test_the_issue_example_p1_moves_up_to_her_first_choice() -> None:
    """P1 (lottery 0, first choice 3353) got her second choice; P2 (lottery 1) waited.
    When the 3353 place is freed, P1 moves up to it and P2 gets P1's old place."""
    b = book()
    o3353, o5120 = prao_offer(b, "3353"), prao_offer(b, "5120")
    p0 = pupil(b, "3353", priority=1)
    p1 = pupil(b, "3353", "5120")
    p2 = pupil(b, "3353", "5120")
    b.run_round("prao", seed=seed_for(b, [p1, p2]), now=NOW)
    assert (b.requests[p1].lottery, b.requests[p2].lottery) == (0, 1)
    assert placement_of(b, p0).offer_id == o3353
    old = placement_of(b, p1)
    assert old.offer_id == o5120 and b.requests[p2].status == "waitlisted"
    round_id = old.round_id
    assert b.requests[p1].round_id == round_id
    b.events.clear()
    b.decline(placement_of(b, p0).placement_id, "participant", "moving away", NOW,
              end_request=True)
    declined, cancelled = of_type(b, PlacementDeclined), of_type(b, PlacementCancelled)
    assert [d.request_id for d in declined] == [p0]
    [moved] = cancelled
    assert (moved.placement_id, moved.reason, moved.participant_id) == (
        old.placement_id, MOVED_TO_PREFERRED, b.requests[p1].participant_id)
    up, filled = of_type(b, PlacementProposed)
    assert (up.request_id, up.offer_id, up.replaces, up.preference_rank) == (
        p1, o3353, old.placement_id, 1)
    assert (filled.request_id, filled.offer_id, filled.replaces) == (p2, o5120, None)
    assert up.round_id == filled.round_id == round_id
    # Left, not lost: P1 is not kept from 5120 should she lose 3353.
    assert (p1, o5120) not in b.excluded


def test_a_chain_of_two_moves() -> None:
    b = book()
    a, bb, c = prao_offer(b, "3353"), prao_offer(b, "5120"), prao_offer(b, "4112")
    first = pupil(b, "3353", priority=3)
    second = pupil(b, "3353", "5120", priority=2)
    third = pupil(b, "5120", "4112", priority=1)
    last = pupil(b, "4112")
    b.run_round("prao", seed=1, now=NOW)
    assert [placement_of(b, r).offer_id for r in (first, second, third)] == [a, bb, c]
    b.events.clear()
    b.decline(placement_of(b, first).placement_id, "participant", "moving", NOW,
              end_request=True)
    moved = [(e.request_id, e.offer_id) for e in of_type(b, PlacementProposed)]
    assert moved == [(second, a), (third, bb), (last, c)]
    assert [e.reason for e in of_type(b, PlacementCancelled)] == [MOVED_TO_PREFERRED] * 2


def test_one_declined_by_the_workplace_keeps_her_order_for_freed_places() -> None:
    """Declined by 3353's workplace, the first in order takes the next place that comes
    free (here: the one the second leaves to move up), not a place another holds."""
    b = book()
    a, bb = prao_offer(b, "3353"), prao_offer(b, "5120")
    first = pupil(b, "3353", priority=3)
    second = pupil(b, "3353", "5120", priority=2)
    b.run_round("prao", seed=1, now=NOW)
    b.events.clear()
    b.decline(placement_of(b, first).placement_id, "workplace", "no room after all", NOW)
    moved = [(e.request_id, e.offer_id) for e in of_type(b, PlacementProposed)]
    assert moved == [(second, a), (first, bb)]
    assert (first, a) in b.excluded


def test_a_place_that_finds_nobody_stays_free() -> None:
    b = book()
    a, bb = prao_offer(b, "3353"), prao_offer(b, "5120")
    first = pupil(b, "3353", priority=1)
    other = pupil(b, "5120")
    b.run_round("prao", seed=1, now=NOW)
    kept = placement_of(b, other)
    b.events.clear()
    b.decline(placement_of(b, first).placement_id, "participant", "no thanks", NOW)
    assert not of_type(b, PlacementProposed) and not of_type(b, PlacementCancelled)
    assert placement_of(b, other) is kept and b.offers[a].held == 0
    [waiting] = of_type(b, PlacementWaitlisted)
    assert waiting.request_id == first
    assert set(waiting.reasons) == {"declined", "no_capacity"} and b.offers[bb].held == 1


def test_a_started_placement_does_not_move() -> None:
    b = book()
    a = prao_offer(b, "3353", days=30)
    bb = prao_offer(b, "5120", days=30)
    first = pupil(b, "3353", priority=2, start=START + timedelta(days=14))
    started = pupil(b, "3353", "5120", priority=1)
    waiting = pupil(b, "3353")
    b.run_round("prao", seed=1, now=NOW)
    assert placement_of(b, started).offer_id == bb
    assert b.requests[waiting].status == "waitlisted"
    later = datetime.combine(START + timedelta(days=7), time(9), tzinfo=NOW.tzinfo)
    b.events.clear()
    b.decline(placement_of(b, first).placement_id, "participant", "ill", later,
              end_request=True)
    assert placement_of(b, started).offer_id == bb  # it started on 5 April
    assert not of_type(b, PlacementCancelled)
    [filled] = of_type(b, PlacementProposed)
    assert (filled.request_id, filled.offer_id, filled.replaces) == (waiting, a, None)


def test_an_expired_deadline_frees_the_place_the_same_way() -> None:
    b = book()
    a, bb = prao_offer(b, "3353"), prao_offer(b, "5120")
    first = pupil(b, "3353", priority=1)
    second = pupil(b, "3353", "5120")
    b.run_round("prao", seed=1, now=NOW)
    lapsing = placement_of(b, first)
    accepted = placement_of(b, second)
    b.accept(accepted.placement_id, NOW)  # accepted placements move up too
    b.events.clear()
    assert b.expire_deadlines(NOW + timedelta(days=3)) >= 1
    assert lapsing.placement_id not in b.placements
    assert placement_of(b, second).offer_id == a
    assert placement_of(b, first).offer_id == bb  # the lapsed one takes the place left
    [moved] = [e for e in of_type(b, PlacementCancelled) if e.request_id == second]
    assert moved.reason == MOVED_TO_PREFERRED


def test_the_explanation_says_why_and_when_she_moved_up() -> None:
    b = book()
    prao_offer(b, "3353")
    prao_offer(b, "5120")
    first = pupil(b, "3353", priority=1)
    p1 = pupil(b, "3353", "5120")
    b.run_round("prao", seed=1, now=NOW)
    info: Any = explain(b, b.requests[p1], {r: q.lottery for r, q in b.requests.items()})
    [why] = info["higher_preferences"]
    assert why["preference_rank"] == 1 and why["why"] == "full"
    [ahead] = why["ahead"]
    assert ahead["priority"] == 1 and ahead["ahead_in_round_order"]
    assert info["got"]["preference_rank"] == 2
    old = placement_of(b, p1)
    b.decline(placement_of(b, first).placement_id, "participant", "no", NOW,
              end_request=True)
    info = explain(b, b.requests[p1], {r: q.lottery for r, q in b.requests.items()},
                   history=list(b.ended.values()))
    assert info["got"]["preference_rank"] == 1 and info["higher_preferences"] == []
    [move] = info["moved_up"]
    assert move["from_placement_id"] == str(old.placement_id)
    assert move["from_preference_rank"] == 2 and move["to_preference_rank"] == 1
