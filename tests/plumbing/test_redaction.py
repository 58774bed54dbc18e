"""The log redactor (shared.logging) takes out identity numbers and nothing else: no I/O.

Identity numbers here are the Swedish Tax Agency's well-known test number 19121212-1212
and synthetic ones (services/registration/tests/pins.py: people born 1906–1910, minors'
serials 980–999), never a real person's.
"""

from __future__ import annotations

import random
import uuid
from datetime import date

import pytest

from services.registration.tests.pins import pin
from shared.logging import REDACTED, redact_identity_numbers

BORN = date(1908, 3, 14)


def scrub(text: str) -> str:
    return str(redact_identity_numbers(None, "info", {"event": text})["event"])


def every_form(born: date, serial: int, coordination: bool = False) -> list[str]:
    """One person's number as YYMMDD-NNNN, YYMMDD+NNNN, YYMMDDNNNN, YYYYMMDD-NNNN and
    YYYYMMDDNNNN."""
    ten = pin(born, serial, coordination=coordination)
    twelve = pin(born, serial, twelve=True, coordination=coordination)
    return [ten, ten.replace("-", "+"), ten.replace("-", ""), twelve, twelve.replace("-", "")]


IDENTITY_NUMBERS = [
    "19121212-1212", "121212-1212", "1212121212", "191212121212", "121212+1212",
    *every_form(BORN, 123),
    *every_form(BORN, 987, coordination=True),  # samordningsnummer: day 14 + 60 = 74
    *every_form(date(1910, 12, 31), 990),
    *every_form(date(1906, 1, 1), 981, coordination=True),  # day 61
]


@pytest.mark.parametrize("number", IDENTITY_NUMBERS)
def test_an_identity_number_of_every_shape_is_redacted(number: str) -> None:
    assert scrub(number) == REDACTED
    assert scrub(f"participant {number} registered") == f"participant {REDACTED} registered"
    assert scrub(f'{{"pin":"{number}"}}') == f'{{"pin":"{REDACTED}"}}'
    assert scrub(f"pin={number}, next") == f"pin={REDACTED}, next"


def test_numbers_nested_in_lists_and_dicts_are_redacted() -> None:
    event = {"event": "x", "items": [{"pin": "19121212-1212"}, ("121212-1212", 7)]}
    assert redact_identity_numbers(None, "info", event) == {
        "event": "x", "items": [{"pin": REDACTED}, [REDACTED, 7]]}


NOT_IDENTITY_NUMBERS = [
    # event ids and other UUIDs, also with identity-shaped digit runs in their groups
    "5ab341d3-2b23-4cbe-98b7-5d1212121212",
    "5ab341d3-2b23-4cbe-98b7-191212121212",
    "12121212-1212-4cbe-98b7-5d0512345678",
    "a3e189c0-1212-1212-1212-121212121212",
    # organisation numbers (legal persons; public): month part 20 or more
    "212000-1355", "5560360793", "556036-0793", "16212000-1355", "802002-4280",
    # order and case numbers, hashes
    "order 2024-118842", "ORD-20240115-0042", "case 100045678", "sha 755ef7d1212121212",
    # phone numbers
    "+46701234567", "070-123 45 67", "+46 70 765 43 21", "035-13 70 00", "0046701234567",
    # impossible dates: month 13, day 32, day 00, day 92
    "121312-1212", "121232-1212", "121200-1212", "121292-1212",
    # too short or too long a run of digits
    "12121-1212", "12121212121212", "1212121212121",
]


@pytest.mark.parametrize("text", NOT_IDENTITY_NUMBERS)
def test_what_is_not_an_identity_number_stays(text: str) -> None:
    assert scrub(text) == text
    assert scrub(f"handled {text} in 3 ms") == f"handled {text} in 3 ms"


def test_no_uuid_is_ever_touched() -> None:
    rng = random.Random(2026)
    for _ in range(20_000):
        event_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        assert scrub(f"event {event_id} dead-lettered") == f"event {event_id} dead-lettered"


def test_an_identity_number_beside_everything_else() -> None:
    line = ("event 5ab341d3-2b23-4cbe-98b7-5d1212121212 for 19121212-1212 at workplace "
            "212000-1355 (order 2024-118842), call +46701234567 or 070-123 45 67")
    assert scrub(line) == line.replace("19121212-1212", REDACTED)
