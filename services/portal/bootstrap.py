"""The one place that wires the portal: settings, the services' API clients (its unit of
work), the link reader, the pages; and `serve`, its process (HTTP only: no database, no
broker, so not `shared.runtime.Service`, which would open both).
"""

from __future__ import annotations

import asyncio
import os
import signal
import traceback
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.portal.adapters.identity import OidcProvider
from services.portal.adapters.links import (
    MatchingClient,
    NotificationsClient,
    RegistrationClient,
    TrainingClient,
)
from services.portal.adapters.staff_api import StaffApiClient
from services.portal.adapters.texts import Texts
from services.portal.dependencies import Dependencies, ServiceApis, StaffApi
from services.portal.domain.staff import ClaimNames
from services.portal.domain.views import BadLinkPage, Contact
from services.portal.entrypoints import courses as course_pages
from services.portal.entrypoints import imports as import_pages
from services.portal.entrypoints import intake as intake_pages
from services.portal.entrypoints import people as people_pages
from services.portal.entrypoints import placements as placement_pages
from services.portal.entrypoints import places as places_pages
from services.portal.entrypoints import rounds as round_pages
from services.portal.entrypoints import staff
from services.portal.entrypoints import statistics as statistics_pages
from services.portal.entrypoints import templates as template_pages
from services.portal.entrypoints.pages import Pages, language_of, render_view, router
from services.portal.entrypoints.render import Renderer
from services.portal.handlers import COMMAND_HANDLERS, STAFF_HANDLERS
from services.portal.settings import PortalSettings
from shared.app import http_server
from shared.clock import Clock, utc_now
from shared.devkeys import refuse_development_keys
from shared.http import install_body_guard, install_health
from shared.links import LinkSigner
from shared.logging import configure_logging, get_logger
from shared.wiring import Bound, bind_all

STATIC = Path(__file__).resolve().parent / "static"
log = get_logger(__name__)


@dataclass
class Portal:
    settings: PortalSettings
    app: FastAPI


def dependencies(settings: PortalSettings, clock: Clock = utc_now) -> Dependencies:
    support = Contact(name=settings.support_name, email=settings.support_email,
                      phone=settings.support_phone)
    return Dependencies(links=LinkSigner(settings.link_secret), support=support,
                        words=Texts(), clock=clock, timezone=settings.timezone)


def service_apis(settings: PortalSettings, client: httpx.AsyncClient) -> ServiceApis:
    return ServiceApis(registration=RegistrationClient(client, settings.registration_url),
                       matching=MatchingClient(client, settings.matching_url),
                       training=TrainingClient(client, settings.training_url),
                       notifications=NotificationsClient(client, settings.notifications_url))


def build(settings: PortalSettings | None = None, *, apis: ServiceApis | None = None,
          clock: Clock = utc_now) -> Portal:
    """The portal's app; `apis` replaces the HTTP clients (a test's fakes)."""
    settings = settings or PortalSettings()
    client = httpx.AsyncClient(timeout=settings.request_timeout_s)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await client.aclose()

    app = FastAPI(title="praktik portal", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url=None)
    deps = dependencies(settings, clock)
    renderer = Renderer(Texts(), settings.timezone)
    app.state.support = deps.support
    app.state.pages = Pages(bind_all(COMMAND_HANDLERS, deps),
                            apis or service_apis(settings, client), renderer)
    people = StaffApiClient(client, settings.registration_url, settings.matching_url,
                            settings.notifications_url, settings.auth_jwt_secret,
                            training_url=settings.training_url)
    app.state.staff = staff_door(settings, renderer, clock,
                                 bind_all(STAFF_HANDLERS, deps), people)
    install_body_guard(app, settings.http_max_body_bytes)
    install_health(app, {})
    install_error_pages(app)
    install_sessions(app, settings)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(router)
    app.include_router(staff.router)
    app.include_router(people_pages.router)
    app.include_router(places_pages.router)
    app.include_router(placement_pages.router)
    app.include_router(statistics_pages.router)
    app.include_router(import_pages.router)
    app.include_router(round_pages.router)
    app.include_router(template_pages.router)
    app.include_router(intake_pages.router)
    app.include_router(course_pages.router)
    return Portal(settings, app)


def staff_door(settings: PortalSettings, renderer: Renderer, clock: Clock,
               handlers: dict[type, Bound], people: StaffApi) -> staff.StaffDoor:
    provider = (OidcProvider(settings.oidc_issuer, settings.oidc_client_id,
                             settings.oidc_client_secret, settings.oidc_scope)
                if settings.oidc_issuer else None)
    claims = ClaimNames(role=settings.oidc_role_claim,
                        municipalities=settings.oidc_municipalities_claim,
                        name=settings.oidc_name_claim)
    return staff.StaffDoor(provider, handlers, people, claims,
                           timedelta(seconds=settings.session_lifetime_s),
                           timedelta(seconds=settings.session_idle_s),
                           settings.public_address, renderer, clock)


def install_sessions(app: FastAPI, settings: PortalSettings) -> None:
    """The staff session: a signed cookie, unreadable to scripts, sent on our own site's
    requests and top-level navigations only (SameSite=Lax: the provider's redirect back
    carries it, another site's POST does not), gone when unused for the idle time."""
    app.add_middleware(SessionMiddleware, secret_key=settings.session_secret,
                       session_cookie="praktik_session", max_age=settings.session_idle_s,
                       same_site="lax", https_only=settings.public_address.startswith("https:"))


def install_error_pages(app: FastAPI) -> None:
    """A page in words for what went wrong: never a stack trace, never JSON. The log
    names the error's type only (a message could hold a token)."""

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> HTMLResponse:
        view = BadLinkPage("link_invalid", _support(app))  # no such page: a mistyped link
        response = render_view(request, view, language_of(request))
        response.status_code = exc.status_code
        return response

    app.add_middleware(ErrorPages)


class ErrorPages:
    """Any failure of a page becomes the "try again later" page (500), and the log names
    the error's type only, never its message or the request (either could hold a token)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as error:
            # The type and where in Praktik's code, not the message: it may carry a
            # person's data.
            ours = [f for f in traceback.extract_tb(error.__traceback__)
                    if f"{os.sep}site-packages{os.sep}" not in f.filename][-1:]
            log.error("page failed", error=type(error).__name__,
                      at=f"{ours[0].filename}:{ours[0].lineno}" if ours else "")
            if started:
                return
            request = Request(scope)
            view = BadLinkPage("service_down", _support(request.app))
            response = render_view(request, view, language_of(request))
            response.status_code = 500
            await response(scope, receive, send)


def _support(app: FastAPI) -> Contact:
    support: Contact = app.state.support
    return support


async def serve(portal: Portal) -> None:
    """`python -m services.portal`: serve until SIGTERM or SIGINT."""
    settings = portal.settings
    configure_logging("portal", settings.log_level, settings.log_json)
    refuse_development_keys(settings)  # the committed link secret only in development
    server = http_server(portal.app, settings.http_host, settings.http_port)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: setattr(server, "should_exit", True))
    log.info("portal started", http=f"http://{settings.http_host}:{settings.http_port}")
    await server.serve()
    log.info("portal stopped")
