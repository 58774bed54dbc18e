"""The statistics page for staff: matching's figures (its `GET /matching/statistics`, by
programme) as a table and a bar chart drawn here as SVG geometry, and the same figures as
CSV or XLSX, which the portal passes on as they come (it keeps nothing).

The chart says nothing the table does not: each bar carries its number as text, so its
colour is never the only way to tell the bars apart.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from shared.contracts.types import PROGRAMS

SHOWN: tuple[str, ...] = ("applicants", "requests", "placed", "waitlisted", "completed")
"""The counts the page shows (of matching's `COUNTS`), in its order."""
CHARTED: tuple[str, ...] = ("requests", "placed", "waitlisted")
FORMATS: tuple[str, ...] = ("csv", "xlsx")
BAR_HEIGHT, BAR_GAP, GROUP_GAP, CHART_WIDTH = 18, 4, 24, 320
"""The chart's geometry, in SVG units (it scales to the page's width)."""


@dataclass(frozen=True)
class Asked:
    """What the page asks for: a year (empty: every year) and a programme (empty: all)."""

    year: str = ""
    program: str = ""

    def problems(self) -> dict[str, str]:
        found = {}
        if self.year and not (re.fullmatch(r"\d{4}", self.year)
                              and 2000 <= int(self.year) <= 2100):
            found["year"] = "not_a_year"
        if self.program and self.program not in PROGRAMS:
            found["program"] = "not_a_choice"
        return found

    def query(self) -> dict[str, str]:
        query = {"by": "program"}
        if self.year:
            query["year"] = self.year
        if self.program:
            query["program"] = self.program
        return query


@dataclass(frozen=True)
class Bar:
    count: str
    value: int
    y: int
    width: int


@dataclass(frozen=True)
class ChartGroup:
    program: str
    y: int
    """Where the group's heading sits."""
    bars: list[Bar]


@dataclass(frozen=True)
class StatisticsPage:
    asked: Asked
    totals: dict[str, int] = field(default_factory=dict)
    rows: list[tuple[str, dict[str, int]]] = field(default_factory=list)
    """Each programme and its counts."""
    chart: list[ChartGroup] = field(default_factory=list)
    height: int = 0
    problems: dict[str, str] = field(default_factory=dict)

    @property
    def status(self) -> int:
        return 422 if self.problems else 200

    @property
    def width(self) -> int:
        return CHART_WIDTH


@dataclass(frozen=True)
class Download:
    """A file to pass on as it came."""

    body: bytes
    media_type: str
    filename: str


def _counts(entry: Mapping[str, Any]) -> dict[str, int]:
    return {name: int(entry.get(name) or 0) for name in SHOWN}


def chart(rows: list[tuple[str, dict[str, int]]]) -> tuple[list[ChartGroup], int]:
    """Bars for each programme's charted counts, their widths to scale with the largest."""
    largest = max((counts[c] for _, counts in rows for c in CHARTED), default=0) or 1
    groups, y = [], 0
    for program, counts in rows:
        y += GROUP_GAP
        top = y
        bars = []
        for name in CHARTED:
            bars.append(Bar(name, counts[name], y, round(counts[name] / largest * (
                CHART_WIDTH - 150))))
            y += BAR_HEIGHT + BAR_GAP
        groups.append(ChartGroup(program, top - 6, bars))
    return groups, y + 4


def statistics_page(asked: Asked, answer: Mapping[str, Any]) -> StatisticsPage:
    rows = [(str(g.get("program") or ""), _counts(g)) for g in answer.get("groups") or []
            if isinstance(g, dict)]
    rows.sort(key=lambda row: PROGRAMS.index(row[0]) if row[0] in PROGRAMS else 99)
    groups, height = chart(rows)
    totals = answer.get("totals")
    return StatisticsPage(asked, _counts(totals if isinstance(totals, dict) else {}), rows,
                          groups, height)
