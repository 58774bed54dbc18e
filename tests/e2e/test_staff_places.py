"""A coordinator keeps the registers of workplaces, supervisors and offers through the
portal's forms (issue 20): registration on the real broker and database, a real OIDC
provider process, Chromium at 360 px with axe on every page.

Registration's own rules refuse what the forms send (an organisation number's check
digit, more places than the supervisor takes), and each refusal is shown beside its
field; corrected, the entry is saved and listed at its workplace. An auditor reads the
forms but has nothing to save with, and a form posted without its CSRF token changes
nothing. The municipality's profile is kept the same way, by its own coordinators only, and the
message templates with sample data are signed as it signs.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import date, timedelta

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from devkit.browser import NARROW, check_page, phone
from devkit.infra import Infra
from tests.e2e.staff import Staffed, signed_in, staff_workspace

pytestmark = pytest.mark.infra


@pytest.fixture(scope="module")
async def staffed(infra: Infra) -> AsyncIterator[Staffed]:
    async with staff_workspace(infra) as workspace:
        yield workspace


async def _refused_beside(page: Page, field: str, words: str) -> None:
    """The field's problem is beside it, in the page's words and registration's."""
    await expect(page.locator(f"#{field}-problem")).to_contain_text(words)
    await expect(page.locator(f"#{field}")).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#problems")).to_contain_text("inte sparade")


async def _offer_at(page: Page, supervisor: str) -> None:
    """From the workplace's page: an offer of more places than the supervisor takes,
    refused beside its field, then corrected."""
    start = date.today() + timedelta(days=90)
    await page.get_by_role("link", name="Lägg till ett erbjudande om platser").click()
    await page.get_by_label("Handledare", exact=True).select_option(label=supervisor)
    await page.get_by_label("Program", exact=True).select_option("prao")
    await page.get_by_label("Yrke (SSYK-kod)").fill("7512")
    await page.get_by_label("Första dagen", exact=True).fill(start.isoformat())
    last = start + timedelta(days=4)
    await page.get_by_label("Sista dagen", exact=True).fill(last.isoformat())
    await page.get_by_label("Antal platser").fill("3")
    await page.get_by_role("button", name="Spara").click()
    await _refused_beside(page, "capacity", "at most 1")
    await check_page(page, "portal-staff-offer-problems")
    await page.get_by_label("Antal platser").fill("1")
    await page.get_by_role("button", name="Spara").click()
    await expect(page.locator("[data-saved]")).to_be_visible()


async def test_a_coordinator_registers_a_workplace_its_supervisor_and_an_offer(
        browser: Browser, staffed: Staffed) -> None:
    name = f"Bageriet {staffed.run}"
    async with phone(browser, viewport=NARROW) as page:
        await signed_in(page, staffed, "samordnare-1380")
        await page.get_by_role("link", name="Arbetsplatser").click()
        await expect(page.locator(f"[data-workplace='{staffed.workplace['workplace_id']}']")
                     ).to_contain_text(staffed.workplace["name"])
        await check_page(page, "portal-staff-workplaces")
        await page.get_by_role("link", name="Registrera en ny arbetsplats").click()
        await page.get_by_label("Arbetsplatsens namn").fill(name)
        await page.get_by_label("Organisationsnummer").fill("212000-1356")
        await page.get_by_label("Sektor").select_option("private")
        await page.get_by_role("button", name="Spara").click()
        await expect(page.locator("#manager_name-problem")).to_contain_text("Fyll i")
        await check_page(page, "portal-staff-workplace-problems")
        await page.get_by_label("Chefens namn").fill("Berit Bagare")
        await page.get_by_label("Chefens e-postadress").fill("berit@example.org")
        await page.get_by_role("button", name="Spara").click()
        await _refused_beside(page, "org_number", "check digit is wrong")
        await expect(page.get_by_label("Chefens namn")).to_have_value("Berit Bagare")
        await page.get_by_label("Organisationsnummer").fill("212000-1355")
        await page.get_by_role("button", name="Spara").click()
        await expect(page.locator("[data-saved]")).to_be_visible()
        await expect(page.locator("h1")).to_have_text(name)
        await check_page(page, "portal-staff-workplace")

        await page.get_by_role("link", name="Lägg till en handledare").click()
        await page.get_by_label("Handledarens namn").fill(f"Sune Surdeg {staffed.run}")
        await page.get_by_label("Högst antal deltagare samtidigt").fill("1")
        await page.get_by_role("button", name="Spara").click()
        await expect(page.locator("[data-saved]")).to_be_visible()
        await check_page(page, "portal-staff-supervisor")
        await page.get_by_role("link", name=name).click()
        await _offer_at(page, f"Sune Surdeg {staffed.run}")
        await page.get_by_role("link", name=name).click()
        await expect(page.locator("[data-supervisor]")).to_contain_text("Inte certifierad")
        await expect(page.locator("[data-offer]")).to_contain_text("prao")

    async with httpx.AsyncClient(base_url=staffed.registration,
                                 headers=staffed.as_seed()) as client:
        found = (await client.get("/workplaces", params={"limit": 200})).json()["items"]
        [made] = [w for w in found if w["name"] == name]
        assert (made["org_number"], made["sector"], made["manager"]["email"]) == (
            "212000-1355", "private", "berit@example.org")
        offers = (await client.get("/offers", params={
            "workplace_id": made["workplace_id"]})).json()["items"]
        assert [(o["occupation"], o["capacity"]) for o in offers] == [("7512", 1)]


