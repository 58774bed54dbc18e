"""Staff's pages of people (/personal/deltagare, /personal/forfragningar,
/personal/atkomstlogg): a search, a participant's record, a request and why it got what
it got, the access log. Each needs a signed-in person (else to sign-in);
registration decides what they may see, as them, and logs each record read."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from services.portal.domain.commands import SearchPeople, ShowAccessLog, ShowPerson, ShowRequest
from services.portal.domain.explanation import RequestPage
from services.portal.domain.people import (
    DEFAULT_PURPOSE,
    AccessLogPage,
    PersonPage,
    Search,
    SearchPage,
)
from services.portal.entrypoints.staff import show_view

router = APIRouter(prefix="/personal")
TEMPLATES = {SearchPage: "staff_search.html", PersonPage: "staff_person.html",
             AccessLogPage: "staff_access_log.html", RequestPage: "staff_request.html"}


async def _show(request: Request, command_of: Any) -> Response:
    return await show_view(request, command_of, TEMPLATES)


@router.get("/deltagare", response_class=HTMLResponse)
async def search(request: Request, namn: str = "", fodd: str = "", ref: str = "") -> Response:
    wanted = Search(namn.strip()[:200], fodd.strip()[:10], ref.strip()[:200])
    return await _show(request, lambda member: SearchPeople(member, wanted))


@router.get("/deltagare/{participant_id}", response_class=HTMLResponse)
async def person(participant_id: str, request: Request,
                 syfte: str = DEFAULT_PURPOSE) -> Response:
    return await _show(request, lambda member: ShowPerson(member, participant_id, syfte))


@router.get("/atkomstlogg", response_class=HTMLResponse)
async def access_log(request: Request, deltagare: str = "") -> Response:
    return await _show(request, lambda member: ShowAccessLog(member, deltagare.strip()))


@router.get("/forfragningar/{request_id}", response_class=HTMLResponse)
async def request_why(request_id: str, request: Request) -> Response:
    """A request, and matching's explanation of where it has got and why."""
    return await _show(request, lambda member: ShowRequest(member, request_id))
