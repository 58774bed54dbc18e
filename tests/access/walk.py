"""The routes of every service, read from their OpenAPI documents, and how each is called
as a caller of some municipality: path parameters from the map of seeded ids, bodies and
other parameters generated from the route's own schema (schemathesis, positive mode, the
smallest case), fields the map knows set to the seeded values (a list `<thing>_ids` to
the one seeded `<thing>_id`).

A path parameter the map does not know stops the walk with a message naming the route:
a new route cannot slip past unwalked. Routes public by design are listed with why.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, Phase, find, settings
from schemathesis.generation import GenerationMode

PUBLIC: dict[tuple[str, str], str] = {
    ("*", "/health/*"): "plumbing: liveness, readiness, consumers and outbox; no one's data",
    ("GET", "/asyncapi.json"): "the service's event document",
    ("*", "/registration/links/*"): "a person's answer by a signed link token (the link is "
                                    "the key, checked by shared.links), no bearer token",
    ("*", "/matching/links/*"): "a person's answer by a signed link token, no bearer token",
    ("*", "/training/links/*"): "a person's answer by a signed link token, no bearer token",
    ("*", "/notifications/links/*"): "opt-out by a signed link token, no bearer token",
    ("GET", "/matching/rounds/{round_id}/draw"):
        "a round's published draw: its seed and each request's lottery number, by request "
        "id only, so that a family can check its own (services/matching/entrypoints/rounds.py)",
    ("GET", "/registration/municipalities/{code}/contact"):
        "whom to contact in a municipality: a coordinator is a public office",
    ("POST", "/notifications/sms/receipts"):
        "the SMS provider's delivery receipts, authenticated by the provider's secret",
}
"""(method or `*`, path or glob) → why the route takes no municipality's token."""

ADMIN_ONLY: dict[tuple[str, str], str] = {
    ("POST", "/coordinators"):
        "registers a municipality's coordinator: an admin's task, no coordinator's",
    ("POST", "/certifications/expire"):
        "runs the county-wide expiry job for a date: operators (admin) only",
    ("*", "/registration/senders*"):
        "registers, lists and removes the municipal systems that send intake: operators only",
    ("GET", "/access-log"):
        "who read whose record: auditors' (and admins'), never a coordinator's "
        "(services/registration/tests/integration/test_access_log.py)",
}
"""Routes no coordinator may call, of any municipality (403 to both walks)."""

UNSCOPED: dict[tuple[str, str], str] = {
    ("GET", "/notifications/templates"):
        "the names of the message templates, the same for every municipality (no one's "
        "data): refused outside the caller's municipalities by its municipality_code",
}
"""GETs by municipality whose rows are no one's data (not walked as listings), with why."""

LISTED_WITH: dict[tuple[str, str], dict[str, str]] = {
    ("GET", "/certificates"): {"expiring_within_days": "3650"},
}
"""Listings walked with a filter of their own, so that they reach the seeded things: the
certificates the season granted run for years, past the default window of 60 days."""

RESOURCE_FREE = frozenset({"year", "template"})
"""Path parameters that name no one's data (a listing's period, a message template)."""


class Unmapped(AssertionError):
    """A route has a path parameter the walk cannot fill."""


@dataclass(frozen=True)
class Route:
    service: str
    base_url: str
    operation: Any
    """schemathesis' APIOperation."""

    @property
    def method(self) -> str:
        return str(self.operation.method).upper()

    @property
    def path(self) -> str:
        return str(self.operation.path)

    @property
    def label(self) -> str:
        return f"{self.method} {self.path} ({self.service})"

    @property
    def path_names(self) -> list[str]:
        return [str(p.name) for p in self.operation.path_parameters]

    @property
    def query_names(self) -> list[str]:
        return [str(p.name) for p in self.operation.query]

    def query_required(self, name: str) -> bool:
        return any(str(p.name) == name and p.is_required for p in self.operation.query)

    def public_reason(self) -> str | None:
        return _listed(PUBLIC, self.method, self.path)

    def admin_reason(self) -> str | None:
        return _listed(ADMIN_ONLY, self.method, self.path)

    @property
    def is_listing(self) -> bool:
        """A GET naming no one's data by path: it must filter by the caller's scope."""
        return self.method == "GET" and set(self.path_names) <= RESOURCE_FREE and (
            _listed(UNSCOPED, self.method, self.path) is None)

    @cached_property
    def smallest(self) -> Any:
        """The simplest valid case the route's schema allows (deterministic).

        Hypothesis generates its simplest example first, so no shrinking: shrinking the
        accepted first example cost 5-12 s a route with a body and found nothing smaller."""
        strategy = self.operation.as_strategy(generation_mode=GenerationMode.POSITIVE)
        return find(strategy, lambda _: True, settings=settings(
            database=None, derandomize=True, max_examples=50,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck)))

    @property
    def listed_with(self) -> dict[str, str]:
        """The query a listing is walked with (`LISTED_WITH`)."""
        return next((query for entry, query in LISTED_WITH.items()
                     if matches(entry, self.method, self.path)), {})

    def names_municipality(self) -> bool:
        body = self.smallest.body
        return "municipality_code" in self.query_names or (
            isinstance(body, dict) and "municipality_code" in body)

    def id_lists(self) -> list[str]:
        """The body's fields that list things by id (`person_ids`, `supervisor_ids`)."""
        body = self.smallest.body
        return [k for k, v in body.items() if k.endswith("_ids") and isinstance(v, list)
                ] if isinstance(body, dict) else []

    @property
    def is_addressed(self) -> bool:
        """It names whose data it touches: by id in the path or in a body's list of ids,
        or by municipality."""
        return bool(set(self.path_names) - RESOURCE_FREE) or bool(self.id_lists()) or (
            self.names_municipality())


