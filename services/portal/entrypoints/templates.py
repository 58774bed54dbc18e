"""Staff's pages of the message templates (/personal/meddelandemallar): each template
with sample data in every language, signed as the chosen municipality's (`?kommun=`)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from services.portal.domain.commands import ShowTemplate, ShowTemplates
from services.portal.domain.templates import TemplatePage, TemplatesPage
from services.portal.entrypoints.staff import show_view

router = APIRouter(prefix="/personal")
TEMPLATES: dict[type, str] = {TemplatesPage: "staff_templates.html",
                              TemplatePage: "staff_template.html"}


@router.get("/meddelandemallar", response_class=HTMLResponse)
async def templates(request: Request, kommun: str = "") -> Response:
    return await show_view(request, lambda member: ShowTemplates(member, kommun.strip()[:4]),
                           TEMPLATES)


@router.get("/meddelandemallar/{name}", response_class=HTMLResponse)
async def template(name: str, request: Request, kommun: str = "") -> Response:
    return await show_view(
        request, lambda member: ShowTemplate(member, name[:40], kommun.strip()[:4]), TEMPLATES)
