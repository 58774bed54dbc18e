"""The portal's settings: `PORTAL_` environment variables.

The portal has no database and no broker: it inherits `ServiceSettings` for the HTTP,
logging and key settings every service has (and the refusal of committed keys), and
ignores `database_url` and the Kafka settings, which it never reads.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class PortalSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PORTAL_", extra="ignore")

    database_url: str = ""
    """Unused: the portal keeps nothing (an environment that sets one is ignored)."""
    http_port: int = 8000
    registration_url: str = "http://127.0.0.1:8001"
    matching_url: str = "http://127.0.0.1:8002"
    training_url: str = "http://127.0.0.1:8003"
    notifications_url: str = "http://127.0.0.1:8004"
    request_timeout_s: float = Field(default=10.0, gt=0)
    """How long the portal waits for a service before it says "try again later"."""
    timezone: str = "Europe/Stockholm"
    """Where the dates and times on the pages are read."""
    support_name: str = "Praktiks support"
    support_email: str = "support@praktik.example"
    support_phone: str = ""
    """Whom a bad link names when its token names no municipality."""
    development_keys: ClassVar[tuple[str, ...]] = ("link_secret",)
    """The portal signs nothing and checks no bearer token: only the link secret."""
