"""The dispatcher job: claim due notifications, send them, record what happened.

Record before send, reconcile after:
1. claim (one short transaction): due rows are locked with SKIP LOCKED, marked `sending`
   with a lease and their attempt counted, and committed, before anything goes out;
2. send, concurrently, through the rate-limited SMTP and SMS adapters;
3. settle (one transaction for the batch): `sent` / retry later / `failed`, an `attempts`
   row per attempt, `NotificationDelivered` / `NotificationFailed` into the outbox, and
   a fallback message on the other channel where one channel failed for good.

A dispatcher that dies between 2 and 3 leaves its rows `sending`; when the lease runs
out they are claimed again and sent again with the same Message-ID (see README).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from services.notifications.adapters.email import EmailSender, build_message
from services.notifications.adapters.ratelimit import TokenBucket
from services.notifications.adapters.repository import Claimed, Settlement
from services.notifications.adapters.sms import SmsSender
from services.notifications.adapters.templates import Renderer
from services.notifications.domain import sms as sms_rules
from services.notifications.domain.links import Links
from services.notifications.domain.model import (
    Deferred,
    Delivered,
    PermanentFailure,
    QuietHours,
    RetryPolicy,
    SendOutcome,
    TemporaryFailure,
    decide,
    other_channel,
)
from services.notifications.domain.sender import Sender
from services.notifications.handlers import fallback_of, receipt_effects
from services.notifications.unit_of_work import NotificationsUnitOfWork
from shared.contracts.notifications import NotificationDelivered, NotificationFailed
from shared.logging import get_logger
from shared.retry import retrying
from shared.transient import is_transient

log = get_logger(__name__)

CONTACT_RETRY_S = 30.0


def _any_error(error: BaseException) -> bool:
    """The dispatcher retries whatever failed (a bug too: the next batch may differ)."""
    return isinstance(error, Exception)


@dataclass(frozen=True)
class DispatchConfig:
    batch_size: int = 100
    loops: int = 2
    email_concurrency: int = 8
    """E-mails built and sent at once (the SMTP connections): see `_one`."""
    idle_s: float = 0.5
    gather_s: float = 0.0
    """After a wake, how long to let more commits gather before claiming."""
    lease_s: float = 60.0
    contact_wait_s: float = 900.0
    mail_from: str = "Praktik <noreply@praktik.example>"
    message_id_domain: str = "praktik.example"
    links: Links | None = None
    """Signs the opt-out link every message carries (none in tests that do not care)."""


@dataclass(frozen=True)
class Sent:
    outcome: SendOutcome
    segments: int | None = None


def _municipality(c: Claimed) -> str | None:
    """Whose message it is: the row's municipality, else the recipient's."""
    return c.municipality_code or (c.contact.municipality_code if c.contact else None)


class Dispatcher:
    def __init__(self, uow_factory: Callable[[], NotificationsUnitOfWork], email: EmailSender,
                 sms: SmsSender, renderer: Renderer, config: DispatchConfig,
                 policy: RetryPolicy, quiet: QuietHours, email_bucket: TokenBucket,
                 sms_bucket: TokenBucket, clock: Callable[[], datetime]) -> None:
        self.uow_factory = uow_factory
        self.email, self.sms, self.renderer = email, sms, renderer
        self.config, self.policy, self.quiet = config, policy, quiet
        self.buckets = {"email": email_bucket, "sms": sms_bucket}
        self.clock = clock
        self._wake = asyncio.Event()
        self._email_slots = asyncio.Semaphore(config.email_concurrency)

    def wake(self) -> None:
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        loops = [asyncio.create_task(self._loop(stop)) for _ in range(self.config.loops)]
        try:
            await asyncio.gather(*loops)
        finally:
            for task in loops:
                task.cancel()
            with contextlib.suppress(Exception):
                await self.email.close()
                await self.sms.close()

    async def _loop(self, stop: asyncio.Event) -> None:
        # One retrying per loop (it keeps the state of a run of attempts), begun afresh
        # for every batch: a failed batch is tried again after a jittered backoff.
        retry = retrying("dispatcher", initial_s=0.1, max_s=10.0, retry_on=_any_error)
        while not stop.is_set():
            handled = 0
            async for attempt in retry:
                with attempt:
                    if stop.is_set():  # stopped while waiting to try again
                        return
                    handled = await self._dispatch_logged()
            if handled == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self.config.idle_s)
                    if self.config.gather_s:
                        await asyncio.sleep(self.config.gather_s)

    async def _dispatch_logged(self) -> int:
        self._wake.clear()  # before the claim: a wake during it is not lost
        try:
            return await self.dispatch_once()
        except Exception as error:
            if not is_transient(error):  # a bug: its traceback (the retry logs the rest)
                log.exception("dispatcher batch failed")
            raise

    async def dispatch_once(self) -> int:
        """Claim, send and settle one batch; returns how many rows it claimed."""
        async with self.uow_factory() as uow:
            claimed = await uow.outbound.claim(self.clock(), self.config.lease_s,
                                               self.config.batch_size)
            profiles = await uow.directory.profiles(
                code for c in claimed if (code := _municipality(c)) is not None)
            await uow.commit()
        if not claimed:
            return 0
        results = await asyncio.gather(*(
            self._one(c, Sender(_municipality(c), profiles.get(_municipality(c) or "")))
            for c in claimed))
        async with self.uow_factory() as uow:
            await self._record(uow, claimed, results)
            await uow.commit()
        return len(claimed)

    async def _record(self, uow: NotificationsUnitOfWork, claimed: list[Claimed],
                      results: list[Sent | Deferred]) -> None:
        """Settle the batch, with the fallbacks of what failed for good and the receipts
        the provider posted before this transaction (kept until the provider's ids are
        written here: `adapters/receipts.py`)."""
        now = self.clock()
        settlements = [self._settle(uow, row, result)
                       for row, result in zip(claimed, results, strict=True)]
        await uow.outbound.settle(settlements, now)
        fallbacks = [fallback_of(row, now) for row, result in zip(claimed, results, strict=True)
                     if self._falls_back(row, result)]
        for row, status in await uow.receipts.apply_kept(
                s.provider_ref for s in settlements if s.provider_ref):
            fallbacks += receipt_effects(row, status, now)
        uow.outbound.add(fallbacks)

    # -- one message -------------------------------------------------------------------

    def _context(self, c: Claimed, sender: Sender, now: datetime) -> dict[str, Any]:
        """The row's variables and what only the send knows: the recipient's name and
        role, the signature, and the opt-out link of this channel."""
        assert c.contact is not None
        links = self.config.links
        opt_out = (links.opt_out(c.recipient_id, c.channel, now, sender.municipality_code)
                   if links else None)
        return {**c.context, "recipient_name": c.contact.name, "role": c.recipient_role,
                "sender": sender.signature(), "opt_out_url": opt_out}

    async def _one(self, c: Claimed, sender: Sender) -> Sent | Deferred:
        now = self.clock()
        contact = c.contact
        if contact is None:
            if now - c.created_at < timedelta(seconds=self.config.contact_wait_s):
                return Deferred(now + timedelta(seconds=CONTACT_RETRY_S), "contact unknown")
            return Sent(PermanentFailure("no contact details"))
        reason = contact.unreachable_by(c.channel)
        if reason is not None:
            return Sent(PermanentFailure(reason))
        if c.channel == "sms":
            later = self.quiet.next_allowed(now)
            if later is not None:
                return Deferred(later, "quiet hours")
        context = self._context(c, sender, now)
        try:
            if c.channel == "email":
                # Built only once a connection is free: a batch's letters rendered all at
                # once would hold the event loop while every connection waits for its reply.
                async with self._email_slots:
                    rendered = self.renderer.email(c.template, contact.language, context)
                    assert contact.email is not None
                    message = build_message(
                        notification_id=c.notification_id,
                        domain=self.config.message_id_domain,
                        sender=sender.mail_from(self.config.mail_from),
                        to=contact.email, subject=rendered.subject, text=rendered.text,
                        html=rendered.html, language=rendered.language,
                        reply_to=sender.reply_to)
                    await self.buckets["email"].acquire()
                    return Sent(await self.email.send(message))
            rendered = self.renderer.sms(c.template, contact.language, context)
            assert contact.phone is not None
            segments = sms_rules.segments(rendered.text)
            await self.buckets["sms"].acquire()
            outcome = await self.sms.send(contact.phone, rendered.text)
            if isinstance(outcome, TemporaryFailure) and outcome.retry_after_s:
                self.buckets["sms"].hold(outcome.retry_after_s)
            return Sent(outcome, segments)
        except Exception as error:  # a template or message that cannot be built
            if is_transient(error):
                return Sent(TemporaryFailure(f"{type(error).__name__}: {error}"))
            log.exception("message could not be built", template=c.template)
            return Sent(PermanentFailure(f"{type(error).__name__}: {error}"[:300]))

    def _settle(self, uow: NotificationsUnitOfWork, c: Claimed,
                result: Sent | Deferred) -> Settlement:
        """What to record for one row; stages its outcome event into the outbox."""
        now = self.clock()
        if isinstance(result, Deferred):
            return Settlement(c.notification_id, None, "pending", result.until, result.reason)
        outcome = result.outcome
        decision = decide(outcome, c.attempts, now, self.policy)
        kind = type(outcome).__name__
        if decision.publish == "delivered":
            uow.publish(NotificationDelivered(
                notification_id=c.notification_id, cause_event_id=c.cause_event_id,
                recipient_id=c.recipient_id, channel=c.channel, template=c.template,
                attempts=c.attempts), correlationid=c.correlation_id)
        elif decision.publish == "failed":
            uow.publish(NotificationFailed(
                notification_id=c.notification_id, cause_event_id=c.cause_event_id,
                recipient_id=c.recipient_id, channel=c.channel, template=c.template,
                attempts=c.attempts, error=decision.error or kind), correlationid=c.correlation_id)
            log.info("notification failed", notification_id=str(c.notification_id),
                     channel=c.channel, template=c.template, attempts=c.attempts)
        return Settlement(
            c.notification_id, c.attempts, decision.status, decision.not_before, decision.error,
            outcome.provider_ref if isinstance(outcome, Delivered) else None, result.segments,
            kind)

    def _falls_back(self, c: Claimed, result: Sent | Deferred) -> bool:
        """A channel failed for good and the person has the other one: use it."""
        if isinstance(result, Deferred) or c.contact is None:
            return False
        decision = decide(result.outcome, c.attempts, self.clock(), self.policy)
        return decision.fallback and c.contact.unreachable_by(other_channel(c.channel)) is None
