"""The public pages as a person meets them in Chromium, for the end-to-end test: open the
link from a message, check the page with axe, keep a screenshot, answer the form."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from playwright.async_api import Page, Response, expect

from devkit.browser import axe_check, screenshot

MONTHS = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
          "september", "oktober", "november", "december")


def swedish_day(value: date) -> str:
    """"14 juni": how the pages write a day (the year may follow)."""
    return f"{value.day} {MONTHS[value.month - 1]}"


@dataclass
class Visits:
    """The pages seen, each checked with axe and kept as a screenshot."""

    seen: list[str] = field(default_factory=list)

    async def open(self, page: Page, url: str, name: str, status: int = 200) -> Response:
        response = await page.goto(url)
        assert response is not None, f"{name}: no response"
        assert response.status == status, f"{name}: {response.status}, expected {status}"
        await expect(page.locator("h1")).to_have_count(1)
        assert "Traceback" not in await page.content()
        await self.check(page, name)
        return response

    async def check(self, page: Page, name: str) -> None:
        await axe_check(page, name)
        await screenshot(page, f"e2e-{name}")
        self.seen.append(name)


async def answer(page: Page, visits: Visits, name: str, choices: list[str],
                 texts: dict[str, str] | None = None) -> str:
    """Tick the radio buttons (`id`s), write the texts, send; the receipt's outcome."""
    for choice in choices:
        await page.check(f"#{choice}")
    for field_id, text in (texts or {}).items():
        await page.fill(f"#{field_id}", text)
    await page.click("button[type=submit]")
    outcome = page.locator(".receipt .outcome")
    await expect(outcome).to_be_visible()
    await visits.check(page, f"{name}-receipt")
    return str(await outcome.get_attribute("data-outcome"))


async def fact(page: Page, label: str) -> str:
    """The text of the fact the page lists under `label` (`<dt>`), "" when absent."""
    term = page.locator("section.facts dt", has_text=label)
    if await term.count() == 0:
        return ""
    return str(await term.first.locator("xpath=following-sibling::dd[1]").inner_text())
