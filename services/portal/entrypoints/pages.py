"""The portal's pages: the start page, a link's page and its answer, the language switch.

Every answer is HTML (never JSON, never a stack trace). A link's token is in the path;
it is passed on to the service in a header and never logged (uvicorn's access log is off,
and nothing here logs a request).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.portal.dependencies import ServiceApis
from services.portal.domain.commands import AnswerLink, ShowLink
from services.portal.domain.language import COOKIE, LANGUAGES, choose, safe_next
from services.portal.domain.views import BadLinkPage, Receipt, View
from services.portal.entrypoints.render import Renderer
from shared.wiring import Bound

router = APIRouter()
LANGUAGE_COOKIE_DAYS = 365


@dataclass(frozen=True)
class Pages:
    """What the routes need (`app.state.pages`): the bound handlers, the services' APIs
    (the handlers' unit of work) and the renderer."""

    handlers: dict[type, Bound]
    apis: ServiceApis
    renderer: Renderer


def pages_of(request: Request) -> Pages:
    pages: Pages = request.app.state.pages
    return pages


def language_of(request: Request) -> str:
    return choose(request.query_params.get("lang"), request.cookies.get(COOKIE))


def render_view(request: Request, view: View, language: str) -> HTMLResponse:
    renderer = pages_of(request).renderer
    if isinstance(view, BadLinkPage):
        return renderer.page(request, "bad_link.html", language, view.status, view=view)
    if isinstance(view, Receipt):
        return renderer.page(request, "receipt.html", language, view.status, view=view)
    template = f"{view.purpose}.html"
    return renderer.page(request, template, language, view.status, view=view,
                         action=request.url.path)


async def handle_page(request: Request, command: Any) -> Any:
    """The command to its handler, with the services' APIs as its unit of work."""
    pages = pages_of(request)
    return await pages.handlers[type(command)](command, pages.apis)


@router.get("/", response_class=HTMLResponse)
async def start(request: Request) -> HTMLResponse:
    return pages_of(request).renderer.page(request, "start.html", language_of(request))


@router.get("/l/{token}", response_class=HTMLResponse)
async def show_link(token: str, request: Request) -> HTMLResponse:
    view: View = await handle_page(request, ShowLink(token))
    return render_view(request, view, language_of(request))


@router.post("/l/{token}", response_class=HTMLResponse)
async def answer_link(token: str, request: Request) -> HTMLResponse:
    submitted = await request.form()
    form = {key: value for key, value in submitted.multi_items() if isinstance(value, str)}
    view: View = await handle_page(request, AnswerLink(token, form))
    return render_view(request, view, language_of(request))


@router.get("/sprak/{language}")
async def switch_language(language: str, request: Request, next: str = "/") -> Response:
    """Remember the language (a cookie), then back to the page the person was on."""
    response = RedirectResponse(safe_next(next), status_code=303)
    if language in LANGUAGES:
        response.set_cookie(COOKIE, language, max_age=LANGUAGE_COOKIE_DAYS * 86400,
                            httponly=True, samesite="lax")
    response.headers["Referrer-Policy"] = "no-referrer"
    return response

