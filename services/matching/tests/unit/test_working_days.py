"""The participant's deadline to answer an offer: the end of the Nth Swedish working day."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.matching.domain.answers import OfferRules
from services.matching.domain.working_days import (
    SWEDISH_TIME,
    answer_deadline,
    is_working_day,
)


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 23, 59, tzinfo=SWEDISH_TIME)


@pytest.mark.parametrize(("day", "working"), [
    (date(2027, 6, 25), False),  # Midsummer Eve (a Friday)
    (date(2027, 6, 26), False),  # Midsummer Day (a Saturday)
    (date(2028, 6, 6), False),   # National Day (a Tuesday)
    (date(2027, 12, 24), False),  # Christmas Eve
    (date(2027, 5, 6), False),   # Ascension Day
    (date(2027, 1, 9), False),   # a Saturday
    (date(2027, 1, 10), False),  # a Sunday
    (date(2027, 6, 24), True),   # the Thursday before Midsummer Eve
    (date(2027, 1, 11), True),   # a Monday
])
def test_working_days_leave_out_weekends_and_swedish_holidays(day: date,
                                                             working: bool) -> None:
    assert is_working_day(day) is working


def test_three_working_days_across_midsummer() -> None:
    # Tuesday 22 June: Wednesday, Thursday, (Midsummer Eve, the weekend) Monday.
    proposed = datetime(2027, 6, 22, 10, 0, tzinfo=UTC)
    assert answer_deadline(proposed, 3) == at(date(2027, 6, 28))


def test_across_national_day_and_a_weekend() -> None:
    # Friday 2 June 2028: (weekend) Monday 5, (National Day) Wednesday 7.
    assert answer_deadline(datetime(2028, 6, 2, 8, 0, tzinfo=UTC), 2) == at(date(2028, 6, 7))


def test_the_day_counts_in_swedish_time() -> None:
    # 22:30 UTC on Thursday is already Friday in Stockholm: one day on is Monday.
    late = datetime(2027, 1, 14, 23, 30, tzinfo=UTC)
    assert answer_deadline(late, 1) == at(date(2027, 1, 18))
    assert answer_deadline(late, 1).utcoffset() is not None


def test_a_calendar_can_be_given() -> None:
    monday = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)
    assert answer_deadline(monday, 1, days_off={date(2027, 1, 12)}) == at(date(2027, 1, 13))


def test_rules_ask_an_answer_only_for_their_programmes() -> None:
    rules = OfferRules("1380", frozenset({"summer_job"}), days=3)
    proposed = datetime(2027, 6, 22, 10, 0, tzinfo=UTC)
    assert rules.answer_by("summer_job", proposed) == at(date(2027, 6, 28))
    assert rules.answer_by("internship", proposed) is None
