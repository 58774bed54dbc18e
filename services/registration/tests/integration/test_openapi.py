"""Schemathesis against registration's OpenAPI document (see `tests.support.openapi`),
on the real database."""

from __future__ import annotations

from typing import Any

import pytest

from devkit.infra import Infra
from services.registration.bootstrap import build
from services.registration.tests import support
from shared.runtime import Service
from tests.support.openapi import check_document, document_of

pytestmark = pytest.mark.infra


@pytest.fixture(scope="module")
async def registration_api(infra: Infra, service: Service) -> Any:
    """A fresh app on the schema the package's service migrated."""
    return document_of(build(support.settings(infra, db_pool_size=2)).http_app())


def test_api_answers_by_its_document(registration_api: Any) -> None:
    statuses = check_document(registration_api, support.token(role="admin"),
                              min_operations=20)
    # The cases reached the handlers: reads, refusals naming fields, unknown ids.
    assert {200, 404, 422} <= set(statuses), statuses
