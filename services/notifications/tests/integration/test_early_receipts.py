"""Against real Postgres: a delivery receipt that arrives before the dispatcher has recorded
the provider's id is taken (204), kept, and applied when the dispatcher settles that SMS,
with the e-mail fallback once; and the receipt's and the settle's transactions, run at the
same time in either order, never both miss each other (the advisory lock on the id)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

from devkit.infra import Infra
from devkit.services import http_client, running
from devkit.wait import eventually
from services.notifications.adapters.receipts import LOCK_CLASS, lock_key
from services.notifications.bootstrap import build, dispatcher, unit_of_work
from services.notifications.domain.model import Delivered, SendOutcome
from services.notifications.tests.examples import World
from services.notifications.tests.integration.support import (
    deliver,
    mail_to,
    outside_world,
    rows,
    settings,
)
from services.notifications.unit_of_work import NotificationsUnitOfWork
from shared.clock import utc_now
from shared.contracts.training import EnrolmentRecorded
from shared.runtime import Service

AUTH = ("elks-receipts", "change-me-receipts")
URL = "/notifications/sms/receipts"


class ReceiptFirst:
    """A provider whose receipt (`failed`) reaches us before its answer to the send does:
    the receipt is posted, and answered, before the dispatcher can settle."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.answers: list[int] = []

    async def send(self, to: str, message: str) -> SendOutcome:
        ref = f"early-{len(self.answers) + 1}"
        answer = await self.client.post(URL, auth=AUTH, data={"id": ref, "status": "failed"})
        self.answers.append(answer.status_code)
        return Delivered(provider_ref=ref)

    async def close(self) -> None:
        pass


async def _reminder(service: Service, world: World) -> str:
    """A confirmation e-mail and a reminder SMS to the supervisor; the enrolment's id."""
    for event in [*world.contacts(), *world.registration(), world.session_event()]:
        await deliver(service, event)
    enrolled = next(e for e in world.routed() if isinstance(e, EnrolmentRecorded))
    return (await deliver(service, enrolled)).id


async def _mine(service: Service, cause: str, world: World) -> list[Any]:
    return await rows(service, "select template, channel, status, receipt_status from "
                               "notifications.notifications where cause_event_id = :c and "
                               "recipient_id = :p order by template, channel",
                      c=cause, p=world.supervisor)


async def _kept(service: Service) -> list[Any]:
    return [r.provider_ref for r in await rows(
        service, "select provider_ref from notifications.sms_receipts")]


async def test_a_receipt_before_the_settle_is_kept_and_applied_once(
        infra: Infra, db: str, tmp_path: Path) -> None:
    world = World()
    async with outside_world(tmp_path) as (catcher, elks):
        config = settings(infra, db, catcher, elks, dispatcher_enabled=False)
        async with running(infra, lambda: build(config), reset=False) as service, \
                http_client(service) as client:
            cause = await _reminder(service, world)
            provider = ReceiptFirst(client)
            sender = dispatcher(config, lambda: unit_of_work(service), utc_now, sms=provider)
            assert await sender.dispatch_once() >= 2  # the e-mail and the SMS (and others)
            assert provider.answers == [204]  # taken, not 404, before the SMS was recorded
            assert await _kept(service) == []  # applied by the settle
            assert [(r.template, r.channel, r.status, r.receipt_status)
                    for r in await _mine(service, cause, world)] == [
                ("course_reminder", "email", "pending", None),
                ("course_reminder", "sms", "sent", "failed"),
                ("enrolment_confirmation", "email", "sent", None)]

            again = await client.post(URL, auth=AUTH, data={"id": "early-1", "status": "failed"})
            assert again.status_code == 204  # a repeat, now on its SMS: no second fallback
            assert await sender.dispatch_once() == 1
            reminders = [m for m in mail_to(catcher, world.email("supervisor"))
                         if m["subject"].startswith("Påminnelse")]
            assert len(reminders) == 1
            assert len(await _mine(service, cause, world)) == 3
            assert await sender.dispatch_once() == 0

            never = await client.post(URL, auth=AUTH, data={"id": "nobody", "status": "sent"})
            assert never.status_code == 204 and await _kept(service) == ["nobody"]
            malformed = await client.post(URL, auth=AUTH, data={"id": "x", "status": "lost"})
            assert malformed.status_code == 422 and "status" in malformed.text


async def _sms_row(service: Service, cause: str) -> Any:
    [row] = await rows(service, "select notification_id from notifications.notifications "
                                "where cause_event_id = :c and channel = 'sms'", c=cause)
    return row.notification_id


async def _waiting_on_lock(service: Service, ref: str) -> bool:
    """Someone waits for the receipts' advisory lock on `ref` in this database."""
    found = await rows(
        service, "select count(*) from pg_locks where locktype = 'advisory' and not granted "
                 "and objsubid = 2 and classid = :c and objid = :k and database = "
                 "(select oid from pg_database where datname = current_database())",
        c=LOCK_CLASS & 0xFFFFFFFF, k=lock_key(ref) & 0xFFFFFFFF)
    return int(found[0][0]) > 0


async def _write_ref(uow: NotificationsUnitOfWork, notification_id: Any, ref: str) -> None:
    """As the settle does: the provider's id on the SMS, in the settle's transaction."""
    await uow.session.execute(text(
        "update notifications.notifications set provider_ref = :r, status = 'sent' "
        "where notification_id = :n"), {"r": ref, "n": notification_id})


async def test_a_receipt_and_a_settle_at_once_never_both_miss(
        infra: Infra, db: str, tmp_path: Path) -> None:
    world = World()
    async with outside_world(tmp_path) as (catcher, elks):
        config = settings(infra, db, catcher, elks, dispatcher_enabled=False)
        async with running(infra, lambda: build(config), reset=False) as service, \
                http_client(service) as client:
            cause = await _reminder(service, world)
            sms_id = await _sms_row(service, cause)

            # The settle goes first: its lock is held until it commits; the receipt waits,
            # then finds the SMS.
            async with unit_of_work(service) as settle:
                await _write_ref(settle, sms_id, "race-1")
                assert await settle.receipts.apply_kept(["race-1"]) == []
                receipt = asyncio.create_task(client.post(
                    URL, auth=AUTH, data={"id": "race-1", "status": "failed"}))
                await eventually(lambda: _waiting_on_lock(service, "race-1"),
                                 what="the receipt waits for the settle")
                assert not receipt.done()
                await settle.commit()
            assert (await receipt).status_code == 204
            assert await _kept(service) == []
            statuses = [(r.template, r.channel, r.receipt_status)
                        for r in await _mine(service, cause, world)]
            assert ("course_reminder", "sms", "failed") in statuses
            assert ("course_reminder", "email", None) in statuses  # the fallback

            # The receipt goes first: kept, and the settle that waited for it applies it.
            async with unit_of_work(service) as early:
                assert await early.receipts.record("race-2", "delivered", utc_now()) is None
                async with unit_of_work(service) as settle:
                    await _write_ref(settle, sms_id, "race-2")
                    applying = asyncio.create_task(settle.receipts.apply_kept(["race-2"]))
                    await eventually(lambda: _waiting_on_lock(service, "race-2"),
                                     what="the settle waits for the receipt")
                    await early.commit()
                    [(row, status)] = await applying
                    await settle.commit()
            assert (row.notification_id, status) == (sms_id, "delivered")
            assert await _kept(service) == []
            [sms] = [r for r in await _mine(service, cause, world) if r.channel == "sms"]
            assert sms.receipt_status == "delivered"
