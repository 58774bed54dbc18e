"""HTTP API of the matching service: rounds, declines, explanations, statistics.

Coordinators (and systems) authenticate with a bearer token and reach only their
municipalities; the answers people give by the links in their messages are in
links.py. Commands go through `bus.handle(command)`; reads go to `adapters/views.py`.
"""

from __future__ import annotations

import secrets
from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, HTTPException, Query, Request, status
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from services.matching.adapters import views
from services.matching.adapters.repository import MunicipalityBusy
from services.matching.adapters.rows import placement_from_row
from services.matching.domain import commands
from services.matching.domain.answers import answers
from shared.auth import CurrentPrincipal
from shared.contracts.types import DeclinedBy, MunicipalityCode, Outcome, Program
from shared.errors import NotFound
from shared.http import CONFLICT, ERRORS
from shared.messagebus import MessageBus

router = APIRouter(prefix="/matching", tags=["matching"], responses=ERRORS)

SEED_BITS = 62


class RoundIn(BaseModel):
    municipality_code: MunicipalityCode
    program: Literal["prao", "summer_job"]
    seed: int | None = Field(default=None, ge=0, lt=1 << SEED_BITS,
                             description="Lottery seed; drawn at random when absent")


class RoundOut(BaseModel):
    round_id: UUID
    municipality_code: str
    program: Program
    seed: int
    requests: int
    placed: int
    waitlisted: int
    duration_ms: float


class DeclineIn(BaseModel):
    by: DeclinedBy
    reason: str = Field(min_length=1, max_length=500)
    end_request: bool = False
    """True: the participant wants no other placement for this request."""


class CompletionIn(BaseModel):
    outcome: Outcome


def _bus(request: Request) -> MessageBus:
    bus: MessageBus = request.app.state.bus
    return bus


async def _handle(request: Request, command: object) -> Any:
    try:
        return await _bus(request).handle(command)
    except MunicipalityBusy:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "busy, try again",
                            headers={"Retry-After": "1"}) from None


def _db(request: Request) -> AsyncSession:
    """A session for reads (`async with`), closed before the answer is sent."""
    db: AsyncSession = request.app.state.service.session_factory()
    return db


async def _placement_municipality(request: Request, placement_id: UUID) -> str:
    async with _db(request) as db:
        row = await views.placement(db, placement_id)
    if row is None:
        raise NotFound("no such placement")
    return str(row.municipality_code)


@router.post("/rounds", response_model=RoundOut)
async def run_round(body: RoundIn, request: Request, principal: CurrentPrincipal) -> RoundOut:
    """Run a matching round for one municipality and programme (prao, summer_job)."""
    principal.require(body.municipality_code)
    seed = body.seed if body.seed is not None else secrets.randbits(SEED_BITS)
    summary = await _handle(request, commands.RunRound(body.municipality_code, body.program,
                                                       seed))
    assert summary is not None
    return RoundOut(**vars(summary))


@router.post("/placements/{placement_id}/decline", responses=CONFLICT)
async def decline(placement_id: UUID, body: DeclineIn, request: Request,
                  principal: CurrentPrincipal) -> dict[str, str]:
    """A coordinator or system records a decline by the participant, guardian or workplace."""
    principal.require(await _placement_municipality(request, placement_id))
    await _handle(request, commands.DeclinePlacement(placement_id, body.by, body.reason,
                                                     body.end_request))
    return {"placement_id": str(placement_id), "status": "declined"}


@router.post("/placements/{placement_id}/completion", responses=CONFLICT)
async def complete(placement_id: UUID, body: CompletionIn, request: Request,
                   principal: CurrentPrincipal) -> dict[str, str]:
    """Record how a confirmed placement ended (feeds the statistics)."""
    principal.require(await _placement_municipality(request, placement_id))
    await _handle(request, commands.CompletePlacement(placement_id, body.outcome))
    return {"placement_id": str(placement_id), "status": "completed"}


