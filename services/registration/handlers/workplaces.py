"""Workplaces with their managers, and the supervisors at them."""

from __future__ import annotations

import uuid
from uuid import UUID

from services.registration.dependencies import Dependencies
from services.registration.domain import commands, model
from services.registration.handlers.common import contact_event, locate
from services.registration.unit_of_work import RegistrationUnitOfWork
from shared.contracts.registration import SupervisorRegistered, WorkplaceRegistered


async def register_workplace(cmd: commands.RegisterWorkplace, uow: RegistrationUnitOfWork,
                             deps: Dependencies) -> UUID:
    cmd = model.check_workplace(cmd)
    m = cmd.municipality_code
    existing: model.Workplace | None = None
    if cmd.workplace_id is not None:
        existing = await locate(m, uow.workplaces.get, uow.workplaces.get_by_ref,
                                cmd.workplace_id, None, "workplace_id", "external_ref",
                                "workplace")
    elif cmd.external_ref is not None:
        existing = await uow.workplaces.get_by_ref(m, cmd.external_ref)
    # A workplace whose manager was erased gets a new manager (a new id) here.
    manager_id = existing.manager_id if existing and existing.manager_id else uuid.uuid4()
    manager = model.Contact(cmd.manager.name, cmd.manager.email, cmd.manager.phone,
                            cmd.manager.language, cmd.manager.sms_allowed)
    workplace = model.Workplace(
        id=existing.id if existing else uuid.uuid4(), municipality_code=m,
        org_number=cmd.org_number, name=cmd.name, sector=cmd.sector,
        client_contact=cmd.client_contact,
        manager_id=manager_id, manager=manager,
        min_age=cmd.min_age, address=cmd.address,
        external_ref=cmd.external_ref or (existing.external_ref if existing else None),
    )
    await uow.workplaces.save(workplace)
    uow.publish(WorkplaceRegistered(
        workplace_id=workplace.id, external_ref=workplace.external_ref,
        org_number=workplace.org_number, name=workplace.name, sector=workplace.sector,
        municipality_code=m, manager_id=manager_id,
        client_contact=workplace.client_contact, min_age=workplace.min_age,
        address=workplace.address,
    ))
    uow.publish(contact_event(manager_id, "manager", manager, m))
    return workplace.id


async def locate_workplace(uow: RegistrationUnitOfWork, m: str, ident: UUID | None,
                           ref: str | None) -> model.Workplace:
    return await locate(m, uow.workplaces.get, uow.workplaces.get_by_ref, ident, ref,
                        "workplace_id", "workplace_ref", "workplace")


async def register_supervisor(cmd: commands.RegisterSupervisor, uow: RegistrationUnitOfWork,
                              deps: Dependencies) -> UUID:
    contact, languages = model.check_supervisor(cmd)
    m = cmd.municipality_code
    workplace = await locate_workplace(uow, m, cmd.workplace_id, cmd.workplace_ref)
    existing: model.Supervisor | None = None
    if cmd.supervisor_id is not None:
        existing = await locate(m, uow.supervisors.get, uow.supervisors.get_by_ref,
                                cmd.supervisor_id, None, "supervisor_id", "external_ref",
                                "supervisor")
    elif cmd.external_ref is not None:
        existing = await uow.supervisors.get_by_ref(m, cmd.external_ref)
    supervisor = model.Supervisor(
        id=existing.id if existing else uuid.uuid4(), workplace_id=workplace.id,
        municipality_code=m, contact=contact, languages=languages,
        max_participants=cmd.max_participants,
        external_ref=cmd.external_ref or (existing.external_ref if existing else None),
    )
    await uow.supervisors.save(supervisor)
    uow.publish(SupervisorRegistered(
        supervisor_id=supervisor.id, workplace_id=workplace.id, municipality_code=m,
        languages=list(languages), max_participants=supervisor.max_participants,
        external_ref=supervisor.external_ref,
    ))
    uow.publish(contact_event(supervisor.id, "supervisor", contact, m))
    return supervisor.id
