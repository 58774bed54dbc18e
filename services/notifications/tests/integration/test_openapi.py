"""Schemathesis against notifications' OpenAPI document (see `tests.support.openapi`), on
a freshly migrated schema in the tests' own database, with an admin's token (the
opt-out link and the provider's receipts get whatever schemathesis makes up)."""

from __future__ import annotations

import pytest

from devkit.infra import Infra
from devkit.services import service_settings
from services.notifications.bootstrap import build
from services.notifications.settings import NotificationsSettings
from services.notifications.tests.integration.support import clean_schema
from shared.runtime import Service
from tests.support.openapi import admin, check_document, document_of

pytestmark = pytest.mark.infra


@pytest.fixture(scope="module")
async def notifications(infra: Infra, own_database: str) -> Service:
    await clean_schema(own_database)
    service = build(NotificationsSettings(**service_settings(
        infra, "notifications", database_url=own_database, db_pool_size=2,
        dispatcher_enabled=False)))
    await service.migrate()
    return service


def test_api_answers_by_its_document(notifications: Service) -> None:
    statuses = check_document(document_of(notifications.http_app()), admin(notifications),
                              min_operations=4)
    assert {401, 403, 404, 422} <= set(statuses), statuses
