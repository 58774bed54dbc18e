"""Staff's import of a list of participants (/personal/import): the form with the file
(multipart), then the preview's own form, which carries the rows on to be checked again
with their fixes, registered, or downloaded with their problems (`steg`)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from services.portal.adapters.spreadsheets import read_table
from services.portal.domain.commands import ImportRows, ShowImport
from services.portal.domain.imports import ImportPage, Step, Table, Unreadable
from services.portal.entrypoints.pages import language_of
from services.portal.entrypoints.places import posted_form
from services.portal.entrypoints.staff import show_view

router = APIRouter(prefix="/personal")
TEMPLATES: dict[type, str] = {ImportPage: "staff_import.html"}
STEPS: dict[str, Step] = {"granska": "preview", "registrera": "run", "ladda-ned": "download"}
MAX_FILE_BYTES = 900_000
"""Below the portal's body limit, so that a file too big is said beside its field."""


@router.get("/import", response_class=HTMLResponse)
async def import_form(request: Request) -> Response:
    return await show_view(request, ShowImport, TEMPLATES)


async def _table(upload: UploadFile) -> Table | None:
    content = await upload.read(MAX_FILE_BYTES + 1)
    if len(content) > MAX_FILE_BYTES:
        return None
    try:
        return read_table(content)
    except Unreadable:
        return None


@router.post("/import", response_class=HTMLResponse)
async def import_rows(request: Request) -> Response:
    upload = (await request.form()).get("fil")
    uploaded = isinstance(upload, UploadFile) and bool(upload.filename)
    table = await _table(upload) if isinstance(upload, UploadFile) and uploaded else None
    form = await posted_form(request)
    step = STEPS.get(form.get("steg", ""), "preview")
    language = language_of(request)
    return await show_view(
        request, lambda member: ImportRows(member, form, step, table, uploaded, language),
        TEMPLATES, csrf_checked=True)
