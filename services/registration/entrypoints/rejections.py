"""The intake requests registration refused, for a municipality's coordinators
(`GET /intake/rejections`): which sending system, its id for the request, which fields
failed and why; never the values. The sender fixes and sends again."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from services.registration.adapters.intake_rejection_repository import listed
from services.registration.entrypoints.http import _read
from shared.auth import CurrentPrincipal
from shared.clock import utc_now
from shared.contracts.types import MunicipalityCode
from shared.http import ERRORS, FieldErrorOut

router = APIRouter(responses=ERRORS)


class RejectionOut(BaseModel):
    rejected_at: datetime
    source: str
    source_event_id: str
    reason: str
    errors: list[FieldErrorOut]


@router.get("/intake/rejections", tags=["intake"], response_model=list[RejectionOut])
async def intake_rejections(principal: CurrentPrincipal, request: Request,
                            municipality_code: MunicipalityCode,
                            days: Annotated[int, Query(ge=1, le=365)] = 30,
                            limit: Annotated[int, Query(ge=1, le=500)] = 100
                            ) -> list[RejectionOut]:
    """A municipality's refused intake requests of the last `days`, the latest first."""
    principal.require(municipality_code)
    found = await _read(request, listed, municipality_code,
                        utc_now() - timedelta(days=days), limit)
    return [RejectionOut(rejected_at=r.rejected_at, source=r.source,
                         source_event_id=r.source_event_id, reason=r.reason,
                         errors=[FieldErrorOut(**e) for e in r.errors]) for r in found]