def _placement_out(row: Any) -> dict[str, Any]:
    return {
        "placement_id": str(row.placement_id),
        "request_id": str(row.request_id) if row.request_id else None,
        "participant_id": str(row.participant_id) if row.participant_id else None,
        "offer_id": str(row.offer_id), "workplace_id": str(row.workplace_id),
        "supervisor_id": str(row.supervisor_id), "municipality_code": row.municipality_code,
        "program": row.program, "period_start": row.period_start.isoformat(),
        "period_end": row.period_end.isoformat(), "status": row.status,
        "preference_rank": row.preference_rank,
        "round_id": str(row.round_id) if row.round_id else None,
        "accept_by": row.accept_by.isoformat(), "end_reason": row.end_reason,
        "outcome": row.outcome, "consent_required": row.consent_required,
        "answer_by": row.answer_by.isoformat() if row.answer_by else None,
        "guardian_answer": row.guardian_answer, "declined_by": row.declined_by,
        "answers": answers(placement_from_row(row)),
    }


@router.get("/placements/{placement_id}")
async def get_placement(placement_id: UUID, request: Request,
                        principal: CurrentPrincipal) -> dict[str, Any]:
    async with _db(request) as db:
        row = await views.placement(db, placement_id)
    if row is None:
        raise NotFound("no such placement")
    principal.require(row.municipality_code)
    return _placement_out(row)


@router.get("/placements")
async def list_placements(
    request: Request, principal: CurrentPrincipal, municipality_code: MunicipalityCode,
    status_: Annotated[str | None, Query(alias="status", pattern=r"^[a-z_]{1,40}$")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    principal.require(municipality_code)
    async with _db(request) as db:
        rows = await views.placements(db, municipality_code, status_, limit)
    return [_placement_out(row) for row in rows]


@router.get("/requests/{request_id}")
async def get_request(request_id: UUID, request: Request,
                      principal: CurrentPrincipal) -> dict[str, Any]:
    async with _db(request) as db:
        row = await views.request(db, request_id)
    if row is None:
        raise NotFound("no such request")
    principal.require(row.municipality_code)
    return {"request_id": str(row.request_id), "municipality_code": row.municipality_code,
            "program": row.program, "status": row.status, "reasons": list(row.reasons),
            "priority": row.priority, "lottery": row.lottery}


@router.get("/requests/{request_id}/explanation")
async def explain_request(request_id: UUID, request: Request,
                          principal: CurrentPrincipal) -> dict[str, Any]:
    """Why a request got what it got: feasible offers, full ones, who held the seats."""
    async with _db(request) as db:
        row = await views.request(db, request_id)
        if row is None:
            raise NotFound("no such request")
        principal.require(row.municipality_code)
        return await views.explanation(db, row)


@router.get("/statistics")
async def statistics(
    request: Request, principal: CurrentPrincipal,
    program: Program | None = None, municipality_code: MunicipalityCode | None = None,
) -> dict[str, Any]:
    """Placements and outcomes by programme, municipality, sector and gender (counts only)."""
    if municipality_code is not None:
        principal.require(municipality_code)
    async with _db(request) as db:
        rows = await views.statistics(db, principal.scope(), program, municipality_code)
    groups: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    for row in rows:
        key = (row.program, row.municipality_code, row.sector, row.gender)
        group = groups.setdefault(key, {
            "program": row.program, "municipality_code": row.municipality_code,
            "sector": row.sector, "gender": row.gender, "placements": 0,
            "by_status": {}, "outcomes": {}})
        group["placements"] += row.count
        group["by_status"][row.status] = group["by_status"].get(row.status, 0) + row.count
        if row.outcome:
            group["outcomes"][row.outcome] = group["outcomes"].get(row.outcome, 0) + row.count
    return {"generated": date.today().isoformat(), "groups": list(groups.values())}
