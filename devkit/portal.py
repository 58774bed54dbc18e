"""Run the portal (services/portal) in this process for a test: on a free loopback port,
talking to the services at the addresses given. Its own module, so that importing the
development kit's other helpers never imports the portal."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from devkit.services import serving
from services.portal.bootstrap import build
from services.portal.settings import PortalSettings

SERVICES = ("registration", "matching", "training", "notifications")


@asynccontextmanager
async def running_portal(service_urls: Mapping[str, str], **overrides: Any) -> AsyncIterator[str]:
    """The portal against the services at `service_urls` (`{"registration":
    "http://127.0.0.1:8001", ...}`; a `devkit.processes.System` gives
    `{name: p.url for name, p in system.services.items()}`; other keys are ignored).
    `overrides` are `PortalSettings` fields (`link_secret`, `support_email`, ...).
    Yields the portal's base URL (`http://127.0.0.1:<port>`)."""
    urls = {f"{name}_url": url for name, url in service_urls.items() if name in SERVICES}
    settings = PortalSettings(**{"log_json": False, "development": True, **urls, **overrides})
    async with serving(build(settings).app) as url:
        yield url
