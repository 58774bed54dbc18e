"""The pages of staff who sign in (/personal): sign-in through the municipality's OpenID
Connect provider, the signed-in start page, sign-out.

The session (a signed cookie, `SessionMiddleware`) keeps who is signed in, the CSRF token
of their forms and the ID token (for the provider's sign-out). It ends when unused for
`session_idle_s`, and after `session_lifetime_s` however busy. Every POST here carries
the CSRF token (`domain.csrf`); without it nothing happens and the page says why.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.portal.dependencies import IdentityProvider, StaffApi
from services.portal.domain import csrf
from services.portal.domain.attention import StartPage
from services.portal.domain.commands import ShowStart
from services.portal.domain.places import Saved
from services.portal.domain.staff import (
    ClaimNames,
    SignInFailed,
    SignInRefused,
    StaffMember,
    staff_from_claims,
    staff_from_session,
)
from services.portal.domain.statistics import Download
from services.portal.entrypoints.pages import language_of
from services.portal.entrypoints.render import Renderer
from shared.clock import Clock
from shared.wiring import Bound

router = APIRouter(prefix="/personal")
STAFF, CSRF, ID_TOKEN = "staff", "csrf", "id_token"
"""The session's keys (authlib keeps its state and nonce beside them, until the callback)."""


@dataclass(frozen=True)
class StaffDoor:
    """What the staff pages need (`app.state.staff`): the provider (None: sign-in is not
    set up here), the claim names, the session's limits, where the portal is reached."""

    provider: IdentityProvider | None
    handlers: dict[type, Bound]
    people: StaffApi
    """The staff handlers' unit of work: registration's staff API as the person."""
    claims: ClaimNames
    lifetime: timedelta
    idle: timedelta
    public_url: str
    renderer: Renderer
    clock: Clock


def door(request: Request) -> StaffDoor:
    staff: StaffDoor = request.app.state.staff
    return staff


def _page(request: Request, template: str, status: int = 200, **context: object) -> HTMLResponse:
    return door(request).renderer.page(request, template, language_of(request), status,
                                        **context)


def signed_in(request: Request) -> StaffMember | None:
    """Who this session is, still signed in; the session's `seen_at` moves on."""
    staff = door(request)
    now = staff.clock()
    member = staff_from_session(request.session.get(STAFF) or {}, now, staff.idle)
    if member is None:
        request.session.pop(STAFF, None)
        return None
    request.session[STAFF] = member.to_session(now)
    return member


def csrf_token(request: Request) -> str:
    token = request.session.get(CSRF)
    if not isinstance(token, str):
        token = request.session[CSRF] = csrf.new_token()
    return token


async def show_view(request: Request, command_of: Callable[[StaffMember], Any],
                    templates: Mapping[type, str], *, csrf_checked: bool = False
                    ) -> Response:
    """A staff page: the command of the signed-in person (else to sign-in) to its
    handler, and the view it gives in its template (a `Saved` one: to the saved entry's
    page; a `Download`: the file). A POST's form is checked for the CSRF token first."""
    had_session = STAFF in request.session
    member = signed_in(request)
    if member is None:  # `slut`: the page says the session ended, not just "sign in"
        return RedirectResponse("/personal/logga-in" + ("?slut=1" if had_session else ""),
                                status_code=303)
    if csrf_checked and not await has_valid_csrf(request):
        return _page(request, "staff_refused.html", 403, reason="csrf")
    staff = door(request)
    view = await staff.handlers[type(command := command_of(member))](command, staff.people)
    if isinstance(view, Saved):
        return RedirectResponse(view.path, status_code=303)
    if isinstance(view, Download):  # passed on as the service gave it; never cached
        return Response(view.body, media_type=view.media_type, headers={
            "Content-Disposition": f'attachment; filename="{view.filename}"',
            "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})
    template = templates.get(type(view), "staff_trouble.html")
    return _page(request, template, getattr(view, "status", 200), view=view, member=member,
                 csrf_token=csrf_token(request))


async def has_valid_csrf(request: Request) -> bool:
    """The POSTed form carries the session's token."""
    submitted = (await request.form()).get(csrf.FIELD)
    return csrf.is_valid(request.session.get(CSRF),
                         submitted if isinstance(submitted, str) else None)


@router.get("", response_class=HTMLResponse)
async def start(request: Request) -> Response:
    """Who is signed in and, for a coordinator, what needs attention."""
    return await show_view(request, ShowStart, {StartPage: "staff_start.html"})


@router.get("/logga-in", response_class=HTMLResponse)
async def sign_in_page(request: Request) -> Response:
    """The way in; says so when a session has just ended, or sign-in is not set up."""
    if signed_in(request) is not None:
        return RedirectResponse("/personal", status_code=303)
    ended = request.query_params.get("slut") == "1"
    configured = door(request).provider is not None
    return _page(request, "staff_sign_in.html", 200 if configured else 503,
                 configured=configured, ended=ended)


@router.get("/logga-in/start")
async def sign_in(request: Request) -> Response:
    staff = door(request)
    if staff.provider is None:
        return RedirectResponse("/personal/logga-in", status_code=303)
    return await staff.provider.sign_in(request, f"{staff.public_url}/personal/inloggad")


@router.get("/inloggad", response_class=HTMLResponse)
async def signed_in_callback(request: Request) -> Response:
    """The provider's redirect back: the ID token checked, then the claims read."""
    staff = door(request)
    if staff.provider is None:
        return RedirectResponse("/personal/logga-in", status_code=303)
    try:
        claims, id_token = await staff.provider.signed_in(request)
        now = staff.clock()
        member = staff_from_claims(claims, staff.claims, now, staff.lifetime)
    except SignInFailed:
        return _page(request, "staff_refused.html", 400, reason="failed")
    except SignInRefused as refused:
        return _page(request, "staff_refused.html", 403, reason=refused.reason)
    request.session.clear()  # nothing of an earlier person, nor authlib's state, stays
    request.session.update({STAFF: member.to_session(now), CSRF: csrf.new_token(),
                            ID_TOKEN: id_token})
    return RedirectResponse("/personal", status_code=303)


@router.post("/logga-ut", response_class=HTMLResponse)
async def sign_out(request: Request) -> Response:
    if not await has_valid_csrf(request):
        return _page(request, "staff_refused.html", 403, reason="csrf")
    staff, id_token = door(request), request.session.get(ID_TOKEN)
    request.session.clear()
    then = f"{staff.public_url}/personal/utloggad"
    provider_url = (await staff.provider.sign_out_url(id_token, then)
                    if staff.provider is not None else None)
    return RedirectResponse(provider_url or "/personal/utloggad", status_code=303)


@router.get("/utloggad", response_class=HTMLResponse)
async def signed_out(request: Request) -> HTMLResponse:
    return _page(request, "staff_signed_out.html")
