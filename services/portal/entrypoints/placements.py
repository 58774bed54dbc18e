"""Staff's pages of placements (/personal/placeringar): a municipality's by status, and
one placement's page with a form for each thing a coordinator does to it, each posted to
its own path (`domain.placements.ACTIONS`); done, the page goes back to the placement."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from services.portal.domain.commands import ActOnPlacement, ShowPlacement, ShowPlacements
from services.portal.domain.placements import ACTIONS, Action, PlacementPage, PlacementsPage
from services.portal.entrypoints.places import posted_form
from services.portal.entrypoints.staff import show_view

router = APIRouter(prefix="/personal")
TEMPLATES = {PlacementsPage: "staff_placements.html", PlacementPage: "staff_placement.html"}


@router.get("/placeringar", response_class=HTMLResponse)
async def placements(request: Request, kommun: str = "", status: str = "") -> Response:
    return await show_view(request, lambda member: ShowPlacements(
        member, kommun.strip()[:4], status.strip()[:20]), TEMPLATES)


@router.get("/placeringar/{placement_id}", response_class=HTMLResponse)
async def placement(placement_id: str, request: Request, klart: str = "") -> Response:
    done = klart if klart in ACTIONS.values() else ""
    return await show_view(request, lambda member: ShowPlacement(member, placement_id, done),
                           TEMPLATES)


def _action(action: Action) -> Callable[[str, Request], Awaitable[Response]]:
    async def act(placement_id: str, request: Request) -> Response:
        form = await posted_form(request)
        return await show_view(request, lambda member: ActOnPlacement(
            member, placement_id, action, form), TEMPLATES, csrf_checked=True)
    return act


for _path, _name in ACTIONS.items():
    router.add_api_route(f"/placeringar/{{placement_id}}/{_path}", _action(_name),
                         methods=["POST"], response_class=HTMLResponse)
