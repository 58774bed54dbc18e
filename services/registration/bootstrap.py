"""The one place that wires registration: settings → dependencies (clock, identity
vault), handlers, bus, intake and news subscriptions, HTTP router, intake
retention job → `shared.runtime.Service`."""

from __future__ import annotations

from pathlib import Path

from services.registration.adapters.crypto import IdentityVault
from services.registration.adapters.orm import tables
from services.registration.dependencies import Dependencies
from services.registration.entrypoints import (
    access,
    http,
    imports,
    intake,
    jobs,
    links,
    people,
    rejections,
    sender_intake,
    senders,
)
from services.registration.handlers import (
    BATCH_HANDLERS,
    COMMAND_HANDLERS,
    NEWS_BATCH_HANDLERS,
    NEWS_HANDLERS,
)
from services.registration.handlers.senders import OUTCOMES
from services.registration.settings import RegistrationSettings
from services.registration.unit_of_work import RegistrationUnitOfWork
from shared.clock import Clock, utc_now
from shared.contracts import topics
from shared.contracts.contacts import CONTACT_EVENTS
from shared.contracts.registration import REGISTRATION_EVENTS
from shared.kafka.consumer import Subscription
from shared.messagebus import MessageBus
from shared.runtime import Service
from shared.wiring import bind_all

MIGRATIONS = Path(__file__).with_name("migrations")


def dependencies(settings: RegistrationSettings, clock: Clock = utc_now) -> Dependencies:
    return Dependencies(
        vault=IdentityVault(settings.identity_encryption_key, settings.identity_hash_key),
        clock=clock,
    )


def build(settings: RegistrationSettings | None = None, *, clock: Clock = utc_now) -> Service:
    settings = settings or RegistrationSettings()
    deps = dependencies(settings, clock)
    handlers = bind_all(COMMAND_HANDLERS, deps)
    batched = settings.batch_handlers
    policy = intake.SourcePolicy.parse(settings.intake_sources)
    service = Service(
        name="registration",
        settings=settings,
        tables=tables,
        unit_of_work=RegistrationUnitOfWork,
        subscriptions=[
            intake.subscription(handlers, policy,
                                bind_all(BATCH_HANDLERS, deps) if batched else {}),
            Subscription(name="news", topics=[topics.TRAINING_EVENTS, topics.MATCHING_EVENTS],
                         handlers=bind_all(NEWS_HANDLERS, deps),
                         batch_handlers=bind_all(NEWS_BATCH_HANDLERS, deps) if batched else {}),
            sender_intake.subscription(handlers),
        ],
        routers=[http.router, links.router, people.router, senders.router, access.router,
                 imports.router, rejections.router],
        jobs=[jobs.intake_retention(settings)],
        published={
            topics.REGISTRATION_EVENTS: REGISTRATION_EVENTS,
            topics.REGISTRATION_CONTACTS: CONTACT_EVENTS,
            topics.sender_answers("{sender}"): (*REGISTRATION_EVENTS, *OUTCOMES),
        },
        migrations=MIGRATIONS,
        description="Who is who: participants, guardians, workplaces, supervisors, offers, "
                    "requests and consent. The only service that sees identity numbers.",
    )
    service.state["bus"] = bus = MessageBus(service.uow, handlers)
    service.jobs = [*service.jobs, jobs.access_log_retention(settings, bus)]
    return service
