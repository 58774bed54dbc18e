"""A dispatcher in another process is woken by the recording transaction's commit
(Postgres NOTIFY), not before it, and listens again after its connection is lost."""

from __future__ import annotations

import asyncio
import contextlib

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from devkit.infra import libpq_url
from services.notifications.adapters import wakeup

pytestmark = pytest.mark.infra


async def _woken(event: asyncio.Event, timeout_s: float) -> bool:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), timeout=timeout_s)
        return True
    return False


async def test_commit_wakes_the_listener_and_a_lost_connection_is_replaced(db: str) -> None:
    woken = asyncio.Event()
    stop = asyncio.Event()
    job = asyncio.create_task(wakeup.listener(db, woken.set, retry_s=0.2)(stop))
    engine = create_async_engine(db)
    try:
        assert await _woken(woken, 10), "the listener never connected"  # its first wake
        woken.clear()
        async with engine.connect() as conn:
            async with AsyncSession(bind=conn) as session:
                await wakeup.announce_due(session)
                assert not await _woken(woken, 0.5), "woken before the commit"
                await session.commit()
        assert await _woken(woken, 5), "not woken by the commit"

        # The listener's connection is killed (as by a Postgres restart): it comes back.
        woken.clear()
        admin = await asyncpg.connect(libpq_url(db))
        try:
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE query LIKE 'LISTEN%' AND pid <> pg_backend_pid() "
                "AND datname = current_database()")
        finally:
            await admin.close()
        assert await _woken(woken, 10), "no new listener after the connection was lost"
        woken.clear()
        async with engine.begin() as conn:
            await conn.exec_driver_sql(f"NOTIFY {wakeup.CHANNEL}")
        assert await _woken(woken, 5)
    finally:
        stop.set()
        await asyncio.wait_for(job, timeout=10)
        await engine.dispose()
