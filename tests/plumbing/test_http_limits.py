"""Bad input at the HTTP door is a 4xx and changes nothing: a body over the size limit is
refused before it is read in full, a body that is not strict JSON never reaches a route,
link tokens of any shape are compared safely, query values the database cannot hold
are refused. Pure ASGI: the services' apps with their bus replaced by a recorder (no
database, no broker)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel

from services.matching.bootstrap import build as build_matching
from services.matching.settings import MatchingSettings
from services.notifications.bootstrap import build as build_notifications
from services.notifications.domain.commands import SetSmsOptOut
from services.notifications.entrypoints import http as notifications_http
from services.notifications.settings import NotificationsSettings
from services.registration.bootstrap import build as build_registration
from services.registration.settings import RegistrationSettings
from services.training.bootstrap import build as build_training
from services.training.settings import TrainingSettings
from shared.http import install_body_guard, install_error_handlers
from shared.links import HEADER, LinkSigner
from shared.runtime import Service
from shared.settings import ServiceSettings
from tests.support.openapi import admin

NOWHERE = "postgresql+asyncpg://nobody:nothing@127.0.0.1:9/nothing"
"""Never connected to: every case here is answered before a handler needs the database."""
MEGABYTE = 1_000_000


class Recorder:
    """Stands in for a service's message bus: what would have changed."""

    def __init__(self) -> None:
        self.commands: list[Any] = []

    async def handle(self, command: Any) -> None:
        self.commands.append(command)


