"""GET /matching/statistics: applicants, placed, waitlisted, completed and outcomes for
funders, as JSON, CSV or XLSX, limited to the caller's municipalities.

A request counts in the period in which the period it asks for starts (its
`period_start`); its placement and outcomes count with it. `year=2027`, or an ESF
project's `from=`/`to=` (dates inclusive), keeps those whose `period_start` falls in it.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from services.matching.adapters import statistics as read
from services.matching.domain import statistics as stats
from shared.auth import CurrentPrincipal
from shared.clock import utc_now
from shared.contracts.types import MunicipalityCode, Program
from shared.downloads import CSV, DOWNLOADS, XLSX, as_csv, as_xlsx, download
from shared.http import ERRORS

router = APIRouter(prefix="/matching", tags=["statistics"], responses=ERRORS)

Format = Literal["json", "csv", "xlsx"]
BY = ("Dimensions to group by, comma-separated, of "
      f"{', '.join(stats.DIMENSIONS)}; all when absent, none when empty")


def _db(request: Request) -> AsyncSession:
    db: AsyncSession = request.app.state.service.session_factory()
    return db


@router.get("/statistics", response_class=Response, responses=DOWNLOADS)
async def statistics(
    request: Request, principal: CurrentPrincipal,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    from_: Annotated[date | None, Query(alias="from")] = None,
    to: date | None = None,
    by: Annotated[str | None, Query(max_length=200, description=BY)] = None,
    period: stats.PeriodUnit = "year",
    program: Program | None = None,
    municipality_code: MunicipalityCode | None = None,
    format_: Annotated[Format, Query(alias="format")] = "json",
) -> Response:
    """Requests (applicants: distinct participants), awaiting a round, waitlisted,
    offered, placed (confirmed or completed), completed, withdrawn, outcomes and the
    follow-ups six months on, by programme × municipality × sector × gender × period."""
    if municipality_code is not None:
        principal.require(municipality_code)
    within = stats.window(year, from_, to)
    dimensions = stats.dimensions(by)
    async with _db(request) as db:
        facts = await read.facts(db, principal.scope(), municipality_code, program, within)
    groups = stats.grouped(facts, dimensions, period)
    name = f"matching-statistics-{year or within.label()}"
    if format_ == "json":
        return JSONResponse(_json(facts, groups, dimensions, period, within))
    header, rows = stats.columns(dimensions), stats.table(groups)
    if format_ == "csv":
        return download(as_csv(header, rows), CSV, f"{name}.csv")
    return download(as_xlsx([("statistics", header, rows)]), XLSX, f"{name}.xlsx")


def _json(facts: list[stats.Fact], groups: dict[stats.GroupKey, stats.Figures],
          dimensions: tuple[stats.Dimension, ...], period: str,
          within: stats.Window) -> dict[str, Any]:
    return {
        "generated": utc_now().date().isoformat(),
        "from": within.start.isoformat() if within.start else None,
        "to": within.end.isoformat() if within.end else None,
        "counted_by": "period_start",
        "by": list(dimensions), "period": period,
        "totals": stats.total(facts).as_dict(),
        "gender_shares": stats.shares(facts),
        "groups": [dict(zip(dimensions, key, strict=True)) | figures.as_dict()
                   for key, figures in groups.items()],
    }
