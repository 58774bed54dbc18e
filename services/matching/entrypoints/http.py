"""HTTP API of the matching service: placements, declines, explanations (the rounds are
in rounds.py, the statistics in statistics.py).

Coordinators (and systems) authenticate with a bearer token and reach only their
municipalities; the answers people give by the links in their messages are in
links.py. Commands go through `bus.handle(command)`; reads go to `adapters/views.py`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, HTTPException, Query, Request, status
from pydantic import AwareDatetime, BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from services.matching.adapters import views
from services.matching.adapters.repository import MunicipalityBusy
from services.matching.adapters.rows import placement_from_row
from services.matching.domain import commands
from services.matching.domain.answers import answers
from services.matching.domain.deadlines import AWAITED, deadline
from services.matching.domain.outcomes import follow_up_from
from services.matching.domain.placements import Placement
from shared.auth import CurrentPrincipal
from shared.contracts.types import AnsweredBy, Awaited, DeclinedBy, MunicipalityCode, Outcome
from shared.errors import NotFound
from shared.http import CONFLICT, ERRORS
from shared.messagebus import MessageBus

router = APIRouter(prefix="/matching", tags=["matching"], responses=ERRORS)

class DeclineIn(BaseModel):
    by: DeclinedBy
    reason: str = Field(min_length=1, max_length=500)
    end_request: bool = False
    """True: the participant wants no other placement for this request."""


class AcceptanceIn(BaseModel):
    by: AnsweredBy
    guardian_id: UUID | None = Field(default=None, description="Which guardian said yes "
                                     "(required when `by` is guardian)")


class CompletionIn(BaseModel):
    outcome: Outcome
    ended_on: date | None = Field(
        default=None, description="The day it ended, when before its last day (then with "
        "a reason); left out: it ran to its last day, which has come")
    reason: str | None = Field(default=None, min_length=1, max_length=500,
                               description="Why it ended before its last day")


class FollowUpIn(BaseModel):
    outcome: Outcome


class DeadlineIn(BaseModel):
    awaiting: Awaited
    deadline: AwareDatetime = Field(description="The new deadline (RFC 3339): later than "
                                    "the current one, and in the future")


def _bus(request: Request) -> MessageBus:
    bus: MessageBus = request.app.state.bus
    return bus


async def _handle(request: Request, command: object, *, commit: bool = True) -> Any:
    """The command handled (`commit=False`: a dry run, rolled back); a municipality busy
    past the lock's wait is 503 with when to try again."""
    try:
        return await _bus(request).handle_together(lambda run: run(command), commit=commit)
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


@router.post("/placements/{placement_id}/decline", responses=CONFLICT)
async def decline(placement_id: UUID, body: DeclineIn, request: Request,
                  principal: CurrentPrincipal) -> dict[str, str]:
    """A coordinator or system records a decline by the participant, guardian or workplace."""
    principal.require(await _placement_municipality(request, placement_id))
    await _handle(request, commands.DeclinePlacement(placement_id, body.by, body.reason,
                                                     body.end_request))
    return {"placement_id": str(placement_id), "status": "declined"}


@router.post("/placements/{placement_id}/acceptance", responses=CONFLICT)
async def accept_for_party(placement_id: UUID, body: AcceptanceIn, request: Request,
                           principal: CurrentPrincipal) -> dict[str, str]:
    """A coordinator records a party's yes given by phone or in person; the same rules as
    the party's own link (409 when the placement does not ask it now). The event says a
    coordinator recorded it (`recorded_by`)."""
    principal.require(await _placement_municipality(request, placement_id))
    placement = await _handle(request, commands.AcceptForParty(placement_id, body.by,
                                                               body.guardian_id))
    return {"placement_id": str(placement_id), "status": str(placement.status)}


@router.post("/placements/{placement_id}/completion", responses=CONFLICT)
async def complete(placement_id: UUID, body: CompletionIn, request: Request,
                   principal: CurrentPrincipal) -> dict[str, str]:
    """Record how a confirmed placement ended (feeds the statistics): on or after its
    last day, or before it with `ended_on` and a `reason` (it ended early)."""
    principal.require(await _placement_municipality(request, placement_id))
    await _handle(request, commands.CompletePlacement(placement_id, body.outcome,
                                                      body.ended_on, body.reason))
    return {"placement_id": str(placement_id), "status": "completed"}


