"""The hand-written migrations build exactly the tables the code's metadata describes."""

from __future__ import annotations

import pytest

from devkit.database import migration_drift
from devkit.infra import Infra
from services.training.adapters.orm import metadata
from services.training.tests.integration.support import migrated

pytestmark = pytest.mark.infra


async def test_migrations_match_the_metadata(infra: Infra) -> None:
    async with migrated(infra):
        assert await migration_drift(infra, "training", metadata) == []
