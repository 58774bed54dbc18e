"""Rounds stay stable after they run, across the services (issue 18).

Through the HTTP APIs, as coordinators and trainers do it: two open workplaces (their
supervisors certified, their managers at the breakfast meeting), a prao place at each
(occupations 3353 and 5120), three pupils who all rank 3353 first and 5120 second, in
priority order. The round gives the first 3353, the second 5120 (her second choice);
the third waits. The first declines (and wants no other place): the second moves up to
3353 (her 5120 placement cancelled, `moved_to_preferred`; the new proposal `replaces`
it), and the third takes 5120. Not the old greedy way, where the third got 3353 while
the second kept her second choice. The explanation says she moved up.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest

from devkit.processes import System
from devkit.wait import eventually
from praktik_cli.demo.people import synthetic_identity_number
from praktik_cli.demo.plan import PRAO, Plan
from praktik_cli.demo.season import Season
from shared.contracts import topics
from tests.e2e.conftest import Outside, OwnDatabase, endpoints
from tests.e2e.test_open_workplaces import _attend

pytestmark = [pytest.mark.infra]

M = "1315"
"""Hylte, which no other e2e test uses: the round places these three pupils alone."""
WANTS = ("3353", "5120")


@pytest.fixture
async def season(e2e_infra: OwnDatabase, system: System,
                 outside: Outside) -> AsyncIterator[Season]:
    """A season object for its calls and its bus log only (nothing is played)."""
    async with Season(Plan(workplaces={M: 1}, seed=1818),
                      endpoints(e2e_infra, system, outside)) as season:
        yield season


async def _open_place(season: Season, occupation: str) -> str:
    """An open workplace with a certified supervisor and one prao place: its offer."""
    reg, tag = season.endpoints.registration, f"{season.plan.tag}-{occupation}"
    wp = await season.call("POST", f"{reg}/workplaces", {
        "external_ref": f"stable-{tag}-wp", "org_number": "212000-1355",
        "name": f"Arbetsplats {occupation}", "sector": "municipal", "municipality_code": M,
        "client_contact": False, "address": "Storgatan 1, Hyltebruk",
        "manager": {"name": "Chef", "email": f"chef.{tag}@example.com", "language": "sv"}})
    sv = await season.call("POST", f"{reg}/supervisors", {
        "external_ref": f"stable-{tag}-sv", "workplace_id": wp["workplace_id"],
        "municipality_code": M, "name": "Handledare",
        "email": f"handledare.{tag}@example.com", "languages": ["sv"],
        "max_participants": 2})
    offer = await season.call("POST", f"{reg}/offers", {
        "external_ref": f"stable-{tag}-of", "workplace_id": wp["workplace_id"],
        "supervisor_id": sv["supervisor_id"], "municipality_code": M, "program": "prao",
        "occupation": occupation, "period_start": PRAO[0].isoformat(),
        "period_end": PRAO[1].isoformat(), "capacity": 1})
    await _attend(season, "base_course", sv["supervisor_id"], days_ago=9)
    await _attend(season, "manager_breakfast", wp["manager"]["manager_id"], days_ago=8)
    await eventually(lambda: any(
        e["data"]["workplace_id"] == wp["workplace_id"]
        for e in season.log.of("WorkplaceOpened", topics.TRAINING_EVENTS)),
        60, "training to open the workplace", interval_s=0.3)
    return str(offer["offer_id"])


async def _pupil(season: Season, n: int, priority: int) -> str:
    """A pupil in school year 8 (one guardian), asking for prao: the request's id."""
    reg, tag = season.endpoints.registration, f"{season.plan.tag}-{n}"
    pupil = await season.call("POST", f"{reg}/participants", {
        "external_ref": f"stable-{tag}-p", "municipality_code": M,
        "personal_identity_number": synthetic_identity_number(date(2012, 4, 3 + n)),
        "name": f"Elev {n}", "email": f"elev.{tag}@example.com", "gender": "female",
        "preferred_language": "sv",
        "guardians": [{"name": f"Vårdnadshavare {n}", "email": f"vh.{tag}@example.com",
                       "language": "sv"}]})
    request = await season.call("POST", f"{reg}/requests", {
        "external_ref": f"stable-{tag}-r", "participant_id": pupil["participant_id"],
        "municipality_code": M, "program": "prao", "priority": priority,
        "period_start": PRAO[0].isoformat(), "period_end": PRAO[1].isoformat(),
        "preferences": [{"occupation": o} for o in WANTS]})
    return str(request["request_id"])


def _of(season: Season, type_: str, request_id: str) -> list[dict[str, Any]]:
    return [e["data"] for e in season.log.of(type_, topics.MATCHING_EVENTS)
            if e["data"].get("request_id") == request_id]


async def _proposed(season: Season, request_id: str, count: int = 1) -> list[dict[str, Any]]:
    return await eventually(
        lambda: (found if len(found := _of(season, "PlacementProposed", request_id)) >= count
                 else None), 60, f"{count} proposal(s) for {request_id}", interval_s=0.3)


async def test_a_freed_place_moves_up_the_rounds_order(season: Season) -> None:
    o3353, o5120 = await _open_place(season, "3353"), await _open_place(season, "5120")
    first, second, third = [await _pupil(season, n, priority)
                            for n, priority in ((0, 2), (1, 1), (2, 0))]
    def all_waiting() -> bool:
        return all(_of(season, "PlacementWaitlisted", r) for r in (first, second, third))

    await eventually(all_waiting, 60, "the requests awaiting the round", interval_s=0.3)
    matching = season.endpoints.matching
    ran = await season.call("POST", f"{matching}/matching/rounds",
                            {"municipality_code": M, "program": "prao", "seed": 18})
    [got_3353] = await _proposed(season, first)
    [got_5120] = await _proposed(season, second)
    assert (got_3353["offer_id"], got_5120["offer_id"]) == (o3353, o5120)
    assert got_5120["preference_rank"] == 2
    await season.settle("matching")
    assert _of(season, "PlacementProposed", third) == []

    await season.call("POST", f"{matching}/matching/placements/"
                              f"{got_3353['placement_id']}/decline",
                      {"by": "participant", "reason": "Flyttar", "end_request": True})

    moved_up = (await _proposed(season, second, count=2))[1]
    assert moved_up["offer_id"] == o3353 and moved_up["preference_rank"] == 1
    assert moved_up["replaces"] == got_5120["placement_id"]
    assert moved_up["round_id"] == ran["round_id"]
    [left] = _of(season, "PlacementCancelled", second)
    assert left["reason"] == "moved_to_preferred"
    assert left["placement_id"] == got_5120["placement_id"]
    assert left["participant_id"] == got_5120["participant_id"]
    [taken] = await _proposed(season, third)
    assert taken["offer_id"] == o5120 and taken["replaces"] is None

    explained = await season.call("GET", f"{matching}/matching/requests/{second}/explanation")
    assert explained["got"]["preference_rank"] == 1
    assert explained["higher_preferences"] == []
    [move] = explained["moved_up"]
    assert move["from_placement_id"] == got_5120["placement_id"]
    assert (move["from_preference_rank"], move["to_preference_rank"]) == (2, 1)
    waiting_view = await season.call(
        "GET", f"{matching}/matching/requests/{third}/explanation")
    assert waiting_view["got"]["preference_rank"] == 2
    [why] = waiting_view["higher_preferences"]
    assert why["why"] == "full" and why["ahead"][0]["ahead_in_round_order"]
