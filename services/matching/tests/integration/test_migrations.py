"""The hand-written migrations build exactly the tables the code's metadata describes."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from devkit.database import reset_schema
from devkit.infra import Infra
from services.matching.adapters.orm import metadata
from services.matching.bootstrap import MIGRATIONS

pytestmark = pytest.mark.infra


async def test_migrations_match_the_metadata(infra: Infra) -> None:
    await reset_schema(infra, "matching", MIGRATIONS)
    # Compared as the superuser, for whom `matching` is not the default schema, so that
    # reflection names the schema as the metadata does.
    admin = create_async_engine(infra.admin_database_url)
    async with admin.connect() as conn:
        def diff(sync_conn: Any) -> list[Any]:
            context = MigrationContext.configure(sync_conn, opts={
                "include_schemas": True, "compare_type": True,
                "include_name": lambda name, type_, _: (
                    name == "matching" if type_ == "schema" else name != "alembic_version"),
            })
            return list(compare_metadata(context, metadata))

        assert await conn.run_sync(diff) == []
    await admin.dispose()
