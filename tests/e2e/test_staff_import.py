"""A coordinator imports a class list (issue 20): registration on the real broker and
database, a real OIDC provider process, Chromium at 360 px with axe on every page.

The list has two bad rows: an identity number with a wrong check digit and an e-mail
address that is none, both refused by registration's own rules in the preview, which
registers nothing. The coordinator fixes the identity number on the page, checks again,
and registers the good rows, each with its prao request; the row still bad is
downloaded with its reason, and nothing of it is registered."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, expect

from devkit.browser import NARROW, check_page, phone
from devkit.infra import Infra
from services.registration.tests import support
from tests.e2e.staff import Staffed, signed_in, staff_workspace

pytestmark = pytest.mark.infra


@pytest.fixture(scope="module")
async def staffed(infra: Infra) -> AsyncIterator[Staffed]:
    async with staff_workspace(infra) as workspace:
        yield workspace


def _wrong_check_digit(pin: str) -> str:
    return pin[:-1] + str((int(pin[-1]) + 1) % 10)


def _class_list(run: str, pins: list[str]) -> bytes:
    """A class list as a school's system exports it: `;` between cells, Windows' code
    page, a column the import does not read."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["Referens", "Personnummer", "Namn", "E-post", "Vårdnadshavare 1 namn",
                     "Vårdnadshavare 1 e-post", "Önskemål", "Klass"])
    names = ["Alva", "Bo", "Cai", "Dana"]
    for n, (name, pin) in enumerate(zip(names, pins, strict=True)):
        email = "inte-en-adress" if name == "Dana" else f"{name.lower()}@example.org"
        writer.writerow([f"elev-{run}-{n}", pin, f"{name} Ek {run}", email, "Vera Ek",
                         "vera@example.org", "5311", "8B"])
    return out.getvalue().encode("cp1252")


async def _registered(staffed: Staffed, ref: str) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=staffed.registration,
                                 headers=staffed.as_seed()) as client:
        found = (await client.get("/participants", params={"external_ref": ref})).json()
        items: list[dict[str, Any]] = found["items"]
        return items


async def test_a_class_list_with_two_bad_rows_one_fixed_on_the_page(
        browser: Browser, staffed: Staffed, tmp_path: Path) -> None:
    start = date.fromisoformat(support.period()[0])
    pins = [support.pupil(8, start) for _ in range(4)]
    good_pin = pins[2]
    pins[2] = _wrong_check_digit(good_pin)
    run = staffed.run
    async with phone(browser, viewport=NARROW) as page:
        await signed_in(page, staffed, "samordnare-1380")
        await page.get_by_role("link", name="Importera deltagare").click()
        await check_page(page, "portal-staff-import")
        await page.get_by_label("Program", exact=True).select_option("prao")
        await page.get_by_label("Perioden börjar").fill(start.isoformat())
        await page.get_by_label("Perioden slutar").fill(
            (start + timedelta(days=4)).isoformat())
        await page.get_by_label("Fil", exact=True).set_input_files(files=[{
            "name": "klass-8b.csv", "mimeType": "text/csv",
            "buffer": _class_list(run, pins)}])
        await page.get_by_role("button", name="Förhandsgranska").click()

        counts = page.locator("[data-counts]")
        await expect(counts).to_contain_text("inget är registrerat: 2 rader kan registreras, "
                                             "2 har fel")
        await expect(page.get_by_text("Kolumner som inte läses:")).to_contain_text("Klass")
        await expect(page.locator("#c4-pin-problem")).to_contain_text("godtog inte")
        await expect(page.locator("#c5-email-problem")).to_contain_text("godtog inte")
        await check_page(page, "portal-staff-import-preview")
        assert await _registered(staffed, f"elev-{run}-0") == []  # a preview registers none

        await page.locator("#c4-pin").fill(good_pin)
        await page.get_by_role("button", name="Granska igen").click()
        await expect(counts).to_contain_text("3 rader kan registreras, 1 har fel")
        await page.get_by_role("button", name="Registrera 3 rader").click()
        await expect(counts).to_contain_text("3 rader är registrerade. 1 har fel")
        await check_page(page, "portal-staff-import-done")

        async with page.expect_download() as caught:
            await page.get_by_role("button", name="Ladda ned raderna med fel").click()
        saved = tmp_path / "fel.csv"
        await (await caught.value).save_as(saved)
    lines = list(csv.reader(io.StringIO(saved.read_text(encoding="utf-8-sig"))))
    assert len(lines) == 2 and lines[1][0] == f"elev-{run}-3"
    assert lines[1][-1].startswith("E-post: Praktik godtog inte det här. (")

    fixed = await _registered(staffed, f"elev-{run}-2")
    assert [p["name"] for p in fixed] == [f"Cai Ek {run}"]
    assert await _registered(staffed, f"elev-{run}-3") == []
    async with httpx.AsyncClient(base_url=staffed.registration,
                                 headers=staffed.as_seed()) as client:
        asked = (await client.get("/requests", params={
            "participant_id": fixed[0]["participant_id"]})).json()["items"]
    assert [(r["program"], r["period_start"]) for r in asked] == [
        ("prao", start.isoformat())]
