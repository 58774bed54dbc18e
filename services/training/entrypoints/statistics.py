"""GET /training/statistics: supervisors trained (certified) by workplace sector and
municipality, attendance per course, and costs against the yearly budget, as JSON, CSV
or XLSX, limited to the caller's municipalities.

A certification counts on the day it was given, a session (its attendance and costs) on
the day it starts; `year=2027`, or an ESF project's `from=`/`to=` (dates inclusive).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from services.training.adapters import statistics as read
from services.training.domain import statistics as stats
from shared.auth import CurrentPrincipal
from shared.clock import utc_now
from shared.contracts.types import MunicipalityCode
from shared.downloads import CSV, DOWNLOADS, XLSX, as_csv, as_xlsx, download
from shared.http import ERRORS

router = APIRouter(prefix="/training", tags=["statistics"], responses=ERRORS)

Format = Literal["json", "csv", "xlsx"]
Table = Literal["certified", "attendance", "costs"]
COLUMNS: dict[str, tuple[str, ...]] = {"certified": stats.CERTIFIED_COLUMNS,
                                       "attendance": stats.ATTENDANCE_COLUMNS,
                                       "costs": stats.COST_COLUMNS}


def _db(request: Request) -> AsyncSession:
    db: AsyncSession = request.app.state.service.session_factory()
    return db


@router.get("/statistics", response_class=Response, responses=DOWNLOADS)
async def statistics(
    request: Request, principal: CurrentPrincipal,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    from_: Annotated[date | None, Query(alias="from")] = None,
    to: date | None = None,
    municipality_code: MunicipalityCode | None = None,
    format_: Annotated[Format, Query(alias="format")] = "json",
    table: Annotated[Table, Query(description="The table a CSV holds (XLSX: all three)")
                     ] = "certified",
) -> Response:
    """Supervisors certified (and their workplaces) by municipality and sector; per
    course the enrolled, attended, absent and waitlisted; each year's costs against the
    county's budget."""
    if municipality_code is not None:
        principal.require(municipality_code)
    within = stats.window(year, from_, to)
    scope = principal.scope()
    async with _db(request) as db:
        certifications = await read.certified(db, scope, municipality_code)
        seats = await read.seats(db, scope, municipality_code)
        lines = await read.cost_lines(db, scope, municipality_code)
    everyone, groups = stats.certified(certifications, within)
    tables: dict[str, list[dict[str, Any]]] = {
        "certified": [{"municipality_code": m, "sector": sector} | figures.as_dict()
                      for (m, sector), figures in groups.items()],
        "attendance": stats.attendance(seats, within),
        "costs": [stats.cost_row(report) for report in stats.costs(
            lines, within, request.app.state.service.settings.budget_per_year_sek)],
    }
    name = f"training-statistics-{year or within.label()}"
    if format_ == "json":
        return JSONResponse(_json(within, everyone.as_dict(), tables))
    if format_ == "csv":
        return download(as_csv(COLUMNS[table], _rows(table, tables[table])), CSV,
                         f"{name}-{table}.csv")
    sheets = [(t, COLUMNS[t], _rows(t, rows)) for t, rows in tables.items()]
    return download(as_xlsx(sheets), XLSX, f"{name}.xlsx")


def _rows(table: str, rows: list[dict[str, Any]]) -> list[list[Any]]:
    return [[row[column] for column in COLUMNS[table]] for row in rows]


def _json(within: stats.Window, total: dict[str, int],
          tables: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    def money(row: dict[str, Any]) -> dict[str, Any]:
        return {k: str(v) if isinstance(v, Decimal) else v for k, v in row.items()}

    return {
        "generated": utc_now().date().isoformat(),
        "from": within.start.isoformat() if within.start else None,
        "to": within.end.isoformat() if within.end else None,
        "certified": {"total": total, "groups": tables["certified"]},
        "attendance": tables["attendance"],
        "costs": [money(row) for row in tables["costs"]],
    }

