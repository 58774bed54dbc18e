"""Every public page in Chromium at a phone's size, in Swedish and English: it passes
axe-core (no serious or critical violation), and its form answers as a person would.
Screenshots go to .artifacts/screenshots/ (devkit.browser)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from devkit.browser import axe_check, phone, screenshot
from services.portal.domain.views import Closed, Unavailable
from services.portal.tests.fakes import token
from services.portal.tests.pages.conftest import Served
from shared.links import PURPOSES, BadLink

LANGUAGES = ("sv", "en")


async def _open(page: Page, url: str, status: int = 200) -> None:
    response = await page.goto(url)
    assert response is not None and response.status == status
    await expect(page.locator("h1")).to_have_count(1)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("purpose", PURPOSES)
async def test_every_link_page_is_accessible(browser: Browser, portal: Served, purpose: str,
                                             language: str) -> None:
    async with phone(browser) as page:
        await _open(page, f"{portal.url}/l/{token(purpose)}?lang={language}")  # type: ignore[arg-type]
        assert await page.get_attribute("html", "lang") == language
        await expect(page.locator("form")).to_have_count(1)
        await axe_check(page, f"{purpose} ({language})")
        await screenshot(page, f"portal-{purpose}-{language}")


@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_start_page_is_accessible(browser: Browser, portal: Served,
                                            language: str) -> None:
    async with phone(browser) as page:
        await _open(page, f"{portal.url}/?lang={language}")
        await axe_check(page, f"start ({language})")
        await screenshot(page, f"portal-start-{language}")


def _bad_tokens(portal: Served) -> dict[str, tuple[str, int]]:
    used, wrong, down, closed = (token("consent"), token("enrolment"), token("opt_out"),
                                 token("offer_answer"))
    matching: Any = portal.apis.matching
    matching.failures[closed] = Closed()
    registration: Any = portal.apis.registration
    registration.failures[used] = BadLink("link_used", "0380")
    training: Any = portal.apis.training
    training.failures[wrong] = BadLink("link_wrong_purpose", "0380")
    notifications: Any = portal.apis.notifications
    notifications.failures[down] = Unavailable("ConnectError")
    return {"link_invalid": (token("consent")[:-3] + "abc", 403),
            "link_expired": (token("workplace_answer", days=-1), 410),
            "link_used": (used, 409), "link_wrong_purpose": (wrong, 403),
            "closed": (closed, 409), "service_down": (down, 503)}


@pytest.mark.parametrize("language", LANGUAGES)
async def test_every_bad_link_says_so_and_whom_to_ask(browser: Browser, portal: Served,
                                                      language: str) -> None:
    async with phone(browser) as page:
        for trouble, (link, status) in _bad_tokens(portal).items():
            await _open(page, f"{portal.url}/l/{link}?lang={language}", status)
            await expect(page.locator(f"[data-trouble={trouble}]")).to_be_visible()
            await expect(page.locator(".contact")).to_contain_text(
                "praktik@uppsala.example" if trouble != "link_invalid"
                else "support@praktik.example")
            assert "Traceback" not in await page.content()
            await axe_check(page, f"bad link {trouble} ({language})")
            await screenshot(page, f"portal-bad-{trouble}-{language}")


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-javascript"])
async def test_a_guardian_refuses_consent_and_reads_what_happens_next(
        browser: Browser, portal: Served, javascript: bool) -> None:
    link = token("consent")
    async with phone(browser, java_script_enabled=javascript) as page:
        await _open(page, f"{portal.url}/l/{link}")
        await page.get_by_label("Nej, jag ger inte mitt samtycke").check()
        await page.get_by_label("Meddelande till koordinatorn").fill("Vi är bortresta.")
        if javascript:  # htmx swaps the form for the receipt: the page is not reloaded
            await page.wait_for_function("typeof htmx === 'object'")
            await page.evaluate("window.stayed = true")
        await page.get_by_role("button", name="Skicka svaret").click()
        await expect(page.locator("h1")).to_have_text("Tack för ditt svar")
        if javascript:
            assert await page.evaluate("window.stayed === true")
        await expect(page.locator("[data-outcome=consent_refused]")).to_contain_text(
            "Praktiken blir inte av")
        if javascript:  # axe runs in the page: not without JavaScript (the same HTML)
            await axe_check(page, "receipt")
        await screenshot(page, f"portal-receipt-consent-refused-{'htmx' if javascript else 'html'}")
    registration: Any = portal.apis.registration
    assert ("consent", {"granted": False, "message": "Vi är bortresta."}) in registration.answers


async def test_a_missing_answer_is_shown_beside_its_field(browser: Browser,
                                                          portal: Served) -> None:
    link = token("workplace_answer")
    async with phone(browser) as page:
        await _open(page, f"{portal.url}/l/{link}")
        await page.get_by_label("Nej, vi tackar nej").check()
        await page.get_by_role("button", name="Skicka svaret").click()
        problem = page.locator("#reason-problem")
        await expect(problem).to_have_text("Fel: Välj ett svar.")
        group = page.locator("#field-reason")
        assert "reason-problem" in (await group.get_attribute("aria-describedby") or "")
        await expect(page.get_by_label("Nej, vi tackar nej")).to_be_checked()
        await axe_check(page, "workplace answer with a problem")
        await screenshot(page, "portal-workplace_answer-problem")
        await page.get_by_label("Vi har inte plats just nu").check()
        await page.get_by_role("button", name="Skicka svaret").click()
        await expect(page.locator("[data-outcome=workplace_declined]")).to_be_visible()
    matching: Any = portal.apis.matching
    assert ("workplace_answer", {"accept": False, "reason": "no_capacity"}) in matching.answers


async def test_the_switch_turns_the_pages_to_english_and_remembers(browser: Browser,
                                                                   portal: Served) -> None:
    link = token("enrolment")
    async with phone(browser) as page:
        await _open(page, f"{portal.url}/l/{link}")
        await page.get_by_role("link", name="English").click()
        await expect(page.locator("h1")).to_have_text("Your place on the course")
        assert await page.get_attribute("html", "lang") == "en"
        await page.get_by_role("button", name="I cannot come").click()
        await expect(page.locator("[data-outcome=enrolment_cancelled]")).to_contain_text(
            "first person on the waiting list")
    training: Any = portal.apis.training
    assert ("enrolment", {"attend": False}) in training.answers


async def test_a_guardian_is_asked_about_the_childs_offer(browser: Browser,
                                                         portal: Served) -> None:
    link = token("offer_answer")
    matching: Any = portal.apis.matching
    matching.reads["offer_answer"] = {**matching.reads["offer_answer"], "you": "guardian"}
    try:
        async with phone(browser) as page:
            await _open(page, f"{portal.url}/l/{link}")
            await expect(page.locator("p.lead")).to_contain_text("Sam har fått ett erbjudande")
            await expect(page.locator(".deadline")).to_have_text(
                "Svara senast 4 mars 2027 kl. 16.00.")
            await axe_check(page, "offer (guardian)")
    finally:
        matching.reads["offer_answer"]["you"] = "participant"


async def test_an_evaluation_is_answered_with_the_keyboard(browser: Browser,
                                                           portal: Served) -> None:
    link = token("evaluation")
    async with phone(browser) as page:
        await _open(page, f"{portal.url}/l/{link}")
        await page.keyboard.press("Tab")
        await expect(page.locator(".skip")).to_be_focused()
        await page.get_by_label("4", exact=True).first.focus()
        await page.keyboard.press("Space")
        await page.locator("#usefulness-5").focus()
        await page.keyboard.press("Space")
        await page.get_by_role("button", name="Skicka svaret").focus()
        await page.keyboard.press("Enter")
        await expect(page.locator("[data-outcome=evaluation_sent]")).to_be_visible()
    training: Any = portal.apis.training
    assert ("evaluation", {"overall": 4, "usefulness": 5, "comment": None}) in training.answers
