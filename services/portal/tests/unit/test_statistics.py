"""The statistics page with a fake of matching's statistics: what is asked, checked
before anything is asked; the figures as rows and as bars to scale; the downloads passed
on as they came."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.portal.domain.commands import DownloadStatistics, ShowStatistics
from services.portal.domain.people import StaffTroublePage
from services.portal.domain.staff import StaffMember
from services.portal.domain.statistics import Asked, Download, StatisticsPage
from services.portal.handlers import STAFF_HANDLERS
from services.portal.tests.fakes import deps

NOW = datetime(2026, 12, 3, 8, tzinfo=UTC)
SARA = StaffMember("s-1380", "Sara", "coordinator", ("1380",), NOW + timedelta(hours=1))
ANSWER = {"totals": {"applicants": 30, "requests": 32, "placed": 20, "waitlisted": 10,
                     "completed": 2},
          "groups": [{"program": "summer_job", "requests": 26, "placed": 16, "waitlisted": 9},
                     {"program": "prao", "requests": 6, "placed": 4, "waitlisted": 1}]}


class FakeMatching:
    def __init__(self) -> None:
        self.asked: list[Any] = []

    async def statistics(self, member: StaffMember,
                         query: Mapping[str, str]) -> Mapping[str, Any]:
        self.asked.append(dict(query))
        return ANSWER

    async def statistics_file(self, member: StaffMember, query: Mapping[str, str],
                              file_format: str) -> Download:
        self.asked.append((dict(query), file_format))
        return Download(b"program;requests\n", "text/csv", "matching-statistics-2027.csv")


async def _handle(command: Any, matching: FakeMatching) -> Any:
    return await STAFF_HANDLERS[type(command)](command, matching, deps())


async def test_the_figures_by_programme_in_the_programmes_order_with_bars_to_scale() -> None:
    matching = FakeMatching()
    page = await _handle(ShowStatistics(SARA, Asked("2027")), matching)
    assert isinstance(page, StatisticsPage)
    assert matching.asked == [{"by": "program", "year": "2027"}]
    assert [program for program, _ in page.rows] == ["prao", "summer_job"]
    assert page.totals["applicants"] == 30
    widest = max(bar.width for group in page.chart for bar in group.bars)
    summer = next(g for g in page.chart if g.program == "summer_job")
    assert summer.bars[0].width == widest and summer.bars[0].value == 26
    assert all(bar.y + 18 <= page.height for group in page.chart for bar in group.bars)


@pytest.mark.parametrize(("asked", "field"), [
    (Asked("27"), "year"), (Asked("1999"), "year"), (Asked("", "holiday"), "program")])
async def test_what_is_asked_wrongly_is_shown_by_its_field_and_nothing_is_asked(
        asked: Asked, field: str) -> None:
    matching = FakeMatching()
    page = await _handle(ShowStatistics(SARA, asked), matching)
    assert isinstance(page, StatisticsPage) and field in page.problems and page.status == 422
    assert matching.asked == []


async def test_a_download_is_passed_on_with_the_services_file_name() -> None:
    matching = FakeMatching()
    got = await _handle(DownloadStatistics(SARA, Asked("2027", "prao"), "csv"), matching)
    assert got == Download(b"program;requests\n", "text/csv", "matching-statistics-2027.csv")
    assert matching.asked == [({"by": "program", "year": "2027", "program": "prao"}, "csv")]
    assert await _handle(DownloadStatistics(SARA, Asked(), "exe"), matching) == (
        StaffTroublePage("not_found"))
