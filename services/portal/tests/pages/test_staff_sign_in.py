"""Staff sign in to the portal through a real OpenID Connect provider process
(oidc-provider-mock, `devkit.identity`), in Chromium at 360 px: the role and
municipalities come from the provider's claims, sign-out ends both sessions, a form
without its CSRF token changes nothing, and a session ends when idle or at its lifetime."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from playwright.async_api import Browser, expect

from devkit.browser import NARROW, check_page, phone
from devkit.identity import DEV_ACCOUNTS, identity_provider, sign_in_as
from devkit.ports import free_port
from devkit.services import serving
from services.portal.bootstrap import build
from services.portal.settings import PortalSettings
from services.portal.tests.fakes import fake_apis

IDLE_S, LIFETIME_S = 600, 3600
OUTSIDERS = (
    {"sub": "utan-roll", "name": "Utan Roll"},
    {"sub": "okand-roll", "name": "Okänd Roll", "praktik_role": "superuser",
     "praktik_municipalities": ["1380"]},
    {"sub": "utan-kommun", "name": "Utan Kommun", "praktik_role": "coordinator"},
)


@dataclass
class Clock:
    """The portal's clock, moved by the test (the provider keeps the real one)."""

    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Signed:
    url: str
    clock: Clock


@pytest.fixture(scope="module")
def issuer() -> Iterator[str]:
    with identity_provider((*DEV_ACCOUNTS, *OUTSIDERS)) as url:
        yield url


NOWHERE = f"http://127.0.0.1:{free_port()}"
"""Where no service listens: the start page's reads find nothing (and never a running
stack's), which the page says."""


@pytest.fixture(scope="module")
async def portal(issuer: str) -> AsyncIterator[Signed]:
    port, clock = free_port(), Clock()
    settings = PortalSettings(development=True, log_json=False, oidc_issuer=issuer,
                              public_url=f"http://127.0.0.1:{port}", session_idle_s=IDLE_S,
                              session_lifetime_s=LIFETIME_S, registration_url=NOWHERE,
                              matching_url=NOWHERE, training_url=NOWHERE,
                              notifications_url=NOWHERE)
    async with serving(build(settings, apis=fake_apis(), clock=clock).app, port=port) as url:
        yield Signed(url, clock)


async def test_a_coordinator_signs_in_with_role_and_municipality_from_the_claims_and_out(
        browser: Browser, portal: Signed) -> None:
    async with phone(browser, viewport=NARROW) as page:
        await page.goto(f"{portal.url}/personal")
        assert page.url == f"{portal.url}/personal/logga-in"
        await expect(page.locator("h1")).to_have_text("Logga in för personal")
        await check_page(page, "portal-staff-sign-in-sv")

        await sign_in_as(page, portal.url, "samordnare-1383")
        assert page.url == f"{portal.url}/personal"
        await expect(page.locator("h1")).to_have_text("Startsida för personal")
        await expect(page.locator("[data-staff]")).to_contain_text("Samordnare Varberg")
        await expect(page.locator("[data-role]")).to_have_text("Samordnare")
        await expect(page.locator("[data-municipalities]")).to_have_attribute(
            "data-municipalities", "1383")
        await check_page(page, "portal-staff-start-sv")

        await page.get_by_role("button", name="Logga ut").click()
        await page.get_by_role("button", name="End session").click()  # the provider's
        await page.wait_for_url(f"{portal.url}/personal/utloggad")
        await expect(page.locator("h1")).to_have_text("Du är utloggad")
        await check_page(page, "portal-staff-signed-out-sv")
        await page.goto(f"{portal.url}/personal")
        assert page.url == f"{portal.url}/personal/logga-in"  # the session is gone


