"""Helpers for notifications' integration tests: the local SMTP and SMS servers, settings
pointing at them, recording events straight through the handlers, waiting."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import text

from devkit.infra import Infra, libpq_url
from devkit.mail import SmtpCatcher
from devkit.services import service_settings
from devkit.sms import ElksFake
from services.notifications.settings import NotificationsSettings
from shared.contracts.base import EventData
from shared.contracts.envelope import CloudEvent, new_event
from shared.runtime import Service


@asynccontextmanager
async def outside_world(tmp: Path) -> AsyncIterator[tuple[SmtpCatcher, ElksFake]]:
    catcher = SmtpCatcher(tmp / "mail").start()
    elks = await ElksFake().start()
    try:
        yield catcher, elks
    finally:
        await elks.stop()
        catcher.stop()


def settings(infra: Infra, db: str, catcher: SmtpCatcher, elks: ElksFake,
             **overrides: Any) -> NotificationsSettings:
    """Settings for a test: its own database `db`, the local SMTP and SMS servers."""
    values = service_settings(
        infra, "notifications", database_url=db,
        smtp_host=catcher.host, smtp_port=catcher.port, sms_base_url=elks.base_url,
        sms_username=elks.username, sms_password=elks.password,
        quiet_start="08:00", quiet_end="08:00",  # no quiet hours in tests: sent at once
        backoff_initial_s=0.3, backoff_max_s=2.0, jitter=0.2, max_attempts=3,
        dispatch_idle_s=0.1, email_rate_per_s=2000, sms_rate_per_s=2000, digest_hour=0,
        digest_interval_s=3600)
    values.update(overrides)
    return NotificationsSettings(**values)


async def deliver(service: Service, data: EventData, event: CloudEvent | None = None,
                  ) -> CloudEvent:
    """Hand one event to the handler its subscription has, as the consumer would (but
    without the inbox: a redelivery reaches the handler again)."""
    event = event or new_event(data, source="urn:test", subject=str(uuid.uuid4()))
    for subscription in service.subscriptions:
        handler = subscription.handlers.get(type(data))
        if handler is None:
            continue
        async with service.uow() as uow:
            uow.cause = event
            await handler(data, uow)
            await uow.commit()
    return event


async def clean_schema(db: str) -> None:
    """An empty `notifications` schema in the test's database (the service migrates it)."""
    conn = await asyncpg.connect(libpq_url(db))
    try:
        await conn.execute("DROP SCHEMA IF EXISTS notifications CASCADE")
        await conn.execute("CREATE SCHEMA notifications")
    finally:
        await conn.close()


async def rows(service: Service, sql: str, **params: Any) -> list[Any]:
    async with service.engine.connect() as conn:
        return list(await conn.execute(text(sql), params))


def mail_to(catcher: SmtpCatcher, address: str) -> list[dict[str, Any]]:
    return [m for m in catcher.messages() if address in m["rcpt_tos"]]
