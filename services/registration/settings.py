"""Registration's settings: environment variables with the prefix `REGISTRATION_`."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings

DEV_ENCRYPTION_KEY = "ZGV2LW9ubHktY2hhbmdlLW1lLTAxMjM0NTY3ODlhYmM="
"""A Fernet key for development and tests only; production sets its own."""


class RegistrationSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="REGISTRATION_", extra="ignore")
    development_keys: ClassVar[tuple[str, ...]] = (
        "auth_jwt_secret", "link_secret", "identity_encryption_key", "identity_hash_key")

    http_port: int = 8001

    intake_sources: str = ""
    """Which intake senders may speak for which municipalities:
    `urn:school:halmstad=1380|1381;urn:hr:kungsbacka=1384`; `*` for any source or any
    municipality (`urn:test=*`, `*=*`). Empty: the intake refuses every message."""

    kafka_metadata_max_age_ms: int = 10_000
    """How often registration looks for new senders' intake topics (the pattern
    subscription matches the broker's topics at each metadata refresh)."""

    identity_encryption_key: str = DEV_ENCRYPTION_KEY
    """Fernet key (url-safe base64 of 32 bytes) sealing identity numbers at rest."""
    identity_hash_key: str = "dev-only-identity-hash-key-change-me"
    """HMAC-SHA256 key of the identity numbers' lookup hash."""

    access_log_retention_days: int = Field(default=730, ge=1)
    """How long the access log keeps who read whose record (it is personal data too)."""
    access_log_purge_interval_s: float = Field(default=3600.0, gt=0)
    """How often the entries past their retention are purged (the access log's and the
    intake rejections')."""
    intake_rejections_retention_days: int = Field(default=90, ge=1)
    """How long the refused intake requests are listed for coordinators."""
    intake_retention_ms: int = Field(default=7 * 24 * 3600 * 1000, ge=60_000)
    """How long the intake topic and its DLQ keep messages (they carry identity numbers);
    applied to the topics when the service starts."""
