"""Delivery receipts (provider credentials checked), the coordinator's view per placement,
SMS opt-out, quiet hours, the daily digest, and erasure."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from devkit.infra import Infra
from devkit.services import http_client, running
from devkit.wait import eventually
from services.notifications.bootstrap import build
from services.notifications.domain.commands import SendDigests
from services.notifications.tests.examples import World
from services.notifications.tests.integration.support import (
    deliver,
    mail_to,
    outside_world,
    rows,
    settings,
)
from shared.auth import issue_token
from shared.contracts.registration import ParticipantErased
from shared.links import HEADER, LinkSigner
from shared.runtime import Service


async def _world(service: Service, world: World) -> None:
    for contact in world.contacts():
        await deliver(service, contact)
    for event in world.registration():
        await deliver(service, event)


async def _receipts(client: httpx.AsyncClient, sms_id: str) -> None:
    """Wrong or missing credentials → 401; a bad status or no id → 422 naming the field;
    an id not (yet) known → 204, kept for when its SMS is recorded; the receipt → 204."""
    form = {"id": sms_id, "status": "delivered", "delivered": "2026-05-04T10:00:00"}
    url = "/notifications/sms/receipts"
    assert (await client.post(url, data=form)).status_code == 401
    assert (await client.post(url, data=form, auth=("elks-receipts", "nope"))
            ).status_code == 401
    creds = ("elks-receipts", "change-me-receipts")
    bad = await client.post(url, data={**form, "status": "lost"}, auth=creds)
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "status"
    nameless = await client.post(url, data={**form, "id": ""}, auth=creds)
    assert nameless.status_code == 422 and nameless.json()["detail"][0]["field"] == "id"
    assert (await client.post(url, data={**form, "id": "not-yet"}, auth=creds)
            ).status_code == 204
    assert (await client.post(url, data=form, auth=creds)).status_code == 204


async def _coordinator_view(service: Service, client: httpx.AsyncClient,
                            world: World) -> dict[str, str]:
    """The placement's messages, to its municipality's coordinator only; returns that
    coordinator's headers."""
    secret = service.settings.auth_jwt_secret
    own = {"Authorization": "Bearer " + issue_token(secret, "c", "coordinator", ["1293"])}
    other = {"Authorization": "Bearer " + issue_token(secret, "c", "coordinator", ["1380"])}
    path = f"/notifications/placements/{world.placement}"
    assert (await client.get(path)).status_code == 401
    assert (await client.get(path, headers=other)).status_code == 403

    async def settled() -> bool:
        view = (await client.get(path, headers=own)).json()["messages"]
        return len(view) == 7 and all(m["status"] == "sent" for m in view)

    await eventually(settled, what="every message of the placement sent")
    view = (await client.get(path, headers=own)).json()["messages"]
    seen = {(m["recipient_role"], m["template"], m["channel"], m["receipt"]) for m in view}
    assert seen == {
        ("supervisor", "placement_proposal", "email", None),
        ("supervisor", "placement_proposal", "sms", "delivered"),
        ("guardian", "consent_request", "email", None),
        ("participant", "placement_offer", "email", None),
        ("participant", "welcome_letter", "email", None),
        ("guardian", "welcome_letter", "email", None),
        ("supervisor", "day_one_checklist", "email", None),
    }
    assert (await client.get(f"/notifications/placements/{uuid.uuid4()}", headers=own)
            ).status_code == 404
    return own


async def _opt_out_by_link(service: Service, client: httpx.AsyncClient, world: World) -> None:
    """The link API the portal's opt-out page calls (docs/portal.md): the token in
    X-Praktik-Link; altered 403, expired 410, used 409, and nothing changes then."""
    signer = LinkSigner(service.settings.link_secret)
    url = "/notifications/links/opt_out"
    later = datetime.now(UTC) + timedelta(days=365)
    token = signer.sign("opt_out", world.supervisor, world.supervisor, later,
                        world.municipality, channel="sms")
    shown = await client.get(url, headers={HEADER: token})
    assert shown.status_code == 200
    assert shown.json() == {"channel": "sms", "opted_out": False, "answered": False}
    altered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    assert (await client.post(url, json={"confirm": True}, headers={HEADER: altered})
            ).status_code == 403
    expired = signer.sign("opt_out", world.supervisor, world.supervisor,
                          datetime.now(UTC) - timedelta(minutes=1), world.municipality,
                          channel="sms")
    gone = await client.post(url, json={"confirm": True}, headers={HEADER: expired})
    assert gone.status_code == 410
    assert gone.json()["problem"] == "link_expired"
    wrong = signer.sign("consent", world.supervisor, world.supervisor, later,
                        world.municipality)
    assert (await client.get(url, headers={HEADER: wrong})).status_code == 403
    assert (await client.post(url, json={"confirm": False}, headers={HEADER: token})
            ).status_code == 422
    still = await rows(service, "select sms_opt_out, email_opt_out from notifications.contacts "
                                "where person_id = :p", p=world.supervisor)
    assert [(r.sms_opt_out, r.email_opt_out) for r in still] == [(False, False)]
    done = await client.post(url, json={"confirm": True}, headers={HEADER: token})
    assert done.status_code == 200 and done.json()["opted_out"] is True
    used = await client.post(url, json={"confirm": True}, headers={HEADER: token})
    assert used.status_code == 409 and used.json()["problem"] == "link_used"
    assert (await client.get(url, headers={HEADER: token})).json() == {
        "channel": "sms", "opted_out": True, "answered": True}
    after = await rows(service, "select sms_opt_out, email_opt_out from notifications.contacts "
                                "where person_id = :p", p=world.supervisor)
    assert [(r.sms_opt_out, r.email_opt_out) for r in after] == [(True, False)]


