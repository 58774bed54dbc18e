"""Events on Kafka → the right messages, in the right language, to a real SMTP server
(aiosmtpd) and the local 46elks fake; redelivery gives no second message."""

from __future__ import annotations

import email
import email.policy
from collections import Counter
from pathlib import Path
from typing import Any

from devkit.bus import TopicReader
from devkit.infra import Infra
from devkit.mail import SmtpCatcher
from devkit.publisher import Publisher
from devkit.services import running
from devkit.sms import ElksFake
from devkit.wait import eventually
from services.notifications.bootstrap import build
from services.notifications.tests.examples import EXPECTED, World
from services.notifications.tests.integration.support import (
    deliver,
    outside_world,
    rows,
    settings,
)
from shared.contracts import topics
from shared.contracts.registry import topic_of
from shared.runtime import Service

FIRST = 8
"""The first events of `World.routed()`: a season up to a confirmed placement, a
waitlisting and a waitlisted enrolment (the rest, declines, a cancellation and an
erasure, are the unit tests' `test_message_table.py`)."""
EXPECTED_FIRST = {e for e in EXPECTED if e[0] in {
    "course_invitation", "enrolment_confirmation", "course_reminder", "certificate",
    "certification_note", "placement_proposal", "consent_request", "placement_offer",
    "welcome_letter", "day_one_checklist", "waitlisted", "enrolment_waitlisted"}}

def body(catcher: SmtpCatcher, entry: dict[str, Any]) -> tuple[str, str]:
    message = email.message_from_bytes(catcher.read(entry), policy=email.policy.default)
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


async def _store_world(service: Service, publisher: Publisher, world: World) -> None:
    for contact in world.contacts():
        await publisher.send_data(topics.REGISTRATION_CONTACTS, contact,
                                  subject=str(contact.person_id))
    for event in world.registration():
        await publisher.send_data(topics.REGISTRATION_EVENTS, event)

    async def known() -> bool:
        found = await rows(service, "select (select count(*) from notifications.contacts "
                                    "where person_id = any(:ids)), (select count(*) from "
                                    "notifications.offers where offer_id = :offer)",
                           ids=[c.person_id for c in world.contacts()], offer=world.offer)
        return tuple(found[0]) == (5, 1)

    await eventually(known, what="contacts and read models")


async def test_every_routed_message_arrives_once_with_the_right_content(
        infra: Infra, db: str, tmp_path: Path) -> None:
    world = World()
    async with outside_world(tmp_path) as (catcher, elks), \
            running(infra, lambda: build(settings(infra, db, catcher, elks)),
                    reset=False) as service, \
            Publisher(infra.kafka_bootstrap) as publisher, \
            TopicReader(infra.kafka_bootstrap, [topics.NOTIFICATIONS_EVENTS]) as outcomes:
        await _store_world(service, publisher, world)
        sent = []
        for event in world.routed()[:FIRST]:
            sent.append(await publisher.send_data(topic_of(event), event))

        emails = sum(1 for e in EXPECTED_FIRST if e[2] == "email")
        smses = sum(1 for e in EXPECTED_FIRST if e[2] == "sms")
        mine = {world.email(r) for r in ("participant", "guardian", "supervisor", "manager")}
        phones = {world.phone(r) for r in ("supervisor",)}

        def arrived() -> bool:
            got = [m for m in catcher.messages() if set(m["rcpt_tos"]) & mine]
            texts = [s for s in elks.messages if s["to"] in phones]
            return len(got) >= emails and len(texts) >= smses

        await eventually(arrived, timeout_s=60, what="every routed message")

        _check_contents(catcher, elks, world, phones)

        # The confirmed placement's cause event, delivered five times more: twice through
        # Kafka (the inbox absorbs it) and three times straight to the handler (the unique
        # key absorbs it). Then a sentinel on the same partition, to know all was seen.
        confirmed = world.routed()[5]
        cause = sent[5]
        for _ in range(2):
            await publisher.send(topics.MATCHING_EVENTS, cause, key=world.municipality)
        for _ in range(3):
            await deliver(service, confirmed, cause)
        sentinel = world.routed()[6].model_copy(update={"program": "job_track"})
        await publisher.send_data(topics.MATCHING_EVENTS, sentinel)
        await eventually(lambda: len(by_subject(catcher, "jobbspår")) == 1,
                         what="the sentinel")

        per = Counter((tuple(m["rcpt_tos"]), m["subject"]) for m in catcher.messages()
                      if set(m["rcpt_tos"]) & mine)
        assert max(per.values()) == 1, per
        assert len(per) == emails + 2  # the sentinel: to the participant and the guardian
        assert len([s for s in elks.messages if s["to"] in phones]) == smses
        found = await rows(service, "select count(*), count(distinct (recipient_id, channel)) "
                                    "from notifications.notifications where cause_event_id = :c",
                           c=cause.id)
        assert tuple(found[0]) == (3, 3)  # participant, guardian (a minor's), supervisor
        await _check_outcomes(service, outcomes, {s.id for s in sent}, emails + smses)


