"""Staff page times (issue 20): p50 and p95 of the start page, a search by name and a
request's explanation, with 20 signed-in sessions asking at once, over a county of
100,000 participants; each beside the service calls under it, measured in the same run
with the same concurrency. Target: p95 under 150 ms on our 2-core machines.

The four services run as processes (`devkit.processes`), the portal too, signing in
through the local OIDC provider: each session is a real sign-in in Chromium, whose
cookie the measuring client then carries. The participants come in by the intake topic,
the requests and offers of one municipality by registration's API; the measuring starts
when every consumer has caught up.

Size: `BENCH_PAGE_PARTICIPANTS` (default 100,000), `BENCH_PAGE_ROUNDS` (each session asks
for each page this many times, default 10).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.registration import intake_messages, produce
from devkit.browser import chromium
from devkit.identity import identity_provider, sign_in_as
from devkit.infra import Infra
from devkit.ports import free_port
from devkit.processes import ServiceProcess, System, running_system
from devkit.wait import eventually, settled_over_http
from shared.auth import Role, issue_token
from shared.contracts import topics
from shared.settings import ServiceSettings

PARTICIPANTS = int(os.environ.get("BENCH_PAGE_PARTICIPANTS", "100000"))
ROUNDS = int(os.environ.get("BENCH_PAGE_ROUNDS", "10"))
SESSIONS = 20
REQUESTS = 300
HALMSTAD = "1380"
SOURCE = "urn:bench:pages"
TARGET_P95_MS = 150
SECRET: str = ServiceSettings.model_fields["auth_jwt_secret"].default
"""The development key every process of the run signs and checks tokens with."""


def _headers(role: Role = "coordinator") -> dict[str, str]:
    """As Halmstad's coordinator (what the portal signs for its sessions), or `admin`."""
    return {"Authorization": "Bearer " + issue_token(SECRET, "bench", role, [HALMSTAD], 3600)}


async def _registered(registration: str, count: int) -> None:
    async with httpx.AsyncClient(base_url=registration, headers=_headers("admin")) as client:
        async def total() -> bool:
            found = (await client.get("/participants", params={"limit": 1})).json()
            return int(found.get("total") or 0) >= count

        await eventually(total, 1800, f"{count:,} participants registered", interval_s=2.0)


async def _requests(registration: str) -> list[str]:
    """Offers at five workplaces of Halmstad and a work-trial request of each of its first
    `REQUESTS` participants; their ids."""
    start = date.today() + timedelta(days=60)
    period = {"period_start": start.isoformat(),
              "period_end": (start + timedelta(days=11)).isoformat()}
    async with httpx.AsyncClient(base_url=registration, headers=_headers(),
                                 timeout=30) as client:
        async def made(path: str, body: dict[str, Any]) -> dict[str, Any]:
            answer = await client.post(path, json=body)
            assert answer.status_code == 201, answer.text
            found: dict[str, Any] = answer.json()
            return found

        for n in range(5):
            workplace = await made("/workplaces", {
                "external_ref": f"bench-wp-{uuid.uuid4().hex[:8]}", "name": f"Bänkverkstan {n}",
                "org_number": "212000-1355", "sector": "municipal", "client_contact": False,
                "municipality_code": HALMSTAD, "manager": {"name": f"Chef {n}"}})
            supervisor = await made("/supervisors", {
                "external_ref": f"bench-sv-{uuid.uuid4().hex[:8]}", "name": f"Handledare {n}",
                "municipality_code": HALMSTAD, "max_participants": 3,
                "workplace_id": workplace["workplace_id"]})
            await made("/offers", {
                "external_ref": f"bench-of-{uuid.uuid4().hex[:8]}", "program": "work_trial",
                "municipality_code": HALMSTAD, "occupation": "5311", "capacity": 3, **period,
                "workplace_id": workplace["workplace_id"],
                "supervisor_id": supervisor["supervisor_id"]})
        people = [person for offset in range(0, REQUESTS, 200) for person in (
            await client.get("/participants", params={
                "municipality_code": HALMSTAD, "limit": 200, "offset": offset})
        ).json()["items"]][:REQUESTS]
        return [(await made("/requests", {
            "municipality_code": HALMSTAD, "participant_id": person["participant_id"],
            "external_ref": f"bench-{uuid.uuid4().hex[:10]}", "program": "work_trial",
            **period, "preferences": [{"occupation": "5311"}], "needs": [], "priority": 0})
        )["request_id"] for person in people]


