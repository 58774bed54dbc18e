"""Notifications: e-mails per second delivered to a local SMTP server and SMS per second to
the local 46elks fake, from cause events on Kafka, beside the raw aiosmtplib send rate to
the same server in the same run (same number of connections).

Setup (not timed): the SMTP catcher and the SMS fake in a subprocess of their own, the
service on a database of its own with its consumers, relay and dispatcher, and the
recipients' contact details stored. Timed: from the first cause event produced to the last
message recorded as sent (e-mail: `PlacementWaitlisted` → one letter each; SMS:
`EnrolmentRecorded` → a confirmation e-mail and a reminder SMS each).
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiosmtplib
import asyncpg
from aiokafka import AIOKafkaProducer
from sqlalchemy import text
from sqlalchemy.engine import make_url

from devkit.bus import physical
from devkit.database import create_database, drop_database
from devkit.infra import Infra, libpq_url
from devkit.ports import free_port
from devkit.services import service_settings, wait_until_assigned
from devkit.wait import eventually
from services.notifications.adapters.email import OutgoingEmail, build_message
from services.notifications.adapters.templates import Renderer
from services.notifications.bootstrap import build
from services.notifications.domain.model import Contact
from services.notifications.settings import NotificationsSettings
from services.notifications.unit_of_work import NotificationsUnitOfWork
from shared.contracts import topics
from shared.contracts.base import EventData
from shared.contracts.envelope import new_event
from shared.contracts.matching import PlacementWaitlisted
from shared.contracts.registry import encode
from shared.contracts.training import EnrolmentRecorded
from shared.runtime import Service

EMAILS = int(os.environ.get("BENCH_EMAILS", "10000"))
SMSES = int(os.environ.get("BENCH_SMSES", "600"))
BATCH = int(os.environ.get("BENCH_DISPATCH_BATCH", "100"))
LOOPS = int(os.environ.get("BENCH_DISPATCH_LOOPS", "4"))
RAW = EMAILS
"""As many raw sends as letters: both windows long enough that start-up counts little."""
CONNECTIONS = 8


async def _own_database(infra: Infra, name: str) -> str:
    """A database of the bench's own, owned by the notifications role, with its schema."""
    await create_database(infra, name, owner="notifications")
    url = make_url(infra.database_url("notifications")).set(database=name)
    own = await asyncpg.connect(libpq_url(url.render_as_string(hide_password=False)))
    try:
        await own.execute("CREATE SCHEMA notifications")
    finally:
        await own.close()
    return url.render_as_string(hide_password=False)


async def _raw_rate(host: str, port: int, count: int) -> float:
    """aiosmtplib alone: prebuilt MIME bytes over CONNECTIONS reused connections. The
    letters are the ones the service sends in the timed part (the `waitlisted` template,
    rendered and built before the clock starts), so both carry the same bytes."""
    renderer = Renderer()
    messages = []
    for i in range(count):
        letter = renderer.email("waitlisted", "sv", {
            "program": "internship", "reasons": ["no_capacity"],
            "recipient_name": f"Person {i}"})
        messages.append(build_message(
            notification_id=uuid.uuid4(), domain="bench.test", sender="bench@praktik.example",
            to=f"raw{i}@example.test", subject=letter.subject, text=letter.text,
            html=letter.html, language=letter.language))
    queue: asyncio.Queue[OutgoingEmail] = asyncio.Queue()
    for message in messages:
        queue.put_nowait(message)

    async def worker() -> None:
        client = aiosmtplib.SMTP(hostname=host, port=port)
        await client.connect()
        while not queue.empty():
            message = queue.get_nowait()
            await client.sendmail(message.sender, [message.to], message.data)
        await client.quit()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONNECTIONS)))
    return count / (time.perf_counter() - started)


async def _count(service: Any, sql: str) -> int:
    async with service.engine.connect() as conn:
        return int((await conn.execute(text(sql))).scalar_one())


