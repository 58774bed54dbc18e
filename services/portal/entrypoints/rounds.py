"""Rounds: staff's (/personal/omgangar: the rounds so far, the next one's preview, its
run) and the public's (/omgang/{round_id}: a round's draw, its seed and every request's
lottery number; `?forfragan=` marks the request a family looks for)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from services.portal.domain.commands import RunRound, ShowRoundDraw, ShowRounds
from services.portal.domain.rounds import PublishedDrawPage, RoundsPage, RoundStep
from services.portal.entrypoints.pages import handle_page, language_of, pages_of
from services.portal.entrypoints.places import posted_form
from services.portal.entrypoints.staff import show_view

router = APIRouter()
TEMPLATES: dict[type, str] = {RoundsPage: "staff_rounds.html"}
STEPS: dict[str, RoundStep] = {"granska": "preview", "kor": "run"}


@router.get("/personal/omgangar", response_class=HTMLResponse)
async def rounds(request: Request) -> Response:
    return await show_view(request, ShowRounds, TEMPLATES)


@router.post("/personal/omgangar", response_class=HTMLResponse)
async def run_round(request: Request) -> Response:
    form = await posted_form(request)
    step = STEPS.get(form.get("steg", ""), "preview")
    return await show_view(request, lambda member: RunRound(member, form, step), TEMPLATES,
                           csrf_checked=True)


@router.get("/omgang/{round_id}", response_class=HTMLResponse)
async def published_draw(round_id: str, request: Request, forfragan: str = "") -> Response:
    view: PublishedDrawPage = await handle_page(request, ShowRoundDraw(round_id,
                                                                       forfragan[:40]))
    return pages_of(request).renderer.page(request, "round_draw.html", language_of(request),
                                         view.status, view=view)