def matches(entry: tuple[str, str], method: str, path: str) -> bool:
    verb, pattern = entry
    return verb in ("*", method) and (path == pattern or fnmatch.fnmatchcase(path, pattern))


def _listed(table: Mapping[tuple[str, str], str], method: str, path: str) -> str | None:
    return next((reason for entry, reason in table.items() if matches(entry, method, path)),
                None)


async def routes_of(services: Mapping[str, str]) -> list[Route]:
    """Every operation of every service's served OpenAPI document (`app.openapi()`)."""
    found: list[Route] = []
    async with httpx.AsyncClient(timeout=10) as client:
        for service, base in services.items():
            document = (await client.get(f"{base}/openapi.json")).raise_for_status().json()
            schema: Any = schemathesis.openapi.from_dict(document)
            found += [Route(service, base, result.ok())
                      for result in schema.get_all_operations()]
    return found


@dataclass(frozen=True)
class Call:
    method: str
    url: str
    params: dict[str, Any]
    headers: dict[str, str]
    json_body: Any = None
    content: bytes | None = None

    async def send(self, client: httpx.AsyncClient, token: str) -> httpx.Response:
        headers = self.headers | {"Authorization": f"Bearer {token}"}
        if self.json_body is not None:
            return await client.request(self.method, self.url, params=self.params,
                                        json=self.json_body, headers=headers)
        return await client.request(self.method, self.url, params=self.params,
                                    content=self.content, headers=headers)


def prepare(route: Route, values: Mapping[str, str],
            query_values: Mapping[str, str | None] | None = None) -> Call:
    """The call of `route` on the seeded data: path parameters from `values` (or
    `Unmapped`), query parameters and body fields `values` knows set to them (those in
    `query_values` to theirs; None leaves one out), the rest the smallest valid case."""
    unknown = [name for name in route.path_names if name not in values]
    unknown += [name for name in route.id_lists() if name[:-1] not in values]
    if unknown:
        raise Unmapped(
            f"{route.label}: path parameter(s) or lists of ids {unknown} are not in the "
            "walk's map of seeded ids: add each (a list `<thing>_ids` as `<thing>_id`) to "
            "`values` in tests/access/conftest.py (`Seeded.values`), pointing at "
            "something of municipality 1380 the route reads or changes")
    case = route.smallest
    path = route.path
    for name in route.path_names:
        path = path.replace("{" + name + "}", str(values[name]))
    params = {k: v for k, v in dict(case.query or {}).items() if v is not None}
    params |= {name: values[name] for name in route.query_names if name in values}
    for name, value in (query_values or {}).items():
        if name in route.query_names:
            params.pop(name, None)
            if value is not None:
                params[name] = value
    headers = {k: str(v) for k, v in dict(case.headers or {}).items()
               if k.lower() != "authorization"}
    url = f"{route.base_url}{path}"
    if case.body is None or not route.operation.body:
        return Call(route.method, url, params, headers)
    media = str(case.media_type or "application/json")
    if "json" in media:
        return Call(route.method, url, params, headers, json_body=overlay(case.body, values))
    headers["Content-Type"] = media
    body = case.body if isinstance(case.body, bytes) else str(case.body).encode()
    return Call(route.method, url, params, headers, content=body)


def overlay(body: Any, values: Mapping[str, str]) -> Any:
    """`body` with every field the map knows (at any depth) set to the seeded value, and
    every list `<thing>_ids` to the seeded `<thing>_id` alone."""
    if isinstance(body, dict):
        return {k: values[k] if k in values and not isinstance(v, dict | list)
                else [values[k[:-1]]] if k.endswith("_ids") and k[:-1] in values
                and isinstance(v, list) else overlay(v, values) for k, v in body.items()}
    if isinstance(body, list):
        return [overlay(item, values) for item in body]
    return body


def leaves(response: httpx.Response) -> Iterator[str]:
    """Every string and number in a JSON answer; the words of any other."""
    try:
        data = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        yield from re.findall(r"[0-9a-fA-F-]{4,36}", response.text)
        return
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack += list(item.values())
        elif isinstance(item, list):
            stack += item
        elif isinstance(item, str | int) and not isinstance(item, bool):
            yield str(item)


def describe(response: httpx.Response) -> str:
    return f"{response.status_code} {response.text[:200]!r}"
