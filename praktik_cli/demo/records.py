"""What the season registered (workplaces, supervisors, offers, participants, requests),
as the demo remembers it to answer and report, and the age rules it plays by."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date

from praktik_cli.demo.people import Person

SECTORS = ("municipal", "region", "state", "private", "nonprofit")


@dataclass(frozen=True)
class Kind:
    label: str
    occupation: str
    """SSYK 2012."""
    sector: str
    client_contact: bool
    prao: bool


KINDS: tuple[Kind, ...] = (
    Kind("äldreboende", "5321", "municipal", True, False),
    Kind("hemtjänst", "5321", "municipal", True, False),
    Kind("förskola", "5311", "municipal", False, True),
    Kind("fritidshem", "2342", "municipal", False, True),
    Kind("grundskola", "5312", "municipal", False, True),
    Kind("storkök", "9412", "municipal", False, True),
    Kind("fastighetsskötsel", "5153", "municipal", False, True),
    Kind("kommunkontoret", "4119", "municipal", False, True),
    Kind("socialtjänst", "3412", "municipal", True, False),
    Kind("vårdcentral", "5325", "region", True, False),
    Kind("bibliotek", "4430", "municipal", False, True),
    Kind("livsmedelsbutik", "5223", "private", False, True),
    Kind("restaurang", "9412", "private", False, True),
    Kind("verkstad", "7231", "private", False, True),
    Kind("städföretag", "9111", "private", False, False),
    Kind("second hand", "5223", "nonprofit", False, True),
    Kind("idrottsförening", "3423", "nonprofit", False, True),
    Kind("Trafikverket depå", "8332", "state", False, False),
)

NEEDS = ("neuropsychiatric", "language", "exhaustion", "adapted_tasks")


@dataclass
class Supervisor:
    id: uuid.UUID
    workplace_id: uuid.UUID
    municipality_code: str
    person: Person
    max_participants: int
    languages: list[str]
    attends: bool = True


@dataclass
class Workplace:
    id: uuid.UUID
    municipality_code: str
    name: str
    kind: Kind
    min_age: int | None
    manager: Person
    supervisors: list[Supervisor] = field(default_factory=list)
    manager_attends: bool = True


@dataclass
class Offer:
    id: uuid.UUID
    workplace_id: uuid.UUID
    supervisor_id: uuid.UUID
    municipality_code: str
    program: str
    occupation: str
    period_start: date
    period_end: date
    capacity: int
    min_age: int | None
    without_client_contact: bool
    supports: list[str]


@dataclass
class Participant:
    id: uuid.UUID
    municipality_code: str
    birth_date: date
    gender: str
    person: Person
    needs: list[str]
    guardians: list[Person]
    consent: str = "none"
    """When the guardian gives consent: `early` (with the application), `late` (after the
    proposal), `refused`, `never`; `none` where no consent is needed."""


@dataclass
class Request:
    id: uuid.UUID
    participant_id: uuid.UUID
    municipality_code: str
    program: str
    period_start: date
    period_end: date


def age_on(born: date, day: date) -> int:
    years = day.year - born.year
    if (day.month, day.day) < (born.month, born.day):
        years -= 1
    return years


def needs_consent(program: str, born: date, start: date) -> bool:
    return program == "prao" or age_on(born, start) < 18


