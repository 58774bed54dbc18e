"""HTTP: the SMS provider's delivery receipts, the coordinator's view per placement, and
opt-out (SMS by a coordinator or system; SMS or e-mail by the person, through the signed
link every message carries: docs/portal.md's link API, the portal passes the token in
`X-Praktik-Link`). Writes go through the bus; the views read `adapters/views.py`."""

from __future__ import annotations

import base64
import secrets
from datetime import timedelta
from typing import Annotated, Literal, cast
from urllib.parse import parse_qs
from uuid import UUID

from fastapi import APIRouter, Header, HTTPException, Query, Request, status
from pydantic import BaseModel, StrictBool

from services.notifications.adapters import views
from services.notifications.domain.commands import (
    OptOutByLink,
    RecordDeliveryReceipt,
    SetSmsOptOut,
)
from services.notifications.domain.links import Links
from shared.auth import CurrentPrincipal
from shared.clock import utc_now
from shared.contracts.types import MunicipalityCode
from shared.errors import NotFound, Rejected
from shared.http import ERRORS
from shared.links import HEADER
from shared.messagebus import MessageBus

router = APIRouter(prefix="/notifications", tags=["notifications"], responses=ERRORS)

RECEIPT_STATUSES = frozenset({"delivered", "failed", "sent"})


def _bus(request: Request) -> MessageBus:
    return cast(MessageBus, request.app.state.bus)


def _check_provider(request: Request) -> None:
    """The receipt must carry the credentials we gave the provider (HTTP basic)."""
    expected: tuple[str, str] = request.app.state.receipt_credentials
    header = request.headers.get("authorization", "")
    scheme, _, encoded = header.partition(" ")
    ok = False
    if scheme.lower() == "basic":
        try:
            user, _, password = base64.b64decode(encoded).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            user, password = "", ""
        ok = secrets.compare_digest(user.encode(), expected[0].encode()) & \
            secrets.compare_digest(password.encode(), expected[1].encode())
    if not ok:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "bad provider credentials",
                            headers={"WWW-Authenticate": 'Basic realm="sms-receipts"'})


@router.post("/sms/receipts", status_code=status.HTTP_204_NO_CONTENT)
async def sms_receipt(request: Request) -> None:
    """46elks-form delivery receipt: form fields `id`, `status`, `delivered`. A well-formed
    receipt is always taken (204), also before its SMS is recorded: it is kept until then."""
    _check_provider(request)
    form = {k: v[0] for k, v in parse_qs((await request.body()).decode(errors="replace")).items()}
    if not form.get("id"):
        raise Rejected.field("id", "the provider's message id is required")
    state = form.get("status", "")
    if state not in RECEIPT_STATUSES:
        raise Rejected.field("status", f"must be one of {sorted(RECEIPT_STATUSES)}")
    await _bus(request).handle(RecordDeliveryReceipt(form["id"], state, form.get("delivered")))


class PlacementMessage(BaseModel):
    notification_id: UUID
    recipient_id: UUID
    recipient_role: str
    channel: str
    template: str
    status: str
    attempts: int
    error: str | None
    sent_at: str | None
    receipt: str | None


class PlacementMessages(BaseModel):
    placement_id: UUID
    messages: list[PlacementMessage]


class Undelivered(BaseModel):
    notification_id: UUID
    placement_id: UUID | None
    participant_id: UUID | None
    """The participant the message was about, where it was about one."""
    recipient_role: str
    channel: str
    template: str
    error: str | None
    created_at: str


