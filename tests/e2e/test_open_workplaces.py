"""Open workplaces across the services: a participant is placed only once the workplace
is open (issue 18).

Through the HTTP APIs, as coordinators and trainers do it: registration registers a
workplace (with its manager), a supervisor, a work-trial offer, an adult participant and
a request. The request waits (`workplace_not_open`, the supervisor not yet certified).
The supervisor attends a base course: certified, and the request still waits, now only
because the workplace is not open. The manager attends a breakfast meeting: training
publishes `WorkplaceOpened`, and matching proposes the placement.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx
import pytest

from devkit.processes import System
from devkit.wait import eventually
from praktik_cli.demo.people import synthetic_identity_number
from praktik_cli.demo.plan import WORK_TRIAL, Plan
from praktik_cli.demo.season import Season
from shared.contracts import topics
from tests.e2e.conftest import Outside, OwnDatabase, endpoints

pytestmark = [pytest.mark.infra]

M = "1384"
"""Kungsbacka, which no other e2e test uses (the package season plays Halmstad and
Varberg): the request meets no other test's offers."""
OCCUPATION = "5311"


@pytest.fixture
async def season(e2e_infra: OwnDatabase, system: System,
                 outside: Outside) -> AsyncIterator[Season]:
    """A season object for its calls and its bus log only (nothing is played)."""
    async with Season(Plan(workplaces={M: 1}, seed=18),
                      endpoints(e2e_infra, system, outside)) as season:
        yield season


def _weekday(days_ago: int, at: time) -> datetime:
    day = date.today() - timedelta(days=days_ago)
    day -= timedelta(days=max(0, day.weekday() - 4))  # a weekend moves back to Friday
    return datetime.combine(day, at, tzinfo=UTC)


def _unknown_yet(response: httpx.Response) -> bool:
    """Training has not yet heard of the person from registration."""
    return response.status_code == 422 and "known from registration" in response.text


async def _register(season: Season) -> dict[str, str]:
    """Workplace, manager, supervisor, offer, participant and request: their ids."""
    reg, tag = season.endpoints.registration, season.plan.tag
    wp = await season.call("POST", f"{reg}/workplaces", {
        "external_ref": f"open-{tag}-wp", "org_number": "212000-1355",
        "name": "Biblioteket Kungsbacka", "sector": "municipal", "municipality_code": M,
        "client_contact": False, "address": "Storgatan 1, Kungsbacka",
        "manager": {"name": "Chef Öppen", "email": f"chef.{tag}@example.com",
                    "language": "sv"}})
    sv = await season.call("POST", f"{reg}/supervisors", {
        "external_ref": f"open-{tag}-sv", "workplace_id": wp["workplace_id"],
        "municipality_code": M, "name": "Handledare Öppen",
        "email": f"handledare.{tag}@example.com", "languages": ["sv"],
        "max_participants": 2})
    offer = await season.call("POST", f"{reg}/offers", {
        "external_ref": f"open-{tag}-of", "workplace_id": wp["workplace_id"],
        "supervisor_id": sv["supervisor_id"], "municipality_code": M,
        "program": "work_trial", "occupation": OCCUPATION,
        "period_start": WORK_TRIAL[0].isoformat(), "period_end": WORK_TRIAL[1].isoformat(),
        "capacity": 1})
    participant = await season.call("POST", f"{reg}/participants", {
        "external_ref": f"open-{tag}-p", "municipality_code": M,
        "personal_identity_number": synthetic_identity_number(date(1991, 4, 17)),
        "name": "Deltagare Öppen", "email": f"deltagare.{tag}@example.com",
        "gender": "female", "preferred_language": "sv"})
    request = await season.call("POST", f"{reg}/requests", {
        "external_ref": f"open-{tag}-r", "participant_id": participant["participant_id"],
        "municipality_code": M, "program": "work_trial",
        "period_start": (WORK_TRIAL[0] + timedelta(days=14)).isoformat(),
        "period_end": (WORK_TRIAL[1] - timedelta(days=21)).isoformat(),
        "preferences": [{"occupation": OCCUPATION}]})
    return {"workplace": wp["workplace_id"], "manager": wp["manager"]["manager_id"],
            "supervisor": sv["supervisor_id"], "offer": offer["offer_id"],
            "request": request["request_id"]}


async def _attend(season: Season, course: str, person: str, days_ago: int) -> None:
    """A session of `course` some days ago in the season's municipality, the person
    enrolled and present."""
    trn, [municipality] = season.endpoints.training, season.plan.workplaces
    starts = _weekday(days_ago, time(7, 0))
    session = await season.call("POST", f"{trn}/sessions", {
        "course": course, "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(),
        "municipality_code": municipality, "digital": False, "venue": "Stadshuset",
        "capacity": 20, "trainers": ["Samordningsförbundet Halland"]})
    sid = session["session_id"]
    await season.call("POST", f"{trn}/sessions/{sid}/enrolments", {
        "person_id": person, "name": "Deltagare i kursen", "dietary_needs": []},
        retry=_unknown_yet)
    await season.call("POST", f"{trn}/sessions/{sid}/attendance",
                      {"present": [person], "absent": []})


def _of(season: Season, type_: str, request_id: str) -> list[dict[str, Any]]:
    return [e["data"] for e in season.log.of(type_, topics.MATCHING_EVENTS)
            if e["data"].get("request_id") == request_id]


async def _waitlisted_for(season: Season, request_id: str, reasons: list[str]) -> None:
    await eventually(lambda: any(d["reasons"] == reasons
                                 for d in _of(season, "PlacementWaitlisted", request_id)),
                     240, f"the request waitlisted for {reasons}", interval_s=0.3)


async def test_placed_only_once_the_manager_has_attended_the_breakfast_meeting(
    season: Season,
) -> None:
    ids = await _register(season)
    rid = ids["request"]
    await eventually(lambda: any("workplace_not_open" in d["reasons"] for d in _of(
        season, "PlacementWaitlisted", rid)), 240, "the request waitlisted", interval_s=0.3)

    await _attend(season, "base_course", ids["supervisor"], days_ago=9)
    await eventually(lambda: any(
        e["data"]["supervisor_id"] == ids["supervisor"]
        for e in season.log.of("SupervisorCertified", topics.TRAINING_EVENTS)),
        60, "the supervisor certified", interval_s=0.3)
    await _waitlisted_for(season, rid, ["workplace_not_open"])
    await season.settle("matching")
    assert _of(season, "PlacementProposed", rid) == []  # certified is not enough
    explained = await season.call(
        "GET", f"{season.endpoints.matching}/matching/requests/{rid}/explanation")
    [entry] = [o for o in explained["offers"] if o["offer_id"] == ids["offer"]]
    assert entry["reasons"] == ["workplace_not_open"]

    await _attend(season, "manager_breakfast", ids["manager"], days_ago=8)
    await eventually(lambda: any(
        e["data"]["workplace_id"] == ids["workplace"]
        for e in season.log.of("WorkplaceOpened", topics.TRAINING_EVENTS)),
        60, "training to open the workplace", interval_s=0.3)
    proposals = await eventually(lambda: _of(season, "PlacementProposed", rid), 60,
                                 "the placement proposed once the workplace opened",
                                 interval_s=0.3)
    assert proposals[0]["offer_id"] == ids["offer"]
    assert proposals[0]["workplace_id"] == ids["workplace"]
    assert uuid.UUID(proposals[0]["placement_id"])
