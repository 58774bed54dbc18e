"""Dates as people write them, and the working days of a period.

Working days leave out weekends and Swedish public holidays, including the days
Swedes take off as if they were (Midsummer Eve, Christmas Eve, New Year's Eve): the
`holidays` library's `public` and `de_facto` categories for Sweden.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import date, timedelta

import holidays

DASH = "\u2013"  # en dash, as in "15–19 mars" (e-mail)
SMS_DASH = "\u2013"  # as issue 17 asks; not GSM-7: a dated SMS is UCS-2, 70 chars a part


@functools.lru_cache(maxsize=32)
def _swedish_holidays(year: int) -> frozenset[date]:
    found = holidays.country_holidays(
        "SE", years=year, include_sundays=False, categories=("public", "de_facto"))
    return frozenset(found)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _swedish_holidays(day.year)


def working_days(start: date, end: date, limit: int = 62) -> list[date]:
    """The days of a placement period that are working days (at most `limit`)."""
    days: list[date] = []
    day = start
    while day <= end and len(days) < limit:
        if is_working_day(day):
            days.append(day)
        day += timedelta(days=1)
    return days


def day_month(day: date, months: Sequence[str], with_year: bool = False) -> str:
    text = f"{day.day} {months[day.month - 1]}"
    return f"{text} {day.year}" if with_year else text


def span(start: date, end: date, months: Sequence[str], dash: str = DASH) -> str:
    """"15–19 mars", "28 juni–2 juli", "28 december 2027–3 januari 2028" (months: the
    language's month names, January first)."""
    if start == end:
        return day_month(start, months)
    if start.year != end.year:
        return f"{day_month(start, months, True)}{dash}{day_month(end, months, True)}"
    if start.month == end.month:
        return f"{start.day}{dash}{day_month(end, months)}"
    return f"{day_month(start, months)}{dash}{day_month(end, months)}"


def weekday_date(day: date, weekdays: Sequence[str], months: Sequence[str]) -> str:
    """"måndag 15 mars" (weekdays: Monday first)."""
    return f"{weekdays[day.weekday()]} {day_month(day, months)}"
