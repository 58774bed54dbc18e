"""The HTTP door for coordinators' tools and systems: parse, authorise, build the same
command the intake builds, hand it to the bus; read back through `adapters.views`.

Every route needs a bearer token (401 without one). Every read and write is scoped
by municipality: a caller outside it gets 403 and nothing else; listings show only
the caller's municipalities.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Annotated, Any, TypeVar
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import BaseModel, Field
from sqlalchemy import Table

from services.registration.adapters import orm, views
from services.registration.adapters.participant_search import search_filter
from services.registration.domain import commands
from services.registration.domain.access import DEFAULT_PURPOSE, Purpose, Record
from services.registration.entrypoints import translate
from services.registration.entrypoints.translate import to_command
from shared.auth import CurrentPrincipal, Principal
from shared.contracts import intake
from shared.contracts.types import LanguageCode, MunicipalityCode, Program
from shared.errors import NotFound, Rejected
from shared.http import CONFLICT, ERRORS
from shared.messagebus import MessageBus

router = APIRouter(responses=ERRORS)

Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
MunicipalityFilter = Annotated[MunicipalityCode | None, Query()]
ProgramFilter = Annotated[Program | None, Query()]
NameSearch = Annotated[str | None, Query(min_length=1, max_length=200)]
RefSearch = Annotated[str | None, Query(min_length=1, max_length=200)]

T = TypeVar("T")


class ConsentIn(BaseModel):
    """A guardian's consent (fullmakt) to a programme: by guardian_id or position."""

    guardian_id: UUID | None = None
    guardian_index: int | None = Field(default=None, ge=0, le=10)
    program: Program
    granted: bool


class WithdrawIn(BaseModel):
    reason: str = Field(min_length=1, max_length=500)


class CoordinatorIn(BaseModel):
    municipality_code: MunicipalityCode
    name: str = Field(min_length=1)
    email: str | None = None
    phone: str | None = None
    language: LanguageCode = "sv"
    sms_allowed: bool = False
    coordinator_id: UUID | None = None


def _bus(request: Request) -> MessageBus:
    bus: MessageBus = request.app.state.bus
    return bus


async def _read(request: Request, query: Callable[..., Awaitable[T]], *args: Any) -> T:
    async with request.app.state.service.session_factory() as session:
        return await query(session, *args)


async def _found(request: Request, query: Callable[..., Awaitable[T | None]],
                 ident: UUID) -> T:
    result = await _read(request, query, ident)
    if result is None:
        raise NotFound()
    return result


async def _owned(request: Request, principal: Principal, table: Table, ident: UUID) -> str:
    """The municipality of a registered thing, after checking the caller may touch it."""
    code = await _read(request, views.municipality_of, table, ident)
    if code is None:
        raise NotFound()
    principal.require(code)
    return code


def _scope(principal: Principal, code: str | None) -> frozenset[str] | None:
    if code is not None:
        principal.require(code)
        return frozenset({code})
    return principal.scope()


# -- participants -----------------------------------------------------------------------


@router.post("/participants", status_code=status.HTTP_201_CREATED, tags=["participants"],
             responses=CONFLICT)
async def register_participant(body: intake.RegisterParticipant, principal: CurrentPrincipal,
                               request: Request) -> views.ParticipantOut:
    """Register a participant with guardians (the same external_ref or the same person in
    the municipality answers with the same ids)."""
    principal.require(body.municipality_code)
    if body.participant_id is not None:
        await _owned(request, principal, orm.participants, body.participant_id)
    ident = await _bus(request).handle(to_command(body))
    return await _found(request, views.participant, ident)


@router.put("/participants/{participant_id}", tags=["participants"], responses=CONFLICT)
async def change_participant(participant_id: UUID, body: intake.RegisterParticipant,
                             principal: CurrentPrincipal,
                             request: Request) -> views.ParticipantOut:
    await _owned(request, principal, orm.participants, participant_id)
    principal.require(body.municipality_code)
    command = dataclasses.replace(translate.register_participant(body),
                                  participant_id=participant_id)
    await _bus(request).handle(command)
    return await _found(request, views.participant, participant_id)