async def test_receipts_view_opt_out_and_erasure(infra: Infra, db: str, tmp_path: Path) -> None:
    world = World()
    async with outside_world(tmp_path) as (catcher, elks), \
            running(infra, lambda: build(settings(infra, db, catcher, elks)),
                    reset=False) as service, \
            http_client(service) as client:
        await _world(service, world)
        proposed, confirmed = world.routed()[4], world.routed()[5]
        await deliver(service, proposed)
        await eventually(lambda: len(elks.messages) == 1, what="the proposal SMS")
        sms_id = elks.messages[0]["id"]

        async def recorded() -> bool:  # the fake answered; wait for our record of it
            return bool(await rows(service, "select 1 from notifications.notifications "
                                            "where provider_ref = :r", r=sms_id))

        await eventually(recorded, what="the SMS recorded with the provider's id")

        await _receipts(client, sms_id)

        # The coordinator sees, per placement, what reached whom.
        await deliver(service, confirmed)
        await eventually(lambda: len(mail_to(catcher, world.email("participant"))) == 1,
                         what="the welcome letter")
        own = await _coordinator_view(service, client, world)

        # Opt-out of SMS by the person's own link: the next SMS goes as e-mail instead.
        await _opt_out_by_link(service, client, world)
        second = proposed.model_copy(update={"placement_id": uuid.uuid4()})
        await deliver(service, second)
        await eventually(lambda: len([m for m in mail_to(catcher, world.email("supervisor"))
                                      if m["subject"].startswith("En praktikant")]) == 2,
                         what="the second proposal by e-mail")
        assert len(elks.messages) == 1
        bad_put = await client.put(f"/notifications/contacts/{world.supervisor}/sms-opt-out",
                                   json={"opt_out": "perhaps"}, headers=own)
        assert bad_put.status_code == 422 and bad_put.json()["detail"][0]["field"] == "opt_out"

        # Erasure: contact gone, message history without personal content.
        await deliver(service, ParticipantErased(participant_id=world.participant,
                                                 municipality_code=world.municipality))
        left = await rows(service, "select context::text as c from notifications.notifications "
                                   "where recipient_id = :p or about_participant_id = :p",
                          p=world.participant)
        assert left and all(r.c == "{}" for r in left)
        gone = await rows(service, "select 1 from notifications.contacts where person_id = :p",
                          p=world.participant)
        assert gone == []


async def test_quiet_hours_and_daily_digest(infra: Infra, db: str, tmp_path: Path) -> None:
    world = World()
    night = datetime(2026, 5, 4, 21, 30, tzinfo=UTC)  # 23:30 in Stockholm
    async with outside_world(tmp_path) as (catcher, elks), \
            running(infra, lambda: build(settings(
                infra, db, catcher, elks, quiet_start="21:00", quiet_end="08:00"),
                clock=lambda: night), reset=False) as service:
        await _world(service, world)
        await deliver(service, world.routed()[4])  # proposal: e-mail and SMS
        await eventually(lambda: mail_to(catcher, world.email("supervisor")),
                         what="the proposal e-mail")
        sql = ("select status, not_before, attempts, last_error from "
               "notifications.notifications where channel = 'sms'")

        async def settled() -> bool:
            return [r.last_error for r in await rows(service, sql)] == ["quiet hours"]

        await eventually(settled, what="the SMS deferred")
        deferred = await rows(service, sql)
        assert [(r.status, r.not_before, r.attempts) for r in deferred] == [
            ("pending", datetime(2026, 5, 5, 6, 0, tzinfo=UTC), 0)]  # 08:00 CEST
        assert elks.messages == []

        bus = service.state["bus"]
        assert await bus.handle(SendDigests(night)) >= 1
        assert await bus.handle(SendDigests(night)) == 0  # once a day per coordinator
        await eventually(lambda: mail_to(catcher, world.email("coordinator")),
                         what="the digest")
        [digest] = mail_to(catcher, world.email("coordinator"))
        assert digest["subject"] == "Dagens sammanfattning 2026-05-04 (1293)"
