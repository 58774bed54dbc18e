"""Erasure (GDPR) of a participant reaches every service.

A participant of the season who was placed, confirmed and written to is erased through
registration's HTTP API. Then no table of any service holds the person's name, e-mail
address or phone number (each schema read as the superuser, every row cast to text), and
no message caught after the erasure (SMTP catcher, SMS fake) holds them either.

Messages delivered before the erasure are in the recipients' mailboxes and phones, out of
the system's reach (as real e-mail and SMS are): they are not searched.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Sequence

import asyncpg
import pytest

from devkit.infra import SERVICES, libpq_url
from devkit.wait import eventually
from praktik_cli.demo.records import Participant
from praktik_cli.demo.season import Season
from shared.contracts import topics
from tests.e2e.conftest import Outside, OwnDatabase

pytestmark = [pytest.mark.infra]


def needles(participant: Participant) -> dict[str, str]:
    """What identifies the person in text: name, e-mail, phone (E.164 and national)."""
    person = participant.person
    found = {"name": person.name}
    if person.email:
        found["email"] = person.email.lower()
    if person.phone:
        found["phone"] = person.phone
        found["phone (national)"] = "0" + person.phone.removeprefix("+46")
    return found


async def search_tables(db: OwnDatabase, what: dict[str, str]) -> list[tuple[str, str]]:
    """(schema.table, kind of needle) for every table row holding one of `what`."""
    conn = await asyncpg.connect(libpq_url(db.admin_database_url))
    hits: list[tuple[str, str]] = []
    try:
        tables = await conn.fetch(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_schema = ANY($1::text[]) AND table_type = 'BASE TABLE'",
            list(SERVICES))
        assert tables, "no tables found: wrong database?"
        for row in tables:
            name = f'"{row["table_schema"]}"."{row["table_name"]}"'
            for kind, needle in what.items():
                count = await conn.fetchval(
                    f"SELECT count(*) FROM {name} t WHERE lower(t::text) LIKE $1",
                    f"%{needle.lower()}%")
                if count:
                    hits.append((f"{row['table_schema']}.{row['table_name']}", kind))
    finally:
        await conn.close()
    return hits


def search_messages(blobs: Sequence[bytes | str], what: dict[str, str]) -> list[str]:
    hits = []
    for blob in blobs:
        text = (blob.decode(errors="replace") if isinstance(blob, bytes) else blob).lower()
        hits += [kind for kind, needle in what.items() if needle.lower() in text]
    return hits


def _decoded_mail(outside: Outside, start: int) -> list[str]:
    """Caught e-mails from index `start` on, headers and decoded bodies."""
    import email
    from email.policy import default

    texts = []
    for entry in outside.mail.messages()[start:]:
        message = email.message_from_bytes(outside.mail.read(entry), policy=default)
        parts = [str(message)]
        for part in message.walk():
            if part.get_content_maintype() == "text":
                parts.append(str(part.get_content()))
        texts.append("\n".join(parts) + "\n" + " ".join(entry["rcpt_tos"]))
    return texts


async def test_erasure_reaches_every_service(season: Season, e2e_infra: OwnDatabase,
                                            outside: Outside) -> None:
    await season.settle()
    confirmed = {e["data"]["participant_id"] for e in season.log.of("PlacementConfirmed")}
    candidates = [p for p in season.participants.values()
                  if str(p.id) in confirmed and p.person.phone and p.person.email]
    assert candidates, "no confirmed participant with e-mail and phone to erase"
    person = candidates[0]
    what = needles(person)

    # Before: the system does hold the person (else the search below proves nothing).
    before = {schema.split(".")[0] for schema, _ in await search_tables(e2e_infra, what)}
    assert {"registration", "notifications"} <= before
    mail_mark, sms_mark = len(outside.mail.messages()), len(outside.sms.messages)

    await season.call("DELETE", f"{season.endpoints.registration}/participants/{person.id}")
    season.erased.add(person.id)
    await eventually(lambda: any(
        e["data"]["participant_id"] == str(person.id)
        for e in season.log.of("ParticipantErased", topics.REGISTRATION_EVENTS)),
        30, "ParticipantErased on the bus", interval_s=0.2)
    await season.settle()

    # Every service has handled the erasure (its consumers are caught up); what it does
    # in the background (cancelled messages, the dispatcher) gets a little while.
    hits: list[tuple[str, str]] = []

    async def erased() -> bool:
        nonlocal hits
        hits = await search_tables(e2e_infra, what)
        return not hits

    with contextlib.suppress(AssertionError):  # the assert below names what is left
        await eventually(erased, 20, "no personal data left", interval_s=0.5)
    assert hits == [], "personal data left after erasure"

    mail_after = _decoded_mail(outside, mail_mark)
    sms_after = [f"{m['to']} {m['message']}" for m in outside.sms.messages[sms_mark:]]
    assert search_messages(mail_after, what) == []
    assert search_messages(sms_after, what) == []
    # And the person is gone from registration's API.
    response = await season.client.get(
        f"{season.endpoints.registration}/participants/{person.id}")
    assert response.status_code == 404
    assert uuid.UUID(str(person.id)) == person.id
