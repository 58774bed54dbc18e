"""Every HTTP route of every service checks the caller's municipality (issue 18, Access).

The routes come from the services' OpenAPI documents, so a new route is walked without
anyone writing a test for it. Municipality 1380 is seeded first through the services'
HTTP APIs (conftest.py: workplaces with managers and supervisors, training, offers, two
minors with guardians, a round, the answers by link, the messages); each route is called
on its data (`Seeded.values`), with a body generated from the route's schema:

- by a coordinator of 1381: every route answers 403 or 404 (a 422 would mean the body
  hid the check; a 2xx or 409 that the route read or touched 1380's data);
- listings by a coordinator of 1381 hold none of 1380's people or things, while the same
  listing shows them to 1380 (else the check would prove nothing);
- by a training administrator of 1380: every route of the other services answers 403
  (their tokens open training alone), training lists 1380's sessions;
- by a coordinator of 1380, last (it changes things): no route answers 401, 403, 404 or
  5xx, so the checks are the municipality's and the ids reach the handlers.

Routes public by design (`walk.PUBLIC`) and admin-only ones (`walk.ADMIN_ONLY`) are
listed with their reasons.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import httpx
import pytest

from tests.access.conftest import OTHER, OWN, Seeded
from tests.access.walk import (
    ADMIN_ONLY,
    PUBLIC,
    Route,
    describe,
    leaves,
    matches,
    prepare,
    routes_of,
)

pytestmark = [pytest.mark.infra, pytest.mark.timeout(900)]

MIN_WALKED = 40
"""About 60 routes needed a token when this test was written: far fewer walked means the
documents were not read."""
LAST = ("/cancel", "/withdraw", "/decline", "/completion")
ERASED_LAST = ("/participants/{participant_id}",)
"""Erasing a participant erases their guardians too: after the guardian's own erasure."""


@pytest.fixture(scope="module")
async def routes(seeded: Seeded) -> list[Route]:
    return await routes_of(seeded.season.endpoints.services())


def walked(routes: list[Route]) -> list[Route]:
    return [r for r in routes if r.public_reason() is None
            and (r.is_addressed or not r.is_listing)]


async def test_another_municipality_is_refused_on_every_route(
        seeded: Seeded, routes: list[Route], report_figures: Callable[[str], None]) -> None:
    token = seeded.token(OTHER)
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    targets = walked(routes)
    async with httpx.AsyncClient(timeout=30) as client:
        for route in targets:
            if not route.is_addressed and route.admin_reason() is None:
                failures.append(f"{route.label}: changes something but names no one's data "
                                "(no id in the path, no municipality_code): check the "
                                "caller's municipality, or list it in walk.ADMIN_ONLY")
                continue
            response = await prepare(route, seeded.values_for(route.service)).send(client, token)
            statuses[response.status_code] += 1
            if response.status_code not in (403, 404):
                failures.append(f"{route.label}: {describe(response)}")
    report_figures(f"access walk as {OTHER}: {len(targets)} routes, {dict(statuses)}")
    assert len(targets) >= MIN_WALKED, [r.label for r in targets]
    assert not failures, (f"routes a coordinator of {OTHER} reached on {OWN}'s data "
                          "(expected 403 or 404):\n" + "\n".join(failures))


def _seen(response: httpx.Response, ids: frozenset[str]) -> set[str]:
    return {leaf for leaf in leaves(response) if leaf in ids}


async def _listing(client: httpx.AsyncClient, seeded: Seeded, route: Route, code: str,
                   ) -> list[tuple[str, httpx.Response]]:
    """The listing as `code`'s coordinator sees it: without a municipality filter where
    it is optional, and filtered to `code`; its other optional filters (a search by name,
    say) left out, so that it lists all it may, but for those `walk.LISTED_WITH` sets."""
    token = seeded.token(code)
    unfiltered: dict[str, str | None] = {
        name: None for name in route.query_names if not route.query_required(name)}
    unfiltered |= route.listed_with
    found = []
    for filtered in (None, code):
        if filtered is None and route.query_required("municipality_code"):
            continue
        if filtered is not None and "municipality_code" not in route.query_names:
            continue
        call = prepare(route, seeded.values_for(route.service),
                       unfiltered | {"municipality_code": filtered})
        response = await call.send(client, token)
        found.append((f"{route.label} municipality_code={filtered}", response))
    return found


