"""The hand-written migrations build exactly the tables the code's metadata describes."""

from __future__ import annotations

import pytest

from devkit.database import migration_drift, reset_schema
from devkit.infra import Infra
from services.matching.adapters.orm import metadata
from services.matching.bootstrap import MIGRATIONS

pytestmark = pytest.mark.infra


async def test_migrations_match_the_metadata(infra: Infra) -> None:
    await reset_schema(infra, "matching", MIGRATIONS)
    assert await migration_drift(infra, "matching", metadata) == []