@router.post("/placements/{placement_id}/follow-up", responses=CONFLICT)
async def follow_up(placement_id: UUID, body: FollowUpIn, request: Request,
                    principal: CurrentPrincipal) -> dict[str, str]:
    """What the participant was doing six months after the placement ended (seed 004);
    once, from six calendar months after `ended_on`."""
    principal.require(await _placement_municipality(request, placement_id))
    placement = await _handle(request, commands.FollowUpPlacement(placement_id, body.outcome))
    return {"placement_id": str(placement_id), "follow_up_outcome": body.outcome,
            "followed_up_on": placement.followed_up_on.isoformat()}


@router.post("/placements/{placement_id}/deadline", responses=CONFLICT)
async def extend_deadline(placement_id: UUID, body: DeadlineIn, request: Request,
                          principal: CurrentPrincipal) -> dict[str, Any]:
    """Give a party the placement awaits more time: the workplace, the participant, a
    guardian answering the offer, or the guardians' consent."""
    principal.require(await _placement_municipality(request, placement_id))
    placement = await _handle(request, commands.ExtendDeadline(placement_id, body.awaiting,
                                                               body.deadline))
    return {"placement_id": str(placement_id), "awaiting": body.awaiting,
            "deadline": body.deadline.isoformat(), "deadlines": _deadlines(placement)}


def _deadlines(placement: Placement) -> dict[str, str]:
    """Each party's deadline, where the placement asks something of it."""
    return {party: at.isoformat() for party in AWAITED
            if (at := deadline(placement, party)) is not None}


def _follow_up(placement: Placement) -> dict[str, Any] | None:
    first_day = follow_up_from(placement)
    if first_day is None:
        return None
    return {"outcome": placement.follow_up_outcome, "from": first_day.isoformat(),
            "followed_up_on": (placement.followed_up_on.isoformat()
                               if placement.followed_up_on else None)}


def _placement_out(row: Any) -> dict[str, Any]:
    placement = placement_from_row(row)
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
        "proposed_at": row.proposed_at.isoformat(),
        "accept_by": row.accept_by.isoformat(), "end_reason": row.end_reason,
        "outcome": row.outcome, "consent_required": row.consent_required,
        "answer_by": row.answer_by.isoformat() if row.answer_by else None,
        "guardian_answer": row.guardian_answer, "declined_by": row.declined_by,
        "answers": answers(placement),
        "deadlines": _deadlines(placement), "reminded": list(row.reminded),
        "ended_on": row.ended_on.isoformat() if row.ended_on else None,
        "ended_early": bool(row.ended_on and row.ended_on < row.period_end),
        "follow_up": _follow_up(placement),
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


@router.get("/requests")
async def list_requests(
    request: Request, principal: CurrentPrincipal, municipality_code: MunicipalityCode,
    status_: Annotated[str | None, Query(alias="status", pattern=r"^[a-z_]{1,40}$")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    """A municipality's requests as matching holds them, oldest first, each with the
    codes of the rules that keep it waiting (`reasons`)."""
    principal.require(municipality_code)
    async with _db(request) as db:
        rows = await views.requests(db, municipality_code, status_, limit)
    return [_request_out(row) for row in rows]


def _request_out(row: Any) -> dict[str, Any]:
    return {"request_id": str(row.request_id), "municipality_code": row.municipality_code,
            "program": row.program, "status": row.status, "reasons": list(row.reasons),
            "priority": row.priority, "lottery": row.lottery,
            "period_start": row.period_start.isoformat()}


@router.get("/requests/{request_id}")
async def get_request(request_id: UUID, request: Request,
                      principal: CurrentPrincipal) -> dict[str, Any]:
    async with _db(request) as db:
        row = await views.request(db, request_id)
    if row is None:
        raise NotFound("no such request")
    principal.require(row.municipality_code)
    return _request_out(row)


@router.get("/requests/{request_id}/explanation")
async def explain_request(request_id: UUID, request: Request,
                          principal: CurrentPrincipal) -> dict[str, Any]:
    """Why a request got what it got: the rank of what it holds (`got`), why it did not
    get each preference ranked higher (`higher_preferences`: full, with the requests
    ahead of it in the round's order, or blocked by a rule's code), when it moved up
    after the round (`moved_up`), and every offer of its programme."""
    async with _db(request) as db:
        row = await views.request(db, request_id)
        if row is None:
            raise NotFound("no such request")
        principal.require(row.municipality_code)
        return await views.explanation(db, row)
