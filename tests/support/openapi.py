"""Schemathesis against a service's published OpenAPI document: generated requests (valid
and not) never get a 5xx, and every answer matches the document (status, content type,
headers, body schema). Each service's `test_openapi.py` calls `check_document`.

schemathesis' pytest plugin does not load under pytest 9, so the operations are driven
with hypothesis directly: a fixed seed (derandomize) and a few examples per operation.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Mapping
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from shared.auth import issue_token
from shared.runtime import Service

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]
EXAMPLES = int(os.environ.get("OPENAPI_EXAMPLES", "8"))
"""Cases per operation: a few in CI; `OPENAPI_EXAMPLES=200` for a deeper run by hand."""
SHARED_ROUTES = ("/health", "/asyncapi.json")
"""Routes of `shared.runtime` (their readiness answer is the plumbing's to document)."""


def document_of(app: Any) -> Any:
    """The app's OpenAPI document, its requests sent through schemathesis' ASGI transport
    (on schemathesis' own event loop thread: build the app with a pool of its own)."""
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def admin(service: Service) -> dict[str, str]:
    """An admin's bearer token for the service: every municipality, every role check."""
    token = issue_token(service.settings.auth_jwt_secret, "test-admin", "admin", [])
    return {"Authorization": f"Bearer {token}"}


def check_document(document: Any, headers: Mapping[str, str], *, min_operations: int,
                   examples: int = EXAMPLES) -> Counter[int]:
    """Every operation (at least `min_operations`: none was lost), `examples` generated
    cases each, with `headers` (a token that reaches the handlers). Fails naming every
    broken operation; returns the statuses seen, for the caller to check that the cases
    reached the handlers."""
    failures: dict[str, str] = {}
    statuses: Counter[int] = Counter()
    operations = [op for op in (result.ok() for result in document.get_all_operations())
                  if not op.path.startswith(SHARED_ROUTES)]
    assert len(operations) >= min_operations, [op.label for op in operations]
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case: Any) -> None:
            response = case.call_and_validate(headers=dict(headers), checks=CHECKS)
            statuses[response.status_code] += 1

        try:
            check()
        except (Exception, BaseExceptionGroup) as error:  # collect: name every broken one
            failures[operation.label] = f"{type(error).__name__}: {error}"[:2000]
    assert not failures, "\n\n".join(f"{label}: {text}" for label, text in failures.items())
    return statuses