def _portal(system: System, issuer: str, workdir: Path) -> ServiceProcess:
    """The portal as a process of its own, asking the system's services, signing in
    through `issuer` (started; it has no consumers, so it is ready when it is live)."""
    port = free_port()
    env = {**os.environ, "PRAKTIK_DEVELOPMENT": "1", "PORTAL_HTTP_PORT": str(port),
           "PORTAL_OIDC_ISSUER": issuer, "PORTAL_PUBLIC_URL": f"http://127.0.0.1:{port}",
           "PORTAL_LOG_JSON": "false", "PORTAL_LOG_LEVEL": "WARNING",
           **{f"PORTAL_{name.upper()}_URL": process.url
              for name, process in system.services.items()}}
    portal = ServiceProcess("portal", env, workdir / "portal.log", port)
    portal.start()
    return portal


async def _signed_in(portal: str, count: int) -> list[str]:
    """`count` coordinators of Halmstad signed in through the provider, each in a browser
    context of its own; each one's `Cookie` header (the session lasts its idle time)."""
    found = []
    async with chromium() as browser:
        for _ in range(count):
            context = await browser.new_context()
            page = await context.new_page()
            await sign_in_as(page, portal, "samordnare-1380")
            found.append("; ".join(f"{c['name']}={c['value']}"
                                   for c in await context.cookies()))
            await context.close()
    return found


