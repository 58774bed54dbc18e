"""Against real Postgres, the dispatcher, the SMTP catcher and the 46elks fake: an SMS
whose receipt says failed goes by e-mail although the same event already e-mailed that
person (the dedupe key has the template); and the municipality profile read model signs
the letters and takes the replies."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from pathlib import Path

from devkit.infra import Infra
from devkit.services import http_client, running
from devkit.wait import eventually
from services.notifications.bootstrap import build
from services.notifications.tests.examples import World
from services.notifications.tests.integration.support import (
    deliver,
    mail_to,
    outside_world,
    rows,
    settings,
)
from shared.contracts.matching import PlacementWaitlisted
from shared.contracts.training import EnrolmentRecorded
from shared.runtime import Service


async def _world(service: Service, world: World) -> None:
    for event in [*world.contacts(), *world.registration()]:
        await deliver(service, event)


def _letter(raw: bytes) -> EmailMessage:
    found = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(found, EmailMessage)
    return found


async def test_a_failed_sms_falls_back_to_email_beside_another_email_of_the_event(
        infra: Infra, db: str, tmp_path: Path) -> None:
    world = World()
    async with outside_world(tmp_path) as (catcher, elks), \
            running(infra, lambda: build(settings(infra, db, catcher, elks)),
                    reset=False) as service, \
            http_client(service) as client:
        await _world(service, world)
        await deliver(service, world.session_event())
        enrolled = next(e for e in world.routed() if isinstance(e, EnrolmentRecorded))
        cause = await deliver(service, enrolled)  # a confirmation e-mail and a reminder SMS
        supervisor = world.email("supervisor")
        await eventually(lambda: len(elks.messages) == 1, what="the reminder SMS")
        await eventually(lambda: any(m["subject"].startswith("Du har en plats")
                                     for m in mail_to(catcher, supervisor)),
                         what="the confirmation e-mail")
        sms_id = elks.messages[0]["id"]

        async def recorded() -> bool:
            return bool(await rows(service, "select 1 from notifications.notifications "
                                            "where provider_ref = :r", r=sms_id))

        await eventually(recorded, what="the SMS recorded with the provider's id")
        receipt = await client.post(
            "/notifications/sms/receipts", auth=("elks-receipts", "change-me-receipts"),
            data={"id": sms_id, "status": "failed", "delivered": ""})
        assert receipt.status_code == 204
        await eventually(lambda: any(m["subject"].startswith("Påminnelse")
                                     for m in mail_to(catcher, supervisor)),
                         what="the reminder by e-mail")
        mine = await rows(service, "select template, channel, status, receipt_status from "
                                   "notifications.notifications where cause_event_id = :c "
                                   "and recipient_id = :p order by template, channel",
                          c=cause.id, p=world.supervisor)
        assert [(r.template, r.channel, r.receipt_status) for r in mine] == [
            ("course_reminder", "email", None), ("course_reminder", "sms", "failed"),
            ("enrolment_confirmation", "email", None)]


async def test_the_profile_signs_the_letter_and_takes_the_replies(
        infra: Infra, db: str, tmp_path: Path) -> None:
    world = World()
    async with outside_world(tmp_path) as (catcher, elks), \
            running(infra, lambda: build(settings(infra, db, catcher, elks)),
                    reset=False) as service:
        await _world(service, world)
        profile = world.profile()
        await deliver(service, profile)
        stored = await rows(service, "select name, coordinator_email from "
                                     "notifications.municipalities where municipality_code = :m",
                            m=world.municipality)
        assert [(r.name, r.coordinator_email) for r in stored] == [
            ("Hässleholms kommun", str(profile.coordinator_email))]
        waitlisted = next(e for e in world.routed() if isinstance(e, PlacementWaitlisted))
        await deliver(service, waitlisted)
        await eventually(lambda: mail_to(catcher, world.email("participant")),
                         what="the waitlisting letter")
        [entry] = mail_to(catcher, world.email("participant"))
        letter = _letter(catcher.read(entry))
        assert letter["from"] == "Hässleholms kommun via Praktik <noreply@praktik.example>"
        assert letter["reply-to"] == str(profile.coordinator_email)
        body = letter.get_body(("plain",))
        assert body is not None
        text = body.get_content()
        assert "Eva Lund, praktiksamordnare" in text and "+46451123456" in text
        assert "Hässleholms kommun" in text
        assert "http://127.0.0.1:8000/l/" in text  # the e-mail opt-out link, to the portal