async def _produce(infra: Infra, topic: str, events: list[EventData]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=infra.kafka_bootstrap, enable_idempotence=True,
                                linger_ms=5, max_batch_size=256 * 1024,
                                **infra.kafka_security.aiokafka_kwargs())
    await producer.start()
    topic = physical(topic)
    try:
        futures = []
        for data in events:
            event = new_event(data, source="urn:bench", subject=str(uuid.uuid4()))
            futures.append(await producer.send(topic, encode(event),
                                               key=(data.kafka_key(event.subject) or "").encode()))
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def _until(service: Any, sql: str, target: int, limit_s: float,
                 recorded_sql: str | None = None) -> float:
    """When `sql` counts `target`; prints when the consumer had recorded them all."""
    started = time.perf_counter()
    recorded_at: float | None = None

    async def reached() -> bool:
        nonlocal recorded_at
        if await _count(service, sql) >= target:
            return True
        if recorded_sql and recorded_at is None and await _count(service, recorded_sql) >= target:
            recorded_at = time.perf_counter()
            print(f"  consumer recorded all {target} after {recorded_at - started:.1f} s",
                  flush=True)
        return False

    await eventually(reached, limit_s, f"{target} counted by {sql!r}", interval_s=0.05)
    return time.perf_counter()


@asynccontextmanager
async def _devservers() -> AsyncIterator[tuple[int, int]]:
    """The SMTP catcher and the SMS fake in a process of their own: (SMTP port, SMS port)."""
    smtp_port, sms_port = free_port(), free_port()
    mail_dir = Path(tempfile.mkdtemp(prefix="bench-mail-"))
    servers = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "devkit.devservers",
        env={**os.environ, "DEV_SMTP_PORT": str(smtp_port), "DEV_SMS_PORT": str(sms_port),
             "DEV_MAIL_DIR": str(mail_dir)},
        stdout=asyncio.subprocess.PIPE)
    assert servers.stdout is not None
    print((await servers.stdout.readline()).decode().strip(), flush=True)
    try:
        yield smtp_port, sms_port
    finally:
        servers.terminate()
        await servers.wait()


def _settings(infra: Infra, db: str, smtp_port: int, sms_port: int) -> NotificationsSettings:
    return NotificationsSettings(**service_settings(
        infra, "notifications", database_url=db, smtp_port=smtp_port,
        sms_base_url=f"http://127.0.0.1:{sms_port}", smtp_connections=CONNECTIONS,
        quiet_start="08:00", quiet_end="08:00", email_rate_per_s=100000,
        sms_rate_per_s=100000, dispatch_batch_size=BATCH, dispatch_loops=LOOPS,
        sms_concurrency=8, log_level="WARNING", digest_interval_s=3600,
        dispatcher_enabled=False))


@asynccontextmanager
async def _worker(settings: NotificationsSettings) -> AsyncIterator[None]:
    """The dispatcher in a worker process of its own (services.notifications.entrypoints.worker)."""
    worker = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.notifications.entrypoints.worker",
        env={**os.environ, **{f"NOTIFICATIONS_{k.upper()}": str(v) for k, v in
                              settings.model_dump().items() if v is not None},
             "NOTIFICATIONS_DISPATCHER_ENABLED": "true",
             "NOTIFICATIONS_QUIET_START": "08:00", "NOTIFICATIONS_QUIET_END": "08:00"},
        stdout=asyncio.subprocess.DEVNULL)
    try:
        yield
    finally:
        worker.terminate()
        await worker.wait()


async def _store_contacts(service: Service, people: list[uuid.UUID]) -> None:
    async with service.uow() as uow:
        assert isinstance(uow, NotificationsUnitOfWork)
        for i, person in enumerate(people):
            await uow.directory.save_contact(Contact(
                person, "participant", f"Person {i}", f"p{i}@example.test",
                f"+4670{i:07d}", "sv", True))
        await uow.commit()


def _waitlisted(among: list[uuid.UUID]) -> list[EventData]:
    return [PlacementWaitlisted(
        request_id=uuid.uuid4(), participant_id=p, municipality_code="1380",
        program="internship", reasons=["no_capacity"]) for p in among]