def _check_contents(catcher: SmtpCatcher, elks: ElksFake, world: World,
                    phones: set[str]) -> None:
    """Each person's letters in their language, with the right subjects and contents."""
    by_person: dict[str, list[dict[str, Any]]] = {}
    for m in catcher.messages():
        for rcpt in m["rcpt_tos"]:
            by_person.setdefault(rcpt, []).append(m)
    subjects = {role: sorted(m["subject"] for m in by_person[world.email(role)])
                for role in ("participant", "guardian", "supervisor", "manager")}
    # Swedish for the participant and the supervisor, English for guardian and manager.
    assert all(m["language"] == "sv" for m in by_person[world.email("participant")])
    assert all(m["language"] == "en" for m in by_person[world.email("guardian")])
    assert all(m["language"] == "en" for m in by_person[world.email("manager")])
    assert subjects["participant"] == sorted([
        "Välkomstbrev: prao på Ekonomiskt bistånd",
        "Förslag på plats: prao",
        "Du väntar på en plats: feriejobb"])
    assert len(subjects["guardian"]) == 3
    assert "Consent needed: work experience (prao) for Elsa Ek" in subjects["guardian"]
    assert ("Welcome letter: work experience (prao) at Ekonomiskt bistånd"
            in subjects["guardian"])
    assert any(s.startswith("Elsa Ek is waiting for a place") for s in subjects["guardian"])
    assert len(subjects["supervisor"]) == 5 and len(subjects["manager"]) == 3
    assert any(s.startswith("Invitation: breakfast meeting") for s in subjects["manager"])
    assert "A supervisor at your workplace is certified" in subjects["manager"]

    letter = next(m for m in by_person[world.email("participant")]
                  if m["subject"].startswith("Välkomstbrev"))
    text, html = body(catcher, letter)
    assert "Hej Elsa Ek!" in text and "Stortorget 1, Hässleholm" in text
    assert "Kontaktperson: Kim Berg" in text and "Sekretess" in text
    assert "Receptionen, entré B" in text and "Lunch och inneskor" in text
    assert "<li>Du kommer inte att träffa klienter" in html
    assert letter["message_id"].startswith("<") and "@" in letter["message_id"]
    checklist = next(m for m in by_person[world.email("supervisor")]
                     if m["subject"].startswith("Checklista"))
    assert "muntlig information om sekretess" in body(catcher, checklist)[0]
    proposal = next(m for m in by_person[world.email("supervisor")]
                    if m["subject"].startswith("En praktikant"))
    assert "http://127.0.0.1:8000/l/" in body(catcher, proposal)[0]  # the portal
    texts = sorted(s["message"] for s in elks.messages if s["to"] in phones)
    assert texts[0].startswith("Praktikant föreslås till dig")
    assert texts[1].startswith("Påminnelse: grundutbildning för handledare i morgon")


async def _check_outcomes(service: Service, outcomes: TopicReader, causes: set[str],
                          count: int) -> None:
    """Each message's outcome is on notifications.events.v1, and each message was
    delivered once. (Other notifications services on the shared broker may read these
    test events too and publish outcomes of their own, so uniqueness is checked in this
    service's database.)"""
    ids = {r.notification_id for r in await rows(
        service, "select notification_id from notifications.notifications "
                 "where cause_event_id = any(:c)", c=list(causes))}
    assert len(ids) == count
    await outcomes.wait_for(lambda _: {
        e["data"]["notification_id"] for e in outcomes.events(type_="NotificationDelivered")
    } >= {str(i) for i in ids})
    deliveries = await rows(service, "select notification_id, count(*) as n from "
                                     "notifications.attempts where outcome = 'Delivered' "
                                     "group by notification_id")
    assert {r.notification_id: r.n for r in deliveries if r.notification_id in ids} == \
        dict.fromkeys(ids, 1)


def by_subject(catcher: SmtpCatcher, fragment: str) -> list[dict[str, Any]]:
    return [m for m in catcher.messages() if fragment in m["subject"]]

