"""Staff's page of refused intake (/personal/intag?kommun=): what the municipality's
sending systems sent that registration refused, field by field."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from services.portal.domain.commands import ShowIntake
from services.portal.domain.intake import IntakePage
from services.portal.entrypoints.staff import show_view

router = APIRouter(prefix="/personal")
TEMPLATES: dict[type, str] = {IntakePage: "staff_intake.html"}


@router.get("/intag", response_class=HTMLResponse)
async def intake(request: Request, kommun: str = "") -> Response:
    return await show_view(request, lambda member: ShowIntake(member, kommun.strip()[:4]),
                           TEMPLATES)
