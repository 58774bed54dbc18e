"""Swedish personal identity numbers (personnummer) and coordination numbers (samordningsnummer).

Accepted forms: `YYMMDD-NNNC`, `YYMMDD+NNNC`, `YYMMDDNNNC`, `YYYYMMDD-NNNC`,
`YYYYMMDDNNNC`. In the ten-digit form the separator carries the century: `-` (or
none) for a person who turns at most 99 this calendar year, `+` from the calendar
year the person turns 100. A coordination number has 60 added to the day of birth.
The last digit is the Luhn check digit over the ten digits YYMMDDNNN.

Nothing here logs or prints a number; error messages never repeat the input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_FORM = re.compile(r"^(?P<century>\d{2})?(?P<yy>\d{2})(?P<mm>\d{2})(?P<dd>\d{2})(?P<sep>[-+]?)"
                   r"(?P<serial>\d{3})(?P<check>\d)$")
COORDINATION_OFFSET = 60
MAX_AGE_YEARS = 120
"""Nobody registered is older: a changed century digit (1990 → 1890) is refused too."""


class InvalidIdentityNumber(ValueError):
    """The reason a text is not a valid identity number (never containing the text)."""


@dataclass(frozen=True)
class IdentityNumber:
    """A checked number in canonical twelve-digit form `YYYYMMDDNNNC` (no separator)."""

    canonical: str
    birth_date: date
    coordination: bool

    def __repr__(self) -> str:  # never show the number itself
        return f"IdentityNumber(birth_date={self.birth_date}, coordination={self.coordination})"

    __str__ = __repr__


def luhn_digit(digits: str) -> int:
    """The Luhn check digit of `digits` (weights 2,1,2,1... from the left for nine digits)."""
    total = 0
    for index, char in enumerate(digits):
        product = int(char) * (2 if index % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return (10 - total % 10) % 10


def luhn_valid(digits: str) -> bool:
    """True when the last digit of `digits` is the Luhn check digit of the others."""
    return len(digits) >= 2 and digits.isdigit() and luhn_digit(digits[:-1]) == int(digits[-1])


def _real_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_identity_number(text: str, today: date) -> IdentityNumber:
    """Check `text` and return it canonical, or raise `InvalidIdentityNumber` saying why."""
    if not isinstance(text, str):
        raise InvalidIdentityNumber("must be a string of 10 or 12 digits")
    match = _FORM.match(text.strip())
    if match is None:
        raise InvalidIdentityNumber(
            "must be 10 or 12 digits (YYMMDD-NNNC, YYMMDD+NNNC or YYYYMMDDNNNC)"
        )
    century, sep = match["century"], match["sep"]
    yy, month, raw_day = int(match["yy"]), int(match["mm"]), int(match["dd"])
    if century is not None and sep == "+":
        raise InvalidIdentityNumber("the + separator belongs to the 10-digit form only")
    coordination = raw_day > COORDINATION_OFFSET
    day = raw_day - COORDINATION_OFFSET if coordination else raw_day
    ten = match["yy"] + match["mm"] + match["dd"] + match["serial"] + match["check"]
    if not luhn_valid(ten):
        raise InvalidIdentityNumber("check digit is wrong")
    if century is not None:
        year = int(century) * 100 + yy
    else:
        # The most recent year ending in YY that is not after this year...
        year = today.year - (today.year - yy) % 100
        if sep == "+":  # ...or a century earlier for someone 100 or older
            year -= 100
    born = _real_date(year, month, day)
    if born is None:
        kind = "coordination number" if coordination else "date of birth"
        raise InvalidIdentityNumber(f"{kind} is not a real date")
    if born > today:
        raise InvalidIdentityNumber("date of birth is in the future")
    if today.year - born.year > MAX_AGE_YEARS:
        raise InvalidIdentityNumber(f"date of birth is more than {MAX_AGE_YEARS} years ago")
    canonical = f"{year:04d}{match['mm']}{match['dd']}{match['serial']}{match['check']}"
    return IdentityNumber(canonical=canonical, birth_date=born, coordination=coordination)


def ten_digit_form(number: IdentityNumber, today: date) -> str:
    """`YYMMDD-NNNC` (or `+` from the year of the 100th birthday): the usual written form."""
    sep = "+" if today.year - number.birth_date.year >= 100 else "-"
    return f"{number.canonical[2:8]}{sep}{number.canonical[8:]}"
