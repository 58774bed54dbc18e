"""Training statistics: supervisors trained, attendance, costs and the windows (no I/O)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from services.training.domain import statistics as stats
from services.training.domain.administration import BudgetLine
from services.training.domain.model import Costs
from shared.errors import Rejected

W1, W2, W3 = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
A, B, C = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


def test_a_year_or_a_period_inclusive_and_refusals_name_the_field() -> None:
    year = stats.window(2026, None, None)
    assert year.holds(date(2026, 1, 1)) and year.holds(date(2026, 12, 31))
    assert not year.holds(date(2027, 1, 1))
    esf = stats.window(None, date(2025, 9, 1), date(2026, 8, 31))
    assert esf.holds(date(2025, 9, 1)) and not esf.holds(date(2025, 8, 31))
    for year_, start, end, field in ((2026, None, date(2026, 2, 1), "year"),
                                     (None, date(2026, 2, 2), date(2026, 2, 1), "to")):
        with pytest.raises(Rejected) as refused:
            stats.window(year_, start, end)
        assert refused.value.problems[0].field == field


def test_supervisors_trained_by_municipality_and_sector_each_once() -> None:
    certifications = [
        stats.Certification(A, W1, "1380", "municipal", date(2026, 3, 1)),
        stats.Certification(A, W1, "1380", "municipal", date(2026, 9, 1)),  # renewed
        stats.Certification(B, W2, "1380", None, date(2026, 3, 1)),
        stats.Certification(C, W3, "1380", "private", date(2026, 3, 1)),
        stats.Certification(C, W3, "1380", "private", date(2025, 3, 1)),
    ]
    everyone, groups = stats.certified(certifications, stats.window(2026, None, None))
    assert everyone.as_dict() == {"supervisors": 3, "workplaces": 3}
    assert [(key, figures.as_dict()["supervisors"]) for key, figures in groups.items()] == [
        (("1380", None), 1), (("1380", "municipal"), 1), (("1380", "private"), 1)]
    _, earlier = stats.certified(certifications, stats.window(2025, None, None))
    assert list(earlier) == [("1380", "private")]


def test_attendance_per_course_of_sessions_held() -> None:
    s1, s2, s3 = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    day = date(2026, 3, 1)
    seats = [stats.Seat(s1, "base_course", day, "enrolled", True),
             stats.Seat(s1, "base_course", day, "enrolled", False),
             stats.Seat(s1, "base_course", day, "waitlisted", None),
             stats.Seat(s2, "base_course", day, "enrolled", None),
             stats.Seat(s2, "base_course", day, "cancelled", None),
             stats.Seat(s3, "deep_dive", day, "enrolled", True, session_cancelled=True),
             stats.Seat(uuid.uuid4(), "deep_dive", date(2027, 1, 1), "enrolled", True)]
    assert stats.attendance(seats, stats.window(2026, None, None)) == [{
        "course": "base_course", "sessions": 2, "enrolled": 3, "attended": 1, "absent": 1,
        "unrecorded": 1, "waitlisted": 1, "attendance_rate": 0.3333}]


def _line(when: datetime, venue: str) -> BudgetLine:
    return BudgetLine(uuid.uuid4(), "base_course", when, "1380", False,
                      Costs(venue=Decimal(venue)))


def test_costs_per_calendar_year_against_its_budget() -> None:
    lines = [_line(datetime(2025, 12, 1, 8, tzinfo=UTC), "150000"),
             _line(datetime(2026, 2, 1, 8, tzinfo=UTC), "60000"),
             _line(datetime(2026, 3, 1, 8, tzinfo=UTC), "1000")]
    reports = stats.costs(lines, stats.window(None, date(2025, 9, 1), date(2026, 2, 28)),
                          Decimal(200000))
    rows = [stats.cost_row(r) for r in reports]
    assert [(r["year"], r["spent"], r["remaining"], r["over_budget"]) for r in rows] == [
        (2025, Decimal(150000), Decimal(50000), False),
        (2026, Decimal(60000), Decimal(140000), False)]
    assert stats.costs(lines, stats.window(2024, None, None), Decimal(200000)) == []
    assert list(rows[0]) == list(stats.COST_COLUMNS)
