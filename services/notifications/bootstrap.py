"""The one place that wires notifications: settings, tables, consumers, dispatcher, jobs.

`build` is the service (HTTP, consumers, relay, digest job and, unless
`dispatcher_enabled` is false, the dispatcher); `build_worker` is the dispatcher alone
(`entrypoints/worker.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import cast

from services.notifications import handlers
from services.notifications.adapters import wakeup
from services.notifications.adapters.email import EmailSender, SmtpSender
from services.notifications.adapters.orm import tables
from services.notifications.adapters.ratelimit import TokenBucket
from services.notifications.adapters.sms import ElksSmsSender, SmsSender
from services.notifications.adapters.templates import Renderer
from services.notifications.dependencies import Dependencies
from services.notifications.domain.links import Links
from services.notifications.domain.model import QuietHours, RetryPolicy
from services.notifications.entrypoints import jobs
from services.notifications.entrypoints.dispatcher import DispatchConfig, Dispatcher
from services.notifications.entrypoints.http import router
from services.notifications.entrypoints.templates import router as templates_router
from services.notifications.settings import NotificationsSettings
from services.notifications.unit_of_work import NotificationsUnitOfWork
from shared.clock import Clock, utc_now
from shared.contracts import topics
from shared.contracts.contacts import CONTACT_EVENTS
from shared.contracts.matching import MATCHING_EVENTS
from shared.contracts.notifications import NOTIFICATION_EVENTS
from shared.contracts.registration import REGISTRATION_EVENTS
from shared.contracts.training import TRAINING_EVENTS
from shared.kafka.consumer import Subscription
from shared.links import LinkSigner
from shared.messagebus import MessageBus
from shared.runtime import Service
from shared.wiring import Bound, bind, bind_all

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
NAME = "notifications"
DESCRIPTION = ("E-mail and SMS to the people each event concerns: once per cause, "
               "recipient and channel.")


def build(settings: NotificationsSettings | None = None, *, clock: Clock = utc_now,
          email: EmailSender | None = None, sms: SmsSender | None = None) -> Service:
    settings = settings or NotificationsSettings()
    deps = dependencies(settings, clock)
    service: Service  # the dispatcher opens the service's units of work, made below
    sender = dispatcher(settings, lambda: unit_of_work(service), clock, email=email, sms=sms)
    service = Service(
        name=NAME,
        settings=settings,
        tables=tables,
        # A commit that recorded messages wakes this process's dispatcher at once.
        unit_of_work=partial(NotificationsUnitOfWork, after_record=sender.wake),
        subscriptions=subscriptions(settings, deps),
        routers=[router, templates_router],
        published={topics.NOTIFICATIONS_EVENTS: NOTIFICATION_EVENTS},
        migrations=MIGRATIONS,
        description=DESCRIPTION,
    )
    bus = MessageBus(service.uow, bind_all(handlers.COMMAND_HANDLERS, deps))
    service.state.update(bus=bus, links=deps.links,
                         receipt_credentials=(settings.receipt_username,
                                              settings.receipt_password))
    service.jobs = [jobs.digests(bus, settings, clock)]
    if settings.dispatcher_enabled:
        service.jobs = [*service.jobs, sender.run,
                        wakeup.listener(settings.database_url, sender.wake)]
    return service


def build_worker(settings: NotificationsSettings | None = None) -> Service:
    """The dispatcher alone, with the relay for its outcome events: no consumers, no HTTP.
    Other processes' commits wake it through Postgres `NOTIFY` (`adapters/wakeup.py`)."""
    settings = settings or NotificationsSettings()
    service: Service
    sender = dispatcher(settings, lambda: unit_of_work(service), utc_now)
    service = Service(
        name=NAME, settings=settings, tables=tables,
        unit_of_work=partial(NotificationsUnitOfWork, after_record=sender.wake),
        published={topics.NOTIFICATIONS_EVENTS: NOTIFICATION_EVENTS},
        migrations=MIGRATIONS, description=DESCRIPTION, serve_http=False)
    service.jobs = [sender.run, wakeup.listener(settings.database_url, sender.wake)]
    return service


