"""Field rules shared by both doors (HTTP and intake): each returns the normalised value
or raises `Invalid` with the reason. `Problems` collects every failing field, so a
refusal names them all at once.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import TypeVar

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from services.registration.domain.identity import luhn_valid
from shared.contracts.errors import FieldProblem
from shared.errors import Rejected

T = TypeVar("T")
R = TypeVar("R")

MUNICIPALITIES_CSV = Path(__file__).with_name("municipalities.csv")
PROGRAMS = ("prao", "summer_job", "work_trial", "internship", "job_track")
SECTORS = ("municipal", "region", "state", "private", "nonprofit")
GENDERS = ("female", "male", "other", "unspecified")
MAX_TEXT = 200
MAX_TAGS = 20
MAX_PREFERENCES = 10
MAX_CAPACITY = 500
MAX_SUPERVISOR_PARTICIPANTS = 50
MAX_GUARDIANS = 4
PRIORITY_RANGE = (-1000, 1000)

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,4})?$")
_TAG = re.compile(r"^[a-z0-9][a-z0-9_.:-]{0,63}$")
_SSYK = re.compile(r"^\d{4}$")
_ORG = re.compile(r"^(\d{6})-?(\d{4})$")


class Invalid(ValueError):
    """Why one value breaks a rule."""


@dataclass
class Problems:
    """Every failing field of one command; `check` runs a rule and records its refusal."""

    items: list[FieldProblem] = field(default_factory=list)

    def add(self, name: str, message: str) -> None:
        self.items.append(FieldProblem(name, message))

    def raise_if_any(self) -> None:
        """Refuse the whole command (HTTP 422 / dead letter + `IntakeRejected`)."""
        if self.items:
            raise Rejected(list(self.items))

    def check(self, name: str, rule: Callable[[T], R], value: T) -> R | None:
        try:
            return rule(value)
        except Invalid as error:
            self.add(name, str(error))
            return None

    def __bool__(self) -> bool:
        return bool(self.items)


@cache
def municipalities() -> dict[str, str]:
    """SCB code → name of Sweden's 290 municipalities (shipped beside this module)."""
    with MUNICIPALITIES_CSV.open(encoding="utf-8") as handle:
        return {row["code"]: row["name"] for row in csv.DictReader(handle)}


def municipality_code(value: str) -> str:
    if value not in municipalities():
        raise Invalid("not a Swedish municipality code (SCB, four digits)")
    return value


def text(value: str, *, required: bool = True, max_length: int = MAX_TEXT) -> str:
    """Trimmed printable text: no control characters, bounded length."""
    if not isinstance(value, str):
        raise Invalid("must be text")
    cleaned = value.strip()
    if required and not cleaned:
        raise Invalid("must not be empty")
    if len(cleaned) > max_length:
        raise Invalid(f"must be at most {max_length} characters")
    if _CONTROL.search(cleaned):
        raise Invalid("must not contain control characters")
    try:
        cleaned.encode("utf-8")
    except UnicodeEncodeError:
        raise Invalid("must be valid Unicode text") from None
    return cleaned


def optional_text(value: str | None) -> str | None:
    if value is None:
        return None
    cleaned = text(value, required=False)
    return cleaned or None


def external_ref(value: str | None) -> str | None:
    return None if value is None else text(value)


def email(value: str | None) -> str | None:
    if value is None or value.strip() == "":
        return None
    text(value, max_length=254)
    try:
        result = validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError as error:
        raise Invalid(f"not a valid e-mail address: {error}") from None
    return str(result.normalized)


def phone(value: str | None) -> str | None:
    """A phone number (Swedish by default) normalised to E.164."""
    if value is None or value.strip() == "":
        return None
    text(value, max_length=32)
    try:
        parsed = phonenumbers.parse(value, "SE")
    except phonenumbers.NumberParseException:
        raise Invalid("not a phone number") from None
    if not phonenumbers.is_valid_number(parsed):
        raise Invalid("not a valid phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def language(value: str) -> str:
    if not isinstance(value, str) or not _LANGUAGE.match(value):
        raise Invalid("must be a language code such as sv, en, ar or fa-AF")
    return value


def languages(values: Iterable[str]) -> tuple[str, ...]:
    items = tuple(values)
    if not items:
        raise Invalid("must name at least one language")
    if len(items) > MAX_TAGS:
        raise Invalid(f"at most {MAX_TAGS} languages")
    for item in items:
        language(item)
    return tuple(dict.fromkeys(items))


def tags(values: Iterable[str]) -> tuple[str, ...]:
    """Need / support tags: lower-case words such as `language_support`, `npf`."""
    items = tuple(values)
    if len(items) > MAX_TAGS:
        raise Invalid(f"at most {MAX_TAGS} tags")
    for item in items:
        if not isinstance(item, str) or not _TAG.match(item):
            raise Invalid("each tag is 1-64 lower-case letters, digits, _ . : -")
    return tuple(dict.fromkeys(items))


def one_of(options: tuple[str, ...]) -> Callable[[str], str]:
    def rule(value: str) -> str:
        if value not in options:
            raise Invalid(f"must be one of {', '.join(options)}")
        return value

    return rule


program = one_of(PROGRAMS)
sector = one_of(SECTORS)
gender = one_of(GENDERS)


def occupation(value: str) -> str:
    """An SSYK 2012 occupation code: four digits (unit group)."""
    if not isinstance(value, str) or not _SSYK.match(value):
        raise Invalid("must be an SSYK 2012 occupation code of four digits")
    return value


def org_number(value: str) -> str:
    """A Swedish organisation number of a legal person, normalised to `NNNNNN-NNNN`.

    A sole trader's number is the owner's personal identity number: it is refused,
    because the workplace's org number goes on the bus and identity numbers never do.
    """
    match = _ORG.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise Invalid("must be 10 digits, NNNNNN-NNNN")
    digits = match[1] + match[2]
    if not luhn_valid(digits):
        raise Invalid("check digit is wrong")
    if int(digits[2]) < 2:
        raise Invalid(
            "is a personal identity number (sole trader); register the workplace with "
            "the organisation number of a legal person"
        )
    return f"{match[1]}-{match[2]}"


def bounded(low: int, high: int) -> Callable[[int], int]:
    def rule(value: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise Invalid(f"must be a whole number from {low} to {high}")
        return value

    return rule


def period(start: date, end: date, today: date, *, new: bool) -> tuple[date, date]:
    if end < start:
        raise Invalid("period_end is before period_start")
    if new and start < today:
        raise Invalid("period_start is in the past")
    return start, end


def age_on(birth: date, day: date) -> int:
    """Whole years of age on `day`."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
