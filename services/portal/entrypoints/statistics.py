"""Staff's statistics (/personal/statistik): the figures of their municipalities as a
table and a chart, and the same as CSV and XLSX downloads."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from services.portal.domain.commands import DownloadStatistics, ShowStatistics
from services.portal.domain.statistics import Asked, StatisticsPage
from services.portal.entrypoints.staff import show_view

router = APIRouter(prefix="/personal")
TEMPLATES: dict[type, str] = {StatisticsPage: "staff_statistics.html"}


def _asked(ar: str, program: str) -> Asked:
    return Asked(ar.strip()[:8], program.strip()[:20])


@router.get("/statistik", response_class=HTMLResponse)
async def statistics(request: Request, ar: str = "", program: str = "") -> Response:
    asked = _asked(ar, program)
    return await show_view(request, lambda member: ShowStatistics(member, asked), TEMPLATES)


@router.get("/statistik.csv")
async def statistics_csv(request: Request, ar: str = "", program: str = "") -> Response:
    asked = _asked(ar, program)
    return await show_view(request, lambda member: DownloadStatistics(member, asked, "csv"),
                           TEMPLATES)


@router.get("/statistik.xlsx")
async def statistics_xlsx(request: Request, ar: str = "", program: str = "") -> Response:
    asked = _asked(ar, program)
    return await show_view(request, lambda member: DownloadStatistics(member, asked, "xlsx"),
                           TEMPLATES)
