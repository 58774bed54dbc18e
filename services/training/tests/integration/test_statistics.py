"""Training statistics for funders against the real database through the HTTP API:
supervisors certified by sector and municipality, attendance, costs; CSV and XLSX that
say what the JSON says; the windows; another municipality's caller."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, cast
from uuid import UUID

import httpx
import pytest
from openpyxl import load_workbook

from devkit.infra import Infra
from devkit.services import http_client
from services.training import handlers
from services.training.dependencies import Dependencies
from services.training.tests.integration.support import bearer, migrated, session_body
from services.training.unit_of_work import TrainingUnitOfWork
from shared.contracts.registration import SupervisorRegistered, WorkplaceRegistered
from shared.runtime import Service

pytestmark = pytest.mark.infra


async def _workplace(service: Service, sector: str, municipality: str,
                     supervisors: int) -> list[UUID]:
    """Registration's facts, handled directly: a workplace and its supervisors."""
    workplace = WorkplaceRegistered(
        workplace_id=uuid.uuid4(), org_number="212000-1355", name="Arbetsplats",
        sector=sector, municipality_code=municipality, manager_id=uuid.uuid4(),
        client_contact=False)
    people = [uuid.uuid4() for _ in range(supervisors)]
    async with service.uow() as opened:
        uow = cast(TrainingUnitOfWork, opened)
        await handlers.on_workplace_registered(workplace, uow, Dependencies())
        for person in people:
            await handlers.on_supervisor_registered(SupervisorRegistered(
                supervisor_id=person, workplace_id=workplace.workplace_id,
                municipality_code=municipality, max_participants=2), uow, Dependencies())
        await uow.commit()
    return people


async def _base_course(client: httpx.AsyncClient, service: Service, on: datetime,
                       municipality: str, present: list[UUID], absent: list[UUID],
                       costs: dict[str, str]) -> None:
    admin = bearer(service)
    created = await client.post("/sessions", headers=admin, json=session_body(
        on, on + timedelta(hours=8), municipality_code=municipality))
    assert created.status_code == 201, created.text
    session_id = created.json()["session_id"]
    for person in [*present, *absent]:
        enrolled = await client.post(f"/sessions/{session_id}/enrolments", headers=admin,
                                     json={"person_id": str(person), "name": "Handledare"})
        assert enrolled.status_code == 201, enrolled.text
    marked = await client.post(f"/sessions/{session_id}/attendance", headers=admin, json={
        "present": [str(p) for p in present], "absent": [str(p) for p in absent]})
    assert marked.status_code == 200, marked.text
    priced = await client.put(f"/sessions/{session_id}/costs", headers=admin, json=costs)
    assert priced.status_code == 200, priced.text


SPRING_2025 = datetime(2025, 3, 10, 8, tzinfo=UTC)
SPRING_2026 = datetime(2026, 3, 10, 8, tzinfo=UTC)


async def _season(client: httpx.AsyncClient, service: Service) -> None:
    """1380: a municipal workplace (a, b, c) and a private one (d); c is absent in 2025
    and certified in 2026. 1381: e, certified in 2025."""
    a, b, c = await _workplace(service, "municipal", "1380", 3)
    [d] = await _workplace(service, "private", "1380", 1)
    [e] = await _workplace(service, "municipal", "1381", 1)
    await _base_course(client, service, SPRING_2025, "1380", [a, b, d], [c],
                       {"venue": "1000", "food": "500", "material": "0"})
    await _base_course(client, service, SPRING_2026, "1380", [c], [],
                       {"venue": "2000", "food": "0", "material": "0"})
    await _base_course(client, service, SPRING_2025, "1381", [e], [],
                       {"venue": "9999", "food": "0", "material": "0"})


async def _get(client: httpx.AsyncClient, headers: dict[str, str],
               **params: str) -> httpx.Response:
    return await client.get("/training/statistics", headers=headers, params=params)


