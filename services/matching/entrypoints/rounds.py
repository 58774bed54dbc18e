"""Rounds over HTTP: a coordinator's preview (`dry_run`: what the round would do, rolled
back, nothing published) and the run; the municipality's rounds; and each round's draw,
public: its seed and every request's lottery number, so that a family can draw the
lottery again (`domain.rounds.draw_lottery`) and check its own number.

A round's seed is drawn once, at its first preview, and kept until the round runs
(`round_seeds`): every preview shows the draw the round will make, and previewing again
draws nothing new. A seed given in the body (tests, a drill) is used and published the
same way.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from services.matching.adapters import views
from services.matching.domain import commands
from services.matching.domain.book import RoundSummary
from services.matching.domain.rounds import SEED_BITS
from services.matching.entrypoints.http import _db, _handle
from shared.auth import CurrentPrincipal
from shared.contracts.types import MunicipalityCode, Program
from shared.errors import NotFound
from shared.http import ERRORS

router = APIRouter(prefix="/matching", tags=["rounds"], responses=ERRORS)
RoundProgram = Literal["prao", "summer_job"]


class RoundIn(BaseModel):
    municipality_code: MunicipalityCode
    program: RoundProgram
    seed: int | None = Field(default=None, ge=0, lt=1 << SEED_BITS,
                             description="Lottery seed; absent: the one the round's first "
                             "preview drew, or one drawn now")
    dry_run: bool = Field(default=False, description="A preview: what the round would do, "
                          "with the seed it will use; nothing is kept or published")


class DrawOut(BaseModel):
    request_id: UUID
    priority: int
    lottery: int | None
    """None: not in the draw (its participant unknown, or placed already)."""
    offer_id: UUID | None
    rank: int | None
    """The rank of the preference it was proposed (from 0); None: waitlisted."""
    reasons: list[str]
    """Why it waits (matching's reason codes)."""


class RoundFigures(BaseModel):
    round_id: UUID
    municipality_code: str
    program: Program
    seed: int
    requests: int
    placed: int
    waitlisted: int


class RoundOut(RoundFigures):
    duration_ms: float
    dry_run: bool
    draws: list[DrawOut]
    """Every request of the round, in the round's order (priority, then lottery)."""


class RoundListed(RoundFigures):
    ran_at: datetime


class PublishedDraw(BaseModel):
    request_id: UUID
    lottery: int


class PublishedRoundOut(RoundListed):
    draws: list[PublishedDraw]
    """Every request in the draw, by lottery number."""


def _out(summary: RoundSummary, dry_run: bool) -> RoundOut:
    return RoundOut(
        round_id=summary.round_id, municipality_code=summary.municipality_code,
        program=summary.program, seed=summary.seed, requests=summary.requests,
        placed=summary.placed, waitlisted=summary.waitlisted,
        duration_ms=summary.duration_ms, dry_run=dry_run,
        draws=[DrawOut(request_id=d.request_id, priority=d.priority, lottery=d.lottery,
                       offer_id=d.offer_id, rank=d.rank, reasons=list(d.reasons))
               for d in summary.draws])


@router.post("/rounds", response_model=RoundOut)
async def run_round(body: RoundIn, request: Request, principal: CurrentPrincipal) -> RoundOut:
    """Run a matching round for one municipality and programme (prao, summer_job), or
    preview it (`dry_run`)."""
    principal.require(body.municipality_code)
    seed = body.seed
    if body.dry_run and seed is None:
        seed = await _handle(request, commands.DrawRoundSeed(body.municipality_code,
                                                             body.program))
    summary = await _handle(request, commands.RunRound(body.municipality_code, body.program,
                                                       seed), commit=not body.dry_run)
    assert summary is not None
    return _out(summary, body.dry_run)


@router.get("/rounds", response_model=list[RoundListed])
async def list_rounds(request: Request, principal: CurrentPrincipal,
                      municipality_code: MunicipalityCode,
                      limit: Annotated[int, Query(ge=1, le=200)] = 50) -> list[RoundListed]:
    """A municipality's rounds, the latest first."""
    principal.require(municipality_code)
    async with _db(request) as db:
        rows = await views.rounds(db, municipality_code, limit)
    return [RoundListed.model_validate(row, from_attributes=True) for row in rows]


@router.get("/rounds/{round_id}/draw", response_model=PublishedRoundOut)
async def published_draw(round_id: UUID, request: Request) -> PublishedRoundOut:
    """The round's draw, public: its seed and each request's lottery number (request ids
    only, no one's name; no token)."""
    async with _db(request) as db:
        found = await views.round_draw(db, round_id)
    if found is None:
        raise NotFound("no such round")
    row, draws = found
    return PublishedRoundOut(
        **RoundListed.model_validate(row, from_attributes=True).model_dump(),
        draws=[PublishedDraw(request_id=d.request_id, lottery=d.lottery) for d in draws])
