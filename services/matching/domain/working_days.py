"""Swedish working days: how long a participant has to answer an offer.

"Svara inom tre arbetsdagar": the deadline is the end of the Nth working day after the
proposal, in Swedish time. A working day is a weekday that is not a public holiday
(National Day, Ascension Day, ...) nor one of the days Sweden keeps as one in practice
(Midsummer Eve, Christmas Eve, New Year's Eve). The calendar is the `holidays`
library's (kept up to date there, not here); it counts no Sunday as a holiday by itself,
so weekends are left out by their weekday.
"""

from __future__ import annotations

from collections.abc import Container
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

SWEDISH_TIME = ZoneInfo("Europe/Stockholm")
END_OF_DAY = time(23, 59)

DAYS_OFF: Container[date] = holidays.country_holidays(
    "SE", categories=(holidays.PUBLIC, holidays.DE_FACTO), include_sundays=False)
"""Sweden's public holidays and de facto ones (Midsummer Eve, Christmas Eve, New Year's
Eve); years are added as they are asked for."""


def is_working_day(day: date, days_off: Container[date] = DAYS_OFF) -> bool:
    return day.weekday() < 5 and day not in days_off


def answer_deadline(proposed_at: datetime, working_days: int,
                    days_off: Container[date] = DAYS_OFF,
                    zone: ZoneInfo = SWEDISH_TIME) -> datetime:
    """23:59 Swedish time on the `working_days`th working day after the proposal's day."""
    day = proposed_at.astimezone(zone).date()
    counted = 0
    while counted < working_days:
        day += timedelta(days=1)
        if is_working_day(day, days_off):
            counted += 1
    return datetime.combine(day, END_OF_DAY, tzinfo=zone)
