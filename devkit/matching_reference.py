"""The same round solved by the `matching` package (an independent implementation), for
matching's tests and the benchmark.

`StudentAllocation` (projects = offers, supervisors with their own capacity, all
ranking students by our master list) is our model exactly; `HospitalResident`
(hospitals = offers) coincides with it when no supervisor's room binds. Offers with
no free place, or whose supervisor has no room, are left out of everyone's lists
(the package cannot hold a zero capacity; our solver skips them likewise).

From about 2,000 participants the package's constructor (a deepcopy of the player
graph) needs a raised recursion limit and a large thread stack: `run_big` does both.
"""

from __future__ import annotations

import sys
import threading
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Literal, TypeVar

from services.matching.domain.rounds import (
    RoundOffer,
    RoundRequest,
    draw_lottery,
    preference_lists,
)

T = TypeVar("T")


def run_big(fn: Callable[[], T], stack_mb: int = 512, recursion: int = 1_000_000) -> T:
    """Run fn in a thread with a big stack and a raised recursion limit."""
    result: list[T] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            result.append(fn())
        except BaseException as error:  # handed back to the caller
            errors.append(error)

    old_limit, old_stack = sys.getrecursionlimit(), threading.stack_size()
    sys.setrecursionlimit(recursion)
    threading.stack_size(stack_mb * 1024 * 1024)
    try:
        thread = threading.Thread(target=target)
        thread.start()
        thread.join()
    finally:
        threading.stack_size(old_stack)
        sys.setrecursionlimit(old_limit)
    if errors:
        raise errors[0]
    return result[0]


def reference_inputs(
    requests: Sequence[RoundRequest], offers: Sequence[RoundOffer], room: Mapping[str, int],
    seed: int,
) -> tuple[dict[str, list[str]], dict[str, int], list[int]]:
    """(participant → ranked offer keys, offer → capacity, master rank per request)."""
    _, rank = draw_lottery(requests, seed)
    usable = {o.key for o in offers if o.capacity > 0 and room.get(o.supervisor, 1) > 0}
    prefs = {}
    for r, lst in zip(requests, preference_lists(requests, offers), strict=True):
        keys = [offers[o].key for o, _ in lst if offers[o].key in usable]
        if keys:
            prefs[r.key] = keys
    return prefs, {o.key: o.capacity for o in offers if o.key in usable}, rank


def solve_with_package(
    requests: Sequence[RoundRequest], offers: Sequence[RoundOffer], room: Mapping[str, int],
    seed: int, model: Literal["hr", "sa"] = "sa",
) -> dict[str, str]:
    """request key → offer key for the placed ones, as the `matching` package solves it."""
    from matching.games import HospitalResident, StudentAllocation

    prefs, capacities, rank = reference_inputs(requests, offers, room, seed)
    rank_of = {r.key: rank[i] for i, r in enumerate(requests)}
    ranked_by: dict[str, list[str]] = {}
    for student in sorted(prefs, key=rank_of.__getitem__):
        for offer in prefs[student]:
            ranked_by.setdefault(offer, []).append(student)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if model == "hr":
            game = HospitalResident.create_from_dictionaries(
                prefs, ranked_by, {o: capacities[o] for o in ranked_by})
        else:
            supervisor_of = {o.key: o.supervisor for o in offers if o.key in ranked_by}
            sup_prefs: dict[str, list[str]] = {}
            for student in sorted(prefs, key=rank_of.__getitem__):
                for sup in dict.fromkeys(supervisor_of[o] for o in prefs[student]):
                    sup_prefs.setdefault(sup, []).append(student)
            sup_caps = {s: room.get(s, sum(capacities[o] for o, t in supervisor_of.items()
                                             if t == s)) for s in sup_prefs}
            game = StudentAllocation.create_from_dictionaries(
                prefs, sup_prefs, supervisor_of, {o: capacities[o] for o in ranked_by},
                sup_caps)
        matching = game.solve()
    return {student.name: offer.name for offer, students in matching.items()
            for student in students}
