"""Notifications' integration tests run in a database of their own (same server, same
role), so a notifications service started by someone else's end-to-end test on the
shared `praktik` database never claims these tests' messages, and vice versa."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from tests.support.infra import Infra


def _plain(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
async def own_database(infra: Infra) -> AsyncIterator[str]:
    name = f"notifications_test_{os.getpid()}"
    admin = await asyncpg.connect(_plain(infra.admin_database_url))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}" OWNER notifications')
    finally:
        await admin.close()
    url = make_url(infra.database_url("notifications")).set(database=name)
    yield url.render_as_string(hide_password=False)
    admin = await asyncpg.connect(_plain(infra.admin_database_url))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture
async def db(own_database: str) -> str:
    """A clean `notifications` schema (migrated by the service at start)."""
    conn = await asyncpg.connect(_plain(own_database))
    try:
        await conn.execute("DROP SCHEMA IF EXISTS notifications CASCADE")
        await conn.execute("CREATE SCHEMA notifications")
    finally:
        await conn.close()
    return own_database
