"""Whether a workplace is open (öppen arbetsplats), followed after everything that can
change it: a completed breakfast meeting or base course, a certificate's expiry, a
supervisor who leaves or is erased, a manager who is erased or replaced.

`follow_openness` locks the workplace's row before it counts, so two transactions that
change one workplace at once (an expiry and a new certificate) decide one after the
other; the conditional updates behind it announce each change once.
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from services.training.domain.model import MANAGER_BREAKFAST
from services.training.domain.openness import Openness, OpennessChange, openness_change
from services.training.unit_of_work import TrainingUnitOfWork
from shared.contracts.training import WorkplaceClosed, WorkplaceOpened
from shared.contracts.types import ClosedReason


async def follow_openness(uow: TrainingUnitOfWork, workplace_id: UUID, now: datetime,
                          reason: ClosedReason, closed_on: date) -> OpennessChange | None:
    """Open or close the workplace if its conditions changed, and announce it:
    `WorkplaceOpened`, or `WorkplaceClosed` with `reason` (what just happened) and
    `closed_on`. Returns the change made, if any."""
    workplace = await uow.people.workplace(workplace_id, lock=True)
    if workplace is None:
        return None
    attended = workplace.manager_id is not None and await uow.records.has_completed(
        workplace.manager_id, MANAGER_BREAKFAST)
    certified = await uow.records.certified_supervisors(workplace_id)
    change = openness_change(workplace.opened, Openness(attended, certified))
    subject = str(workplace_id)
    if change == "opened" and await uow.people.mark_opened(workplace_id, now):
        uow.publish(WorkplaceOpened(workplace_id=workplace_id,
                                    municipality_code=workplace.municipality_code),
                    subject=subject)
        return change
    if change == "closed" and await uow.people.mark_closed(workplace_id, now, reason):
        uow.publish(WorkplaceClosed(workplace_id=workplace_id,
                                    municipality_code=workplace.municipality_code,
                                    reason=reason, closed_on=closed_on), subject=subject)
        return change
    return None
