"""Notifications' integration tests run in a database of their own (same server, same
role), so a notifications service started by someone else's end-to-end test on the
shared `praktik` database never claims these tests' messages, and vice versa."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.engine import make_url

from devkit.database import create_database, drop_database
from devkit.infra import Infra
from services.notifications.tests.integration.support import clean_schema


@pytest.fixture(scope="session")
async def own_database(infra: Infra) -> AsyncIterator[str]:
    name = f"notifications_test_{os.getpid()}"
    await create_database(infra, name, owner="notifications")
    url = make_url(infra.database_url("notifications")).set(database=name)
    yield url.render_as_string(hide_password=False)
    await drop_database(infra, name)


@pytest.fixture
async def db(own_database: str) -> str:
    """A clean `notifications` schema (migrated by the service at start)."""
    await clean_schema(own_database)
    return own_database
