"""The one place that wires the matching service: settings, unit of work, handlers, routes, jobs."""

from __future__ import annotations

import functools
from pathlib import Path

from services.matching import handlers
from services.matching.adapters.book_cache import BookCache
from services.matching.adapters.orm import tables
from services.matching.dependencies import Dependencies
from services.matching.entrypoints import jobs
from services.matching.entrypoints.http import router
from services.matching.entrypoints.links import router as links_router
from services.matching.entrypoints.rounds import router as rounds_router
from services.matching.entrypoints.statistics import router as statistics_router
from services.matching.settings import MatchingSettings
from services.matching.unit_of_work import MatchingUnitOfWork
from shared.clock import Clock, utc_now
from shared.contracts import topics
from shared.contracts.matching import MATCHING_EVENTS
from shared.kafka.consumer import Subscription
from shared.links import LinkSigner
from shared.messagebus import MessageBus
from shared.runtime import Service
from shared.wiring import bind_all

MIGRATIONS = Path(__file__).parent / "migrations"


def dependencies(settings: MatchingSettings, clock: Clock = utc_now) -> Dependencies:
    """What the handlers get besides the message and the unit of work."""
    return Dependencies(clock=clock)


def build(settings: MatchingSettings | None = None, *, clock: Clock = utc_now) -> Service:
    settings = settings or MatchingSettings()
    deps = dependencies(settings, clock)
    book_cache = BookCache()  # this replica's Books, kept between its transactions
    subscription = Subscription(
        name="events",
        topics=[topics.REGISTRATION_EVENTS, topics.TRAINING_EVENTS],
        handlers=bind_all(handlers.EVENT_HANDLERS, deps),
        batch_handlers=bind_all(handlers.BATCH_HANDLERS, deps) if settings.batch_handlers else {},
    )
    service = Service(
        name="matching",
        settings=settings,
        tables=tables,
        unit_of_work=functools.partial(
            MatchingUnitOfWork, deadlines=settings.deadlines(), lock_wait_s=settings.lock_wait_s,
            book_cache=book_cache),
        subscriptions=[subscription],
        routers=[router, rounds_router, links_router, statistics_router],
        published={topics.MATCHING_EVENTS: MATCHING_EVENTS},
        migrations=MIGRATIONS,
        description="Turns placement requests and offers into fair, stable placements.",
    )
    bus = MessageBus(service.uow, bind_all(handlers.COMMAND_HANDLERS, deps))
    service.state.update(bus=bus, links=LinkSigner(settings.link_secret),
                         book_cache=book_cache)
    interval_s = settings.deadline_check_interval_s
    service.jobs = [jobs.deadlines(service.uow, bus, deps.clock, interval_s)]
    if settings.round_schedule:
        service.jobs = [*service.jobs,
                        jobs.schedule(bus, settings.round_schedule, deps.clock, interval_s)]
    return service
