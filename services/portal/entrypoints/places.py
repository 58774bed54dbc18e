"""Staff's pages of the registers (/personal/arbetsplatser, /personal/handledare,
/personal/erbjudanden): the workplaces, each one's form with its supervisors and offers,
and a form for a new supervisor or offer at it; and the municipality's profile
(/personal/kommuner/{code}/profil). Each form posts back to its own page;
saved, the page goes to the entry's (303), refused, it shows each problem by its field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from services.portal.domain.commands import (
    SaveEntry,
    SaveProfile,
    ShowEntry,
    ShowProfile,
    ShowWorkplaces,
)
from services.portal.domain.places import FormPage, Register, WorkplacesPage
from services.portal.domain.staff import StaffMember
from services.portal.entrypoints.staff import show_view

router = APIRouter(prefix="/personal")
TEMPLATES = {WorkplacesPage: "staff_workplaces.html", FormPage: "staff_entry.html"}


async def posted_form(request: Request) -> dict[str, str]:
    """A POSTed form's fields (the last value of each), files left out."""
    return {key: value for key, value in (await request.form()).items()
            if isinstance(value, str)}


async def _form(request: Request, show: Callable[[StaffMember, bool], Any],
                save: Callable[[StaffMember, dict[str, str]], Any]) -> Response:
    """A form's page (GET; `sparad=1`: it says it was saved) or its save (POST)."""
    if request.method != "POST":
        saved = request.query_params.get("sparad") == "1"
        return await show_view(request, lambda member: show(member, saved), TEMPLATES)
    form = await posted_form(request)
    return await show_view(request, lambda member: save(member, form), TEMPLATES,
                           csrf_checked=True)


async def _entry(request: Request, register: Register, ident: str = "",
                 workplace_id: str = "") -> Response:
    """An entry's page or its save."""
    return await _form(
        request, lambda member, saved: ShowEntry(member, register, ident, workplace_id, saved),
        lambda member, form: SaveEntry(member, register, ident, workplace_id, form))


@router.get("/arbetsplatser", response_class=HTMLResponse)
async def workplaces(request: Request) -> Response:
    return await show_view(request, ShowWorkplaces, TEMPLATES)


@router.api_route("/arbetsplatser/ny", methods=["GET", "POST"], response_class=HTMLResponse)
async def new_workplace(request: Request) -> Response:
    return await _entry(request, "workplaces")


@router.api_route("/arbetsplatser/{workplace_id}", methods=["GET", "POST"],
                  response_class=HTMLResponse)
async def workplace(workplace_id: str, request: Request) -> Response:
    return await _entry(request, "workplaces", workplace_id)


@router.api_route("/arbetsplatser/{workplace_id}/ny-handledare", methods=["GET", "POST"],
                  response_class=HTMLResponse)
async def new_supervisor(workplace_id: str, request: Request) -> Response:
    return await _entry(request, "supervisors", workplace_id=workplace_id)


@router.api_route("/arbetsplatser/{workplace_id}/nytt-erbjudande", methods=["GET", "POST"],
                  response_class=HTMLResponse)
async def new_offer(workplace_id: str, request: Request) -> Response:
    return await _entry(request, "offers", workplace_id=workplace_id)


@router.api_route("/handledare/{supervisor_id}", methods=["GET", "POST"],
                  response_class=HTMLResponse)
async def supervisor(supervisor_id: str, request: Request) -> Response:
    return await _entry(request, "supervisors", supervisor_id)


@router.api_route("/erbjudanden/{offer_id}", methods=["GET", "POST"],
                  response_class=HTMLResponse)
async def offer(offer_id: str, request: Request) -> Response:
    return await _entry(request, "offers", offer_id)


@router.api_route("/kommuner/{municipality_code}/profil", methods=["GET", "POST"],
                  response_class=HTMLResponse)
async def profile(municipality_code: str, request: Request) -> Response:
    """The municipality's profile: who signs its messages, the time each party has."""
    return await _form(
        request, lambda member, saved: ShowProfile(member, municipality_code, saved),
        lambda member, form: SaveProfile(member, municipality_code, form))
