"""HTTP API of the matching service: rounds, acceptance links, declines, explanations, statistics.

Coordinators (and systems) authenticate with a bearer token and reach only their
municipalities; a workplace reaches one placement through the token in its link.
Commands go through `bus.handle(command)`; reads go to `adapters/views.py`.
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
from services.matching.adapters.links import AcceptanceLinks
from services.matching.adapters.repository import MunicipalityBusy
from services.matching.domain import commands
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


class TokenIn(BaseModel):
    token: str = Field(min_length=8, max_length=200)


class WorkplaceDeclineIn(TokenIn):
    reason: str = Field(default="declined by the workplace", min_length=1, max_length=500)


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


def _links(request: Request) -> AcceptanceLinks:
    links: AcceptanceLinks = request.app.state.links
    return links


async def _placement_municipality(request: Request, placement_id: UUID) -> str:
    async with _db(request) as db:
        row = await views.placement(db, placement_id)
    if row is None:
        raise NotFound("no such placement")
    return str(row.municipality_code)


def _check_token(request: Request, placement_id: UUID, token: str) -> None:
    if not _links(request).verify(placement_id, token):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "forbidden")


@router.post("/rounds", response_model=RoundOut)
async def run_round(body: RoundIn, request: Request, principal: CurrentPrincipal) -> RoundOut:
    """Run a matching round for one municipality and programme (prao, summer_job)."""
    principal.require(body.municipality_code)
    seed = body.seed if body.seed is not None else secrets.randbits(SEED_BITS)
    summary = await _handle(request, commands.RunRound(body.municipality_code, body.program,
                                                       seed))
    assert summary is not None
    return RoundOut(**vars(summary))


@router.get("/placements/{placement_id}/respond")
async def respond_page(placement_id: UUID, token: str, request: Request) -> dict[str, Any]:
    """What the supervisor's link shows: the placement, without the participant's data."""
    _check_token(request, placement_id, token)
    async with _db(request) as db:
        row = await views.placement(db, placement_id)
    if row is None:
        raise NotFound("no such placement")
    return {
        "placement_id": str(row.placement_id), "offer_id": str(row.offer_id),
        "program": row.program, "period_start": row.period_start.isoformat(),
        "period_end": row.period_end.isoformat(), "status": row.status,
        "accept_by": row.accept_by.isoformat(),
        "accept": f"/matching/placements/{placement_id}/accept",
        "decline": f"/matching/placements/{placement_id}/workplace-decline",
    }


@router.post("/placements/{placement_id}/accept", responses=CONFLICT)
async def accept(placement_id: UUID, body: TokenIn, request: Request) -> dict[str, str]:
    """The workplace accepts (token from the supervisor's link)."""
    _check_token(request, placement_id, body.token)
    state = await _handle(request, commands.AcceptPlacement(placement_id))
    return {"placement_id": str(placement_id), "status": str(state)}


@router.post("/placements/{placement_id}/workplace-decline", responses=CONFLICT)
async def workplace_decline(placement_id: UUID, body: WorkplaceDeclineIn,
                            request: Request) -> dict[str, str]:
    """The workplace declines (token from the supervisor's link)."""
    _check_token(request, placement_id, body.token)
    await _handle(request, commands.DeclinePlacement(placement_id, "workplace", body.reason))
    return {"placement_id": str(placement_id), "status": "declined"}


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
        "outcome": row.outcome,
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
