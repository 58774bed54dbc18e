"""Under `/registration/senders`: operators register, change, list and remove senders
(the municipal systems with intake and answers topics of their own). Admin only, as
the coordinators' registration: `praktik senders` calls these."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response, status
from pydantic import BaseModel, Field

from services.registration.domain import commands
from services.registration.domain.senders import MAX_SOURCE, Sender
from shared.auth import CurrentPrincipal
from shared.contracts import topics
from shared.contracts.types import MunicipalityCode
from shared.errors import NotFound
from shared.http import ERRORS
from shared.messagebus import MessageBus

router = APIRouter(prefix="/registration", responses=ERRORS)

SenderName = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[a-z0-9-]+$")]


class SenderIn(BaseModel):
    municipalities: list[MunicipalityCode] = Field(min_length=1, max_length=290)
    """The municipalities the sender may speak for (SCB codes)."""
    source: str | None = Field(default=None, max_length=MAX_SOURCE)
    """The CloudEvent `source` its messages carry (default `urn:praktik:sender:<name>`)."""


class SenderOut(BaseModel):
    name: str
    source: str
    municipalities: list[str]
    registered_at: datetime
    intake_topic: str
    answers_topic: str
    principal: str

    @classmethod
    def of(cls, sender: Sender) -> SenderOut:
        return cls(name=sender.name, source=sender.source,
                   municipalities=sorted(sender.municipalities),
                   registered_at=sender.registered_at,
                   intake_topic=topics.sender_intake(sender.name),
                   answers_topic=topics.sender_answers(sender.name),
                   principal=f"sender-{sender.name}")


def _bus(request: Request) -> MessageBus:
    bus: MessageBus = request.app.state.bus
    return bus


@router.put("/senders/{name}", tags=["senders"])
async def register_sender(name: SenderName, body: SenderIn, principal: CurrentPrincipal,
                          request: Request) -> SenderOut:
    """Admin only: register a sender, or change its source and municipalities."""
    principal.require_role("admin")
    sender: Sender = await _bus(request).handle(commands.RegisterSender(
        name, tuple(body.municipalities), body.source))
    return SenderOut.of(sender)


@router.get("/senders", tags=["senders"])
async def list_senders(principal: CurrentPrincipal, request: Request) -> list[SenderOut]:
    """Admin only: every registered sender."""
    principal.require_role("admin")
    senders: list[Sender] = await _bus(request).handle(commands.ListSenders())
    return [SenderOut.of(sender) for sender in senders]


@router.get("/senders/{name}", tags=["senders"])
async def get_sender(name: SenderName, principal: CurrentPrincipal,
                     request: Request) -> SenderOut:
    """Admin only: one sender."""
    principal.require_role("admin")
    senders: list[Sender] = await _bus(request).handle(commands.ListSenders())
    found = next((sender for sender in senders if sender.name == name), None)
    if found is None:
        raise NotFound()
    return SenderOut.of(found)


@router.delete("/senders/{name}", status_code=status.HTTP_204_NO_CONTENT, tags=["senders"])
async def remove_sender(name: SenderName, principal: CurrentPrincipal,
                        request: Request) -> Response:
    """Admin only: forget a sender (its intake topic is refused from now on)."""
    principal.require_role("admin")
    await _bus(request).handle(commands.RemoveSender(name))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
