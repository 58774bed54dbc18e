"""Training statistics for funders: supervisors trained (certified) by their workplace's
sector and municipality, attendance per course (enrolled against attended), and costs
against the yearly budget (200 000 SEK, seed 001).

Which date counts: a certification by the day it was given (`certified_at`); a session,
its attendance and its costs by the day it starts (`starts_at`, in UTC, as the budget
counts it). A window is a calendar year or a `from`–`to` period, dates inclusive.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from uuid import UUID

from services.training.domain.administration import BudgetLine, BudgetReport, budget_report
from shared.reporting import Window as Window
from shared.reporting import window as window


@dataclass(frozen=True, slots=True)
class Certification:
    supervisor_id: UUID
    workplace_id: UUID
    municipality_code: str
    sector: str | None
    """The workplace's sector (WorkplaceRegistered); None when training has not heard it."""
    certified_at: date


@dataclass(frozen=True, slots=True)
class Seat:
    """One person's enrolment in a session."""

    session_id: UUID
    course: str
    starts_on: date
    status: str
    """enrolled, waitlisted or cancelled"""
    attended: bool | None
    session_cancelled: bool = False


@dataclass(slots=True)
class Trained:
    supervisors: set[UUID] = field(default_factory=set)
    workplaces: set[UUID] = field(default_factory=set)

    def as_dict(self) -> dict[str, int]:
        return {"supervisors": len(self.supervisors), "workplaces": len(self.workplaces)}


CERTIFIED_COLUMNS = ("municipality_code", "sector", "supervisors", "workplaces")


def certified(certifications: Iterable[Certification], within: Window
              ) -> tuple[Trained, dict[tuple[str, str | None], Trained]]:
    """Distinct supervisors certified in the window (and their workplaces), in all and
    per (municipality, sector); a supervisor certified twice counts once."""
    everyone = Trained()
    groups: dict[tuple[str, str | None], Trained] = {}
    for c in certifications:
        if not within.holds(c.certified_at):
            continue
        group = groups.setdefault((c.municipality_code, c.sector), Trained())
        for figures in (everyone, group):
            figures.supervisors.add(c.supervisor_id)
            figures.workplaces.add(c.workplace_id)
    ordered = dict(sorted(groups.items(), key=lambda item: (
        item[0][0], item[0][1] is not None, item[0][1] or "")))
    return everyone, ordered


ATTENDANCE_COLUMNS = ("course", "sessions", "enrolled", "attended", "absent", "unrecorded",
                      "waitlisted", "attendance_rate")


def attendance(seats: Iterable[Seat], within: Window) -> list[dict[str, object]]:
    """Per course, of its sessions in the window that were not cancelled: the enrolled,
    those who attended, were absent or are not yet recorded, the waitlisted, and the
    share of the enrolled who attended (None before anyone is enrolled)."""
    sessions: dict[str, set[UUID]] = {}
    counts: dict[str, Counter[str]] = {}
    for seat in seats:
        if seat.session_cancelled or not within.holds(seat.starts_on):
            continue
        sessions.setdefault(seat.course, set()).add(seat.session_id)
        counted = counts.setdefault(seat.course, Counter())
        counted[seat.status] += 1
        if seat.status == "enrolled":
            counted[{True: "attended", False: "absent", None: "unrecorded"}[seat.attended]] += 1
    out = []
    for course in sorted(sessions):
        c = counts[course]
        rate = round(c["attended"] / c["enrolled"], 4) if c["enrolled"] else None
        out.append({"course": course, "sessions": len(sessions[course]),
                    "enrolled": c["enrolled"], "attended": c["attended"], "absent": c["absent"],
                    "unrecorded": c["unrecorded"], "waitlisted": c["waitlisted"],
                    "attendance_rate": rate})
    return out


COST_COLUMNS = ("year", "budget", "venue", "food", "material", "spent", "remaining",
                "over_budget")


def costs(lines: Iterable[BudgetLine], within: Window, budget: Decimal) -> list[BudgetReport]:
    """Each calendar year's costs of its sessions in the window against that year's
    budget (a window of parts of two years shows two years, each part of its own)."""
    kept = [line for line in lines if within.holds(line.starts_at.date())]
    years = sorted({line.starts_at.year for line in kept})
    return [budget_report(year, budget, kept) for year in years]


def cost_row(report: BudgetReport) -> dict[str, int | Decimal | bool]:
    """A year's line under `COST_COLUMNS` (amounts in SEK)."""
    kind = report.by_kind
    return {"year": report.year, "budget": report.budget, "venue": kind["venue"],
            "food": kind["food"], "material": kind["material"], "spent": report.spent,
            "remaining": report.remaining, "over_budget": report.over_budget}
