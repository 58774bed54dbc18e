"""The whole system for the end-to-end tests: the four services as processes on the real
broker and database, the SMTP catcher and the 46elks fake in this process, and one small
season played through the HTTP APIs (shared by the tests of a module)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from playwright.async_api import Browser
from sqlalchemy.engine import make_url

from devkit.browser import chromium
from devkit.bus import topic_prefix
from devkit.database import create_database, drop_database
from devkit.infra import Infra, provision
from devkit.mail import SmtpCatcher
from devkit.ports import free_port
from devkit.processes import System, running_system
from devkit.sms import ElksFake
from praktik_cli.demo.plan import Endpoints, Plan
from praktik_cli.demo.season import Season

RECEIPTS = ("elks-receipts", "e2e-receipts-secret")
LINK_SECRET = "e2e-link-secret-not-the-development-one-0123456789"
"""The link secret every service and the portal share in these tests (shared.links)."""


@dataclass
class Outside:
    """The world outside the system: mailboxes and phones."""

    mail: SmtpCatcher
    sms: ElksFake
    notifications_port: int
    """Where the notifications service will listen: the SMS fake posts receipts there."""
    portal_port: int = field(default_factory=free_port)
    """Where the portal will listen: the links in the messages point there."""

    @property
    def portal_url(self) -> str:
        return f"http://127.0.0.1:{self.portal_port}"


@pytest.fixture(scope="package")
async def outside(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Outside]:
    mail = SmtpCatcher(tmp_path_factory.mktemp("mail")).start()
    port, portal_port = free_port(), free_port()
    receipt_url = (f"http://{RECEIPTS[0]}:{RECEIPTS[1]}@127.0.0.1:"
                   f"{port}/notifications/sms/receipts")
    sms = await ElksFake(receipt_url=receipt_url).start()
    try:
        yield Outside(mail, sms, port, portal_port)
    finally:
        await sms.stop()
        mail.stop()


def system_env(outside: Outside) -> dict[str, str]:
    return {
        "NOTIFICATIONS_SMTP_HOST": outside.mail.host,
        "NOTIFICATIONS_SMTP_PORT": str(outside.mail.port),
        "NOTIFICATIONS_SMS_BASE_URL": outside.sms.base_url,
        "NOTIFICATIONS_SMS_USERNAME": outside.sms.username,
        "NOTIFICATIONS_SMS_PASSWORD": outside.sms.password,
        "NOTIFICATIONS_RECEIPT_USERNAME": RECEIPTS[0],
        "NOTIFICATIONS_RECEIPT_PASSWORD": RECEIPTS[1],
        # The tests run at any hour: no quiet hours (start == end), quick retries.
        "NOTIFICATIONS_QUIET_START": "00:00",
        "NOTIFICATIONS_QUIET_END": "00:00",
        "NOTIFICATIONS_BACKOFF_INITIAL_S": "0.5",
        "NOTIFICATIONS_BACKOFF_MAX_S": "2",
        "NOTIFICATIONS_DISPATCH_IDLE_S": "0.1",
        "REGISTRATION_INTAKE_SOURCES": "urn:test=*",
        "NOTIFICATIONS_PUBLIC_BASE_URL": outside.portal_url,
        **{f"{service.upper()}_LINK_SECRET": LINK_SECRET
           for service in ("registration", "matching", "training", "notifications")},
    }


@dataclass(frozen=True)
class OwnDatabase(Infra):
    """The broker everyone shares, and a database of this test module's own.

    The services' schemas are dropped and migrated by `running_system`; in a database
    of its own that touches neither the running stack nor other tests running beside."""

    def database_url(self, service: str) -> str:
        url = make_url(self.admin_database_url).set(username=service, password=service)
        return url.render_as_string(hide_password=False)


@pytest.fixture(scope="package")
async def e2e_infra(infra: Infra) -> AsyncIterator[OwnDatabase]:
    name = f"praktik_e2e_{uuid.uuid4().hex[:8]}"
    await create_database(infra, name)
    own = OwnDatabase(infra.kafka_bootstrap, make_url(infra.admin_database_url).set(
        database=name).render_as_string(hide_password=False),
        kafka_security=infra.kafka_security)
    await provision(own)
    try:
        yield own
    finally:
        await drop_database(infra, name)


@pytest.fixture(scope="package")
async def system(e2e_infra: OwnDatabase, outside: Outside,
                 tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[System]:
    async with running_system(e2e_infra, tmp_path_factory.mktemp("system"), None,
                              {"notifications": outside.notifications_port},
                              **system_env(outside)) as system:
        yield system


def endpoints(infra: Infra, system: System, outside: Outside) -> Endpoints:
    urls = {name: process.url for name, process in system.services.items()}
    return Endpoints(registration=urls["registration"], matching=urls["matching"],
                     training=urls["training"], notifications=urls["notifications"],
                     kafka=infra.kafka_bootstrap, topic_prefix=topic_prefix(),
                     kafka_security=infra.kafka_security,
                     mail_dir=outside.mail.directory, sms_fake=outside.sms.base_url,
                     sms_auth=(outside.sms.username, outside.sms.password))


@pytest.fixture(scope="package")
async def browser() -> AsyncIterator[Browser]:
    """One Chromium for the package's browser tests (each test opens its own pages)."""
    async with chromium() as launched:
        yield launched


SMALL_SEASON = Plan(
    workplaces={"1380": 6, "1383": 4}, summer_requests=22, prao_requests=6, work_trials=4,
    workplace_declines=2, participant_declines=1, seed=11,
    consent_weights=(35, 30, 10, 25), phone_share=0.8,
)
"""Two municipalities, ten workplaces, 32 requests: every path of the season, small."""


@pytest.fixture(scope="package")
async def season(e2e_infra: OwnDatabase, system: System,
                 outside: Outside) -> AsyncIterator[Season]:
    async with Season(SMALL_SEASON, endpoints(e2e_infra, system, outside)) as played:
        await played.play()
        yield played