async def test_a_change_is_saved_and_an_auditor_only_reads_it(browser: Browser,
                                                              staffed: Staffed) -> None:
    ident = staffed.supervisor["supervisor_id"]
    async with phone(browser, viewport=NARROW) as page:
        await signed_in(page, staffed, "samordnare-1380")
        await page.goto(f"{staffed.portal}/personal/handledare/{ident}")
        await page.get_by_label("Mobilnummer").fill("0709998877")
        await page.get_by_role("button", name="Spara").click()
        await expect(page.locator("[data-saved]")).to_be_visible()
        await expect(page.get_by_label("Mobilnummer")).to_have_value("+46709998877")

    async with phone(browser, viewport=NARROW) as page:
        await signed_in(page, staffed, "granskare-halland")
        await page.goto(f"{staffed.portal}/personal/arbetsplatser/"
                        f"{staffed.workplace['workplace_id']}")
        await expect(page.get_by_label("Arbetsplatsens namn")).to_have_value(
            staffed.workplace["name"])
        await expect(page.get_by_role("button", name="Spara")).to_have_count(0)
        await check_page(page, "portal-staff-workplace-read-only")


async def test_a_form_without_its_csrf_token_changes_nothing(browser: Browser,
                                                             staffed: Staffed) -> None:
    ident = staffed.workplace["workplace_id"]
    async with phone(browser, viewport=NARROW) as page:
        await signed_in(page, staffed, "samordnare-1380")
        answer = await page.request.post(f"{staffed.portal}/personal/arbetsplatser/{ident}",
                                         form={"name": "Utan token"}, max_redirects=0)
        assert answer.status == 403
    async with httpx.AsyncClient(base_url=staffed.registration,
                                 headers=staffed.as_seed()) as client:
        assert (await client.get(f"/workplaces/{ident}")).json()["name"] == (
            staffed.workplace["name"])


async def _signed_by_the_profile(page: Page, staffed: Staffed) -> None:
    """The message templates with sample data, in Swedish and English, signed as the
    profile just saved signs (once notifications has heard of it)."""
    await page.get_by_role("link", name="Meddelandemallar").click()
    await check_page(page, "portal-staff-templates")
    await page.locator("[data-template='placement_proposal']").click()
    for _ in range(100):
        if "Sara Samordnare" in await page.locator("[data-language='sv'] [data-text]"
                                                   ).inner_text():
            break
        await page.wait_for_timeout(200)
        await page.reload()
    for language in ("sv", "en"):
        section = page.locator(f"[data-language='{language}']")
        await expect(section.locator("[data-subject]")).not_to_be_empty()
        await expect(section.locator("[data-text]")).to_contain_text("Sara Samordnare")
        await expect(section.locator("[data-sms]")).not_to_be_empty()
    await check_page(page, "portal-staff-template")


async def test_a_coordinator_keeps_the_municipalitys_profile_another_cannot(
        browser: Browser, staffed: Staffed) -> None:
    """The profile that signs the municipality's messages: registration refuses an
    address that is none, beside its field; saved, it is what registration has."""
    async with phone(browser, viewport=NARROW) as page:
        await signed_in(page, staffed, "samordnare-1380")
        await page.get_by_role("link", name=re.compile("Kommunens profil")).click()
        await page.get_by_label("Kommunens namn").fill("Halmstads kommun")
        await page.get_by_label("Namn", exact=True).fill("Sara Samordnare")
        await page.get_by_label("E-postadress").fill("sara@")
        await page.get_by_label("Telefonnummer").fill("035-13 70 00")
        await page.get_by_label("Samtycke för minderåriga").select_option("both")
        for label, days in (("Dagar för arbetsplatsen att svara", "4"),
                            ("Dagar för deltagaren att svara på erbjudandet", "3"),
                            ("Dagar för vårdnadshavare att ge samtycke", "6")):
            await page.get_by_label(label).fill(days)
        await page.get_by_role("button", name="Spara").click()
        await _refused_beside(page, "coordinator_email", "Praktik godtog inte")
        await check_page(page, "portal-staff-profile-problem")
        await page.get_by_label("E-postadress").fill("sara@halmstad.se")
        await page.get_by_role("button", name="Spara").click()
        await expect(page.locator("[data-saved]")).to_be_visible()
        await check_page(page, "portal-staff-profile")
        await _signed_by_the_profile(page, staffed)
    async with httpx.AsyncClient(base_url=staffed.registration,
                                 headers=staffed.as_seed()) as client:
        kept = (await client.get("/registration/municipalities/1380/profile")).json()
        assert (kept["coordinator_email"], kept["consent_rule"], kept["consent_days"]) == (
            "sara@halmstad.se", "both", 6)
    async with phone(browser, viewport=NARROW) as page:
        await signed_in(page, staffed, "samordnare-1381")
        refused = await page.goto(f"{staffed.portal}/personal/kommuner/1380/profil")
        assert refused is not None and refused.status == 403
        other = await page.goto(f"{staffed.portal}/personal/meddelandemallar/"
                                "placement_proposal?kommun=1380")
        assert other is not None and other.status == 404
        await expect(page.locator("main")).not_to_contain_text("sara@halmstad.se")
