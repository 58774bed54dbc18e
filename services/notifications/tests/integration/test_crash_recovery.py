"""A dispatcher killed (SIGKILL) in the middle of a batch: after a restart every missing
message is sent, and no message recorded as sent goes out a second time. Messages that
were in flight at the kill (claimed, not yet recorded) may go twice, with the same
Message-ID: that is the bounded window the README describes."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import uuid
from collections import Counter
from pathlib import Path

from devkit.infra import Infra
from devkit.mail import SmtpCatcher
from devkit.wait import eventually
from services.notifications.adapters.email import message_id
from services.notifications.bootstrap import build
from services.notifications.tests.integration.support import deliver, rows, settings
from shared.contracts.contacts import ContactDetailsRecorded
from shared.contracts.matching import PlacementWaitlisted
from shared.runtime import Service

COUNT = 60


async def _spawn(env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.notifications.entrypoints.worker",
        env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)


async def _record_letters(service: Service) -> None:
    """COUNT people, each with one letter to send (a waitlisting)."""
    for i in range(COUNT):
        contact = ContactDetailsRecorded(
            person_id=uuid.uuid4(), role="participant", name=f"P{i}",
            email=f"p{i}-{uuid.uuid4().hex[:6]}@example.test", language="sv")
        await deliver(service, contact)
        await deliver(service, PlacementWaitlisted(
            request_id=uuid.uuid4(), participant_id=contact.person_id,
            municipality_code="1380", program="internship", reasons=[]))


async def _all_sent(service: Service) -> bool:
    found = await rows(service, "select count(*) from notifications.notifications "
                                "where status = 'sent'")
    return int(found[0][0]) == COUNT


async def test_killed_mid_batch_sends_the_rest_and_no_second_copy(
        infra: Infra, db: str, tmp_path: Path) -> None:
    catcher = SmtpCatcher(tmp_path / "mail", delay_s=0.1).start()
    from devkit.sms import ElksFake

    elks = ElksFake()  # never started: this test sends e-mail only
    config = settings(infra, db, catcher, elks, lease_s=2.0, dispatch_batch_size=20,
                      dispatch_loops=1, smtp_connections=4, dispatcher_enabled=False)
    service = build(config)
    await service.migrate()
    env = {**os.environ, **{f"NOTIFICATIONS_{k.upper()}": str(v) for k, v in {
        "database_url": config.database_url, "smtp_host": catcher.host,
        "smtp_port": catcher.port, "lease_s": 2.0, "dispatch_batch_size": 20,
        "dispatch_loops": 1, "smtp_connections": 4, "dispatch_idle_s": 0.1,
        "email_rate_per_s": 2000, "log_json": "false"}.items()}}
    try:
        await _record_letters(service)
        first = await _spawn(env)
        try:
            await eventually(lambda: len(catcher.messages()) >= 30, what="half the messages")
        finally:
            first.send_signal(signal.SIGKILL)
            await first.wait()
        snapshot = await rows(service, "select notification_id, status from "
                                       "notifications.notifications")
        recorded_sent = {r.notification_id for r in snapshot if r.status == "sent"}
        in_doubt = {r.notification_id for r in snapshot if r.status == "sending"}
        assert len(recorded_sent) < COUNT, "killed too late: nothing left to recover"
        assert in_doubt, "the kill did not land inside a batch"

        second = await _spawn(env)
        try:
            await eventually(lambda: _all_sent(service), timeout_s=60,
                             what="every message recorded as sent")
        finally:
            second.send_signal(signal.SIGTERM)
            await second.wait()

        copies = Counter(m["message_id"] for m in catcher.messages())
        domain = config.message_id_domain
        for r in snapshot:
            expected = message_id(r.notification_id, domain)
            assert copies[expected] >= 1, "a message was never sent"
            if r.notification_id in recorded_sent:
                assert copies[expected] == 1, "a message recorded as sent went out again"
            else:
                assert copies[expected] <= 2
        duplicates = [mid for mid, n in copies.items() if n > 1]
        assert len(duplicates) <= len(in_doubt)
        assert len(copies) == COUNT
    finally:
        catcher.stop()
        await service.engine.dispose()
