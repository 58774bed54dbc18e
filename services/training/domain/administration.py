"""The administration made light: food to order, the evaluation survey, costs against
the yearly budget."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from services.training.domain.model import Costs, Session, normalise_dietary_needs
from shared.contracts.errors import FieldProblem
from shared.contracts.types import Course
from shared.errors import Rejected


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


QUESTIONS: tuple[str, ...] = ("overall", "content", "trainers", "organisation")
"""The evaluation survey: each scored 1 (poor) to 5 (very good); `overall` is required."""


@dataclass(frozen=True)
class Evaluation:
    session_id: UUID
    course: Course
    scores: dict[str, int]
    comment: str | None = None

    def __post_init__(self) -> None:
        problems = [
            FieldProblem(f"scores.{q}", "unknown question") for q in self.scores
            if q not in QUESTIONS
        ] + [
            FieldProblem(f"scores.{q}", "a score is 1 to 5") for q, v in self.scores.items()
            if not 1 <= v <= 5
        ]
        if "overall" not in self.scores:
            problems.append(FieldProblem("scores.overall", "required"))
        if problems:
            raise Rejected(problems)


@dataclass(frozen=True)
class CourseEvaluation:
    course: Course
    sessions: int
    responses: int
    averages: dict[str, float]
    distribution: dict[int, int]
    """How many answered 1..5 on `overall`."""
    comments: list[str]


def summarise_evaluations(evaluations: Iterable[Evaluation]) -> dict[str, CourseEvaluation]:
    by_course: dict[Course, list[Evaluation]] = {}
    for evaluation in evaluations:
        by_course.setdefault(evaluation.course, []).append(evaluation)
    summary: dict[str, CourseEvaluation] = {}
    for course, items in sorted(by_course.items()):
        averages = {}
        for question in QUESTIONS:
            values = [e.scores[question] for e in items if question in e.scores]
            if values:
                averages[question] = round(sum(values) / len(values), 2)
        overall = Counter(e.scores["overall"] for e in items)
        summary[course] = CourseEvaluation(
            course=course,
            sessions=len({e.session_id for e in items}),
            responses=len(items),
            averages=averages,
            distribution={score: overall.get(score, 0) for score in range(1, 6)},
            comments=[e.comment for e in items if e.comment],
        )
    return summary


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