@router.get("/undelivered", response_model=list[Undelivered])
async def undelivered(request: Request, principal: CurrentPrincipal,
                      municipality_code: MunicipalityCode,
                      days: Annotated[int, Query(ge=1, le=365)] = 30,
                      limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[Undelivered]:
    """The messages of the last `days` that reached no one (every channel failed, and
    none is still being tried), the latest first: for a coordinator to reach them
    another way."""
    principal.require(municipality_code)
    since = utc_now() - timedelta(days=days)
    async with request.app.state.service.session_factory() as db:
        rows = await views.undelivered(db, municipality_code, since, limit)
    return [Undelivered(notification_id=r.notification_id, placement_id=r.placement_id,
                        participant_id=r.about_participant_id,
                        recipient_role=r.recipient_role, channel=r.channel,
                        template=r.template, error=r.last_error,
                        created_at=r.created_at.isoformat()) for r in rows]


@router.get("/placements/{placement_id}", response_model=PlacementMessages)
async def placement_messages(placement_id: UUID, request: Request,
                             principal: CurrentPrincipal) -> PlacementMessages:
    """What reached whom for one placement (coordinator view)."""
    async with request.app.state.service.session_factory() as db:
        municipality = await views.placement_municipality(db, placement_id)
        rows = await views.for_placement(db, placement_id)
    if municipality is None and not rows:
        raise NotFound("no such placement")
    if municipality is not None:
        principal.require(municipality)
    else:
        principal.require_role("admin")
    return PlacementMessages(placement_id=placement_id, messages=[PlacementMessage(
        notification_id=r.notification_id, recipient_id=r.recipient_id,
        recipient_role=r.recipient_role, channel=r.channel, template=r.template,
        status=r.status, attempts=r.attempts, error=r.last_error,
        sent_at=r.sent_at.isoformat() if r.sent_at else None, receipt=r.receipt_status)
        for r in rows])


class OptOutIn(BaseModel):
    opt_out: StrictBool
    """Required and a JSON boolean: a body without it must not opt anyone out."""


@router.put("/contacts/{person_id}/sms-opt-out", status_code=status.HTTP_204_NO_CONTENT)
async def set_opt_out(person_id: UUID, body: OptOutIn, request: Request,
                      principal: CurrentPrincipal) -> None:
    """A coordinator or system of the person's municipality records that the person wants
    (or no longer wants) no SMS."""
    principal.require_role("coordinator", "system", "admin")
    async with request.app.state.service.session_factory() as db:
        found = await views.contact_municipality(db, person_id)
    if found is None:
        raise NotFound("no contact details for that person")
    if found[0] is not None:
        principal.require(found[0])
    else:
        principal.require_role("admin")
    await _bus(request).handle(SetSmsOptOut(person_id, body.opt_out))


LINK_ERRORS: dict[int | str, dict[str, object]] = {
    409: {"description": "`link_used`"}, 410: {"description": "`link_expired`"}}


class OptOutLinkOut(BaseModel):
    channel: Literal["sms", "email"]
    opted_out: bool
    """The person already gets no messages on this channel."""
    answered: bool
    """The link was used."""


class OptOutLinkIn(BaseModel):
    confirm: Literal[True]
    """Required and `true`: a body without it must not opt anyone out."""


@router.get("/links/opt_out", response_model=OptOutLinkOut, responses=LINK_ERRORS)
async def opt_out_link(request: Request,
                       token: str = Header(alias=HEADER)) -> OptOutLinkOut:
    """What the portal's opt-out page shows (the link is the key; nothing is used up)."""
    links: Links = request.app.state.links
    link = links.signer.read(token, "opt_out")
    channel = link.channel
    if channel not in ("sms", "email"):
        raise Rejected.field(HEADER, "an opt-out link names its channel")
    async with request.app.state.service.session_factory() as db:
        opted_out = await views.opted_out(db, link.subject, channel)
        answered = await views.link_used(db, link.token_id)
    if opted_out is None:
        raise NotFound("no contact details for that person")
    return OptOutLinkOut(channel=channel, opted_out=opted_out, answered=answered)


@router.post("/links/opt_out", response_model=OptOutLinkOut, responses=LINK_ERRORS)
async def opt_out_by_link(body: OptOutLinkIn, request: Request,
                          token: str = Header(alias=HEADER)) -> OptOutLinkOut:
    """The person confirms: no more messages on the link's channel (SMS: e-mail
    instead; e-mail: SMS where allowed, else the message is recorded as not sent)."""
    link = cast(Links, request.app.state.links).signer.read(token, "opt_out")  # before acting
    await _bus(request).handle(OptOutByLink(token))
    channel = "sms" if link.channel == "sms" else "email"
    return OptOutLinkOut(channel=channel, opted_out=True, answered=True)
