"""Temporary and permanent failures against the real SMTP server and the SMS fake:
451 then 250 → one message after a retry; 550 → NotificationFailed, no retry, fallback to
SMS where the person has it; 429 from the SMS API → the Retry-After is respected; what
reached no one, listed for the coordinator."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from devkit.bus import TopicReader
from devkit.infra import Infra
from devkit.services import http_client, running
from devkit.wait import eventually
from services.notifications.bootstrap import build
from services.notifications.tests.integration.support import (
    deliver,
    mail_to,
    outside_world,
    rows,
    settings,
)
from shared.auth import issue_token
from shared.contracts import topics
from shared.contracts.contacts import ContactDetailsRecorded
from shared.contracts.matching import PlacementWaitlisted
from shared.contracts.training import EnrolmentRecorded


def person(tag: str, sms: bool) -> ContactDetailsRecorded:
    return ContactDetailsRecorded(
        person_id=uuid.uuid4(), role="participant", name=f"Test {tag}",
        email=f"{tag}-{uuid.uuid4().hex[:6]}@example.test",
        phone=f"+46701{uuid.uuid4().int % 1000000:06d}", language="sv", sms_allowed=sms)


def waitlisted(contact: ContactDetailsRecorded) -> PlacementWaitlisted:
    return PlacementWaitlisted(request_id=uuid.uuid4(), participant_id=contact.person_id,
                               municipality_code="1380", program="internship",
                               reasons=["no_capacity"])


def outcomes_for(reader: TopicReader, cause_id: str) -> list[dict[str, Any]]:
    return [e for e in reader.events(topics.NOTIFICATIONS_EVENTS)
            if e["data"]["cause_event_id"] == cause_id]


async def test_smtp_temporary_then_permanent_failures(infra: Infra, db: str,
                                                      tmp_path: Path) -> None:
    retried, refused, fallback = person("retried", False), person("refused", False), \
        person("fallback", True)
    async with outside_world(tmp_path) as (catcher, elks), \
            running(infra, lambda: build(settings(infra, db, catcher, elks)),
                    reset=False) as service, \
            TopicReader(infra.kafka_bootstrap, [topics.NOTIFICATIONS_EVENTS]) as reader:
        catcher.respond(retried.email or "", 451, 250)
        catcher.respond(refused.email or "", 550)
        catcher.respond(fallback.email or "", 550)
        for contact in (retried, refused, fallback):
            await deliver(service, contact)
        causes = {c.person_id: (await deliver(service, waitlisted(c))).id
                  for c in (retried, refused, fallback)}

        await reader.wait_for(lambda _: all(
            outcomes_for(reader, causes[c.person_id]) for c in (retried, refused))
            and len(outcomes_for(reader, causes[fallback.person_id])) == 2)

        # 451 then 250: one message, delivered at the second attempt.
        assert len(mail_to(catcher, retried.email or "")) == 1
        [ok] = outcomes_for(reader, causes[retried.person_id])
        assert ok["type"] == "NotificationDelivered" and ok["data"]["attempts"] == 2
        # 550: failed at once, never retried, no SMS (not allowed for this person).
        [failed] = outcomes_for(reader, causes[refused.person_id])
        assert failed["type"] == "NotificationFailed"
        assert failed["data"]["attempts"] == 1 and "550" in failed["data"]["error"]
        assert [c for a, c in catcher.refused if a == refused.email] == [550]
        assert mail_to(catcher, refused.email or "") == []
        # 550 with a phone that may get SMS: the letter goes by SMS instead.
        kinds = sorted((e["type"], e["data"]["channel"])
                       for e in outcomes_for(reader, causes[fallback.person_id]))
        assert kinds == [("NotificationDelivered", "sms"), ("NotificationFailed", "email")]
        assert [s["to"] for s in elks.messages] == [fallback.phone]
        attempts = await rows(service, "select outcome from notifications.attempts a join "
                                       "notifications.notifications n using (notification_id) "
                                       "where n.recipient_id = :p order by attempt",
                              p=retried.person_id)
        assert [a.outcome for a in attempts] == ["TemporaryFailure", "Delivered"]
        # The coordinator's list of what reached no one: the refused letter, not the one
        # that went by SMS instead, nor the one delivered at the second attempt.
        token = issue_token(service.settings.auth_jwt_secret, "c", "coordinator", ["1380"])
        async with http_client(service) as client:
            listed = await client.get("/notifications/undelivered", params={
                "municipality_code": "1380"}, headers={"Authorization": f"Bearer {token}"})
            assert listed.status_code == 200, listed.text
            ours = {str(c.person_id) for c in (retried, refused, fallback)}
            assert [(m["participant_id"], m["template"], m["channel"]) for m in listed.json()
                    if m["participant_id"] in ours] == [
                (str(refused.person_id), "waitlisted", "email")]
            elsewhere = await client.get("/notifications/undelivered", params={
                "municipality_code": "1381"}, headers={"Authorization": f"Bearer {token}"})
            assert elsewhere.status_code == 403


async def test_sms_api_429_is_respected(infra: Infra, db: str, tmp_path: Path) -> None:
    contact = person("sms", True)
    async with outside_world(tmp_path) as (catcher, elks), \
            running(infra, lambda: build(settings(infra, db, catcher, elks)),
                    reset=False) as service:
        elks.fail_next(429, count=1, retry_after=1.5)
        await deliver(service, contact)
        enrolment = EnrolmentRecorded(
            session_id=uuid.uuid4(), person_id=contact.person_id, role="supervisor",
            status="enrolled", course="base_course",
            starts_at=datetime.now(UTC) + timedelta(hours=5), municipality_code="1380")
        await deliver(service, enrolment)
        await eventually(lambda: len(elks.messages) == 1, what="the SMS after 429")

        async def settled() -> bool:
            return bool(await rows(service, "select 1 from notifications.notifications "
                                            "where channel = 'sms' and status = 'sent'"))

        await eventually(settled, what="the SMS recorded as sent")
        assert elks.refused == [429] and elks.requests == 2
        assert elks.messages[0]["message"].startswith("Påminnelse: grundutbildning")
        found = await rows(service, "select a.attempt, a.outcome, a.at from notifications.attempts "
                                    "a join notifications.notifications n using "
                                    "(notification_id) where n.channel = 'sms' order by attempt")
        assert [(r.attempt, r.outcome) for r in found] == [
            (1, "TemporaryFailure"), (2, "Delivered")]
        assert (found[1].at - found[0].at).total_seconds() >= 1.5
        # The e-mail confirmation went its own way, untouched by the SMS API's 429.
        await eventually(lambda: len(mail_to(catcher, contact.email or "")) == 1,
                         what="the confirmation")
