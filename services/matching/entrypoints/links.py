"""The link API (docs/portal.md): the workplace's answer to a proposal and the
participant's (or a guardian's) answer to an offer, with no bearer token (the link is
the key). The token comes in the header `X-Praktik-Link`; its signature, purpose and
expiry are checked here (403 `link_invalid` / `link_wrong_purpose`, 410 `link_expired`);
that it is for the person who may answer, here and again in the transaction of the
answer, which also uses it up (409 `link_used`; nothing changes).

A clash with the placement's state is 409 with `detail` a code the portal words:
`placement_closed` (declined or cancelled meanwhile), `not_proposed` (the workplace has
answered), `deadline_passed`, `already_answered`, `not_asked`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from services.matching.adapters import views
from services.matching.adapters.repository import MunicipalityBusy
from services.matching.domain import commands
from services.matching.domain.answers import DECLINE_REASONS, DeclineReason, Party, answers
from services.matching.domain.placements import Placement
from shared.errors import Rejected
from shared.http import CONFLICT, ERRORS, ErrorOut
from shared.links import HEADER, BadLink, Link, LinkSigner, Purpose
from shared.messagebus import MessageBus


class LinkProblemOut(BaseModel):
    detail: str
    problem: str
    municipality_code: str | None = None


LINK_ERRORS: dict[int | str, dict[str, Any]] = ERRORS | {
    403: {"model": LinkProblemOut, "description": "link_invalid or link_wrong_purpose"},
    409: {"model": ErrorOut | LinkProblemOut,
          "description": "link_used, or a clash with the placement's state (detail a code)"},
    410: {"model": LinkProblemOut, "description": "link_expired"},
}

router = APIRouter(prefix="/matching/links", tags=["links"], responses=LINK_ERRORS)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WorkplaceAnswerIn(_In):
    accept: bool
    reason: DeclineReason | None = None
    """Required when `accept` is false: one of `decline_reasons`."""


class OfferAnswerIn(_In):
    accept: bool
    reason: str | None = Field(default=None, min_length=1, max_length=500)
    """Why the offer is declined, in the person's words (optional)."""


async def _db(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.service.session_factory() as db:
        yield db


def _reader(purpose: Purpose) -> Any:
    def read(request: Request,
             token: Annotated[str | None, Header(alias=HEADER)] = None) -> Link:
        if not token:
            raise BadLink("link_invalid")
        signer: LinkSigner = request.app.state.links
        return signer.read(token, purpose)

    return read


Db = Annotated[AsyncSession, Depends(_db)]
WorkplaceLink = Annotated[Link, Depends(_reader("workplace_answer"))]
OfferLink = Annotated[Link, Depends(_reader("offer_answer"))]


async def _handle(request: Request, command: object) -> None:
    bus: MessageBus = request.app.state.bus
    try:
        await bus.handle(command)
    except MunicipalityBusy:
        raise HTTPException(503, "busy, try again", headers={"Retry-After": "1"}) from None


def _facts(p: Placement, answered: bool) -> dict[str, Any]:
    return {
        "placement_id": str(p.placement_id), "municipality_code": p.municipality_code,
        "program": p.program, "period_start": p.period_start.isoformat(),
        "period_end": p.period_end.isoformat(), "status": p.status,
        "accept_by": p.accept_by.isoformat(),
        "answer_by": p.answer_by.isoformat() if p.answer_by else None,
        "guardian_answer": p.guardian_answer, "answers": answers(p), "answered": answered,
    }


def _answer(accepted: bool, declined: bool, reason: str | None) -> dict[str, Any] | None:
    if accepted:
        return {"accept": True, "reason": None}
    return {"accept": False, "reason": reason} if declined else None


async def _workplace_page(db: AsyncSession, link: Link) -> dict[str, Any]:
    p = await views.stored_placement(db, link.subject)
    if p is None or p.supervisor_id != link.recipient:
        raise BadLink("link_invalid", link.municipality_code)
    answered = await views.link_used(db, link.token_id)
    page = _facts(p, answered)
    page["decline_reasons"] = list(DECLINE_REASONS)
    page["answer"] = _answer(p.accepted_at is not None, p.declined_by == "workplace",
                             p.end_reason)
    page["can_answer"] = not answered and p.status == "proposed"
    return page


@router.get("/workplace_answer")
async def workplace_answer_page(link: WorkplaceLink, db: Db) -> dict[str, Any]:
    """The proposal as the supervisor's page shows it: `status`, `accept_by`, `answer_by`
    (the participant's own deadline, or null), `decline_reasons`, `answers` (each party
    asked: accepted, declined or waiting), `answered` (this link was used), `answer`."""
    return await _workplace_page(db, link)


@router.post("/workplace_answer", responses=CONFLICT)
async def answer_as_workplace(body: WorkplaceAnswerIn, link: WorkplaceLink, request: Request,
                              db: Db) -> dict[str, Any]:
    """Accept (`{"accept": true}`) or decline with a reason; answers the page as it now
    stands."""
    if not body.accept and body.reason is None:
        raise Rejected.field("reason", f"a decline needs a reason: one of "
                                       f"{', '.join(DECLINE_REASONS)}")
    await _handle(request, commands.AnswerAsWorkplace(link, body.accept, body.reason))
    return await _workplace_page(db, link)


async def _offer_page(db: AsyncSession, link: Link) -> dict[str, Any]:
    p = await views.stored_placement(db, link.subject)
    you: Party | None = None
    if p is not None and p.participant_id is not None and link.recipient == p.participant_id:
        you = "participant"
    elif p is not None and p.guardian_answer and link.recipient in await views.guardian_ids(
            db, p.participant_id):
        you = "guardian"
    if p is None or you is None:
        raise BadLink("link_invalid", link.municipality_code)
    answered = await views.link_used(db, link.token_id)
    page = _facts(p, answered)
    accepted = (p.guardian_accepted_by == link.recipient if you == "guardian"
                else p.participant_accepted_at is not None)
    page["you"] = you
    page["answer"] = _answer(accepted, p.declined_by == you, p.end_reason)
    page["can_answer"] = (not answered and not accepted and p.answer_by is not None
                          and p.status in ("proposed", "accepted"))
    return page


@router.get("/offer_answer")
async def offer_answer_page(link: OfferLink, db: Db) -> dict[str, Any]:
    """The offer as the participant's (or guardian's) page shows it: `status`,
    `answer_by`, `you` (participant or guardian), `answers` (who has answered),
    `answered` (this link was used), `answer`."""
    return await _offer_page(db, link)


@router.post("/offer_answer", responses=CONFLICT)
async def answer_offer(body: OfferAnswerIn, link: OfferLink, request: Request,
                       db: Db) -> dict[str, Any]:
    """Accept or decline the offer; a decline gives the place to the next in line.
    Answers the page as it now stands."""
    await _handle(request, commands.AnswerOffer(link, body.accept, body.reason))
    return await _offer_page(db, link)
