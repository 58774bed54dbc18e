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
    public_url: str = ""
    """Where people reach the portal: the provider sends them back to its /personal pages
    (`public_address`). Empty: this machine, on the portal's own `http_port`."""
    oidc_issuer: str = ""
    """The municipality's OpenID Connect provider (its discovery document is under it);
    empty: no one signs in, and /personal says so. `scripts/stack up` runs a local one."""
    oidc_client_id: str = "praktik-portal"
    oidc_client_secret: str = "praktik-portal-secret"
    oidc_scope: str = "openid profile email"
    oidc_role_claim: str = "praktik_role"
    """The ID token claim with the person's role: coordinator, training_admin or auditor."""
    oidc_municipalities_claim: str = "praktik_municipalities"
    """The claim with the SCB codes the person works for (a list, or one string)."""
    oidc_name_claim: str = "name"
    session_secret: str = "development-session-secret-not-for-production"
    """Signs the staff session cookie (itsdangerous, through Starlette's sessions)."""
    session_idle_s: int = Field(default=30 * 60, gt=0)
    """A session unused this long is gone: the cookie's lifetime, renewed by every page."""
    session_lifetime_s: int = Field(default=10 * 3600, gt=0)
    """However busy, a signed-in person signs in again after this long (a working day)."""
    development_keys: ClassVar[tuple[str, ...]] = ("link_secret", "session_secret",
                                                   "oidc_client_secret", "auth_jwt_secret")
    """The link secret, the session's and the OIDC client's secrets, and the services'
    JWT secret (`PORTAL_AUTH_JWT_SECRET`, registration's and matching's: the portal signs a
    short-lived token for the signed-in person with it)."""

    @property
    def public_address(self) -> str:
        """`public_url` without its trailing slash, or where this process listens."""
        return (self.public_url or f"http://127.0.0.1:{self.http_port}").rstrip("/")
