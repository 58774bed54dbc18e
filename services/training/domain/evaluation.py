"""The evaluation after a session: each attendee answers once, by the link in the letter
that followed their completion; the figures per session and per course are counted from
these answers (nobody keys figures in).

An answer is anonymous: it holds the session, the two ratings and an optional comment,
never who gave it. Who has answered (one answer per attendee) is kept apart, as the
session and person alone (`evaluation_respondents`), so the ratings cannot be traced to a
person and stay when a person is erased.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from shared.contracts.errors import FieldProblem
from shared.contracts.types import Course
from shared.errors import Rejected

QUESTIONS: tuple[str, ...] = ("overall", "usefulness")
"""Each rated 1 (poor) to 5 (very good): the day as a whole, and how useful it is in the
supervisor's work. A comment is optional."""
COMMENT_MAX = 2000


@dataclass(frozen=True)
class EvaluationAnswer:
    session_id: UUID
    course: Course
    overall: int
    usefulness: int
    comment: str | None = None

    @classmethod
    def given(cls, session_id: UUID, course: Course, overall: int, usefulness: int,
              comment: str | None) -> EvaluationAnswer:
        """An answer as given: ratings checked, a blank comment is none."""
        text = comment.strip() if comment else ""
        answer = cls(session_id, course, overall, usefulness, text or None)
        problems = [FieldProblem(q, "a rating is 1 to 5") for q in QUESTIONS
                    if not 1 <= getattr(answer, q) <= 5]
        if len(text) > COMMENT_MAX:
            problems.append(FieldProblem("comment", f"at most {COMMENT_MAX} characters"))
        if problems:
            raise Rejected(problems)
        return answer


@dataclass(frozen=True)
class Figures:
    """What the answers say about one session or one course."""

    responses: int
    overall: float | None
    """The mean of `overall`, two decimals; None without answers."""
    usefulness: float | None
    distribution: dict[int, int]
    """How many answered 1..5 on `overall`."""


def figures(answers: Iterable[EvaluationAnswer]) -> Figures:
    items = list(answers)

    def mean(question: str) -> float | None:
        values = [getattr(a, question) for a in items]
        return round(sum(values) / len(values), 2) if values else None

    counts = Counter(a.overall for a in items)
    return Figures(len(items), mean("overall"), mean("usefulness"),
                   {score: counts.get(score, 0) for score in range(1, 6)})


@dataclass(frozen=True)
class SessionEvaluation:
    session_id: UUID
    course: Course
    starts_at: datetime
    figures: Figures


@dataclass(frozen=True)
class CourseEvaluation:
    course: Course
    sessions: int
    """Sessions with at least one answer."""
    figures: Figures
    comments: list[str]


def by_session(answers: Iterable[tuple[EvaluationAnswer, datetime]]) -> list[SessionEvaluation]:
    """Per session, in the order the sessions started (each answer with its session's
    start)."""
    grouped: dict[UUID, list[EvaluationAnswer]] = {}
    starts: dict[UUID, datetime] = {}
    for answer, starts_at in answers:
        grouped.setdefault(answer.session_id, []).append(answer)
        starts[answer.session_id] = starts_at
    return [SessionEvaluation(sid, items[0].course, starts[sid], figures(items))
            for sid, items in sorted(grouped.items(),
                                     key=lambda kv: (starts[kv[0]], str(kv[0])))]


def by_course(answers: Iterable[EvaluationAnswer]) -> dict[str, CourseEvaluation]:
    grouped: dict[Course, list[EvaluationAnswer]] = {}
    for answer in answers:
        grouped.setdefault(answer.course, []).append(answer)
    return {
        course: CourseEvaluation(course, len({a.session_id for a in items}), figures(items),
                                 [a.comment for a in items if a.comment])
        for course, items in sorted(grouped.items())
    }