async def _email_rate(infra: Infra, service: Service, people: list[uuid.UUID],
                      raw: float) -> float:
    """Letters per second, Kafka to SMTP: `PlacementWaitlisted` → one letter each."""
    # Untimed: one letter end to end, so the worker process has started, imported
    # and connected before the clock runs (its start-up is not the service's rate).
    await _produce(infra, topics.MATCHING_EVENTS, _waitlisted(people[:1]))
    await _until(service, "select count(*) from notifications.notifications "
                          "where status = 'sent'", 1, 120)
    started = time.perf_counter()
    await _produce(infra, topics.MATCHING_EVENTS, _waitlisted(people[1:]))
    done = await _until(service, "select count(*) from notifications.notifications "
                                 "where status = 'sent' and channel = 'email'",
                        EMAILS + 1, 120, "select count(*) "
                                         "from notifications.notifications "
                                         "where channel = 'email'")
    emails = EMAILS / (done - started)
    print(f"service: {emails:.0f} e-mails/s from Kafka to SMTP "
          f"({EMAILS} in {done - started:.1f} s; {emails / raw:.0%} of raw)", flush=True)
    return emails


async def _sms_rate(infra: Infra, service: Service, supervisors: list[uuid.UUID]) -> float:
    """SMS per second, Kafka to the 46elks fake: `EnrolmentRecorded` → a confirmation
    e-mail and a reminder SMS each."""
    starts = datetime.now(UTC) + timedelta(hours=6)
    enrolments: list[EventData] = [EnrolmentRecorded(
        session_id=uuid.uuid4(), person_id=s, role="supervisor", status="enrolled",
        course="base_course", starts_at=starts, municipality_code="1380")
        for s in supervisors]
    started = time.perf_counter()
    await _produce(infra, topics.TRAINING_EVENTS, enrolments)
    done = await _until(service, "select count(*) from notifications.notifications "
                                 "where status = 'sent' and channel = 'sms'", SMSES, 120)
    smses = SMSES / (done - started)
    print(f"service: {smses:.0f} SMS/s from Kafka to the 46elks fake "
          f"({SMSES} in {done - started:.1f} s, with {SMSES} e-mails alongside)", flush=True)
    return smses


async def _service_rates(infra: Infra, settings: NotificationsSettings,
                         raw: float) -> tuple[float, float, int]:
    """(e-mails per second, SMS per second, failed) of the service and its worker."""
    service = build(settings)
    await service.migrate()
    stop = asyncio.Event()
    tasks = await service.start_messaging(stop)
    try:
        async with _worker(settings):
            await wait_until_assigned(service)
            people = [uuid.uuid4() for _ in range(EMAILS + 1)]
            supervisors = [uuid.uuid4() for _ in range(SMSES)]
            await _store_contacts(service, people + supervisors)
            emails = await _email_rate(infra, service, people, raw)
            smses = await _sms_rate(infra, service, supervisors)
            failed = await _count(service, "select count(*) from notifications.notifications "
                                           "where status = 'failed'")
    finally:
        stop.set()
        await service.stop_messaging(tasks)
    return emails, smses, failed


async def run(infra: Infra) -> dict[str, float | int | str]:
    async with _devservers() as (smtp_port, sms_port):
        name = f"notifications_bench_{os.getpid()}"
        db = await _own_database(infra, name)
        try:
            raw = await _raw_rate("127.0.0.1", smtp_port, RAW)
            print(f"raw aiosmtplib: {raw:.0f} e-mails/s ({CONNECTIONS} connections)",
                  flush=True)
            emails, smses, failed = await _service_rates(
                infra, _settings(infra, db, smtp_port, sms_port), raw)
        finally:
            await drop_database(infra, name)
    return {
        "emails_per_s": round(emails, 1), "raw_aiosmtplib_per_s": round(raw, 1),
        "emails_vs_raw": round(emails / raw, 3), "sms_per_s": round(smses, 1),
        "emails": EMAILS, "sms": SMSES, "failed": failed,
        "smtp_connections": CONNECTIONS,
        "target": ">= 300 e-mails/s and >= 50% of raw",
    }
