"""Databases for tests and benchmarks: a service's clean schema (drop its tables, migrate
to head), or a whole database of their own on the same server; and what a service's
migrations built that its metadata does not describe (`migration_drift`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import asyncpg
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, text
from sqlalchemy.ext.asyncio import create_async_engine

from devkit.infra import Infra, libpq_url
from shared.migrations import upgrade_async


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


async def create_database(infra: Infra, name: str, owner: str | None = None) -> str:
    """A fresh database `name` (dropped first if it is there); returns its admin URL."""
    admin = await asyncpg.connect(libpq_url(infra.admin_database_url))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"' + (f' OWNER "{owner}"' if owner else ""))
    finally:
        await admin.close()
    return libpq_url(infra.admin_database_url, name)


async def drop_database(infra: Infra, name: str) -> None:
    admin = await asyncpg.connect(libpq_url(infra.admin_database_url))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def migration_drift(infra: Infra, service: str, metadata: MetaData) -> list[Any]:
    """Alembic's differences between the service's schema as migrated and `metadata`
    (empty: the hand-written migrations build exactly the tables the code describes).
    Compared as the superuser, for whom the service's schema is not the default one, so
    that reflection names the schema as the metadata does."""
    admin = create_async_engine(infra.admin_database_url)
    try:
        async with admin.connect() as conn:
            def diff(sync_conn: Any) -> list[Any]:
                context = MigrationContext.configure(sync_conn, opts={
                    "include_schemas": True, "compare_type": True,
                    "include_name": lambda name, type_, _: (
                        name == service if type_ == "schema" else name != "alembic_version"),
                })
                return list(compare_metadata(context, metadata))

            return await conn.run_sync(diff)
    finally:
        await admin.dispose()
