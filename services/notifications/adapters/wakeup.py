"""Waking dispatchers in other processes: Postgres `NOTIFY` on commit, `LISTEN` here.

A consumer's commit that records messages wakes the dispatcher of its own process
directly; a dispatcher in another process (`services.notifications.entrypoints.worker`,
another replica) would otherwise find the rows only at its next idle poll. `NOTIFY` inside the
recording transaction is delivered on commit and only then, so a wake-up never comes
before the rows are visible. The poll stays as the fallback: a lost listener connection
(Postgres restarting) costs latency, never a message.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

import asyncpg
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from shared.jobs import Job, sleep_or_stop
from shared.logging import get_logger

log = get_logger(__name__)

CHANNEL = "notifications_due"

_NOTIFY = text("SELECT pg_notify(:channel, '')")


async def announce_due(session: AsyncSession) -> None:
    """Within the recording transaction: listeners are woken when it commits."""
    await session.execute(_NOTIFY, {"channel": CHANNEL})


def listener(database_url: str, wake: Callable[[], None],
             retry_s: float = 2.0) -> Job:
    """A job (`job(stop)`) that calls `wake` on every notification until `stop`."""
    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(
        hide_password=False)

    async def job(stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                connection = await asyncpg.connect(dsn)
            except Exception as error:
                log.info("dispatcher wake-ups waiting for the database",
                         error_type=type(error).__name__)
                await sleep_or_stop(stop, retry_s)
                continue
            await _listen(connection, wake, stop)

    return job


async def _listen(connection: asyncpg.Connection, wake: Callable[[], None],
                  stop: asyncio.Event) -> None:
    """Until `stop` or the connection is lost; then close it."""
    lost = asyncio.Event()
    try:
        connection.add_termination_listener(lambda _: lost.set())
        await connection.add_listener(CHANNEL, lambda *_: wake())
        wake()  # anything recorded while no one listened
        waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(lost.wait())]
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in waits:
                waiting.cancel()
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(connection.close(), timeout=2)
