"""Matching's background work, each a `shared.jobs.periodic` job that asks the bus.

- `deadlines`: every answer that holds a place has a deadline (domain/deadlines.py).
  A proposal the workplace did not accept in time counts as declined by it
  (`acceptance_deadline_passed`), an offer the participant (or the guardian asked) did
  not accept in time as declined by them (`answer_deadline_passed`), and a placement
  whose consent did not come in time is cancelled (`consent_deadline_passed`); each
  time the place goes to the next in line (`ExpireDeadlines` per municipality with one
  overdue). Then each party halfway to its deadline is reminded once
  (`PlacementDeadlineApproaching`, `RemindOfDeadlines` per municipality with one due):
  the Book is locked and what was reminded saved with the events, so replicas running
  this job never remind twice.
- `schedule`: each scheduled round runs once its time has come, unless a round ran
  since then. The check happens inside the round's transaction, under the
  municipality's lock, so replicas running this job never run one scheduled round twice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from services.matching.domain.commands import ExpireDeadlines, RemindOfDeadlines, RunRound
from services.matching.settings import ScheduledRound
from services.matching.unit_of_work import MatchingUnitOfWork
from shared.clock import Clock
from shared.jobs import Job, periodic
from shared.logging import get_logger
from shared.messagebus import MessageBus
from shared.unit_of_work import UnitOfWork

log = get_logger(__name__)


def deadlines(uow: Callable[[], UnitOfWork], bus: MessageBus, clock: Clock,
              interval_s: float) -> Job:
    async def tick() -> None:
        async with uow() as opened:
            assert isinstance(opened, MatchingUnitOfWork)
            overdue = await opened.books.overdue(clock())
            due = await opened.books.reminders_due(clock())
        for municipality in overdue:
            count = await bus.handle(ExpireDeadlines(municipality))
            if count:
                log.info("proposals lapsed", municipality=municipality, count=count)
        for municipality in due:
            count = await bus.handle(RemindOfDeadlines(municipality))
            if count:
                log.info("deadline reminders", municipality=municipality, count=count)

    return periodic("deadlines", interval_s, tick)


def schedule(bus: MessageBus, rounds: Sequence[ScheduledRound], clock: Clock,
             interval_s: float) -> Job:
    async def tick() -> None:
        for scheduled in rounds:
            if scheduled.at > clock():
                continue
            try:  # one failing round leaves the others to run
                summary = await bus.handle(RunRound(
                    scheduled.municipality_code, scheduled.program,
                    unless_ran_since=scheduled.at))
                if summary is not None:
                    log.info("scheduled round ran", municipality=summary.municipality_code,
                             program=summary.program, placed=summary.placed)
            except Exception as error:
                log.warning("scheduled round failed", error_type=type(error).__name__)

    return periodic("scheduled rounds", interval_s, tick)
