"""Statistics for funders over real Kafka and Postgres: a small season's events → the
figures, the same figures as CSV and XLSX, the windows, erasure keeping the counts, and
another municipality's caller seeing nothing."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import date
from typing import Any
from uuid import UUID

import httpx
import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from devkit.bus import TopicReader
from devkit.infra import Infra
from devkit.publisher import Publisher
from devkit.services import http_client, running, service_settings
from devkit.wait import eventually
from services.matching.adapters import orm
from services.matching.bootstrap import build
from services.matching.settings import MatchingSettings
from services.matching.tests.integration.scenario import Scenario, municipality, workplace_link
from shared.auth import issue_token
from shared.contracts import topics
from shared.contracts.registration import ParticipantErased
from shared.contracts.training import WorkplaceOpened
from shared.runtime import Service

pytestmark = pytest.mark.infra

SPRING_2026 = (date(2026, 4, 1), date(2026, 5, 31))
SPRING_2027 = (date(2027, 3, 1), date(2027, 4, 30))


@pytest.fixture
async def service(infra: Infra) -> AsyncIterator[Service]:
    async with running(infra, lambda: build(MatchingSettings(
            **service_settings(infra, "matching")))) as s:
        yield s


def bearer(service: Service, *municipalities: str) -> dict[str, str]:
    token = issue_token(service.settings.auth_jwt_secret, "coordinator-1", "coordinator",
                        list(municipalities))
    return {"Authorization": f"Bearer {token}"}


class Season:
    """Five requests of four people in two springs:

    - 2026: P1 (woman) placed at the municipal workplace, completed (employed) and
      followed up six months on (studies);
      P2 (man) placed there, confirmed;
    - 2027: P3 (woman) proposed at the private workplace; P4 (woman) and P1 again
      waitlisted (its one place is taken).
    """

    def __init__(self, service: Service, s: Scenario) -> None:
        self.service, self.s = service, s
        self.people: dict[str, UUID] = {}
        self.placements: dict[str, str] = {}

    async def play(self, client: httpx.AsyncClient) -> None:
        s = self.s
        w1, w2 = await s.workplace(sector="municipal"), await s.workplace(sector="private")
        for wid in (w1, w2):  # its manager has been to the breakfast meeting
            await s.send(WorkplaceOpened(workplace_id=wid, municipality_code=s.m))
        await s.offer(w1, await s.supervisor(w1), capacity=2, start=SPRING_2026[0],
                      end=SPRING_2026[1])
        await s.offer(w2, await s.supervisor(w2), start=SPRING_2027[0], end=SPRING_2027[1])
        for name, gender, spring in (("P1", "female", SPRING_2026), ("P2", "male", SPRING_2026),
                                     ("P3", "female", SPRING_2027)):
            self.people[name], _ = await s.participant(gender=gender)
            rid = await s.request(self.people[name], start=spring[0], end=spring[1])
            [proposed] = await s.wait("PlacementProposed", request_id=rid)
            self.placements[name] = proposed["data"]["placement_id"]
            if spring == SPRING_2026:
                await self._accept(client, proposed, rid)
        self.people["P4"], _ = await s.participant(gender="female")
        for name in ("P4", "P1"):
            rid = await s.request(self.people[name], start=SPRING_2027[0], end=SPRING_2027[1])
            await s.wait("PlacementWaitlisted", request_id=rid)
        done = await client.post(f"/matching/placements/{self.placements['P1']}/completion",
                                 headers=bearer(self.service, s.m),
                                 json={"outcome": "employed"})
        assert done.status_code == 200, done.text
        await s.wait("PlacementCompleted", placement_id=self.placements["P1"])
        # Six months after spring 2026 ended: studying.
        followed = await client.post(f"/matching/placements/{self.placements['P1']}/follow-up",
                                     headers=bearer(self.service, s.m),
                                     json={"outcome": "studies"})
        assert followed.status_code == 200, followed.text

    async def _accept(self, client: httpx.AsyncClient, proposed: dict[str, Any],
                      rid: UUID) -> None:
        ok = await client.post("/matching/links/workplace_answer",
                               headers=workplace_link(self.service, proposed),
                               json={"accept": True})
        assert ok.status_code == 200, ok.text
        await self.s.wait("PlacementConfirmed", request_id=rid)


@pytest.fixture
async def season(infra: Infra, service: Service) -> AsyncIterator[Season]:
    async with Publisher(infra.kafka_bootstrap) as publisher, \
            TopicReader(infra.kafka_bootstrap, [topics.MATCHING_EVENTS]) as reader:
        played = Season(service, Scenario(publisher, reader, municipality()))
        async with http_client(service) as client:
            await played.play(client)
        yield played


async def _get(client: httpx.AsyncClient, season: Season, **params: str) -> httpx.Response:
    return await client.get("/matching/statistics", headers=bearer(season.service, season.s.m),
                            params={"municipality_code": season.s.m, **params})


async def test_a_season_in_figures(season: Season) -> None:
    async with http_client(season.service) as client:
        every = (await _get(client, season)).json()
        y2026 = (await _get(client, season, year="2026")).json()
        y2027 = (await _get(client, season, year="2027", by="sector")).json()
    t = every["totals"]
    assert (t["applicants"], t["requests"], t["placed"], t["completed"], t["offered"],
            t["waitlisted"]) == (4, 5, 2, 1, 1, 2)
    assert t["outcomes"]["employed"] == 1 and sum(t["outcomes"].values()) == 1
    assert t["follow_ups"]["studies"] == 1 and sum(t["follow_ups"].values()) == 1
    assert every["gender_shares"]["applicants"]["female"] == 0.75
    assert every["gender_shares"]["placed"] == {"female": 0.5, "male": 0.5, "other": 0.0,
                                                "unspecified": 0.0}
    assert y2026["from"] == "2026-01-01" and y2026["to"] == "2026-12-31"
    assert [(g["sector"], g["gender"], g["period"], g["placed"], g["completed"])
            for g in y2026["groups"]] == [("municipal", "female", "2026", 1, 1),
                                          ("municipal", "male", "2026", 1, 0)]
    assert [(g["sector"], g["applicants"], g["offered"], g["waitlisted"])
            for g in y2027["groups"]] == [(None, 2, 0, 2), ("private", 1, 1, 0)]
    assert y2027["by"] == ["sector"] and set(y2027["groups"][0]) >= {"sector", "outcomes"}


async def test_an_esf_period_counts_by_the_requested_start_inclusive(season: Season) -> None:
    async with http_client(season.service) as client:
        later = (await _get(client, season, **{"from": "2026-04-02", "to": "2027-12-31"}))
        on_the_day = (await _get(client, season, **{"from": "2026-04-01", "to": "2026-04-01"}))
        bad = [await _get(client, season, **params) for params in (
            {"year": "2027", "from": "2027-01-01"}, {"from": "2027-02-01", "to": "2027-01-01"},
            {"by": "program,age"}, {"format": "pdf"}, {"year": "20x7"})]
    assert later.json()["totals"]["requests"] == 3
    assert on_the_day.json()["totals"]["requests"] == 2
    assert [(r.status_code, r.json()["detail"][0]["field"].removeprefix("query."))
            for r in bad] == [
        (422, "year"), (422, "to"), (422, "by"), (422, "format"), (422, "year")]


async def test_csv_and_xlsx_say_what_the_json_says(season: Season) -> None:
    async with http_client(season.service) as client:
        as_json = (await _get(client, season, by="program,sector,gender,period")).json()
        as_csv = await _get(client, season, by="program,sector,gender,period", format="csv")
        as_xlsx = await _get(client, season, by="program,sector,gender,period", format="xlsx")
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert 'filename="matching-statistics-all.csv"' in as_csv.headers["content-disposition"]
    assert as_xlsx.headers["content-type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert as_xlsx.headers["content-disposition"].endswith('.xlsx"')
    from_csv = list(csv.DictReader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    sheet = load_workbook(io.BytesIO(as_xlsx.content), read_only=True).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    from_xlsx = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    expected = [_flat(g) for g in as_json["groups"]]
    assert len(expected) == 4
    assert [{k: str(v) for k, v in e.items()} for e in expected] == from_csv
    assert [{k: ("" if v is None else v) for k, v in row.items()} for row in from_xlsx] == [
        {k: ("" if v is None else v) for k, v in e.items()} for e in expected]


def _flat(group: dict[str, Any]) -> dict[str, Any]:
    """A JSON group as a table's row (the columns `domain.statistics.columns` names)."""
    out = {k: ("" if v is None else v) for k, v in group.items()
           if k not in ("outcomes", "follow_ups")}
    out |= {f"outcome_{k}": v for k, v in group["outcomes"].items()}
    out |= {f"follow_up_{k}": v for k, v in group["follow_ups"].items()}
    return out


