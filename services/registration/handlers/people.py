"""A supervisor leaving, and the erasure (GDPR) of supervisors, managers and guardians,
as a participant's is (`handlers.participants.erase_participant`): personal data dropped,
the contact's tombstone on `registration.contacts.v1`, `PersonErased` out. Erasing again
answers again and removes nothing more."""

from __future__ import annotations

from uuid import UUID

from services.registration.dependencies import Dependencies
from services.registration.domain import commands, model
from services.registration.domain.erasure import LEFT_ON_ERASURE, SUPERVISOR_LEFT, ErasedPerson
from services.registration.handlers.common import locate, tombstone
from services.registration.unit_of_work import RegistrationUnitOfWork
from shared.contracts.registration import PersonErased, PlacementSlotsWithdrawn, SupervisorLeft
from shared.contracts.types import ErasedRole
from shared.errors import Conflict, Rejected


async def _leave(uow: RegistrationUnitOfWork, supervisor: model.Supervisor, reason: str) -> None:
    """Mark the supervisor as left: `SupervisorLeft`, then each open offer of theirs
    withdrawn (`supervisor_left`)."""
    await uow.supervisors.mark_left(supervisor.id, reason)
    uow.publish(SupervisorLeft(
        supervisor_id=supervisor.id, workplace_id=supervisor.workplace_id,
        municipality_code=supervisor.municipality_code, reason=reason))
    for offer in await uow.offers.open_of(supervisor.id):
        offer.withdraw(SUPERVISOR_LEFT)
        await uow.offers.save(offer)
        uow.publish(PlacementSlotsWithdrawn(
            offer_id=offer.id, municipality_code=offer.municipality_code,
            reason=SUPERVISOR_LEFT))


async def _supervisor(uow: RegistrationUnitOfWork, m: str, ident: UUID) -> model.Supervisor:
    return await locate(m, uow.supervisors.get, uow.supervisors.get_by_ref, ident, None,
                        "supervisor_id", "supervisor_ref", "supervisor")


async def supervisor_leaves(cmd: commands.SupervisorLeaves, uow: RegistrationUnitOfWork,
                            deps: Dependencies) -> UUID:
    reason = model.check_reason(cmd.reason)
    supervisor = await _supervisor(uow, cmd.municipality_code, cmd.supervisor_id)
    if supervisor.left:
        raise Conflict("the supervisor has left already")
    await _leave(uow, supervisor, reason)
    return supervisor.id


async def _erased_already(uow: RegistrationUnitOfWork, person_id: UUID, role: ErasedRole,
                          m: str) -> bool:
    """Answer a repeated erasure again (`PersonErased` as before); True when it was one."""
    erased = await uow.erasures.get(person_id)
    if erased is None or erased.role != role or erased.municipality_code != m:
        return False
    _publish_erased(uow, erased)
    return True


async def _erased(uow: RegistrationUnitOfWork, erased: ErasedPerson) -> None:
    await uow.erasures.record(erased)
    _publish_erased(uow, erased)
    tombstone(uow, erased.person_id)


def _publish_erased(uow: RegistrationUnitOfWork, erased: ErasedPerson) -> None:
    uow.publish(PersonErased(
        person_id=erased.person_id, role=erased.role,
        municipality_code=erased.municipality_code, workplace_id=erased.workplace_id,
        participant_ids=list(erased.participant_ids)))


async def erase_supervisor(cmd: commands.EraseSupervisor, uow: RegistrationUnitOfWork,
                           deps: Dependencies) -> UUID:
    """The supervisor leaves first (unless they have), then their name, contact and
    reference go; the row stays, anonymous, for the offers that name it."""
    m, ident = cmd.municipality_code, cmd.supervisor_id
    if await _erased_already(uow, ident, "supervisor", m):
        return ident
    supervisor = await _supervisor(uow, m, ident)
    if not supervisor.left:
        await _leave(uow, supervisor, LEFT_ON_ERASURE)
    await uow.supervisors.erase(supervisor.id)
    await _erased(uow, ErasedPerson(supervisor.id, "supervisor", m,
                                    workplace_id=supervisor.workplace_id))
    return supervisor.id


async def erase_manager(cmd: commands.EraseManager, uow: RegistrationUnitOfWork,
                        deps: Dependencies) -> UUID:
    """The workplace stays, without a manager until a new one is registered with it."""
    m, ident = cmd.municipality_code, cmd.manager_id
    if await _erased_already(uow, ident, "manager", m):
        return ident
    workplace = await uow.workplaces.with_manager(ident)
    if workplace is None or workplace.municipality_code != m:
        raise Rejected.field("manager_id", f"no manager with this id in municipality {m}")
    await uow.workplaces.erase_manager(workplace.id)
    await _erased(uow, ErasedPerson(ident, "manager", m, workplace_id=workplace.id))
    return ident


async def erase_guardian(cmd: commands.EraseGuardian, uow: RegistrationUnitOfWork,
                         deps: Dependencies) -> UUID:
    """The guardian leaves every participant's guardians, with every consent they gave."""
    m, ident = cmd.municipality_code, cmd.guardian_id
    if await _erased_already(uow, ident, "guardian", m):
        return ident
    guardian = await uow.participants.guardian(ident)
    if guardian is None or guardian.municipality_code != m:
        raise Rejected.field("guardian_id", f"no guardian with this id in municipality {m}")
    children = await uow.participants.children_of(ident)
    await uow.participants.erase_guardian(ident)
    await _erased(uow, ErasedPerson(ident, "guardian", m, participant_ids=tuple(children)))
    return ident