@router.get("/participants", tags=["participants"])
async def list_participants(principal: CurrentPrincipal, request: Request,
                            municipality_code: MunicipalityFilter = None,
                            program: ProgramFilter = None, limit: Limit = 50,
                            offset: Offset = 0, name: NameSearch = None,
                            birth_date: date | None = None,
                            external_ref: RefSearch = None) -> views.Page[views.ParticipantOut]:
    """Participants, oldest first; `program` keeps those with a request in it; `name`
    (every word, anywhere in the name, any case), `birth_date` and `external_ref` search."""
    return await _read(request, views.participants, _scope(principal, municipality_code),
                       program, limit, offset, search_filter(name, birth_date, external_ref))


async def _read_logged(request: Request, principal: Principal, participant_id: UUID,
                       record: Record, purpose: Purpose) -> None:
    """The access log's entry of this read (`domain.access`), after the scope check."""
    code = await _owned(request, principal, orm.participants, participant_id)
    await _bus(request).handle(commands.RecordRead(
        principal.subject, principal.role, participant_id, code, record, purpose))


@router.get("/participants/{participant_id}", tags=["participants"])
async def get_participant(participant_id: UUID, principal: CurrentPrincipal,
                          request: Request,
                          purpose: Purpose = DEFAULT_PURPOSE) -> views.ParticipantOut:
    """One participant's record; the read is logged with `purpose`, the code for why."""
    await _read_logged(request, principal, participant_id, "participant", purpose)
    return await _found(request, views.participant, participant_id)


@router.delete("/participants/{participant_id}", status_code=status.HTTP_204_NO_CONTENT,
               response_class=Response, tags=["participants"])
