"""Schemathesis against the published OpenAPI document: generated requests (valid and
not) never get a 5xx, and every answer matches the document (status, content type,
body schema). Runs through schemathesis' ASGI transport on the real database."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from services.registration.bootstrap import build
from services.registration.tests import support
from shared.runtime import Service
from tests.support.infra import Infra

pytestmark = pytest.mark.infra

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]
ADMIN = support.token(role="admin")
EXAMPLES = 8
SHARED_ROUTES = ("/health", "/asyncapi.json")
"""Routes of `shared.runtime` (their readiness answer is the plumbing's to document)."""


@pytest.fixture(scope="module")
async def registration_api(infra: Infra, service: Service) -> Any:
    """The OpenAPI schema of a fresh app on the already migrated schema (its database
    connections live on schemathesis' own event loop thread)."""
    app = build(support.settings(infra, db_pool_size=2)).http_app()
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def test_api_answers_by_its_document(registration_api: Any) -> None:
    """Every operation, a few generated cases each (schemathesis' pytest plugin does not
    load under pytest 9, so the operations are driven with hypothesis directly)."""
    failures: dict[str, str] = {}
    statuses: Counter[int] = Counter()
    operations = [op for op in (result.ok() for result in registration_api.get_all_operations())
                  if not op.path.startswith(SHARED_ROUTES)]
    assert len(operations) >= 20
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case: Any) -> None:
            response = case.call_and_validate(headers=ADMIN, checks=CHECKS)
            statuses[response.status_code] += 1

        try:
            check()
        except (Exception, BaseExceptionGroup) as error:  # collect: name every broken one
            failures[operation.label] = f"{type(error).__name__}: {error}"[:2000]
    assert not failures, "\n\n".join(f"{label}: {text}" for label, text in failures.items())
    # The cases reached the handlers: reads, refusals naming fields, unknown ids.
    assert {200, 404, 422} <= set(statuses), statuses
