"""What a notification is and the rules of sending one: identity, retries, quiet hours.

No I/O here: the dispatcher asks these functions what to do with a claimed message and
with the outcome of a send.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

Channel = Literal["email", "sms"]
CHANNELS: tuple[Channel, ...] = ("email", "sms")
Status = Literal["pending", "sending", "sent", "failed", "cancelled"]

NAMESPACE = uuid.UUID("6f1d3c3e-5d55-4b0c-9c41-3f0f1e2a8b77")


def notification_id(cause_event_id: str, recipient_id: uuid.UUID, channel: Channel,
                    template: str) -> uuid.UUID:
    """One message per cause event, recipient, channel and template: the id is derived
    from that key, so a redelivered cause event names the same notification (and the same
    Message-ID), and a fallback of one template never collides with another template the
    same event sent that person on the other channel."""
    return uuid.uuid5(NAMESPACE, f"{cause_event_id}|{recipient_id}|{channel}|{template}")


def other_channel(channel: Channel) -> Channel:
    return "sms" if channel == "email" else "email"


@dataclass(frozen=True)
class Contact:
    """A person's contact details, from `registration.contacts.v1`."""

    person_id: uuid.UUID
    role: str
    name: str
    email: str | None
    phone: str | None
    language: str
    sms_allowed: bool
    sms_opt_out: bool = False
    municipality_code: str | None = None
    email_opt_out: bool = False

    def unreachable_by(self, channel: Channel) -> str | None:
        """Why this person cannot get a message on `channel`, or None when they can."""
        if channel == "email":
            if not self.email:
                return "no e-mail address"
            return "opted out of e-mail" if self.email_opt_out else None
        if not self.phone:
            return "no phone number"
        if self.sms_opt_out:
            return "opted out of SMS"
        if not self.sms_allowed:
            return "SMS not allowed"
        return None


@dataclass(frozen=True)
class PlannedNotification:
    """One message to record: the consumer's whole job for one recipient and channel."""

    cause_event_id: str
    recipient_id: uuid.UUID
    channel: Channel
    template: str
    context: dict[str, Any]
    not_before: datetime
    correlation_id: str | None = None
    recipient_role: str = ""
    placement_id: uuid.UUID | None = None
    about_participant_id: uuid.UUID | None = None
    municipality_code: str | None = None

    @property
    def notification_id(self) -> uuid.UUID:
        return notification_id(self.cause_event_id, self.recipient_id, self.channel,
                               self.template)


# -- outcomes of one send ----------------------------------------------------------------


@dataclass(frozen=True)
class Delivered:
    provider_ref: str | None = None


@dataclass(frozen=True)
class TemporaryFailure:
    """Worth retrying: SMTP 4xx, HTTP 429/5xx, timeouts, connection trouble."""

    error: str
    retry_after_s: float | None = None


@dataclass(frozen=True)
class PermanentFailure:
    """Never worth retrying: SMTP 5xx, an invalid number, no address, opted out."""

    error: str


SendOutcome = Delivered | TemporaryFailure | PermanentFailure


@dataclass(frozen=True)
class Deferred:
    """Not sent and not an attempt: try again at `until` (quiet hours, contact unknown)."""

    until: datetime
    reason: str


# -- retry policy ------------------------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    initial_s: float = 30.0
    maximum_s: float = 3600.0
    jitter: float = 0.5
    rng: random.Random = field(default_factory=random.Random, compare=False)

    def delay(self, attempts: int, retry_after_s: float | None = None) -> float:
        """Seconds to wait after the `attempts`-th failed attempt: exponential, jittered,
        and never shorter than what the provider asked for (Retry-After)."""
        base = min(self.initial_s * (2 ** max(attempts - 1, 0)), self.maximum_s)
        factor = 1.0 + self.rng.uniform(-self.jitter, self.jitter)
        delay = base * factor
        if retry_after_s is not None:
            delay = max(delay, retry_after_s)
        return delay

    def exhausted(self, attempts: int) -> bool:
        return attempts >= self.max_attempts


@dataclass(frozen=True)
class Decision:
    """What to record after an outcome."""

    status: Status
    not_before: datetime | None = None
    error: str | None = None
    fallback: bool = False
    publish: Literal["delivered", "failed"] | None = None


def decide(outcome: SendOutcome, attempts: int, now: datetime, policy: RetryPolicy) -> Decision:
    if isinstance(outcome, Delivered):
        return Decision("sent", publish="delivered")
    if isinstance(outcome, PermanentFailure):
        return Decision("failed", error=outcome.error, fallback=True, publish="failed")
    if policy.exhausted(attempts):
        return Decision("failed", error=outcome.error, fallback=True, publish="failed")
    wait = policy.delay(attempts, outcome.retry_after_s)
    return Decision("pending", not_before=now + timedelta(seconds=wait), error=outcome.error)


# -- quiet hours -------------------------------------------------------------------------


@dataclass(frozen=True)
class QuietHours:
    """No SMS between `start` and `end` local time (21:00–08:00 Europe/Stockholm)."""

    timezone: str = "Europe/Stockholm"
    start: time = time(21, 0)
    end: time = time(8, 0)

    def next_allowed(self, now: datetime) -> datetime | None:
        """None when an SMS may go now; otherwise the instant (UTC) the quiet ends."""
        zone = ZoneInfo(self.timezone)
        local = now.astimezone(zone)
        clock = local.time()
        if self.start <= self.end:
            quiet = self.start <= clock < self.end
        else:
            quiet = clock >= self.start or clock < self.end
        if not quiet:
            return None
        day = local.date() if clock < self.end else local.date() + timedelta(days=1)
        return datetime.combine(day, self.end, tzinfo=zone).astimezone(now.tzinfo)

    def local_date(self, now: datetime) -> date:
        return now.astimezone(ZoneInfo(self.timezone)).date()


def day_before_at(starts_at: datetime, hour: int, timezone: str) -> datetime:
    """The reminder instant: the local day before `starts_at`, at `hour`."""
    zone = ZoneInfo(timezone)
    day = starts_at.astimezone(zone).date() - timedelta(days=1)
    return datetime.combine(day, time(hour, 0), tzinfo=zone)
