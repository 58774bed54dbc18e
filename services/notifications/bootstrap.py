"""The one place that wires notifications: settings, tables, consumers, dispatcher, jobs."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

from services.notifications import handlers
from services.notifications.adapters import wakeup
from services.notifications.adapters.email import EmailSender, SmtpSender
from services.notifications.adapters.orm import tables
from services.notifications.adapters.ratelimit import TokenBucket
from services.notifications.adapters.sms import ElksSmsSender, SmsSender
from services.notifications.adapters.templates import Renderer
from services.notifications.dispatcher import DispatchConfig, Dispatcher
from services.notifications.domain.commands import SendDigests
from services.notifications.domain.model import QuietHours, RetryPolicy
from services.notifications.entrypoints.http import opt_out_url, router
from services.notifications.settings import NotificationsSettings
from services.notifications.unit_of_work import NotificationsUnitOfWork
from shared.contracts import topics
from shared.contracts.contacts import CONTACT_EVENTS
from shared.contracts.matching import MATCHING_EVENTS
from shared.contracts.notifications import NOTIFICATION_EVENTS
from shared.contracts.registration import REGISTRATION_EVENTS
from shared.contracts.training import TRAINING_EVENTS
from shared.kafka.consumer import Subscription
from shared.logging import get_logger
from shared.messagebus import MessageBus
from shared.runtime import Service

log = get_logger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def build(settings: NotificationsSettings | None = None, *,
          clock: handlers.Clock = handlers.utc_now,
          email: EmailSender | None = None, sms: SmsSender | None = None) -> Service:
    settings = settings or NotificationsSettings()  # type: ignore[call-arg]
    quiet = QuietHours(settings.timezone, settings.quiet_start, settings.quiet_end)
    config = handlers.Config(settings.timezone, settings.public_base_url,
                             settings.reminder_hour, quiet, clock)

    def bound(topic_models: tuple[Any, ...], table: Any = handlers.EVENT_HANDLERS
              ) -> dict[Any, Any]:
        return {model: handlers.bind(handler, config)
                for model, handler in table.items() if model in topic_models}

    def batch(topic_models: tuple[Any, ...]) -> dict[Any, Any]:
        return bound(topic_models, handlers.BATCH_HANDLERS) if settings.batch_handlers else {}

    subscriptions = [
        Subscription(name="contacts", topics=[topics.REGISTRATION_CONTACTS],
                     handlers=bound(CONTACT_EVENTS),
                     on_tombstone=handlers.bind(handlers.on_contact_tombstone, config)),
        Subscription(name="registration", topics=[topics.REGISTRATION_EVENTS],
                     handlers=bound(REGISTRATION_EVENTS)),
        Subscription(name="training", topics=[topics.TRAINING_EVENTS],
                     handlers=bound(TRAINING_EVENTS), batch_handlers=batch(TRAINING_EVENTS)),
        Subscription(name="matching", topics=[topics.MATCHING_EVENTS],
                     handlers=bound(MATCHING_EVENTS), batch_handlers=batch(MATCHING_EVENTS)),
    ]
    uow_class: type[NotificationsUnitOfWork] = type(
        "BoundNotificationsUnitOfWork", (NotificationsUnitOfWork,), {})
    service = Service(
        name="notifications",
        settings=settings,
        tables=tables,
        unit_of_work=uow_class,
        subscriptions=subscriptions,
        routers=[router],
        published={topics.NOTIFICATIONS_EVENTS: NOTIFICATION_EVENTS},
        migrations=MIGRATIONS,
        description="E-mail and SMS to the people each event concerns: once per cause, "
                    "recipient and channel.",
    )
    bus = MessageBus(service.uow, {kind: handlers.bind(h, config)
                                   for kind, h in handlers.COMMAND_HANDLERS.items()})
    dispatcher = Dispatcher(
        uow_factory=service.uow,  # type: ignore[arg-type]
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
            opt_out_url=opt_out_url(settings.public_base_url, settings.link_secret)),
        policy=RetryPolicy(settings.max_attempts, settings.backoff_initial_s,
                           settings.backoff_max_s, settings.jitter),
        quiet=quiet,
        email_bucket=TokenBucket(settings.email_rate_per_s),
        sms_bucket=TokenBucket(settings.sms_rate_per_s),
        clock=clock,
    )
    # A consumer's commit that recorded messages wakes the dispatcher at once.
    uow_class.after_record = (dispatcher.wake,)
    service.state.update(bus=bus, dispatcher=dispatcher, link_secret=settings.link_secret,
                         receipt_credentials=(settings.receipt_username,
                                              settings.receipt_password))
    jobs = [digest_job(bus, settings, clock)]
    if settings.dispatcher_enabled:
        jobs += [dispatcher.run, wakeup.listener(settings.database_url, dispatcher.wake)]
    service.jobs = jobs
    return service


def digest_job(bus: MessageBus, settings: NotificationsSettings, clock: handlers.Clock) -> Any:
    """Once a local day (from `digest_hour`), every coordinator's digest is recorded."""
    quiet = QuietHours(settings.timezone)

    async def job(stop: asyncio.Event) -> None:
        while not stop.is_set():
            now = clock()
            local_hour = now.astimezone(quiet_zone(quiet)).hour
            if local_hour >= settings.digest_hour:
                try:
                    count = await bus.handle(SendDigests(now))
                    if count:
                        log.info("digests recorded", count=count)
                except Exception as error:
                    log.warning("digest job failed", error_type=type(error).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=settings.digest_interval_s)

    return job


def quiet_zone(quiet: QuietHours) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(quiet.timezone)