def unit_of_work(service: Service) -> NotificationsUnitOfWork:
    """`service.uow()`: the runtime types it as the plain unit of work it extends."""
    return cast(NotificationsUnitOfWork, service.uow())


def dispatcher(settings: NotificationsSettings, uow: Callable[[], NotificationsUnitOfWork],
               clock: Clock, *, email: EmailSender | None = None,
               sms: SmsSender | None = None) -> Dispatcher:
    """The dispatcher with the SMTP and SMS senders of the settings (unless given)."""
    return Dispatcher(
        uow_factory=uow,
        email=email or SmtpSender(
            settings.smtp_host, settings.smtp_port, use_tls=settings.smtp_tls,
            start_tls=settings.smtp_starttls, username=settings.smtp_username,
            password=settings.smtp_password, timeout_s=settings.smtp_timeout_s,
            connections=settings.smtp_connections),
        sms=sms or ElksSmsSender(
            settings.sms_base_url, settings.sms_username, settings.sms_password,
            settings.sms_sender, receipt_url=settings.sms_receipt_url,
            timeout_s=settings.sms_timeout_s, concurrency=settings.sms_concurrency),
        renderer=Renderer(),
        config=DispatchConfig(
            batch_size=settings.dispatch_batch_size, loops=settings.dispatch_loops,
            email_concurrency=settings.smtp_connections, idle_s=settings.dispatch_idle_s,
            gather_s=settings.dispatch_gather_s,
            lease_s=settings.lease_s,
            contact_wait_s=settings.contact_wait_s, mail_from=settings.mail_from,
            message_id_domain=settings.message_id_domain,
            links=links(settings)),
        policy=RetryPolicy(settings.max_attempts, settings.backoff_initial_s,
                           settings.backoff_max_s, settings.jitter),
        quiet=quiet_hours(settings),
        email_bucket=TokenBucket(settings.email_rate_per_s),
        sms_bucket=TokenBucket(settings.sms_rate_per_s),
        clock=clock,
    )


def links(settings: NotificationsSettings) -> Links:
    """The links in messages: to the portal, signed with the shared link secret."""
    return Links(settings.public_base_url, LinkSigner(settings.link_secret), settings.timezone)


def dependencies(settings: NotificationsSettings, clock: Clock = utc_now) -> Dependencies:
    return Dependencies(links=links(settings), timezone=settings.timezone,
                        reminder_hour=settings.reminder_hour, quiet=quiet_hours(settings),
                        clock=clock)


def quiet_hours(settings: NotificationsSettings) -> QuietHours:
    return QuietHours(settings.timezone, settings.quiet_start, settings.quiet_end)


def subscriptions(settings: NotificationsSettings, deps: Dependencies) -> list[Subscription]:
    """One consumer group per topic; the busiest events also have set-based handlers."""
    events = bind_all(handlers.EVENT_HANDLERS, deps)
    batches = bind_all(handlers.BATCH_HANDLERS, deps) if settings.batch_handlers else {}

    def of(table: dict[type, Bound], models: tuple[type, ...]) -> dict[type, Bound]:
        return {model: handler for model, handler in table.items() if model in models}

    return [
        Subscription(name="contacts", topics=[topics.REGISTRATION_CONTACTS],
                     handlers=of(events, CONTACT_EVENTS),
                     on_tombstone=bind(handlers.on_contact_tombstone, deps)),
        Subscription(name="registration", topics=[topics.REGISTRATION_EVENTS],
                     handlers=of(events, REGISTRATION_EVENTS)),
        Subscription(name="training", topics=[topics.TRAINING_EVENTS],
                     handlers=of(events, TRAINING_EVENTS),
                     batch_handlers=of(batches, TRAINING_EVENTS)),
        Subscription(name="matching", topics=[topics.MATCHING_EVENTS],
                     handlers=of(events, MATCHING_EVENTS),
                     batch_handlers=of(batches, MATCHING_EVENTS)),
    ]
