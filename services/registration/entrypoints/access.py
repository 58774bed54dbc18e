"""The access log's door: an auditor (or admin) reads who read whose record, when and
why, in their own municipalities. A coordinator is refused (403), as is any write by an
auditor (`shared.auth`)."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Query, Request

from services.registration.adapters.access_log_views import AccessEntryOut, access_log
from services.registration.adapters.views import Page
from services.registration.entrypoints.http import Limit, MunicipalityFilter, Offset, _read, _scope
from shared.auth import CurrentPrincipal
from shared.http import ERRORS

router = APIRouter(responses=ERRORS)


@router.get("/access-log", tags=["access log"])
async def read_access_log(principal: CurrentPrincipal, request: Request,
                          municipality_code: MunicipalityFilter = None,
                          participant_id: UUID | None = None,
                          reader: str | None = Query(default=None, max_length=200),
                          limit: Limit = 50, offset: Offset = 0) -> Page[AccessEntryOut]:
    """Newest first; by participant (`participant_id`) or by reader (`reader`, the
    token's subject)."""
    principal.require_role("auditor", "admin")
    return await _read(request, access_log, _scope(principal, municipality_code),
                       participant_id, reader, limit, offset)
