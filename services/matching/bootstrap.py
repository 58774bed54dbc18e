"""The one place that wires the matching service: settings, unit of work, handlers, routes, jobs."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import secrets
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from services.matching import handlers
from services.matching.adapters.links import AcceptanceLinks
from services.matching.adapters.orm import tables
from services.matching.domain.commands import ExpireDeadlines, RunRound
from services.matching.entrypoints.http import router
from services.matching.settings import MatchingSettings
from services.matching.unit_of_work import MatchingUnitOfWork
from shared.contracts import topics
from shared.contracts.matching import MATCHING_EVENTS
from shared.kafka.consumer import Subscription
from shared.logging import get_logger
from shared.messagebus import MessageBus
from shared.runtime import Service

log = get_logger(__name__)
MIGRATIONS = Path(__file__).parent / "migrations"


def _bind(table: Mapping[type, Callable[..., Any]], clock: handlers.Clock
          ) -> dict[type, Callable[..., Any]]:
    return {kind: functools.partial(handler, clock=clock) for kind, handler in table.items()}


def build(settings: MatchingSettings | None = None,
          clock: handlers.Clock = handlers.utcnow) -> Service:
    settings = settings or MatchingSettings()  # type: ignore[call-arg]
    links = AcceptanceLinks(settings.acceptance_secret, settings.public_base_url)
    uow_class = MatchingUnitOfWork.configured(settings.deadlines(), settings.lock_wait_s, links)
    subscription = Subscription(
        name="events",
        topics=[topics.REGISTRATION_EVENTS, topics.TRAINING_EVENTS],
        handlers=_bind(handlers.EVENT_HANDLERS, clock),
        batch_handlers=_bind(handlers.BATCH_HANDLERS, clock) if settings.batch_handlers else {},
    )
    service = Service(
        name="matching",
        settings=settings,
        tables=tables,
        unit_of_work=uow_class,
        subscriptions=[subscription],
        routers=[router],
        published={topics.MATCHING_EVENTS: MATCHING_EVENTS},
        migrations=MIGRATIONS,
        description="Turns placement requests and offers into fair, stable placements.",
    )
    bus = MessageBus(service.uow, _bind(handlers.COMMAND_HANDLERS, clock))
    service.state.update(bus=bus, links=links)
    service.jobs = [functools.partial(deadline_job, service, bus, settings, clock)]
    if settings.round_schedule:
        service.jobs = [*service.jobs,
                        functools.partial(schedule_job, service, bus, settings, clock)]
    return service


async def deadline_job(service: Service, bus: MessageBus, settings: MatchingSettings,
                       clock: handlers.Clock, stop: asyncio.Event) -> None:
    """Proposals not accepted before their programme's deadline count as declined."""
    while not stop.is_set():
        try:
            async with service.uow() as uow:
                assert isinstance(uow, MatchingUnitOfWork)
                overdue = await uow.books.overdue(clock())
            for municipality in overdue:
                count = await bus.handle(ExpireDeadlines(municipality))
                if count:
                    log.info("proposals lapsed", municipality=municipality, count=count)
        except Exception as error:
            log.warning("deadline check failed", error_type=type(error).__name__)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=settings.deadline_check_interval_s)


async def schedule_job(service: Service, bus: MessageBus, settings: MatchingSettings,
                       clock: handlers.Clock, stop: asyncio.Event) -> None:
    """Run each scheduled round once its time has come, unless a round ran since then.

    The check happens inside the round's transaction, under the municipality's lock,
    so replicas running this job never run one scheduled round twice.
    """
    while not stop.is_set():
        for scheduled in settings.round_schedule:
            if scheduled.at > clock():
                continue
            try:
                summary = await bus.handle(RunRound(
                    scheduled.municipality_code, scheduled.program, secrets.randbits(62),
                    unless_ran_since=scheduled.at))
                if summary is not None:
                    log.info("scheduled round ran", municipality=summary.municipality_code,
                             program=summary.program, placed=summary.placed)
            except Exception as error:
                log.warning("scheduled round failed", error_type=type(error).__name__)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=settings.deadline_check_interval_s)
