"""The training's figures as its administrator reads them: the year's costs against the
budget (200 000 SEK, training's setting), the attendees' evaluation of each course and
session, and the certificates that run out soon, to invite their holders to renewal."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from services.portal.domain.courses import (
    COST_KINDS,
    Certificate,
    SessionRow,
    certificate,
    money,
    part,
    session_row,
)
from services.portal.domain.dates import read_moment


def kronor(amount: Decimal, language: str) -> str:
    """An amount as people write it: "12 500 kr", "SEK 12,500" (öre only when there are)."""
    whole = amount == amount.to_integral_value()
    text = f"{amount:,.0f}" if whole else f"{amount:,.2f}"
    if language == "sv":
        return text.replace(",", "\u00a0").replace(".", ",") + "\u00a0kr"
    return f"SEK\u00a0{text}"


EXPIRING_DAYS = 60
"""Certificates that run out within this many days are listed (as on the start page)."""


@dataclass(frozen=True)
class BudgetLine:
    session_id: str
    course: str
    starts_at: datetime | None
    municipality_code: str
    cancelled: bool
    costs: dict[str, Decimal]


@dataclass(frozen=True)
class BudgetPage:
    year: int
    budget: Decimal
    spent: Decimal
    remaining: Decimal
    over_budget: bool
    partial: bool
    """The person sees their municipalities' sessions only, not the county's all."""
    by_course: list[tuple[str, Decimal]]
    by_kind: list[tuple[str, Decimal]]
    lines: list[BudgetLine]

    @property
    def share(self) -> int:
        """Percent of the budget spent, for the bar (at most 100)."""
        if self.budget <= 0:
            return 100 if self.spent > 0 else 0
        return min(100, int(self.spent * 100 / self.budget))

    @property
    def years(self) -> tuple[int, int]:
        return self.year - 1, self.year + 1


def budget_page(answer: Mapping[str, Any]) -> BudgetPage:
    lines = [BudgetLine(str(s.get("session_id") or ""), str(s.get("course") or ""),
                        read_moment(s.get("starts_at")), str(s.get("municipality_code") or ""),
                        bool(s.get("cancelled")),
                        {kind: money(s.get(kind)) for kind in (*COST_KINDS, "total")})
             for s in answer.get("sessions") or [] if isinstance(s, dict)]
    return BudgetPage(int(answer.get("year") or 0), money(answer.get("budget")),
                      money(answer.get("spent")), money(answer.get("remaining")),
                      bool(answer.get("over_budget")), bool(answer.get("partial")),
                      [(k, money(v)) for k, v in part(answer, "by_course").items()],
                      [(k, money(v)) for k, v in part(answer, "by_kind").items()], lines)


@dataclass(frozen=True)
class Figures:
    responses: int
    overall: float | None
    usefulness: float | None
    distribution: list[tuple[int, int]]
    """Each score of the overall question, 1 to 5, and how many gave it."""


def figures(entry: Mapping[str, Any]) -> Figures:
    def mean(name: str) -> float | None:
        value = entry.get(name)
        return float(value) if isinstance(value, int | float | str) and value != "" else None

    spread = part(entry, "distribution")
    return Figures(int(entry.get("responses") or 0), mean("overall"), mean("usefulness"),
                   [(score, int(spread.get(str(score)) or 0)) for score in range(1, 6)])


@dataclass(frozen=True)
class CourseEvaluation:
    course: str
    sessions: int
    figures: Figures
    comments: tuple[str, ...]


@dataclass(frozen=True)
class SessionEvaluation:
    session_id: str
    course: str
    starts_at: datetime | None
    figures: Figures


@dataclass(frozen=True)
class EvaluationsPage:
    year: int
    courses: list[CourseEvaluation]
    sessions: list[SessionEvaluation]

    @property
    def years(self) -> tuple[int, int]:
        return self.year - 1, self.year + 1


def evaluations_page(year: int, answer: Mapping[str, Any]) -> EvaluationsPage:
    courses = part(answer, "courses")
    return EvaluationsPage(
        year,
        [CourseEvaluation(str(c.get("course") or name), int(c.get("sessions") or 0),
                          figures(c), tuple(str(t) for t in c.get("comments") or ()))
         for name, c in courses.items() if isinstance(c, dict)],
        [SessionEvaluation(str(s.get("session_id") or ""), str(s.get("course") or ""),
                           read_moment(s.get("starts_at")), figures(s))
         for s in answer.get("sessions") or [] if isinstance(s, dict)])


@dataclass(frozen=True)
class CertificatesPage:
    """The certificates that run out within `EXPIRING_DAYS`; one action invites every
    holder not yet invited to a base course to the next one near them."""

    certificates: list[Certificate]
    read_only: bool = False
    invited: int | None = None
    """After the action: how many were invited, and how many found no session."""
    without_session: int = 0
    days: int = EXPIRING_DAYS
    problems: dict[str, str] = field(default_factory=dict)

    @property
    def to_renew(self) -> list[Certificate]:
        return [c for c in self.certificates if c.renewal_at is None]


def certificates_of(rows: list[Mapping[str, Any]]) -> list[Certificate]:
    return [certificate(row) for row in rows]


def session_rows(rows: list[Mapping[str, Any]]) -> list[SessionRow]:
    return [session_row(row) for row in rows]
