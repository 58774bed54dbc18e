"""The hand-written migration builds exactly the tables the code's metadata describes."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from devkit.infra import Infra
from services.training.adapters.orm import metadata
from services.training.tests.integration.support import migrated

pytestmark = pytest.mark.infra


async def test_migration_matches_the_metadata(infra: Infra) -> None:
    # Compared as the superuser, for whom `training` is not the default schema, so that
    # reflection names the schema as the metadata does.
    admin = create_async_engine(infra.admin_database_url)
    async with migrated(infra), admin.connect() as conn:
        def diff(sync_conn: Any) -> list[Any]:
            context = MigrationContext.configure(sync_conn, opts={
                "include_schemas": True, "compare_type": True,
                "include_name": lambda name, type_, _: (
                    name == "training" if type_ == "schema" else name != "alembic_version"),
            })
            return list(compare_metadata(context, metadata))

        assert await conn.run_sync(diff) == []
    await admin.dispose()
