"""Synthetic people and organisations: identity numbers that can belong to nobody, unique
names and example.com addresses, phone numbers reserved for fiction, organisation numbers."""

from __future__ import annotations

import random
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import date

from services.registration.domain.identity import luhn_digit

# -- synthetic identity numbers ---------------------------------------------------------
#
# A personnummer is YYMMDD + a three-digit birth number (födelsenummer) + a Luhn digit.
# Skatteverket assigns birth numbers 001-999 only (Skatteverket, rättslig vägledning,
# "Personnummer": "Födelsenumret är något av talen 001 till 999"), so a number with the
# birth number 000 has a real date and a valid check digit but can never belong to a
# real person. The demo and the tests use only such numbers, one per birth date, and
# never print or log them.


def synthetic_identity_number(born: date) -> str:
    """`YYYYMMDD000C`: a real date, birth number 000 (never assigned), valid check digit."""
    ten = f"{born:%y%m%d}000"
    return f"{born:%Y%m%d}000{luhn_digit(ten)}"


# -- synthetic people -------------------------------------------------------------------

FIRST_NAMES = (
    "Alva", "Elsa", "Maja", "Ebba", "Wilma", "Alice", "Saga", "Freja", "Agnes", "Astrid",
    "Ella", "Vera", "Stella", "Signe", "Nora", "Tyra", "Selma", "Ines", "Leia", "Iris",
    "Hugo", "Liam", "William", "Noah", "Oscar", "Lucas", "Elias", "Adam", "Nils", "Alexander",
    "Theo", "Ludvig", "Viktor", "Olle", "Sixten", "Malte", "Melvin", "Arvid", "Vincent",
    "Leo", "Amina", "Yasmin", "Mohammed", "Ali", "Hamza", "Aisha", "Fatima", "Omar", "Zainab",
    "Sara",
)
LAST_NAMES = (
    "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson",
    "Persson", "Svensson", "Gustafsson", "Pettersson", "Jonsson", "Jansson", "Hansson",
    "Bengtsson", "Jönsson", "Lindberg", "Jakobsson", "Magnusson", "Olofsson", "Lindström",
    "Lindqvist", "Lindgren", "Berg", "Axelsson", "Bergström", "Lundberg", "Lind", "Lundgren",
    "Lundqvist", "Mattsson", "Berglund", "Fredriksson", "Sandberg", "Henriksson", "Forsberg",
    "Sjöberg", "Wallin", "Ali", "Mohamed", "Engström", "Eklund", "Danielsson", "Lundin",
    "Håkansson", "Björk", "Bergman", "Gunnarsson", "Holm", "Wikström",
)

PHONE_POOL: tuple[str, ...] = tuple(
    [f"+46701740{n:03d}" for n in range(605, 700)]
    + [f"+468465004{n:02d}" for n in range(100)]
    + [f"+46313900{n:03d}" for n in range(600, 700)]
    + [f"+46406280{n:03d}" for n in range(400, 500)]
)
"""Numbers PTS reserves for fiction (070-174 06 05–99, 08-465 004 xx, 031-390 06 xx,
040-628 04 xx): they reach nobody."""


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in plain.lower() if c.isalnum())


@dataclass
class Person:
    name: str
    email: str | None
    phone: str | None
    sms_allowed: bool
    language: str = "sv"
    id: uuid.UUID | None = None


class People:
    """Unique names, e-mail addresses (example.com) and fiction phone numbers."""

    def __init__(self, rng: random.Random, tag: str) -> None:
        pairs = [(f, s) for f in FIRST_NAMES for s in LAST_NAMES]
        rng.shuffle(pairs)
        self._pairs = iter(pairs)
        self._phones = iter(PHONE_POOL)
        self._tag = tag
        self._count = 0
        self._rng = rng

    def make(self, *, phone: bool = True, sms: bool = True, language: str = "sv") -> Person:
        first, last = next(self._pairs)
        self._count += 1
        email = f"{_ascii(first)}.{_ascii(last)}.{self._tag}{self._count}@example.com"
        number = next(self._phones, None) if phone else None
        return Person(f"{first} {last}", email, number, sms and number is not None, language)



def org_number(rng: random.Random, sector: str) -> str:
    """A made-up organisation number of a legal person (third digit 2+, Luhn digit)."""
    first = {"municipal": "212000", "region": "232100", "state": "202100"}.get(
        sector, f"{rng.choice(('55', '56', '80', '82'))}{rng.randrange(2, 10)}"
                f"{rng.randrange(1000):03d}")
    nine = f"{first}{rng.randrange(1000):03d}"
    return f"{nine[:6]}-{nine[6:]}{luhn_digit(nine)}"