async def test_trained_attendance_and_costs(infra: Infra) -> None:
    async with migrated(infra) as service, http_client(service) as client:
        await _season(client, service)
        ours = bearer(service, "coordinator", ["1380"])
        y2025 = (await _get(client, ours, year="2025")).json()
        every = (await _get(client, ours)).json()
        esf = (await _get(client, ours, **{"from": "2025-03-10", "to": "2026-03-09"})).json()
        later = (await _get(client, ours, **{"from": "2025-03-11"})).json()
        bad = [await _get(client, ours, **params) for params in (
            {"year": "2025", "to": "2025-12-31"}, {"from": "2026-01-02", "to": "2026-01-01"},
            {"format": "ods"}, {"table": "people"})]
    assert y2025["from"] == "2025-01-01" and y2025["to"] == "2025-12-31"
    assert y2025["certified"] == {"total": {"supervisors": 3, "workplaces": 2}, "groups": [
        {"municipality_code": "1380", "sector": "municipal", "supervisors": 2,
         "workplaces": 1},
        {"municipality_code": "1380", "sector": "private", "supervisors": 1,
         "workplaces": 1}]}
    assert y2025["attendance"] == [{
        "course": "base_course", "sessions": 1, "enrolled": 4, "attended": 3, "absent": 1,
        "unrecorded": 0, "waitlisted": 0, "attendance_rate": 0.75}]
    [costs] = y2025["costs"]
    assert (costs["year"], costs["budget"], costs["spent"], costs["remaining"],
            costs["venue"], costs["food"]) == (2025, "200000", "1500.00", "198500.00",
                                               "1000.00", "500.00")
    assert every["certified"]["total"] == {"supervisors": 4, "workplaces": 2}
    assert [(r["sessions"], r["enrolled"], r["attended"]) for r in every["attendance"]] == [
        (2, 5, 4)]
    assert [(r["year"], r["spent"]) for r in every["costs"]] == [
        (2025, "1500.00"), (2026, "2000.00")]
    assert esf["certified"]["total"]["supervisors"] == 3 and len(esf["costs"]) == 1
    assert later["certified"]["total"]["supervisors"] == 1
    assert [(r["year"], r["spent"]) for r in later["costs"]] == [(2026, "2000.00")]
    assert [(r.status_code, r.json()["detail"][0]["field"].removeprefix("query."))
            for r in bad] == [(422, "year"), (422, "to"), (422, "format"), (422, "table")]


async def test_csv_and_xlsx_say_what_the_json_says(infra: Infra) -> None:
    async with migrated(infra) as service, http_client(service) as client:
        await _season(client, service)
        ours = bearer(service, "coordinator", ["1380"])
        as_json = (await _get(client, ours)).json()
        tables = {t: await _get(client, ours, format="csv", table=t)
                  for t in ("certified", "attendance", "costs")}
        as_xlsx = await _get(client, ours, format="xlsx")
    expected: dict[str, list[dict[str, Any]]] = {
        "certified": as_json["certified"]["groups"], "attendance": as_json["attendance"],
        "costs": as_json["costs"]}
    for table, answer in tables.items():
        assert answer.headers["content-type"].startswith("text/csv")
        assert answer.headers["content-disposition"] == (
            f'attachment; filename="training-statistics-all-{table}.csv"')
        rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
        assert [{k: _text(v) for k, v in row.items()} for row in rows] == [
            {k: _text(v) for k, v in row.items()} for row in expected[table]]
    assert as_xlsx.headers["content-type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(as_xlsx.content), read_only=True)
    assert book.sheetnames == ["certified", "attendance", "costs"]
    for table in book.sheetnames:
        header, *lines = list(book[table].iter_rows(values_only=True))
        found = [dict(zip(header, line, strict=True)) for line in lines]
        assert [{k: _text(v) for k, v in row.items()} for row in found] == [
            {k: _text(v) for k, v in row.items()} for row in expected[table]]


def _text(value: Any) -> str:
    """A cell as text, numbers by their value (XLSX hands back 1500 for "1500.00")."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    try:
        return format(Decimal(str(value)).normalize(), "f")
    except InvalidOperation:
        return str(value)


async def test_another_municipality_sees_nothing_of_1380(infra: Infra) -> None:
    async with migrated(infra) as service, http_client(service) as client:
        await _season(client, service)
        theirs = bearer(service, "coordinator", ["1381"])
        named = await _get(client, theirs, municipality_code="1380")
        listed = (await _get(client, theirs)).json()
        download = await _get(client, theirs, format="csv", table="costs")
    assert named.status_code == 403
    assert [g["municipality_code"] for g in listed["certified"]["groups"]] == ["1381"]
    assert [(r["year"], r["spent"]) for r in listed["costs"]] == [(2025, "9999.00")]
    assert listed["attendance"][0]["enrolled"] == 1
    assert "1500" not in download.content.decode("utf-8-sig")