@asynccontextmanager
async def served(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


@asynccontextmanager
async def service_app(build: Callable[[Any], Service], settings: type[ServiceSettings],
                      limit: int = MEGABYTE,
                      ) -> AsyncIterator[tuple[Service, Recorder, httpx.AsyncClient]]:
    service = build(settings(database_url=NOWHERE, http_max_body_bytes=limit))
    bus = service.state["bus"] = Recorder()
    try:
        async with served(service.http_app()) as client:
            yield service, bus, client
    finally:
        await service.engine.dispose()
        await service.producer.stop()  # never started: closes its client


class Counted:
    """A request body streamed in `chunk`-byte pieces, counting what was pulled."""

    def __init__(self, total: int, chunk: int = 64 * 1024) -> None:
        self.total, self.chunk, self.pulled = total, chunk, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while self.pulled < self.total:
            self.pulled += self.chunk
            yield b"x" * self.chunk


class Item(BaseModel):
    name: str


def _echo_app(seen: list[Item]) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    install_body_guard(app, MEGABYTE)

    @app.post("/items")
    async def add(item: Item) -> Item:
        seen.append(item)
        return item

    return app


# -- the size limit ------------------------------------------------------------------------


async def test_a_declared_length_over_the_limit_is_413_before_anything_is_read() -> None:
    seen: list[Item] = []
    body = Counted(10 * MEGABYTE)
    async with served(_echo_app(seen)) as client:
        response = await client.post("/items", content=body, headers={
            "Content-Type": "application/json", "Content-Length": str(body.total)})
    assert response.status_code == 413 and "bytes" in response.json()["detail"]
    assert body.pulled == 0 and not seen


async def test_a_streamed_body_is_413_once_the_count_passes_the_limit() -> None:
    seen: list[Item] = []
    body = Counted(10 * MEGABYTE)
    async with served(_echo_app(seen)) as client:
        response = await client.post("/items", content=body,
                                     headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert body.pulled <= MEGABYTE + body.chunk and not seen


async def test_a_body_within_the_limit_reaches_the_route_whole() -> None:
    seen: list[Item] = []

    async def pieces() -> AsyncIterator[bytes]:
        for part in (b'{"na', b'me": "', "Åsa".encode(), b'"}'):
            yield part

    async with served(_echo_app(seen)) as client:
        streamed = await client.post("/items", content=pieces(),
                                     headers={"Content-Type": "application/json"})
        declared = await client.post("/items", json={"name": "Bo"})
    assert streamed.status_code == 200 and declared.status_code == 200
    assert [item.name for item in seen] == ["Åsa", "Bo"]


async def test_every_service_app_has_the_limit_of_its_settings() -> None:
    async with service_app(build_matching, MatchingSettings, 1000) as (_, bus, client):
        response = await client.post("/matching/rounds", content=b" " * 1001,
                                     headers={"Content-Type": "application/json"})
    assert response.status_code == 413 and not bus.commands


# -- strict JSON ---------------------------------------------------------------------------

NOT_STRICT_JSON = {
    "NaN": b'{"opt_out": NaN}',
    "infinity": b'{"opt_out": true, "n": 1e999}',
    "BOM": b'\xef\xbb\xbf{"opt_out": true}',
    "escaped lone surrogate": b'{"opt_out": true, "s": "\\ud800"}',
    "encoded lone surrogate": b'{"opt_out": true, "s": "\xed\xa0\x80"}',
    "escaped NUL": b'{"opt_out": true, "s": "a\\u0000b"}',
    "raw NUL": b'{"opt_out": true}\x00',
    "duplicate keys": b'{"opt_out": false, "opt_out": true}',
    "not UTF-8": b'\xff\xfe{\x00}\x00',
    "huge integer": b'{"opt_out": true, "n": ' + b"9" * 5000 + b"}",
    "deep nesting": b'{"opt_out": true, "n": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
}
NOT_A_STRICT_BOOL = [b"{}", b'{"opt_out": "true"}', b'{"opt_out": 1}', b'{"opt_out": null}']


@pytest.mark.parametrize("body", [*NOT_STRICT_JSON.values(), *NOT_A_STRICT_BOOL],
                         ids=[*NOT_STRICT_JSON, *map(bytes.decode, NOT_A_STRICT_BOOL)])
async def test_a_bad_opt_out_body_is_422_and_changes_nothing(body: bytes) -> None:
    """`opt_out` used to default to true: each of these opted the person out."""
    async with service_app(build_notifications, NotificationsSettings) as (service, bus, client):
        url = f"/notifications/contacts/{uuid.uuid4()}/sms-opt-out"
        typed = await client.put(url, content=body,
                                 headers={**admin(service), "Content-Type": "application/json"})
        untyped = await client.put(url, content=body, headers=admin(service))
    assert (typed.status_code, untyped.status_code) == (422, 422), (typed.text, untyped.text)
    assert {"field", "message"} == typed.json()["detail"][0].keys()
    assert not bus.commands


@pytest.mark.parametrize("body", NOT_STRICT_JSON.values(), ids=NOT_STRICT_JSON)
async def test_a_link_with_a_body_that_is_not_strict_json_changes_nothing(body: bytes) -> None:
    async with service_app(build_notifications, NotificationsSettings) as (service, bus, client):
        person = uuid.uuid4()
        token = LinkSigner(service.settings.link_secret).sign(
            "opt_out", person, person, datetime.now(UTC) + timedelta(days=1), channel="sms")
        response = await client.post("/notifications/links/opt_out", content=body,
                                     headers={"Content-Type": "application/json",
                                              HEADER: token})
    assert response.status_code == 422 and not bus.commands


async def test_a_strict_opt_out_body_is_recorded(monkeypatch: pytest.MonkeyPatch) -> None:
    async def known_in_1380(db: object, person_id: uuid.UUID) -> tuple[str | None]:
        return ("1380",)  # the route reads whose contact it is (there is no database here)

    monkeypatch.setattr(notifications_http.views, "contact_municipality", known_in_1380)
    async with service_app(build_notifications, NotificationsSettings) as (service, bus, client):
        person = uuid.uuid4()
        response = await client.put(f"/notifications/contacts/{person}/sms-opt-out",
                                    json={"opt_out": False}, headers=admin(service))
    assert response.status_code == 204
    assert bus.commands == [SetSmsOptOut(person, False)]


@pytest.mark.parametrize(("build", "settings", "method", "path"), [
    (build_registration, RegistrationSettings, "POST", "/participants"),
    (build_matching, MatchingSettings, "POST", "/matching/rounds"),
    (build_training, TrainingSettings, "POST", "/sessions"),
    (build_notifications, NotificationsSettings, "PUT",
     f"/notifications/contacts/{uuid.UUID(int=7)}/sms-opt-out"),
], ids=["registration", "matching", "training", "notifications"])
async def test_a_binary_body_is_422_in_every_service(
        build: Callable[[Any], Service], settings: type[ServiceSettings], method: str,
        path: str) -> None:
    """FastAPI answered an undocumented 400 for a JSON body that does not decode."""
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xd8"
    async with service_app(build, settings) as (service, bus, client):
        untyped = await client.request(method, path, content=png, headers=admin(service))
    assert untyped.status_code == 422, untyped.text
    assert not bus.commands


# -- link tokens ---------------------------------------------------------------------------

ODD_TOKENS = ["ää", "ääääääää", "😀" * 8, "\ufffd" * 8, "a\u0301" * 8, "x" * 199,
              "not-the-token"]


@pytest.mark.parametrize("token", ODD_TOKENS)
async def test_a_link_token_of_any_shape_is_403(token: str) -> None:
    link = {b"X-Praktik-Link": token.encode()}  # the link API takes it in a header
    async with service_app(build_matching, MatchingSettings) as (_, bus, client):
        answers = [
            await client.get("/matching/links/workplace_answer", headers=link),
            await client.post("/matching/links/workplace_answer", headers=link,
                              json={"accept": True}),
            await client.get("/matching/links/offer_answer", headers=link),
            await client.post("/matching/links/offer_answer", headers=link,
                              json={"accept": False, "reason": "no room"}),
        ]
    async with service_app(build_notifications, NotificationsSettings) as (_, sms, client):
        opt_out = await client.post("/notifications/links/opt_out", headers=link,
                                    json={"confirm": True})
    statuses = [r.status_code for r in (*answers, opt_out)]
    assert statuses == [403] * 5, [r.text for r in (*answers, opt_out)]
    assert [r.json()["problem"] for r in answers] == ["link_invalid"] * 4
    assert not bus.commands and not sms.commands


async def test_a_token_that_is_not_utf8_in_the_link_header_is_403() -> None:
    async with service_app(build_notifications, NotificationsSettings) as (_, sms, client):
        response = await client.post("/notifications/links/opt_out", json={"confirm": True},
                                     headers={HEADER.encode(): b"\xff\xfe\xed\xa0\x80"})
    assert response.status_code == 403 and not sms.commands


# -- query values the database cannot hold -------------------------------------------------


@pytest.mark.parametrize("path", ["/sessions?year=2147483648",
                                  "/evaluations?year=1017976665411",
                                  "/sessions?year=-1", "/evaluations?year=1999"])
async def test_a_year_out_of_range_is_422(path: str) -> None:
    async with service_app(build_training, TrainingSettings) as (service, _, client):
        response = await client.get(path, headers=admin(service))
    assert response.status_code == 422, response.text
    assert [d["field"] for d in response.json()["detail"]] == ["query.year"]


async def test_a_status_filter_with_a_nul_is_422() -> None:
    """Postgres refuses NUL in text: the filter used to reach it and answer 500."""
    async with service_app(build_matching, MatchingSettings) as (service, _, client):
        response = await client.get("/matching/placements?municipality_code=1380&status=%00",
                                    headers=admin(service))
    assert response.status_code == 422, response.text