def _percentiles(times: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(times, n=100)
    return {"p50_ms": round(cuts[49] * 1000, 1), "p95_ms": round(cuts[94] * 1000, 1),
            "n": len(times)}


async def _timed(ask: Callable[[int], Awaitable[None]], sessions: int) -> list[float]:
    """Each of `sessions` asks `ROUNDS` times in turn, all sessions at once; the times."""
    times: list[float] = []

    async def one(session: int) -> None:
        for round_ in range(ROUNDS):
            started = time.perf_counter()
            await ask(session * ROUNDS + round_)
            times.append(time.perf_counter() - started)

    await asyncio.gather(*(one(s) for s in range(sessions)))
    return times


def _ok(answer: httpx.Response) -> None:
    if answer.status_code != 200:
        raise AssertionError(f"{answer.request.url} answered {answer.status_code}")


class Asks:
    """The three pages, and the service calls under each, as the portal makes them."""

    def __init__(self, system: System, portal: str, requests: list[str]) -> None:
        self.urls = {name: process.url for name, process in system.services.items()}
        self.portal = portal
        self.requests = requests

    def name(self, n: int) -> str:
        """A Halmstad participant's name (every sixth intake message is Halmstad's)."""
        return f"Bench Person {6 * (n * 7919 % max(1, PARTICIPANTS // 6))}"

    def request(self, n: int) -> str:
        return self.requests[n * 31 % len(self.requests)]

    async def start_calls(self, client: httpx.AsyncClient) -> None:
        """What the start page asks (`handlers.start`), all at once."""
        today = date.today()
        registration, matching = self.urls["registration"], self.urls["matching"]
        code = {"municipality_code": HALMSTAD}
        answers = await asyncio.gather(
            client.get(f"{matching}/matching/placements", params={**code, "status": "proposed",
                                                                  "limit": 500}),
            client.get(f"{matching}/matching/placements", params={**code, "status": "accepted",
                                                                  "limit": 500}),
            client.get(f"{matching}/matching/requests", params={**code, "status": "waitlisted",
                                                                "limit": 1000}),
            client.get(f"{self.urls['notifications']}/notifications/undelivered", params=code),
            client.get(f"{registration}/supervisors", params={
                **code, "certified_from": today.isoformat(), "limit": 200,
                "certified_to": (today + timedelta(days=60)).isoformat()}),
            client.get(f"{registration}/workplaces", params={**code, "limit": 200}),
            client.get(f"{registration}/intake/rejections", params=code))
        for answer in answers:
            _ok(answer)

    async def search_call(self, client: httpx.AsyncClient, n: int) -> None:
        _ok(await client.get(f"{self.urls['registration']}/participants",
                             params={"name": self.name(n), "limit": 50}))

    async def explanation_calls(self, client: httpx.AsyncClient, n: int) -> None:
        """What a request's page asks (`handlers.requests`), one after another."""
        ident = self.request(n)
        _ok(await client.get(f"{self.urls['registration']}/requests/{ident}"))
        _ok(await client.get(f"{self.urls['matching']}/matching/requests/{ident}/explanation"))
        _ok(await client.get(f"{self.urls['registration']}/workplaces", params={
            "program": "work_trial", "municipality_code": HALMSTAD, "limit": 200}))

    def pages(self, n: int) -> dict[str, str]:
        return {"start": "/personal",
                "search": f"/personal/deltagare?namn={self.name(n).replace(' ', '+')}",
                "explanation": f"/personal/forfragningar/{self.request(n)}"}


async def _measure(asks: Asks, jars: list[str]) -> dict[str, Any]:
    pages = [httpx.AsyncClient(base_url=asks.portal, headers={"Cookie": jar}, timeout=30)
             for jar in jars]
    service = httpx.AsyncClient(headers=_headers(), timeout=30)
    figures: dict[str, Any] = {}
    try:
        for kind in ("start", "search", "explanation"):
            async def page(n: int, kind: str = kind) -> None:
                answer = await pages[n // ROUNDS].get(asks.pages(n)[kind])
                _ok(answer)
                if "/personal/logga-in" in str(answer.url):
                    raise AssertionError("the session is not signed in")

            calls: dict[str, Callable[[int], Awaitable[None]]] = {
                "start": lambda n: asks.start_calls(service),
                "search": lambda n: asks.search_call(service, n),
                "explanation": lambda n: asks.explanation_calls(service, n)}
            await _timed(page, 2)  # warm: the first answers of each process
            figures[kind] = {"page": _percentiles(await _timed(page, len(jars))),
                             "service": _percentiles(await _timed(calls[kind], len(jars)))}
            shown = figures[kind]
            print(f"  {kind:12} page p50 {shown['page']['p50_ms']:6.1f} ms  p95 "
                  f"{shown['page']['p95_ms']:6.1f} ms  | service calls p50 "
                  f"{shown['service']['p50_ms']:6.1f} ms  p95 {shown['service']['p95_ms']:6.1f}"
                  f" ms  (target p95 < {TARGET_P95_MS} ms)", flush=True)
    finally:
        for client in (*pages, service):
            await client.aclose()
    return figures


async def run(infra: Infra) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp, identity_provider() as issuer:
        workdir = Path(tmp)
        async with running_system(infra, workdir,
                                  REGISTRATION_INTAKE_SOURCES=f"{SOURCE}=*") as system:
            registration = system.services["registration"].url
            started = time.perf_counter()
            await produce(infra.kafka_bootstrap, topics.REGISTRATION_INTAKE,
                          intake_messages(f"pages-{uuid.uuid4().hex[:6]}", PARTICIPANTS,
                                          SOURCE), infra.kafka_security)
            await _registered(registration, PARTICIPANTS)
            requests = await _requests(registration)
            await settled_over_http([p.url for p in system.services.values()], 1800)
            print(f"  a county of {PARTICIPANTS:,} participants, {len(requests)} requests "
                  f"in {HALMSTAD}, every consumer caught up, in "
                  f"{time.perf_counter() - started:.0f} s", flush=True)
            portal = _portal(system, issuer, workdir)
            try:
                await eventually(lambda: _live(portal.url), 60, "the portal to listen")
                jars = await _signed_in(portal.url, SESSIONS)
                figures = await _measure(Asks(system, portal.url, requests), jars)
            finally:
                portal.stop()
    return {"participants": PARTICIPANTS, "sessions": SESSIONS, "rounds": ROUNDS,
            "target_p95_ms": TARGET_P95_MS, **figures}


async def _live(url: str) -> bool:
    try:
        async with httpx.AsyncClient(timeout=2) as client:
            return (await client.get(f"{url}/health/live")).status_code == 200
    except httpx.HTTPError:
        return False
