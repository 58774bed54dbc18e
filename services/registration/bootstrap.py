"""The one place that wires registration: settings → vault, rules, handlers, bus,
intake subscription, HTTP router, topic retention job → `shared.runtime.Service`."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from services.registration.adapters.crypto import IdentityVault
from services.registration.adapters.orm import tables
from services.registration.adapters.topics import apply_intake_retention
from services.registration.domain.model import AgeRules
from services.registration.entrypoints import http, intake
from services.registration.handlers import (
    BATCH_HANDLERS,
    COMMAND_HANDLERS,
    NEWS_BATCH_HANDLERS,
    NEWS_HANDLERS,
    BatchHandler,
    Context,
    Handler,
)
from services.registration.settings import RegistrationSettings
from services.registration.unit_of_work import RegistrationUnitOfWork
from shared.contracts import topics
from shared.contracts.contacts import CONTACT_EVENTS
from shared.contracts.registration import REGISTRATION_EVENTS
from shared.kafka.consumer import Subscription
from shared.messagebus import MessageBus
from shared.runtime import Service

MIGRATIONS = Path(__file__).with_name("migrations")


def context(settings: RegistrationSettings) -> Context:
    return Context(
        vault=IdentityVault(settings.identity_encryption_key, settings.identity_hash_key),
        rules=AgeRules(
            bands={"prao": (settings.prao_age_min, settings.prao_age_max),
                   "summer_job": (settings.summer_job_age_min, settings.summer_job_age_max)},
            adult_age=settings.adult_age,
        ),
    )


def bound_handlers(ctx: Context) -> dict[type, Any]:
    """The handler table with the context bound: `handler(command, uow)`."""

    def bind(handler: Handler) -> Any:
        async def run(command: Any, uow: Any) -> Any:
            return await handler(command, uow, ctx)

        run.__name__ = handler.__name__
        return run

    return {kind: bind(handler) for kind, handler in COMMAND_HANDLERS.items()}


def bound_batch_handlers(ctx: Context) -> dict[type, Any]:
    """The set-based handlers with the context bound: `handler(items, uow)`."""

    def bind(handler: BatchHandler) -> Any:
        async def run(items: Any, uow: Any) -> None:
            await handler(items, uow, ctx)

        run.__name__ = handler.__name__
        return run

    return {kind: bind(handler) for kind, handler in BATCH_HANDLERS.items()}


def build(settings: RegistrationSettings | None = None, ctx: Context | None = None) -> Service:
    settings = settings or RegistrationSettings()  # type: ignore[call-arg]
    ctx = ctx or context(settings)
    handlers = bound_handlers(ctx)
    policy = intake.SourcePolicy.parse(settings.intake_sources)

    async def retention(stop: asyncio.Event) -> None:
        await apply_intake_retention(settings.kafka_bootstrap_servers,
                                     settings.intake_retention_ms, settings.topic_prefix)

    service = Service(
        name="registration",
        settings=settings,
        tables=tables,
        unit_of_work=RegistrationUnitOfWork,
        subscriptions=[
            intake.subscription(handlers, policy,
                                bound_batch_handlers(ctx) if settings.batch_handlers else {}),
            Subscription(name="news", topics=[topics.TRAINING_EVENTS, topics.MATCHING_EVENTS],
                         handlers=NEWS_HANDLERS,
                         batch_handlers=NEWS_BATCH_HANDLERS if settings.batch_handlers else {}),
        ],
        routers=[http.router],
        jobs=[retention],
        published={
            topics.REGISTRATION_EVENTS: REGISTRATION_EVENTS,
            topics.REGISTRATION_CONTACTS: CONTACT_EVENTS,
        },
        migrations=MIGRATIONS,
        description="Who is who: participants, guardians, workplaces, supervisors, offers, "
                    "requests and consent. The only service that sees identity numbers.",
    )
    service.state["bus"] = MessageBus(service.uow, handlers)
    return service
