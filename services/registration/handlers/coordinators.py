"""A municipality's placement coordinators, whose contact details notifications use."""

from __future__ import annotations

import uuid
from uuid import UUID

from services.registration.dependencies import Dependencies
from services.registration.domain import commands, model
from services.registration.domain import validation as v
from services.registration.handlers.common import contact_event
from services.registration.unit_of_work import RegistrationUnitOfWork
from shared.errors import Rejected


async def register_coordinator(cmd: commands.RegisterCoordinator, uow: RegistrationUnitOfWork,
                               deps: Dependencies) -> UUID:
    problems = v.Problems()
    problems.check("municipality_code", v.municipality_code, cmd.municipality_code)
    contact = model.check_contact(problems, "", cmd.contact)
    problems.raise_if_any()
    coordinator_id = cmd.coordinator_id or uuid.uuid4()
    known = await uow.coordinators.municipality_of(coordinator_id)
    if known is not None and known != cmd.municipality_code:
        raise Rejected.field("coordinator_id", "belongs to another municipality")
    await uow.coordinators.save(coordinator_id, cmd.municipality_code, contact)
    uow.publish(contact_event(coordinator_id, "coordinator", contact, cmd.municipality_code))
    return coordinator_id
