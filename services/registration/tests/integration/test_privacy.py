"""No identity number reaches a log line, an event the service publishes, or a column of
its database in clear.

Self-contained: the test registers people of its own with synthetic identity numbers
(every written form: 10 and 12 digits, `-`, `+` and none, a coordination number,
guardians' numbers), over HTTP and over the intake topic, with refusals (a wrong check
digit, a source that may not speak for the municipality, a message that is not JSON)
among them, so that the paths that log and dead-letter run too. Then it searches what it
produced: the log lines rendered while it ran (without the redaction safety net: the
code itself must not log one), the records on the events and contacts topics, and every
row of the service's schema.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import pytest

from devkit.bus import TopicReader
from devkit.infra import Infra
from devkit.publisher import Publisher
from devkit.services import http_client
from devkit.wait import drained, settled
from services.registration.domain.identity import InvalidIdentityNumber, parse_identity_number
from services.registration.tests import support
from services.registration.tests.integration.conftest import LogLines
from services.registration.tests.pins import pin
from services.registration.tests.support import HALMSTAD, HR, SCHOOL
from shared.contracts import intake, topics
from shared.runtime import Service

pytestmark = pytest.mark.infra

DLQ = topics.dead_letter_topic(topics.REGISTRATION_INTAKE)
SEARCHED = [topics.REGISTRATION_EVENTS, topics.REGISTRATION_CONTACTS]


def forms(number: str) -> set[str]:
    """The ways a number may be written: as given, without separator, 10 and 12 digits."""
    digits = re.sub(r"\D", "", number)
    found = {number, digits}
    try:
        parsed = parse_identity_number(number, date.today())
    except InvalidIdentityNumber:
        return {f for f in found if len(f) >= 10}
    canonical = parsed.canonical
    return found | {canonical, canonical[2:], f"{canonical[2:8]}-{canonical[8:]}",
                    f"{canonical[:8]}-{canonical[8:]}"}


class Numbers:
    """The identity numbers this test hands the service (synthetic: see tests/pins.py).

    Adults are born on the 29th to 31st: `support.adult()` (the package's other tests)
    never draws those days, so no number here is registered by another test."""

    def __init__(self) -> None:
        self.given: list[str] = []
        self.serial = 980

    def __call__(self, born: date, **form: Any) -> str:
        self.serial += 1
        number = pin(born, self.serial % 1000, **form)
        self.given.append(number)
        return number

    def wrong_check_digit(self, born: date) -> str:
        good = self(born)
        bad = good[:-1] + str((int(good[-1]) + 1) % 10)
        self.given.append(bad)
        return bad

    def minor(self) -> str:
        """Born 14 years and two months ago (the package's other minors: one month)."""
        today = date.today()
        year, month = (today.year - 14, today.month - 2) if today.month > 2 else (
            today.year - 15, today.month + 10)
        return self(date(year, month, min(today.day, 28)))


async def test_no_identity_number_in_logs_events_or_columns(
        infra: Infra, service: Service, log_lines: LogLines) -> None:
    numbers = Numbers()
    mark = len(log_lines.lines)
    headers = support.token(HALMSTAD)
    async with TopicReader(infra.kafka_bootstrap, [*SEARCHED, DLQ]) as reader, \
            Publisher(infra.kafka_bootstrap) as publisher, http_client(service) as client:
        # Over HTTP: a minor with two guardians (one with a number), adults in every form.
        minor = support.participant_body(pin=numbers.minor(), minor_age=14)
        minor["guardians"][0]["personal_identity_number"] = numbers(date(1908, 5, 29),
                                                                    twelve=True, sep="")
        created = await client.post("/participants", json=minor, headers=headers)
        assert created.status_code == 201, created.text
        for number in (numbers(date(1907, 1, 29), twelve=True),              # YYYYMMDD-NNNN
                       numbers(date(1909, 8, 30), twelve=True, sep=""),     # YYYYMMDDNNNN
                       numbers(date(1906, 10, 31), sep="+"),                 # YYMMDD+NNNN
                       numbers(date(1910, 5, 29), sep="+", coordination=True)):  # day + 60
            answer = await client.post("/participants", headers=headers,
                                       json=support.participant_body(pin=number))
            assert answer.status_code == 201, answer.text
        refused = await client.post("/participants", headers=headers, json=support.participant_body(
            pin=numbers.wrong_check_digit(date(1908, 1, 29))))
        assert refused.status_code == 422
        assert not any(form in refused.text for form in forms(numbers.given[-1]))

        # Over the intake topic: registered, refused (rule, source), not even JSON.
        sent = [
            await publisher.send_data(topics.REGISTRATION_INTAKE, intake.RegisterParticipant(
                **support.participant_body(pin=numbers(date(1909, 3, 30), twelve=True))),
                source=SCHOOL),
            await publisher.send_data(topics.REGISTRATION_INTAKE, intake.RegisterParticipant(
                **support.participant_body(pin=numbers.wrong_check_digit(date(1907, 7, 31)))),
                source=SCHOOL),
            await publisher.send_data(topics.REGISTRATION_INTAKE, intake.RegisterParticipant(
                **support.participant_body(pin=numbers(date(1906, 7, 31), twelve=True))),
                source=HR),  # HR may not speak for Halmstad
        ]
        broken = numbers(date(1910, 10, 29))
        await publisher.send_raw(topics.REGISTRATION_INTAKE, json.dumps(
            {"personal_identity_number": broken}).encode()[:-1], key=HALMSTAD)

        ids = {event.id for event in sent}
        await reader.wait_for(lambda _: ids <= {e.get("causationid") for e in reader.events()}
                              and len([r for r in reader.records if r.topic == DLQ]) >= 3)
        await settled(service)
        await drained(reader)
    logs = "\n".join(log_lines.lines[mark:])
    assert "dead-lettered" in logs, "the refusals were not logged (nothing searched)"
    registered = reader.events(topics.REGISTRATION_EVENTS, "ParticipantRegistered")
    assert len(registered) >= 6, "the registrations were not published (nothing searched)"
    events = b"\n".join(r.value for r in reader.records if r.value and r.topic in SEARCHED)
    columns = await _every_row(service)

    leaks = sorted({f"{where}: {form}" for number in numbers.given for form in forms(number)
                    for where, text in (("log", logs), ("event", events.decode()),
                                        ("column", columns)) if form in text})
    assert not leaks, f"{len(leaks)} identity numbers in clear: {leaks}"


async def _every_row(service: Service) -> str:
    """Every row of every table of the service's schema, as text."""
    async with service.engine.connect() as conn:
        raw: Any = await conn.get_raw_connection()
        driver = raw.driver_connection
        tables = await driver.fetch("SELECT table_name FROM information_schema.tables "
                                    "WHERE table_schema = 'registration'")
        rows = []
        for (table,) in tables:
            rows += [row[0] for row in await driver.fetch(
                f'SELECT t::text FROM registration."{table}" t')]
    assert rows, "the service's tables are empty (nothing searched)"
    return "\n".join(rows)
