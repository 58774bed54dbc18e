"""Under `/registration`: a supervisor leaving, and the erasure (GDPR) of supervisors,
managers and guardians. Each route needs a bearer token and checks the person's
municipality against the caller's (403; 404 for a person not known at all)."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel, Field

from services.registration.adapters import views
from services.registration.domain import commands
from shared.auth import CurrentPrincipal, Principal
from shared.errors import NotFound
from shared.http import CONFLICT, ERRORS
from shared.messagebus import MessageBus

router = APIRouter(prefix="/registration", responses=ERRORS)


class LeaveIn(BaseModel):
    reason: str = Field(default="left", min_length=1, max_length=500)
    """Why the supervisor no longer supervises (moved on, retired, ...)."""


def _bus(request: Request) -> MessageBus:
    bus: MessageBus = request.app.state.bus
    return bus


async def _municipality(request: Request, principal: Principal, role: str,
                        ident: UUID) -> str:
    """The person's municipality, once the caller may act in it."""
    async with request.app.state.service.session_factory() as session:
        code = await views.person_municipality(session, role, ident)
    if code is None:
        raise NotFound()
    principal.require(code)
    return code


@router.post("/supervisors/{supervisor_id}/leave", tags=["supervisors"], responses=CONFLICT)
async def supervisor_leaves(supervisor_id: UUID, body: LeaveIn, principal: CurrentPrincipal,
                            request: Request) -> views.SupervisorOut:
    """The supervisor no longer supervises at the workplace: `SupervisorLeft`, and each of
    their open offers withdrawn (`supervisor_left`); later offers naming them are refused
    (409 when they have left already)."""
    code = await _municipality(request, principal, "supervisor", supervisor_id)
    await _bus(request).handle(commands.SupervisorLeaves(code, supervisor_id, body.reason))
    async with request.app.state.service.session_factory() as session:
        found = await views.supervisor(session, supervisor_id)
    if found is None:
        raise NotFound()
    return found


@router.delete("/supervisors/{supervisor_id}", status_code=status.HTTP_204_NO_CONTENT,
               response_class=Response, tags=["supervisors"])
async def erase_supervisor(supervisor_id: UUID, principal: CurrentPrincipal,
                           request: Request) -> Response:
    """Erase a supervisor (GDPR): they leave (as above), then name, contact and reference
    are removed, the contact tombstoned and `PersonErased` published."""
    code = await _municipality(request, principal, "supervisor", supervisor_id)
    await _bus(request).handle(commands.EraseSupervisor(code, supervisor_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete("/managers/{manager_id}", status_code=status.HTTP_204_NO_CONTENT,
               response_class=Response, tags=["workplaces"])
async def erase_manager(manager_id: UUID, principal: CurrentPrincipal,
                        request: Request) -> Response:
    """Erase a workplace's manager (GDPR): the workplace stays without a manager until a
    new one is registered with it (`PUT /workplaces/{workplace_id}`, a new manager id)."""
    code = await _municipality(request, principal, "manager", manager_id)
    await _bus(request).handle(commands.EraseManager(code, manager_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete("/guardians/{guardian_id}", status_code=status.HTTP_204_NO_CONTENT,
               response_class=Response, tags=["participants"])
async def erase_guardian(guardian_id: UUID, principal: CurrentPrincipal,
                         request: Request) -> Response:
    """Erase a guardian (GDPR): gone from every participant's guardians, with every
    consent they gave; the contact tombstoned and `PersonErased` published."""
    code = await _municipality(request, principal, "guardian", guardian_id)
    await _bus(request).handle(commands.EraseGuardian(code, guardian_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
