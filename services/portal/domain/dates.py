"""Dates and times as people write them: "15–19 mars 2027", "12 mars 2027 kl. 16.00";
and as the services' answers give them (ISO 8601), read leniently: what is not one is
None."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

MONTHS: dict[str, tuple[str, ...]] = {
    "sv": ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
           "september", "oktober", "november", "december"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
}


def day(value: date, language: str) -> str:
    return f"{value.day} {MONTHS[language][value.month - 1]} {value.year}"


def clock(value: time, language: str) -> str:
    return value.strftime("%H.%M" if language == "sv" else "%H:%M")


def moment(value: datetime, language: str, timezone: str) -> str:
    local = value.astimezone(ZoneInfo(timezone))
    at = "kl." if language == "sv" else "at"
    return f"{day(local.date(), language)} {at} {clock(local.time(), language)}"


def clock_at(value: datetime, language: str, timezone: str) -> str:
    """The time of day of a moment where the county is: "16.00"."""
    return clock(value.astimezone(ZoneInfo(timezone)).time(), language)


def month(value: date, language: str) -> str:
    return f"{MONTHS[language][value.month - 1]} {value.year}"


def period(start: date, end: date, language: str) -> str:
    """One span: "15–19 mars 2027", "28 juni – 2 juli 2027"."""
    months = MONTHS[language]
    if start.year != end.year:
        return f"{day(start, language)} – {day(end, language)}"
    if start.month != end.month:
        return f"{start.day} {months[start.month - 1]} – {day(end, language)}"
    if start.day == end.day:
        return day(start, language)
    return f"{start.day}–{end.day} {months[start.month - 1]} {start.year}"


def is_day(text: str) -> bool:
    """`YYYY-MM-DD`, a day that exists."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def read_day(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and is_day(value) else None


def read_moment(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
