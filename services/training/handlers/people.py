"""Registration's events about the people and workplaces training knows: registered,
left, erased. Each one may open or close a workplace (`follow_openness`) and invite
someone (a supervisor to a base course, a manager to a breakfast meeting)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from services.training.dependencies import Dependencies
from services.training.handlers.invitations import (
    invite_manager,
    invite_to_next,
    supervisor_reason,
)
from services.training.handlers.openness import follow_openness
from services.training.unit_of_work import TrainingUnitOfWork
from shared.contracts.registration import (
    ParticipantErased,
    PersonErased,
    SupervisorLeft,
    SupervisorRegistered,
    WorkplaceRegistered,
)
from shared.contracts.types import ClosedReason


async def _follow(uow: TrainingUnitOfWork, workplace_id: UUID, now: datetime,
                  reason: ClosedReason, deps: Dependencies) -> None:
    await follow_openness(uow, workplace_id, now, reason, deps.policy.local_date(now))


async def on_workplace_registered(event: WorkplaceRegistered, uow: TrainingUnitOfWork,
                                  deps: Dependencies) -> None:
    """Registered (or registered again, perhaps with a new manager: a workplace whose new
    manager has not attended the breakfast meeting closes, `manager_left`). A manager who
    has not attended is invited to the next breakfast meeting in or near it."""
    now = deps.clock()
    await uow.people.add_workplace(event.workplace_id, event.municipality_code,
                                   event.manager_id, event.name, event.sector)
    await _follow(uow, event.workplace_id, now, "manager_left", deps)
    workplace = await uow.people.workplace(event.workplace_id)
    if workplace is not None:
        await invite_manager(uow, workplace, now)


async def on_supervisor_registered(event: SupervisorRegistered, uow: TrainingUnitOfWork,
                                   deps: Dependencies) -> None:
    """A supervisor without a valid certificate is invited to the next base course; one
    with a valid certificate may open the workplace; one who moved from another workplace
    may close that one (`supervisor_left`)."""
    now = deps.clock()
    before = await uow.people.person(event.supervisor_id)
    await uow.people.add_supervisor(event.supervisor_id, event.workplace_id,
                                    event.municipality_code)
    if before is not None and before.role == "supervisor" and before.workplace_id not in (
        None, event.workplace_id
    ):
        await _follow(uow, before.workplace_id, now, "supervisor_left", deps)
    await _follow(uow, event.workplace_id, now, "supervisor_left", deps)
    person = await uow.people.person(event.supervisor_id)
    if person is not None and (reason := await supervisor_reason(uow, person, now)):
        await invite_to_next(uow, [(person, reason)], now)


async def on_supervisor_left(event: SupervisorLeft, uow: TrainingUnitOfWork,
                             deps: Dependencies) -> None:
    """The supervisor no longer supervises at the workplace: it closes if they were its
    last certified supervisor (`supervisor_left`)."""
    now = deps.clock()
    await uow.people.supervisor_left(event.supervisor_id, event.workplace_id, now)
    await _follow(uow, event.workplace_id, now, "supervisor_left", deps)


async def _erase_names(uow: TrainingUnitOfWork, person_id: UUID) -> None:
    for roster in await uow.sessions.rosters_of(person_id):
        if roster.erase(person_id):
            await uow.sessions.save(roster)


async def on_person_erased(event: PersonErased, uow: TrainingUnitOfWork,
                           deps: Dependencies) -> None:
    """A supervisor, manager or guardian erased: their names and dietary needs and their
    invitations go (completions and certificates stay, under an id nobody can trace any
    more, for the statistics). An erased supervisor has left their workplace; an erased
    manager's workplaces have no manager: either may close a workplace."""
    now = deps.clock()
    person_id = event.person_id
    await _erase_names(uow, person_id)
    await uow.records.forget_invitations(person_id)
    if event.role == "supervisor":
        known = await uow.people.person(person_id)
        current = known.workplace_id if known and known.role == "supervisor" else None
        if current is not None:
            await uow.people.supervisor_left(person_id, current, now)
        for workplace_id in dict.fromkeys(w for w in (current, event.workplace_id) if w):
            await _follow(uow, workplace_id, now, "supervisor_left", deps)
    elif event.role == "manager":
        for workplace_id in await uow.people.remove_manager(person_id):
            await _follow(uow, workplace_id, now, "manager_left", deps)


async def on_participant_erased(event: ParticipantErased, uow: TrainingUnitOfWork,
                                deps: Dependencies) -> None:
    """Registration erased a person: drop the names and dietary needs training holds for
    that id, if any (training keeps no participants, but the id may be a person it knows)."""
    await _erase_names(uow, event.participant_id)
