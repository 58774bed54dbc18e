"""The one place that wires training: settings, dependencies, tables, unit of work, bus,
consumers, the daily job."""

from __future__ import annotations

from pathlib import Path

from services.training.adapters.orm import tables
from services.training.dependencies import Dependencies
from services.training.domain.certification import Policy
from services.training.entrypoints.http import router
from services.training.entrypoints.invitations import router as invitations_router
from services.training.entrypoints.jobs import daily_job
from services.training.entrypoints.links import router as links_router
from services.training.entrypoints.statistics import router as statistics_router
from services.training.handlers import COMMAND_HANDLERS, EVENT_HANDLERS
from services.training.settings import TrainingSettings
from services.training.unit_of_work import TrainingUnitOfWork
from shared.auth import ROLES
from shared.clock import Clock, utc_now
from shared.contracts import topics
from shared.contracts.training import TRAINING_EVENTS
from shared.kafka.consumer import Subscription
from shared.messagebus import MessageBus
from shared.runtime import Service
from shared.wiring import bind_all

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def dependencies(settings: TrainingSettings, clock: Clock = utc_now) -> Dependencies:
    return Dependencies(clock=clock, policy=Policy(settings.certificate_validity_years,
                                                   settings.timezone,
                                                   settings.certificate_warning_days))


def build(settings: TrainingSettings | None = None, *, clock: Clock = utc_now) -> Service:
    settings = settings or TrainingSettings()
    deps = dependencies(settings, clock)
    subscription = Subscription(
        name="registration",
        topics=[topics.REGISTRATION_EVENTS],
        handlers=bind_all(EVENT_HANDLERS, deps),
    )
    service = Service(
        name="training",
        settings=settings,
        tables=tables,
        unit_of_work=TrainingUnitOfWork,
        subscriptions=[subscription],
        routers=[router, invitations_router, links_router, statistics_router],
        roles=ROLES,  # the one service a training administrator's token opens
        published={topics.TRAINING_EVENTS: TRAINING_EVENTS},
        migrations=MIGRATIONS,
        description="Supervisor training: sessions, enrolment, attendance, certificates.",
    )
    bus = MessageBus(service.uow, bind_all(COMMAND_HANDLERS, deps))
    service.state["bus"] = bus
    service.state["clock"] = clock
    service.jobs = [daily_job(bus, settings, deps)]
    return service
