"""A real browser for page tests: Debian's Chromium driven by Playwright (async API),
axe-core checks and screenshots.

Chromium is the system's (`/usr/bin/chromium`; `.ci/run` installs it with apt where it is
missing); `playwright install` is never needed. Screenshots go to `.artifacts/screenshots/`
(git-ignored; `PRAKTIK_SCREENSHOTS` moves them).

    async with chromium() as browser, phone(browser) as page:
        await page.goto(url)
        await axe_check(page)
        await screenshot(page, "consent-sv")
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, Page, ViewportSize, async_playwright

from devkit.infra import REPO

CHROMIUM = "/usr/bin/chromium"
ARGS = ("--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run")
PHONE: ViewportSize = {"width": 390, "height": 844}
"""A phone's viewport (guardians open links on phones)."""
NARROW: ViewportSize = {"width": 360, "height": 740}
"""The narrowest phone a page must work on without sideways scrolling."""
SCREENSHOTS = Path(os.environ.get("PRAKTIK_SCREENSHOTS", REPO / ".artifacts" / "screenshots"))
BLOCKING = ("serious", "critical")
AXE_OPTIONS: dict[str, Any] = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa",
                                          "best-practice"]},
    "resultTypes": ["violations"],
}
"""WCAG 2.1 A and AA, and axe's best practices (landmarks, one h1...)."""


@asynccontextmanager
async def chromium(**launch: Any) -> AsyncIterator[Browser]:
    """Headless Chromium from the system; `launch` adds Playwright launch options."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=list(ARGS), **launch)
        try:
            yield browser
        finally:
            await browser.close()


@asynccontextmanager
async def phone(browser: Browser, *, locale: str = "sv-SE", viewport: ViewportSize = PHONE,
                **context: Any) -> AsyncIterator[Page]:
    """A fresh page (its own cookies) at a phone's size, touch on."""
    session = await browser.new_context(viewport=viewport, device_scale_factor=2,
                                        is_mobile=True, has_touch=True, locale=locale,
                                        **context)
    try:
        yield await session.new_page()
    finally:
        await session.close()


def describe(violations: list[dict[str, Any]]) -> str:
    """axe's violations as lines a person can act on."""
    lines = []
    for violation in violations:
        targets = [", ".join(node.get("target", [])) for node in violation.get("nodes", [])]
        lines.append(f"- [{violation.get('impact')}] {violation.get('id')}: "
                     f"{violation.get('help')} ({violation.get('helpUrl')})\n"
                     f"    at {'; '.join(targets[:5])}")
    return "\n".join(lines)


async def axe_check(page: Page, name: str | None = None) -> list[dict[str, Any]]:
    """Run axe-core on the page as it is now; fail (AssertionError) on a serious or
    critical violation, naming each rule, its help and where. Returns the others."""
    results = await Axe().run(page, options=AXE_OPTIONS)
    violations: list[dict[str, Any]] = results.response.get("violations", [])
    blocking = [v for v in violations if v.get("impact") in BLOCKING]
    if blocking:
        where = name or page.url.split("/l/")[0]  # never a link's token in a message
        raise AssertionError(f"axe: {len(blocking)} serious or critical violation(s) on "
                             f"{where}:\n{describe(blocking)}")
    return [v for v in violations if v not in blocking]


async def check_page(page: Page, name: str) -> None:
    """The page as it is now: axe (`axe_check`), no sideways scrolling (`fits_width`),
    and its screenshot under `name`."""
    await axe_check(page, name)
    await fits_width(page)
    await screenshot(page, name)


async def screenshot(page: Page, name: str) -> Path:
    """The whole page as `<SCREENSHOTS>/<name>.png`; returns the path."""
    await asyncio.to_thread(SCREENSHOTS.mkdir, parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path


async def fits_width(page: Page) -> None:
    """Fail (AssertionError) when the page scrolls sideways at its viewport's width."""
    scroll, width = await page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= width, f"{page.url.split('?')[0]} is {scroll} px wide at {width} px"
