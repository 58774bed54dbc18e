"""Schemathesis against training's OpenAPI document (see `tests.support.openapi`), on a
freshly migrated schema, with an admin's token."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from devkit.infra import Infra
from services.training.bootstrap import build
from services.training.tests.integration.support import migrated, settings
from shared.runtime import Service
from tests.support.openapi import admin, check_document, document_of

pytestmark = pytest.mark.infra


@pytest.fixture(scope="module")
async def training(infra: Infra) -> AsyncIterator[Service]:
    """A service of its own on the migrated schema (its connections live on
    schemathesis' event loop thread)."""
    async with migrated(infra):
        yield build(settings(infra, db_pool_size=2))


def test_api_answers_by_its_document(training: Service) -> None:
    statuses = check_document(document_of(training.http_app()), admin(training),
                              min_operations=27)
    assert {200, 404, 422} <= set(statuses), statuses
