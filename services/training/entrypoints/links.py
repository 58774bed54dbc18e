"""The link API (docs/portal.md): what a course letter's link shows and does, with no
bearer token (the link is the key). The token comes in the header `X-Praktik-Link`; its
signature, purpose and expiry are checked here (403 `link_invalid` / `link_wrong_purpose`,
410 `link_expired`); that it is for a person of the session, and unused (409 `link_used`),
in the transaction of the answer.

A clash with the session's state is 409 with `detail` a code the portal words:
`session_started`, `session_cancelled`, `place_cancelled`, `already_answered`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from services.training.adapters import views
from services.training.domain import commands
from services.training.domain.evaluation import COMMENT_MAX
from services.training.entrypoints.http import clock_now
from shared import clock
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
          "description": "link_used, or a clash with the session's state (detail a code)"},
    410: {"model": LinkProblemOut, "description": "link_expired"},
}

router = APIRouter(prefix="/training/links", tags=["links"], responses=LINK_ERRORS)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EnrolmentAnswerIn(_In):
    attend: bool
    """True confirms the place; false cancels it (the first on the waitlist moves up)."""


class EvaluationIn(_In):
    overall: int = Field(ge=1, le=5)
    usefulness: int = Field(ge=1, le=5)
    comment: str | None = Field(default=None, max_length=COMMENT_MAX)


async def _db(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.service.session_factory() as db:
        yield db


def _reader(purpose: Purpose) -> Any:
    def read(request: Request,
             token: Annotated[str | None, Header(alias=HEADER)] = None) -> Link:
        if not token:
            raise BadLink("link_invalid")
        return LinkSigner(request.app.state.service.settings.link_secret).read(token, purpose)

    return read


Db = Annotated[AsyncSession, Depends(_db)]
EnrolmentLink = Annotated[Link, Depends(_reader("enrolment"))]
EvaluationLink = Annotated[Link, Depends(_reader("evaluation"))]


def _bus(request: Request) -> MessageBus:
    bus: MessageBus = request.app.state.bus
    return bus


def _timezone(request: Request) -> str:
    zone: str = request.app.state.service.settings.timezone
    return zone


Bus = Annotated[MessageBus, Depends(_bus)]


async def _enrolment(db: AsyncSession, link: Link, now: datetime) -> dict[str, Any]:
    page = await views.enrolment_page(db, link.subject, link.recipient)
    if page is None:
        raise BadLink("link_invalid", link.municipality_code)
    s = page.session
    answered = await views.link_used(db, link.token_id)
    return {
        "session_id": str(s.session_id), "course": s.course, "topic": s.topic,
        "starts_at": s.starts_at.isoformat(), "ends_at": s.ends_at.isoformat(),
        "venue": s.venue, "digital": s.digital, "municipality_code": s.municipality_code,
        "session_cancelled": s.cancelled, "status": page.status,
        "waitlist_position": page.waitlist_position,
        "confirmed": page.confirmed_at is not None,
        "confirmed_at": page.confirmed_at.isoformat() if page.confirmed_at else None,
        "answered": answered,
        "can_answer": (not answered and page.status != "cancelled" and not s.cancelled
                       and now < s.starts_at),
    }


@router.get("/enrolment")
async def enrolment_page(link: EnrolmentLink, request: Request, db: Db) -> dict[str, Any]:
    """The session and the person's place: `status` enrolled, waitlisted or cancelled."""
    return await _enrolment(db, link, clock_now(request))


@router.post("/enrolment", responses=CONFLICT)
async def answer_enrolment(body: EnrolmentAnswerIn, link: EnrolmentLink, request: Request,
                           bus: Bus, db: Db) -> dict[str, Any]:
    """Confirm (`attend: true`) or cancel the place; answers the page as it now stands."""
    await bus.handle(commands.AnswerEnrolment(link, body.attend))
    return await _enrolment(db, link, clock_now(request))


QUESTIONS_JSON = [
    {"name": "overall", "kind": "rating", "min": 1, "max": 5, "required": True},
    {"name": "usefulness", "kind": "rating", "min": 1, "max": 5, "required": True},
    {"name": "comment", "kind": "text", "max_length": COMMENT_MAX, "required": False},
]


async def _evaluation(db: AsyncSession, link: Link, timezone: str) -> dict[str, Any]:
    found = await views.evaluation_page(db, link.subject, link.recipient)
    if found is None:
        raise BadLink("link_invalid", link.municipality_code)
    s, answered = found
    return {
        "session_id": str(s.session_id), "course": s.course, "topic": s.topic,
        "date": clock.local_date(s.starts_at, timezone).isoformat(),
        "starts_at": s.starts_at.isoformat(), "ends_at": s.ends_at.isoformat(),
        "municipality_code": s.municipality_code, "questions": QUESTIONS_JSON,
        "answered": answered or await views.link_used(db, link.token_id),
    }


@router.get("/evaluation")
async def evaluation_page(link: EvaluationLink, request: Request, db: Db) -> dict[str, Any]:
    """The session the attendee evaluates and the questions; `answered` once they have."""
    return await _evaluation(db, link, _timezone(request))


@router.post("/evaluation", responses=CONFLICT)
async def answer_evaluation(body: EvaluationIn, link: EvaluationLink, request: Request,
                            bus: Bus, db: Db) -> dict[str, Any]:
    """One anonymous answer per attendee and session."""
    await bus.handle(commands.AnswerEvaluation(link, body.overall, body.usefulness,
                                               body.comment))
    return await _evaluation(db, link, _timezone(request))
