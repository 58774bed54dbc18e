"""Notifications' settings: `NOTIFICATIONS_` environment variables."""

from __future__ import annotations

from datetime import time
from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class NotificationsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFICATIONS_", extra="ignore")
    development_keys: ClassVar[tuple[str, ...]] = (
        "auth_jwt_secret", "link_secret", "receipt_password")

    http_port: int = 8004

    # -- e-mail (SMTP) -----------------------------------------------------------------
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_tls: bool = False
    """Implicit TLS from the first byte (port 465)."""
    smtp_starttls: bool = False
    """Upgrade a plain connection with STARTTLS (port 587)."""
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_timeout_s: float = Field(default=10.0, gt=0)
    smtp_connections: int = Field(default=8, ge=1, le=64)
    """Connections kept open and reused; also how many e-mails are in flight at once."""
    mail_from: str = "Praktik <noreply@praktik.example>"
    message_id_domain: str = "praktik.example"

    # -- SMS (46elks-form HTTP API) ----------------------------------------------------
    sms_base_url: str = "http://127.0.0.1:8025"
    sms_username: str = "elks-user"
    sms_password: str = "elks-password"
    sms_sender: str = "Praktik"
    sms_timeout_s: float = Field(default=10.0, gt=0)
    sms_concurrency: int = Field(default=4, ge=1, le=64)
    sms_receipt_url: str | None = None
    """Where the provider posts delivery receipts (`whendelivered`); credentials may be
    given in the URL's userinfo, as the provider then sends them back as basic auth."""
    receipt_username: str = "elks-receipts"
    receipt_password: str = "change-me-receipts"
    """The credentials the provider's delivery receipts must carry (HTTP basic)."""
    unmatched_receipt_days: int = Field(default=7, gt=0)
    """A receipt that came before its SMS was recorded is kept this long for it."""

    # -- policy ------------------------------------------------------------------------
    timezone: str = "Europe/Stockholm"
    quiet_start: time = time(21, 0)
    quiet_end: time = time(8, 0)
    """No SMS from `quiet_start` to `quiet_end`, Swedish time: deferred to the morning."""
    email_rate_per_s: float = Field(default=500.0, gt=0)
    sms_rate_per_s: float = Field(default=20.0, gt=0)
    """Per-channel send rate limits (per process), to protect the providers."""
    max_attempts: int = Field(default=5, ge=1, le=50)
    backoff_initial_s: float = Field(default=30.0, ge=0)
    backoff_max_s: float = Field(default=3600.0, ge=0)
    jitter: float = Field(default=0.5, ge=0, le=1)
    """Each backoff delay is multiplied by a random factor in [1 - jitter, 1 + jitter]."""
    contact_wait_s: float = Field(default=900.0, ge=0)
    """How long a message waits for its recipient's contact details before it fails."""
    reminder_hour: int = Field(default=9, ge=0, le=23)
    """The day-before reminder of a course goes out at this local hour."""

    # -- dispatcher --------------------------------------------------------------------
    dispatch_batch_size: int = Field(default=100, ge=1, le=5000)
    dispatch_loops: int = Field(default=2, ge=1, le=16)
    """Claim-send-record loops running at once (rows are claimed with SKIP LOCKED)."""
    dispatch_idle_s: float = Field(default=0.5, gt=0)
    dispatch_gather_s: float = Field(default=0.05, ge=0)
    """How long a woken dispatcher lets further commits gather before it claims: under a
    steady trickle, one claim of many rows instead of a claim and a settle per commit."""
    lease_s: float = Field(default=60.0, gt=0)
    """A claimed row belongs to its dispatcher this long; after that it is in doubt."""
    dispatcher_enabled: bool = True

    # -- digest ------------------------------------------------------------------------
    digest_hour: int = Field(default=7, ge=0, le=23)
    """Coordinators' daily digest goes out from this local hour, once a day."""
    digest_interval_s: float = Field(default=300.0, gt=0)

    public_base_url: str = "http://127.0.0.1:8000"
    """The portal's address: every link in a message is `{public_base_url}/l/{token}`
    (the token signed with `link_secret`, shared.links), the digest links to its start."""
