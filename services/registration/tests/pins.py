"""Synthetic identity numbers for tests: valid form, real date, correct Luhn digit.

They are generated, never taken from a person. Adults are born 1906–1910, so no living
person plausibly holds the number; where a test needs a minor the date must be recent,
and the serial numbers 980–999 are used.
"""

from __future__ import annotations

import itertools
from datetime import date

from services.registration.domain.identity import luhn_digit

_serials = itertools.cycle(range(980, 1000))


def pin(born: date, serial: int | None = None, *, twelve: bool = False, sep: str = "-",
        coordination: bool = False) -> str:
    """A synthetic identity number for `born` (`serial` 0–999 picks the birth number)."""
    serial = next(_serials) if serial is None else serial
    day = born.day + (60 if coordination else 0)
    nine = f"{born.year % 100:02d}{born.month:02d}{day:02d}{serial:03d}"
    check = luhn_digit(nine)
    if twelve:
        return f"{born.year // 100:02d}{nine[:6]}{sep}{nine[6:]}{check}"
    return f"{nine[:6]}{sep}{nine[6:]}{check}"


def adult_pin(index: int) -> str:
    """Distinct synthetic adults (born 1906–1910, 12-digit form), one per index."""
    born = date(1906 + index // 36_500 % 5, 1 + index // 1000 % 12, 1 + index // 12_000 % 28)
    return pin(born, index % 1000, twelve=True)


def minor_pin(today: date, age: int, serial: int | None = None) -> str:
    """A synthetic number of a person `age` years old on `today` (born a month earlier)."""
    month = today.month - 1 or 12
    year = today.year - age - (1 if today.month == 1 else 0)
    return pin(date(year, month, min(today.day, 28)), serial)
