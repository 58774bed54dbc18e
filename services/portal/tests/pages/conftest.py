"""The portal served on a loopback port, wired to fake service APIs, and a real browser."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from playwright.async_api import Browser

from devkit.browser import chromium
from devkit.services import serving
from services.portal.bootstrap import build
from services.portal.dependencies import ServiceApis
from services.portal.settings import PortalSettings
from services.portal.tests.fakes import fake_apis


@dataclass
class Served:
    url: str
    apis: ServiceApis


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as launched:
        yield launched


@pytest.fixture(scope="session")
async def portal() -> AsyncIterator[Served]:
    apis = fake_apis()
    settings = PortalSettings(development=True, log_json=False)
    async with serving(build(settings, apis=apis).app) as url:
        yield Served(url, apis)
