"""Schemathesis against matching's OpenAPI document (see `tests.support.openapi`), on a
freshly migrated schema: an admin's token reaches every handler, and the acceptance
links' routes get tokens of every shape."""

from __future__ import annotations

import pytest

from devkit.database import reset_schema
from devkit.infra import Infra
from devkit.services import service_settings
from services.matching.bootstrap import build
from services.matching.settings import MatchingSettings
from shared.runtime import Service
from tests.support.openapi import admin, check_document, document_of

pytestmark = pytest.mark.infra


@pytest.fixture(scope="module")
async def matching(infra: Infra) -> Service:
    service = build(MatchingSettings(**service_settings(infra, "matching", db_pool_size=2)))
    await reset_schema(infra, "matching", service.migrations)
    return service


def test_api_answers_by_its_document(matching: Service) -> None:
    statuses = check_document(document_of(matching.http_app()), admin(matching),
                              min_operations=11)
    assert {200, 403, 404, 422} <= set(statuses), statuses
