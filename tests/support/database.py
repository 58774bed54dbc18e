"""Give a service a clean schema for a test session: drop its tables, migrate to head."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from shared.migrations import upgrade_async
from tests.support.infra import Infra


async def reset_schema(infra: Infra, service: str, migrations: Path | None) -> str:
    """Recreate the service's schema (as superuser) and run its migrations (as its role).

    Returns the service role's database URL.
    """
    admin = create_async_engine(infra.admin_database_url)
    async with admin.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA IF EXISTS "{service}" CASCADE'))
        await conn.execute(text(f'CREATE SCHEMA "{service}" AUTHORIZATION "{service}"'))
    await admin.dispose()
    url = infra.database_url(service)
    if migrations is not None:
        await upgrade_async(url, migrations)
    return url
