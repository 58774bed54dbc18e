"""Helpers for registration's tests: tokens, settings, sample requests (synthetic data)."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from devkit.infra import Infra
from devkit.services import service_settings
from services.registration.settings import RegistrationSettings
from services.registration.tests.pins import adult_pin, minor_pin, pin
from shared.auth import Role, issue_token

SECRET = "registration-tests-secret-0123456789abcdef"
SCHOOL = "urn:test:school-halland"
HR = "urn:test:hr-kungsbacka"
HALMSTAD, LAHOLM, KUNGSBACKA = "1380", "1381", "1384"
INTAKE_SOURCES = f"{SCHOOL}={HALMSTAD}|{LAHOLM};{HR}={KUNGSBACKA}"

def settings(infra: Infra, **overrides: Any) -> RegistrationSettings:
    values = service_settings(infra, "registration", auth_jwt_secret=SECRET,
                              intake_sources=INTAKE_SOURCES,
                              **{"kafka_metadata_max_age_ms": 500, **overrides})
    return RegistrationSettings(**values)


def token(*municipalities: str, role: Role = "coordinator") -> dict[str, str]:
    jwt = issue_token(SECRET, f"test-{role}", role, list(municipalities))
    return {"Authorization": f"Bearer {jwt}"}


def ref(kind: str) -> str:
    return f"{kind}-{uuid.uuid4().hex[:12]}"


_issued: set[str] = set()
"""Every number `adult()` and `minor()` gave out in this test process: one database is
shared by a run's tests, and two people drawn with the same number are one person to
registration (the second registration is refused), so none is given out twice."""


def _fresh(number: Callable[[int], str], space: int) -> str:
    for _ in range(4 * space):
        candidate = number(secrets.randbelow(space))
        if candidate not in _issued:
            _issued.add(candidate)
            return candidate
    raise RuntimeError("synthetic identity numbers used up for this birth date")


def adult(index: int | None = None) -> str:
    return adult_pin(index) if index is not None else _fresh(adult_pin, 1_000_000)


def minor(age: int = 14) -> str:
    """A minor `age` years old today; all of one age share a birth date (`minor_pin`)."""
    return _fresh(lambda serial: minor_pin(date.today(), age, serial), 1000)


def pupil(school_year: int = 8, start: date | None = None, month: int = 1) -> str:
    """A child in `school_year` on `start` (by default the first day of `period()`), so
    that the school-year rules hold whatever day the tests run; born on the 30th of
    `month` (no other helper draws that day for a child; a later month makes the child
    younger in the same school year)."""
    start = start or date.fromisoformat(period()[0])
    started = start.year if start.month >= 8 else start.year - 1
    born = date(started - 6 - school_year, month, 28 if month == 2 else 30)
    return _fresh(lambda serial: pin(born, serial), 1000)



def participant_body(municipality: str = HALMSTAD, *, pin: str | None = None,
                     minor_age: int | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "external_ref": ref("pupil"),
        "municipality_code": municipality,
        "personal_identity_number": pin or (minor(minor_age) if minor_age else adult()),
        "name": "Testa Testsson",
        "email": "testa@example.org",
        "phone": "070-123 45 67",
        "sms_allowed": True,
        "gender": "female",
        "preferred_language": "sv",
        "needs": ["language_support"],
        "guardians": [],
    }
    if minor_age is not None:
        body["guardians"] = [
            {"name": "Vera Vårdnadshavare", "email": "vera@example.org",
             "phone": "+46 70 765 43 21", "language": "sv", "sms_allowed": True,
             "personal_identity_number": adult()},
            {"name": "Gustav Vårdnadshavare", "email": "gustav@example.org", "language": "en"},
        ]
    body.update(extra)
    return body


def workplace_body(municipality: str = HALMSTAD, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "external_ref": ref("wp"),
        "org_number": "212000-1355",
        "name": "Fritidsgården Testet",
        "sector": "municipal",
        "municipality_code": municipality,
        "client_contact": False,
        "min_age": 13,
        "address": "Storgatan 1, Halmstad",
        "manager": {"name": "Maja Chef", "email": "maja@example.org", "phone": "035-13 70 00"},
    }
    body.update(extra)
    return body


def supervisor_body(municipality: str = HALMSTAD, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "external_ref": ref("sup"),
        "municipality_code": municipality,
        "name": "Hugo Handledare",
        "email": "hugo@example.org",
        "phone": "0701112233",
        "sms_allowed": False,
        "languages": ["sv", "en"],
        "max_participants": 3,
    }
    body.update(extra)
    return body


def period(days_ahead: int = 60, length: int = 11) -> tuple[str, str]:
    start = date.today() + timedelta(days=days_ahead)
    return start.isoformat(), (start + timedelta(days=length)).isoformat()


def offer_body(municipality: str = HALMSTAD, **extra: Any) -> dict[str, Any]:
    start, end = period()
    body: dict[str, Any] = {
        "external_ref": ref("offer"),
        "municipality_code": municipality,
        "program": "prao",
        "occupation": "5311",
        "period_start": start,
        "period_end": end,
        "capacity": 2,
        "supports": ["language_support"],
    }
    body.update(extra)
    return body


def request_body(municipality: str = HALMSTAD, **extra: Any) -> dict[str, Any]:
    start, end = period()
    body: dict[str, Any] = {
        "external_ref": ref("req"),
        "municipality_code": municipality,
        "program": "prao",
        "period_start": start,
        "period_end": end,
        "preferences": [{"occupation": "5311"}],
        "needs": ["language_support"],
        "priority": 1,
    }
    body.update(extra)
    return body


async def registered_set(client: Any, municipality: str = HALMSTAD,
                         headers: dict[str, str] | None = None) -> dict[str, Any]:
    """Over HTTP: a workplace with a supervisor, a prao offer, a pupil of school year 8
    with guardians and a prao request."""
    headers = headers or token(municipality)
    wp = await client.post("/workplaces", json=workplace_body(municipality),
                           headers=headers)
    assert wp.status_code == 201, wp.text
    sup = await client.post("/supervisors", json=supervisor_body(
        municipality, workplace_id=wp.json()["workplace_id"]), headers=headers)
    assert sup.status_code == 201, sup.text
    offer = await client.post("/offers", json=offer_body(
        municipality, workplace_id=wp.json()["workplace_id"],
        supervisor_id=sup.json()["supervisor_id"]), headers=headers)
    assert offer.status_code == 201, offer.text
    person = await client.post("/participants", json=participant_body(
        municipality, pin=pupil(8), minor_age=14), headers=headers)
    assert person.status_code == 201, person.text
    req = await client.post("/requests", json=request_body(
        municipality, participant_id=person.json()["participant_id"],
        preferences=[{"workplace_id": wp.json()["workplace_id"]}, {"occupation": "5311"}]),
        headers=headers)
    assert req.status_code == 201, req.text
    return {"workplace": wp.json(), "supervisor": sup.json(), "offer": offer.json(),
            "participant": person.json(), "request": req.json()}
