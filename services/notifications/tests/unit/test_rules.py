"""Sending rules: identity, retries with backoff and jitter, quiet hours, SMS segments."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, time

from hypothesis import given
from hypothesis import strategies as st

from services.notifications.domain import sms
from services.notifications.domain.model import (
    Contact,
    Delivered,
    PermanentFailure,
    QuietHours,
    RetryPolicy,
    TemporaryFailure,
    decide,
    notification_id,
)

NOW = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)


def test_one_id_per_cause_recipient_and_channel() -> None:
    person = uuid.uuid4()
    key = notification_id("e1", person, "email", "t")
    assert key == notification_id("e1", person, "email", "t")
    assert key != notification_id("e1", person, "sms", "t")
    assert key != notification_id("e2", person, "email", "t")
    # The template is part of the key: an SMS's fallback e-mail is not the e-mail of
    # another template the same event sent the same person.
    assert notification_id("e1", person, "email", "welcome_letter") != notification_id(
        "e1", person, "email", "consent_request")


def test_temporary_failures_back_off_exponentially_with_jitter() -> None:
    policy = RetryPolicy(max_attempts=5, initial_s=10, maximum_s=1000, jitter=0.5,
                         rng=random.Random(1))
    for attempt, base in ((1, 10), (2, 20), (3, 40), (4, 80)):
        delays = {policy.delay(attempt) for _ in range(50)}
        assert all(base * 0.5 <= d <= base * 1.5 for d in delays)
        assert len(delays) > 1  # jittered
    assert policy.delay(1, retry_after_s=120) >= 120


def test_decisions() -> None:
    policy = RetryPolicy(max_attempts=3, initial_s=1, jitter=0)
    assert decide(Delivered("x"), 1, NOW, policy).publish == "delivered"
    permanent = decide(PermanentFailure("550"), 1, NOW, policy)
    assert (permanent.status, permanent.fallback, permanent.publish) == ("failed", True, "failed")
    retry = decide(TemporaryFailure("451"), 1, NOW, policy)
    assert retry.status == "pending" and retry.not_before and retry.publish is None
    last = decide(TemporaryFailure("451"), 3, NOW, policy)
    assert (last.status, last.publish) == ("failed", "failed")


def test_quiet_hours_defer_sms_to_eight_swedish_time() -> None:
    quiet = QuietHours("Europe/Stockholm", time(21), time(8))
    assert quiet.next_allowed(datetime(2026, 5, 4, 12, 0, tzinfo=UTC)) is None
    # 21:30 CEST = 19:30 UTC → 08:00 CEST next day = 06:00 UTC
    assert quiet.next_allowed(datetime(2026, 5, 4, 19, 30, tzinfo=UTC)) == \
        datetime(2026, 5, 5, 6, 0, tzinfo=UTC)
    # 03:00 CET (winter) = 02:00 UTC → 08:00 CET same day = 07:00 UTC
    assert quiet.next_allowed(datetime(2026, 1, 10, 2, 0, tzinfo=UTC)) == \
        datetime(2026, 1, 10, 7, 0, tzinfo=UTC)
    assert quiet.next_allowed(datetime(2026, 5, 4, 6, 0, tzinfo=UTC)) is None  # 08:00 CEST


def test_reachability() -> None:
    base = Contact(uuid.uuid4(), "participant", "E", "e@x.se", "+46701234567", "sv", True)
    assert base.unreachable_by("sms") is None and base.unreachable_by("email") is None
    assert Contact(**{**base.__dict__, "sms_opt_out": True}).unreachable_by("sms")
    assert Contact(**{**base.__dict__, "sms_allowed": False}).unreachable_by("sms")
    assert Contact(**{**base.__dict__, "email": None}).unreachable_by("email")


def test_gsm7_single_and_concatenated() -> None:
    assert sms.encode("Hej Åsa! Välkommen.").encoding == "gsm7"
    assert sms.segments("a" * 160) == 1
    assert sms.segments("a" * 161) == 2
    assert [len(p) for p in sms.encode("a" * 306).parts] == [153, 153]
    assert sms.segments("a" * 307) == 3
    # the euro sign is an escape pair: 80 of them fill one SMS exactly
    assert sms.segments("€" * 80) == 1
    assert sms.segments("€" * 81) == 2
    parts = sms.encode("a" + "€" * 80).parts
    assert len(parts[0]) == 77 and "".join(parts) == "a" + "€" * 80  # pair never split


def test_ucs2_single_and_concatenated() -> None:
    assert sms.encode("Привет").encoding == "ucs2"
    assert sms.segments("ж" * 70) == 1
    assert [len(p) for p in sms.encode("ж" * 71).parts] == [67, 4]
    emoji = sms.encode("😀" * 36)  # 72 UTF-16 units: two parts, no surrogate split
    assert emoji.segments == 2 and emoji.parts[0] == "😀" * 33


@given(st.text(max_size=700))
def test_parts_rejoin_and_fit(text: str) -> None:
    encoded = sms.encode(text)
    assert "".join(encoded.parts) == text
    if encoded.segments > 1:
        limit = 153 if encoded.encoding == "gsm7" else 67
        for part in encoded.parts:
            units = sum((2 if c in sms.GSM7_EXTENSION else 1) if encoded.encoding == "gsm7"
                        else (2 if ord(c) > 0xFFFF else 1) for c in part)
            assert units <= limit