async def test_listings_show_only_the_callers_municipality(
        seeded: Seeded, routes: list[Route]) -> None:
    listings = [r for r in routes if r.is_listing and r.public_reason() is None
                and r.admin_reason() is None]
    assert listings, "no listing found in the documents"
    failures: list[str] = []
    async with httpx.AsyncClient(timeout=30) as client:
        for route in listings:
            for label, response in await _listing(client, seeded, route, OTHER):
                leaked = _seen(response, seeded.ids)
                if response.status_code >= 300:
                    failures.append(f"{label} for {OTHER}: {describe(response)}")
                elif leaked:
                    failures.append(f"{label} shows {OTHER} {OWN}'s {sorted(leaked)[:5]}")
            own = await _listing(client, seeded, route, OWN)
            if not any(_seen(response, seeded.ids) for _, response in own):
                failures.append(f"{route.label} shows {OWN} nothing of its own "
                                f"({[describe(r) for _, r in own]}): the check proves "
                                "nothing; seed what it lists in tests/access/conftest.py")
    assert not failures, "\n".join(failures)


async def test_a_training_admin_reaches_training_only(
        seeded: Seeded, routes: list[Route]) -> None:
    """A training administrator's token of 1380 opens no route of registration, matching
    or notifications (403 on each, whatever it would read or change), and training's own
    to 1380's sessions."""
    token = seeded.token(OWN, "training_admin")
    others = [r for r in routes if r.public_reason() is None and r.service != "training"]
    failures: list[str] = []
    async with httpx.AsyncClient(timeout=30) as client:
        for route in others:
            response = await prepare(route, seeded.values_for(route.service)).send(client, token)
            if response.status_code != 403:
                failures.append(f"{route.label}: {describe(response)}")
        listed = await client.get(f"{seeded.season.endpoints.training}/sessions",
                                  headers={"Authorization": f"Bearer {token}"})
    assert len(others) >= MIN_WALKED // 2, [r.label for r in others]
    assert not failures, "routes that took a training administrator's token:\n" + "\n".join(
        failures)
    assert listed.status_code == 200, describe(listed)
    assert seeded.values["session_id"] in {s["session_id"] for s in listed.json()}


def _order(route: Route) -> tuple[float, str, str]:
    """Reads first, then changes; what cancels, withdraws or erases last: what removes
    one thing of another's (an enrolment in a session) before what cancels that other,
    and registration's erasures (which every service follows) last of all."""
    rank = {"GET": 0.0, "PUT": 1.0, "PATCH": 2.0, "POST": 3.0, "DELETE": 5.0}.get(
        route.method, 3.0)
    if route.method == "POST" and route.path.endswith(LAST):
        rank = 4.0
    elif route.method == "DELETE" and len(route.path_names) > 1:
        rank = 3.5
    elif route.method == "DELETE" and route.service == "registration":
        rank = 7.0 if route.path in ERASED_LAST else 6.0
    return rank, route.service, route.path


async def test_own_municipality_is_not_refused(
        seeded: Seeded, routes: list[Route], report_figures: Callable[[str], None]) -> None:
    """Run last: the same walk as 1380's coordinator changes 1380's data."""
    token = seeded.token(OWN)
    failures: list[str] = []
    refused: list[str] = []  # by a rule of the domain, after the check: reported
    async with httpx.AsyncClient(timeout=30) as client:
        for route in sorted(walked(routes), key=_order):
            if not route.is_addressed and route.admin_reason() is None:
                continue  # failed in the walk of another municipality
            response = await prepare(route, seeded.values_for(route.service)).send(client, token)
            if route.admin_reason() is not None:
                if response.status_code != 403:
                    failures.append(f"{route.label} (admin only): {describe(response)}")
            elif response.status_code in (401, 403, 404) or response.status_code >= 500:
                failures.append(f"{route.label}: {describe(response)}")
            elif response.status_code >= 400:
                refused.append(f"{route.method} {route.path} {response.status_code}")
    report_figures(f"access walk as {OWN}, answered 4xx by a rule: {refused}")
    assert not failures, (f"routes that refused {OWN}'s own coordinator on {OWN}'s data "
                          "(the walk's ids or the check are wrong):\n" + "\n".join(failures))


async def test_the_public_routes_are_public_by_design(
        seeded: Seeded, routes: list[Route]) -> None:
    """Each listed exception still matches a route; a coordinator's bearer token alone
    opens no link route (the link is the key)."""
    for entry in (*PUBLIC, *ADMIN_ONLY):
        assert any(matches(entry, r.method, r.path) for r in routes), (
            f"{entry} matches no route any more: drop it")
    headers = {"Authorization": f"Bearer {seeded.token(OWN)}"}
    async with httpx.AsyncClient(timeout=30) as client:
        for route in (r for r in routes if "/links/" in r.path):
            call = prepare(route, seeded.values_for(route.service))  # without its link header
            response = await client.request(route.method, call.url, json=call.json_body,
                                            headers=headers)
            assert response.status_code in (401, 403, 422), (
                f"{route.label} without a link: {describe(response)}")