async def erase_participant(participant_id: UUID, principal: CurrentPrincipal,
                            request: Request) -> Response:
    """Erase a participant (GDPR): personal data removed, `ParticipantErased` published."""
    code = await _owned(request, principal, orm.participants, participant_id)
    await _bus(request).handle(commands.EraseParticipant(code, participant_id=participant_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/participants/{participant_id}/consents", status_code=status.HTTP_201_CREATED,
             tags=["participants"])
async def record_consent(participant_id: UUID, body: ConsentIn, principal: CurrentPrincipal,
                         request: Request) -> views.ConsentOut:
    code = await _owned(request, principal, orm.participants, participant_id)
    guardian_id = await _bus(request).handle(commands.RecordGuardianConsent(
        municipality_code=code, program=body.program, granted=body.granted,
        participant_id=participant_id, guardian_id=body.guardian_id,
        guardian_index=body.guardian_index,
    ))
    answers = await _read(request, views.consents_of, participant_id)
    return next(a for a in answers if a.guardian_id == guardian_id
                and a.program == body.program)


@router.get("/participants/{participant_id}/consents", tags=["participants"])
async def list_consents(participant_id: UUID, principal: CurrentPrincipal,
                        request: Request,
                        purpose: Purpose = DEFAULT_PURPOSE) -> list[views.ConsentOut]:
    """Who has answered: each guardian's answer with when, how (link, coordinator,
    intake), the message and the placement. The read is logged, as a record's is."""
    await _read_logged(request, principal, participant_id, "consents", purpose)
    return await _read(request, views.consents_of, participant_id)


# -- workplaces -------------------------------------------------------------------------


@router.post("/workplaces", status_code=status.HTTP_201_CREATED, tags=["workplaces"])
async def register_workplace(body: intake.RegisterWorkplace, principal: CurrentPrincipal,
                             request: Request) -> views.WorkplaceOut:
    """Register a workplace with its manager (chef)."""
    principal.require(body.municipality_code)
    if body.workplace_id is not None:
        await _owned(request, principal, orm.workplaces, body.workplace_id)
    ident = await _bus(request).handle(to_command(body))
    return await _found(request, views.workplace, ident)


@router.put("/workplaces/{workplace_id}", tags=["workplaces"])
async def change_workplace(workplace_id: UUID, body: intake.RegisterWorkplace,
                           principal: CurrentPrincipal, request: Request) -> views.WorkplaceOut:
    await _owned(request, principal, orm.workplaces, workplace_id)
    principal.require(body.municipality_code)
    command = dataclasses.replace(translate.register_workplace(body), workplace_id=workplace_id)
    await _bus(request).handle(command)
    return await _found(request, views.workplace, workplace_id)


@router.get("/workplaces", tags=["workplaces"])
async def list_workplaces(principal: CurrentPrincipal, request: Request,
                          municipality_code: MunicipalityFilter = None,
                          program: ProgramFilter = None, limit: Limit = 50,
                          offset: Offset = 0) -> views.Page[views.WorkplaceOut]:
    """Workplaces, oldest first; `program` keeps those offering slots in it."""
    return await _read(request, views.workplaces, _scope(principal, municipality_code),
                       program, limit, offset)


@router.get("/workplaces/{workplace_id}", tags=["workplaces"])
async def get_workplace(workplace_id: UUID, principal: CurrentPrincipal,
                        request: Request) -> views.WorkplaceOut:
    await _owned(request, principal, orm.workplaces, workplace_id)
    return await _found(request, views.workplace, workplace_id)


# -- supervisors ------------------------------------------------------------------------


@router.post("/supervisors", status_code=status.HTTP_201_CREATED, tags=["supervisors"])
async def register_supervisor(body: intake.RegisterSupervisor, principal: CurrentPrincipal,
                              request: Request) -> views.SupervisorOut:
    """Register a supervisor (handledare) at a workplace."""
    principal.require(body.municipality_code)
    if body.supervisor_id is not None:
        await _owned(request, principal, orm.supervisors, body.supervisor_id)
    if body.workplace_id is not None:
        await _owned(request, principal, orm.workplaces, body.workplace_id)
    ident = await _bus(request).handle(to_command(body))
    return await _found(request, views.supervisor, ident)


@router.put("/supervisors/{supervisor_id}", tags=["supervisors"])
async def change_supervisor(supervisor_id: UUID, body: intake.RegisterSupervisor,
                            principal: CurrentPrincipal,
                            request: Request) -> views.SupervisorOut:
    await _owned(request, principal, orm.supervisors, supervisor_id)
    principal.require(body.municipality_code)
    command = dataclasses.replace(translate.register_supervisor(body),
                                  supervisor_id=supervisor_id)
    await _bus(request).handle(command)
    return await _found(request, views.supervisor, supervisor_id)


@router.get("/supervisors", tags=["supervisors"])
async def list_supervisors(principal: CurrentPrincipal, request: Request,
                           municipality_code: MunicipalityFilter = None,
                           program: ProgramFilter = None, limit: Limit = 50,
                           offset: Offset = 0, workplace_id: UUID | None = None,
                           certified_from: date | None = None,
                           certified_to: date | None = None,
                           ) -> views.Page[views.SupervisorOut]:
    """Supervisors, oldest first; `workplace_id` keeps one workplace's;
    `certified_from`/`certified_to` (both) those whose certificate ends within them."""
    window = None
    if certified_from is not None or certified_to is not None:
        if certified_from is None or certified_to is None or certified_to < certified_from:
            raise Rejected.field("certified_to", "give certified_from and certified_to, "
                                 "the first not after the second")
        window = (certified_from, certified_to)
    return await _read(request, views.supervisors, _scope(principal, municipality_code),
                       program, limit, offset, workplace_id, window)


@router.get("/supervisors/{supervisor_id}", tags=["supervisors"])
async def get_supervisor(supervisor_id: UUID, principal: CurrentPrincipal,
                         request: Request) -> views.SupervisorOut:
    await _owned(request, principal, orm.supervisors, supervisor_id)
    return await _found(request, views.supervisor, supervisor_id)


# -- offers -----------------------------------------------------------------------------


@router.post("/offers", status_code=status.HTTP_201_CREATED, tags=["offers"])
async def offer_slots(body: intake.OfferPlacementSlots, principal: CurrentPrincipal,
                      request: Request) -> views.OfferOut:
    """Offer placement slots: a workplace, a supervisor, a period, a number of places."""
    principal.require(body.municipality_code)
    if body.offer_id is not None:
        await _owned(request, principal, orm.offers, body.offer_id)
    ident = await _bus(request).handle(to_command(body))
    return await _found(request, views.offer, ident)


@router.put("/offers/{offer_id}", tags=["offers"])
async def change_offer(offer_id: UUID, body: intake.OfferPlacementSlots,
                       principal: CurrentPrincipal, request: Request) -> views.OfferOut:
    await _owned(request, principal, orm.offers, offer_id)
    principal.require(body.municipality_code)
    command = dataclasses.replace(translate.offer_placement_slots(body), offer_id=offer_id)
    await _bus(request).handle(command)
    return await _found(request, views.offer, offer_id)


@router.get("/offers", tags=["offers"])
async def list_offers(principal: CurrentPrincipal, request: Request,
                      municipality_code: MunicipalityFilter = None,
                      program: ProgramFilter = None, limit: Limit = 50,
                      offset: Offset = 0, workplace_id: UUID | None = None
                      ) -> views.Page[views.OfferOut]:
    """Offers, oldest first; `workplace_id` keeps one workplace's."""
    return await _read(request, views.offers, _scope(principal, municipality_code), program,
                       limit, offset, workplace_id)


@router.get("/offers/{offer_id}", tags=["offers"])
async def get_offer(offer_id: UUID, principal: CurrentPrincipal,
                    request: Request) -> views.OfferOut:
    await _owned(request, principal, orm.offers, offer_id)
    return await _found(request, views.offer, offer_id)


@router.post("/offers/{offer_id}/withdraw", tags=["offers"])
async def withdraw_offer(offer_id: UUID, body: WithdrawIn, principal: CurrentPrincipal,
                         request: Request) -> views.OfferOut:
    code = await _owned(request, principal, orm.offers, offer_id)
    await _bus(request).handle(commands.WithdrawPlacementSlots(code, body.reason,
                                                               offer_id=offer_id))
    return await _found(request, views.offer, offer_id)


# -- requests ---------------------------------------------------------------------------


@router.post("/requests", status_code=status.HTTP_201_CREATED, tags=["requests"])
async def request_placement(body: intake.RequestPlacement, principal: CurrentPrincipal,
                            request: Request) -> views.RequestOut:
    """Request a placement for a participant, with ranked preferences."""
    principal.require(body.municipality_code)
    if body.request_id is not None:
        await _owned(request, principal, orm.requests, body.request_id)
    if body.participant_id is not None:
        await _owned(request, principal, orm.participants, body.participant_id)
    ident = await _bus(request).handle(to_command(body))
    return await _found(request, views.request, ident)


@router.get("/requests", tags=["requests"])
async def list_requests(principal: CurrentPrincipal, request: Request,
                        municipality_code: MunicipalityFilter = None,
                        program: ProgramFilter = None, limit: Limit = 50,
                        offset: Offset = 0,
                        participant_id: UUID | None = None) -> views.Page[views.RequestOut]:
    """Requests, oldest first; `participant_id` keeps one participant's."""
    return await _read(request, views.requests, _scope(principal, municipality_code), program,
                       limit, offset, participant_id)


@router.get("/requests/{request_id}", tags=["requests"])
async def get_request(request_id: UUID, principal: CurrentPrincipal,
                      request: Request) -> views.RequestOut:
    await _owned(request, principal, orm.requests, request_id)
    return await _found(request, views.request, request_id)


@router.post("/requests/{request_id}/withdraw", tags=["requests"])
async def withdraw_request(request_id: UUID, body: WithdrawIn, principal: CurrentPrincipal,
                           request: Request) -> views.RequestOut:
    code = await _owned(request, principal, orm.requests, request_id)
    await _bus(request).handle(commands.WithdrawPlacementRequest(code, body.reason,
                                                                 request_id=request_id))
    return await _found(request, views.request, request_id)


# -- coordinators (admin) ---------------------------------------------------------------


@router.post("/coordinators", status_code=status.HTTP_201_CREATED, tags=["coordinators"])
async def register_coordinator(body: CoordinatorIn, principal: CurrentPrincipal,
                               request: Request) -> views.CoordinatorOut:
    """Admin only: a municipality's coordinator, whose contact details notifications use."""
    principal.require_role("admin")
    ident = await _bus(request).handle(commands.RegisterCoordinator(
        body.municipality_code,
        commands.ContactInput(body.name, body.email, body.phone, body.language,
                              body.sms_allowed),
        coordinator_id=body.coordinator_id,
    ))
    return await _found(request, views.coordinator, ident)