async def test_erased_people_stay_counted_anonymously(season: Season) -> None:
    s, service = season.s, season.service
    async with http_client(service) as client:
        before = (await _get(client, season)).json()
        # P1: completed and waitlisted; P4: waitlisted; P2: confirmed (its place frees
        # up, but nobody waits for spring 2026).
        for name in ("P1", "P4", "P2"):
            await s.send(ParticipantErased(participant_id=season.people[name],
                                           municipality_code=s.m))
        await s.wait("PlacementCancelled", placement_id=season.placements["P2"])

        async def kept() -> bool:
            async with service.session_factory() as db:
                return await db.scalar(select(func.count()).select_from(
                    orm.erased_facts).where(orm.erased_facts.c.municipality_code == s.m)) == 4
        await eventually(kept, 30, "the erased requests kept as facts")
        after = (await _get(client, season)).json()
    async with service.session_factory() as db:
        left = await db.scalar(select(func.count()).select_from(orm.requests).where(
            orm.requests.c.municipality_code == s.m, orm.requests.c.participant_id.in_(
                [season.people[n] for n in ("P1", "P2", "P4")])))
    assert left == 0
    for key in ("totals", "gender_shares", "groups"):
        assert after[key] == before[key], key


async def test_another_municipality_sees_nothing_of_ours(season: Season) -> None:
    other = "1381" if season.s.m != "1381" else "1380"
    headers = bearer(season.service, other)
    async with http_client(season.service) as client:
        named = await client.get("/matching/statistics", headers=headers,
                                 params={"municipality_code": season.s.m})
        listed = await client.get("/matching/statistics", headers=headers)
        downloaded = await client.get("/matching/statistics", headers=headers,
                                      params={"format": "csv"})
    assert named.status_code == 403
    assert listed.status_code == 200 and listed.json()["groups"] == []
    assert listed.json()["totals"]["requests"] == 0
    assert downloaded.content.decode("utf-8-sig").strip().count("\n") == 0
