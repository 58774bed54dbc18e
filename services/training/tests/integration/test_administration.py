"""The administration made light: food to order, a list to print, evaluation, budget,
erasure; against the real database through the HTTP API."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from uuid import UUID

import httpx
import pytest

from devkit.infra import Infra
from devkit.services import http_client
from services.training.tests.integration.support import (
    bearer,
    count,
    migrated,
    register_supervisors,
    session_body,
)
from shared.links import HEADER, LinkSigner
from shared.runtime import Service

pytestmark = pytest.mark.infra


async def test_catering_participant_list_evaluation_budget_and_erasure(infra: Infra) -> None:
    async with migrated(infra) as service, http_client(service) as client:
        admin = bearer(service)
        _, people = await register_supervisors(service, 4)
        starts = datetime(datetime.now(UTC).year, 1, 1, 8, tzinfo=UTC)
        if starts > datetime.now(UTC) - timedelta(hours=9):  # the first hours of a year
            starts -= timedelta(days=1)
        created = await client.post("/sessions", headers=admin, json=session_body(
            starts, starts + timedelta(hours=8), capacity=3, trainers=["Kim", "Ali"]))
        session_id = created.json()["session_id"]
        await _enrol_with_diets(client, admin, session_id, people)
        await _catering_and_participant_lists(client, admin, session_id)
        await _attendance_and_evaluation(client, admin, session_id, people, starts.year,
                                         service.settings.link_secret)
        await _costs_against_the_budget(client, service, admin, session_id, starts.year)

        erased = await client.delete(f"/people/{people[1]}/personal-data", headers=admin)
        assert erased.json()["enrolments_erased"] == 1
        assert await count(service, "select count(*) from training.enrolments where person_id"
                                    " = :p and (name is not null or cardinality(dietary_needs)"
                                    " > 0)", p=people[1]) == 0
        status = (await client.get(f"/supervisors/{people[1]}", headers=admin)).json()
        assert status["certified"] is True  # erasure keeps the anonymous facts


async def _enrol_with_diets(client: httpx.AsyncClient, admin: dict[str, str], session_id: str,
                            people: list[UUID]) -> None:
    """Four named people with dietary needs for three seats: the last one waits."""
    diets = [["Vegetarian"], ["vegetarian", "gluten"], [], ["laktos"]]
    for index, (person, diet) in enumerate(zip(people, diets, strict=True)):
        answer = await client.post(f"/sessions/{session_id}/enrolments", headers=admin,
                                   json={"person_id": str(person),
                                         "name": f"<b>Person {index}</b>",
                                         "dietary_needs": diet})
        assert answer.status_code == 201, answer.text


async def _catering_and_participant_lists(client: httpx.AsyncClient, admin: dict[str, str],
                                          session_id: str) -> None:
    summary = (await client.get(f"/sessions/{session_id}/administration",
                                headers=admin)).json()["catering"]
    assert summary == {"participants": 3, "waitlisted": 1, "trainers": 2, "coffee": 5,
                       "coffee_breaks": 2, "lunch": 5,
                       "dietary_needs": {"gluten": 1, "vegetarian": 2}}

    listing = await client.get(f"/sessions/{session_id}/participants.csv", headers=admin)
    rows = list(csv.DictReader(io.StringIO(listing.text)))
    assert [(r["status"], r["position"], r["name"]) for r in rows] == [
        ("enrolled", "1", "<b>Person 0</b>"), ("enrolled", "2", "<b>Person 1</b>"),
        ("enrolled", "3", "<b>Person 2</b>"), ("waitlisted", "1", "<b>Person 3</b>")]
    page = await client.get(f"/sessions/{session_id}/participants.html", headers=admin)
    assert "&lt;b&gt;Person 0&lt;/b&gt;" in page.text and "<b>Person" not in page.text
    assert "Person 3" not in page.text  # the printed list holds the enrolled only


async def _attendance_and_evaluation(client: httpx.AsyncClient, admin: dict[str, str],
                                     session_id: str, people: list[UUID], year: int,
                                     link_secret: str) -> None:
    """Two attend and answer the evaluation by their links: the figures are theirs."""
    attended = await client.post(f"/sessions/{session_id}/attendance", headers=admin,
                                 json={"present": [str(p) for p in people[:2]],
                                       "absent": [str(people[2])]})
    assert attended.json() == {"completed": [str(p) for p in people[:2]]}

    signer = LinkSigner(link_secret)
    until = datetime.now(UTC) + timedelta(days=30)
    for person, (overall, usefulness, comment) in zip(
            people[:2], ((5, 4, "Mycket bra"), (3, 5, None)), strict=True):
        link = signer.sign("evaluation", UUID(session_id), person, until, "1380")
        answer = await client.post("/training/links/evaluation", headers={HEADER: link},
                                   json={"overall": overall, "usefulness": usefulness,
                                         "comment": comment})
        assert answer.status_code == 200, answer.text
    evaluation = (await client.get("/evaluations", headers=admin,
                                   params={"year": year})).json()
    base = evaluation["courses"]["base_course"]
    assert (base["responses"], base["overall"], base["usefulness"], base["comments"]) == (
        2, 4.0, 4.5, ["Mycket bra"])


async def _costs_against_the_budget(client: httpx.AsyncClient, service: Service,
                                    admin: dict[str, str], session_id: str, year: int) -> None:
    """The county's budget for an admin; a coordinator elsewhere sees none of it."""
    costs = await client.put(f"/sessions/{session_id}/costs", headers=admin,
                             json={"venue": "150000", "food": "45000.50", "material": "5000"})
    assert costs.status_code == 200, costs.text
    report = (await client.get(f"/budget/{year}", headers=admin)).json()
    assert (report["budget"], report["spent"], report["remaining"], report["over_budget"]) \
        == ("200000", "200000.50", "-0.50", True)
    assert report["by_kind"] == {"venue": "150000.00", "food": "45000.50",
                                 "material": "5000.00"}
    coordinator = bearer(service, "coordinator", ["0583"])
    assert (await client.get(f"/budget/{year}", headers=coordinator)).json()[
        "spent"] == "0"
    assert (await client.get(f"/sessions/{session_id}/participants.csv",
                             headers=coordinator)).status_code == 403
    assert (await client.get("/sessions", headers=coordinator)).json() == []