@pytest.mark.parametrize(("subject", "role", "municipalities"), [
    ("utbildning-halland", "Training administrator", "1315,1380,1381,1383,1384"),
    ("granskare-halland", "Auditor", "1315,1380,1381,1383,1384"),
    ("samordnare-1380", "Coordinator", "1380"),
])
async def test_each_development_account_has_its_role_in_english_too(
        browser: Browser, portal: Signed, subject: str, role: str, municipalities: str) -> None:
    async with phone(browser, viewport=NARROW) as page:
        await sign_in_as(page, portal.url, subject, "en")
        assert page.url == f"{portal.url}/personal"
        await expect(page.locator("h1")).to_have_text("Start page for staff")
        await expect(page.locator("[data-role]")).to_have_text(role)
        await expect(page.locator("[data-municipalities]")).to_have_attribute(
            "data-municipalities", municipalities)
        await check_page(page, f"portal-staff-start-{subject}-en")


@pytest.mark.parametrize(("subject", "reason", "heading"), [
    ("utan-roll", "no_role", "Du har ingen roll i Praktik"),
    ("okand-roll", "unknown_role", "Din roll finns inte i Praktik"),
    ("utan-kommun", "no_municipality", "Du har ingen kommun i Praktik"),
])
async def test_a_person_the_claims_give_no_way_in_is_told_why(
        browser: Browser, portal: Signed, subject: str, reason: str, heading: str) -> None:
    async with phone(browser, viewport=NARROW) as page:
        await sign_in_as(page, portal.url, subject)
        await expect(page.locator("h1")).to_have_text(heading)
        await expect(page.locator("[data-trouble]")).to_have_attribute("data-trouble", reason)
        await check_page(page, f"portal-staff-refused-{reason}")
        await page.goto(f"{portal.url}/personal")
        assert page.url == f"{portal.url}/personal/logga-in"


async def test_a_sign_out_without_the_forms_csrf_token_changes_nothing(
        browser: Browser, portal: Signed) -> None:
    async with phone(browser, viewport=NARROW) as page:
        await sign_in_as(page, portal.url, "samordnare-1380")
        for form in ({}, {"csrf_token": "a-token-from-another-site"}):
            answer = await page.request.post(f"{portal.url}/personal/logga-ut", form=dict(form),
                                             max_redirects=0)
            assert answer.status == 403
            assert 'data-trouble="csrf"' in await answer.text()
        await page.goto(f"{portal.url}/personal")
        await expect(page.locator("h1")).to_have_text("Startsida för personal")


async def test_a_forged_answer_from_the_provider_signs_no_one_in(
        browser: Browser, portal: Signed) -> None:
    async with phone(browser, viewport=NARROW) as page:
        response = await page.goto(f"{portal.url}/personal/inloggad?code=made-up&state=x")
        assert response is not None and response.status == 400
        await expect(page.locator("h1")).to_have_text("Inloggningen gick inte igenom")
        await check_page(page, "portal-staff-sign-in-failed")


async def test_a_session_ends_when_unused_and_at_its_lifetime_however_busy(
        browser: Browser, portal: Signed) -> None:
    async with phone(browser, viewport=NARROW) as page:
        await sign_in_as(page, portal.url, "samordnare-1381")
        portal.clock.now += timedelta(seconds=IDLE_S + 1)
        await page.goto(f"{portal.url}/personal")
        assert page.url == f"{portal.url}/personal/logga-in?slut=1"
        await expect(page.locator("[data-trouble]")).to_have_attribute(
            "data-trouble", "session_ended")
        await check_page(page, "portal-staff-session-ended")

        await sign_in_as(page, portal.url, "samordnare-1381")
        for _ in range(LIFETIME_S // (IDLE_S // 2)):  # busy: a page every five minutes
            portal.clock.now += timedelta(seconds=IDLE_S // 2)
            await page.goto(f"{portal.url}/personal")
        assert page.url == f"{portal.url}/personal/logga-in?slut=1"


async def test_without_a_provider_the_sign_in_page_says_it_is_not_set_up() -> None:
    app = build(PortalSettings(development=True, log_json=False), apis=fake_apis()).app
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://portal") as http:
        page = await http.get("/personal/logga-in")
        assert page.status_code == 503 and 'data-trouble="not_configured"' in page.text
        assert (await http.get("/personal/logga-in/start")).status_code == 303
