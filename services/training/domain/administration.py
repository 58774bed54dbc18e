"""The administration made light: food to order, costs against the yearly budget (the
evaluation is `evaluation.py`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from services.training.domain.model import Costs, Session, normalise_dietary_needs
from shared.contracts.types import Course


@dataclass(frozen=True)
class Catering:
    """What to order for one session: coffee and lunch with dietary needs (enrolled only)."""

    participants: int
    waitlisted: int
    trainers: int
    coffee: int
    """People to serve at each coffee break (participants and trainers)."""
    coffee_breaks: int
    lunch: int
    dietary_needs: dict[str, int]


def catering(session: Session, enrolled: int, waitlisted: int,
             dietary_needs: Iterable[Sequence[str]]) -> Catering:
    people = enrolled + len(session.trainers)
    breaks = session.coffee_breaks
    counts = Counter(need for needs in dietary_needs for need in normalise_dietary_needs(needs))
    served = not session.digital
    return Catering(
        participants=enrolled,
        waitlisted=waitlisted,
        trainers=len(session.trainers),
        coffee=people if served and breaks else 0,
        coffee_breaks=breaks,
        lunch=people if served and session.lunch else 0,
        dietary_needs=dict(sorted(counts.items())) if served else {},
    )


@dataclass(frozen=True)
class BudgetLine:
    session_id: UUID
    course: Course
    starts_at: datetime
    municipality_code: str
    cancelled: bool
    costs: Costs


@dataclass(frozen=True)
class BudgetReport:
    year: int
    budget: Decimal
    spent: Decimal
    remaining: Decimal
    over_budget: bool
    by_course: dict[str, Decimal]
    by_kind: dict[str, Decimal]
    sessions: list[BudgetLine]


def budget_report(year: int, budget: Decimal, lines: Iterable[BudgetLine]) -> BudgetReport:
    """Costs of the year's sessions (by start) against the yearly budget (200 000 SEK)."""
    items = sorted((line for line in lines if line.starts_at.year == year),
                   key=lambda line: (line.starts_at, str(line.session_id)))
    by_course: dict[str, Decimal] = {}
    by_kind = {"venue": Decimal(0), "food": Decimal(0), "material": Decimal(0)}
    for line in items:
        by_course[line.course] = by_course.get(line.course, Decimal(0)) + line.costs.total
        for kind in by_kind:
            by_kind[kind] += getattr(line.costs, kind)
    spent = sum((line.costs.total for line in items), Decimal(0))
    return BudgetReport(year, budget, spent, budget - spent, spent > budget,
                        dict(sorted(by_course.items())), by_kind, items)
