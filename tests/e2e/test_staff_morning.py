"""A coordinator's morning (issue 20), in Chromium at 360 px with axe on every page:
registration, matching and notifications on the real broker and database, a real OIDC
provider process, e-mail through a local SMTP server.

1. She signs in through the provider.
2. She imports a class list with two bad rows (an identity number with a wrong check
   digit, an e-mail address that is none), both refused by registration's own rules in
   the preview, which registers nothing; she fixes the identity number on the page,
   registers the good rows, each with its prao request, and downloads the row still bad
   with its reason.
3. She previews the prao round (two places, three pupils), then runs it: the round makes
   the draw the preview showed, and its seed and lottery numbers are published; the
   family it leaves waiting opens its lottery number from the link in its e-mail.
4. She opens a waitlisted request's explanation from her start page.
5. The workplace's answer, given on its public page by the link in the supervisor's
   e-mail, and the guardian's consent, by theirs, arrive on the placement's page; for
   the other placement she records the workplace's yes, given by phone.
6. At the placement's end (matching's clock moved on) she records how it ended.
7. She downloads the statistics.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import jwt
import pytest
from playwright.async_api import Browser, FilePayload, Page, expect

from devkit.browser import NARROW, check_page, phone
from devkit.infra import Infra
from devkit.mail import message_text
from devkit.publisher import Publisher
from services.registration.tests import support
from shared.contracts.registry import topic_of
from shared.contracts.training import SupervisorCertified, WorkplaceOpened
from tests.e2e.staff import MovableClock, Staffed, signed_in, staff_workspace

pytestmark = pytest.mark.infra


@dataclass
class Morning:
    staffed: Staffed
    clock: MovableClock
    start: date
    end: date


@pytest.fixture(scope="module")
async def morning(infra: Infra) -> AsyncIterator[Morning]:
    """The workspace with a prao offer of two places at its workplace, which training has
    opened and whose supervisor it has certified."""
    clock = MovableClock()
    async with staff_workspace(infra, matching_clock=clock) as staffed:
        start_text, end_text = support.period(length=4)
        workplace = staffed.workplace["workplace_id"]
        async with httpx.AsyncClient(base_url=staffed.registration,
                                     headers=staffed.as_seed()) as client:
            offered = await client.post("/offers", json=support.offer_body(
                workplace_id=workplace, supervisor_id=staffed.supervisor["supervisor_id"],
                period_start=start_text, period_end=end_text, capacity=2, supports=[]))
            assert offered.status_code == 201, offered.text
        opened = WorkplaceOpened(workplace_id=UUID(workplace), municipality_code="1380")
        certified = SupervisorCertified(
            supervisor_id=UUID(staffed.supervisor["supervisor_id"]),
            workplace_id=UUID(workplace), municipality_code="1380",
            certified_at=date.today() - timedelta(days=1),
            valid_until=date.today() + timedelta(days=700))
        async with Publisher(infra.kafka_bootstrap) as publisher:
            for fact in (opened, certified):
                await publisher.send_data(topic_of(fact), fact)
        yield Morning(staffed, clock, date.fromisoformat(start_text),
                      date.fromisoformat(end_text))


def _wrong_check_digit(pin: str) -> str:
    return pin[:-1] + str((int(pin[-1]) + 1) % 10)


def _class_list(run: str, pins: list[str]) -> bytes:
    """A class list as a school's system exports it: `;` between cells, Windows' code
    page, a column the import does not read."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["Referens", "Personnummer", "Namn", "E-post", "Vårdnadshavare 1 namn",
                     "Vårdnadshavare 1 e-post", "Önskemål", "Klass"])
    for n, (name, pin) in enumerate(zip(["Alva", "Bo", "Cai", "Dana"], pins, strict=True)):
        email = "inte-en-adress" if name == "Dana" else f"{name.lower()}@example.org"
        writer.writerow([f"elev-{run}-{n}", pin, f"{name} Ek {run}", email,
                         f"Vera Ek {name}", f"vera.{name.lower()}@example.org", "5311", "8B"])
    return out.getvalue().encode("cp1252")


async def _registry(staffed: Staffed, path: str, **params: str) -> Any:
    async with httpx.AsyncClient(base_url=staffed.registration,
                                 headers=staffed.as_seed()) as client:
        return (await client.get(path, params=params)).json()


async def _import(page: Page, morning: Morning, tmp_path: Path) -> None:
    """Step 2: the class list, its preview, a fix, the good rows registered."""
    staffed, start, run = morning.staffed, morning.start, morning.staffed.run
    pins = [support.pupil(8, start) for _ in range(4)]
    good_pin = pins[2]
    pins[2] = _wrong_check_digit(good_pin)
    await page.get_by_role("link", name="Importera deltagare").click()
    await check_page(page, "portal-staff-import")
    await page.get_by_label("Program", exact=True).select_option("prao")
    await page.get_by_label("Perioden börjar").fill(start.isoformat())
    await page.get_by_label("Perioden slutar").fill(morning.end.isoformat())
    upload: FilePayload = {"name": "klass-8b.csv", "mimeType": "text/csv",
                           "buffer": _class_list(run, pins)}
    await page.get_by_label("Fil", exact=True).set_input_files(files=[upload])
    await page.get_by_role("button", name="Förhandsgranska").click()

    counts = page.locator("[data-counts]")
    await expect(counts).to_contain_text("inget är registrerat: 2 rader kan registreras, "
                                         "2 har fel")
    await expect(page.get_by_text("Kolumner som inte läses:")).to_contain_text("Klass")
    await expect(page.locator("#c4-pin-problem")).to_contain_text("godtog inte")
    await expect(page.locator("#c5-email-problem")).to_contain_text("godtog inte")
    await check_page(page, "portal-staff-import-preview")
    found = await _registry(staffed, "/participants", external_ref=f"elev-{run}-0")
    assert found["items"] == []  # a preview registers no one

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

    fixed = (await _registry(staffed, "/participants", external_ref=f"elev-{run}-2"))["items"]
    assert [p["name"] for p in fixed] == [f"Cai Ek {run}"]
    asked = (await _registry(staffed, "/requests",
                             participant_id=fixed[0]["participant_id"]))["items"]
    assert [(r["program"], r["period_start"]) for r in asked] == [("prao", start.isoformat())]
    assert (await _registry(staffed, "/participants", external_ref=f"elev-{run}-3")
            )["items"] == []


async def _matching_knows_the_requests(staffed: Staffed, count: int) -> None:
    async with httpx.AsyncClient(base_url=staffed.matching,
                                 headers=staffed.as_seed()) as client:
        for _ in range(300):
            found = (await client.get("/matching/requests", params={
                "municipality_code": "1380"})).json()
            if sum(1 for r in found if r["program"] == "prao") >= count:
                return
            await asyncio.sleep(0.1)
    raise AssertionError("matching did not learn of the imported requests")


async def _round(page: Page, morning: Morning) -> str:
    """Step 3: the preview, then the run; the published draw. Answers the round's id."""
    await _matching_knows_the_requests(morning.staffed, 3)
    await page.get_by_role("link", name="Omgångar").click()
    await page.get_by_label("Program", exact=True).select_option("prao")
    await page.get_by_role("button", name="Förhandsgranska").click()
    preview = page.locator("[data-preview]")
    await expect(preview).to_contain_text("3 förfrågningar, 2 skulle få förslag på plats, "
                                          "1 skulle vänta")
    seed = await page.locator("[data-seed]").inner_text()
    await expect(page.locator("[data-draw]")).to_have_count(3)
    await check_page(page, "portal-staff-round-preview")
    await page.get_by_role("button", name="Förhandsgranska").click()  # again: the same draw
    await expect(page.locator("[data-seed]")).to_have_text(seed)
    assert (await _rounds_run(morning.staffed)) == []

    await page.get_by_role("button", name="Kör omgången").click()
    await page.wait_for_url("**/omgang/**")
    await expect(page.locator("[data-seed]")).to_have_text(seed)
    await expect(page.locator("[data-draw]")).to_have_count(3)
    await check_page(page, "portal-round-draw")
    round_id = page.url.rsplit("/", 1)[1]
    [ran] = await _rounds_run(morning.staffed)
    assert ran["round_id"] == round_id and str(ran["seed"]) == seed
    first = await page.locator("[data-draw]").first.get_attribute("data-draw")
    await page.goto(f"{page.url}?forfragan={first}")
    await expect(page.locator("[data-asked]")).to_contain_text("fick lottnummer 0 av 3")
    return round_id


async def _draw_link(staffed: Staffed, round_id: str) -> str:
    """The link to the round's draw in the e-mail to the family the round left waiting."""
    for _ in range(300):
        for entry in staffed.mail.messages():
            text = message_text(staffed.mail.read(entry))
            found = re.search(rf"http\S+/omgang/{round_id}\?forfragan=[0-9a-f-]+", text)
            if found:
                return found.group(0)
        await asyncio.sleep(0.1)
    raise AssertionError("no message links to the round's draw")


async def _rounds_run(staffed: Staffed) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=staffed.matching,
                                 headers=staffed.as_seed()) as client:
        found: list[dict[str, Any]] = (await client.get("/matching/rounds", params={
            "municipality_code": "1380"})).json()
        return found


async def _prao_placements(staffed: Staffed) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=staffed.matching,
                                 headers=staffed.as_seed()) as client:
        found = (await client.get("/matching/placements", params={
            "municipality_code": "1380"})).json()
    return [p for p in found if p.get("program") == "prao"]


async def _link_to(staffed: Staffed, address: str, purpose: str,
                   subject: str | None = None) -> str:
    """The portal link of `purpose` (about `subject`) in an e-mail to `address`, once it
    has come (the token's claims read unverified: the portal checks them)."""
    for _ in range(300):
        for entry in staffed.mail.messages():
            for token in staffed.mail.links(entry) if address in entry["rcpt_tos"] else []:
                claims = jwt.decode(token, options={"verify_signature": False})
                if claims["act"] == purpose and subject in (None, claims["sub"]):
                    return f"{staffed.portal}/l/{token}"
        await asyncio.sleep(0.1)
    raise AssertionError(f"no {purpose} link to {address}")


async def _answered_by_link(browser: Browser, link: str, choice: str, name: str) -> None:
    """Someone opens the link in their message on their own phone and answers yes."""
    async with phone(browser, viewport=NARROW) as page:
        await page.goto(link)
        await check_page(page, name)
        await page.locator(f"#{choice}").check()
        await page.get_by_role("button", name="Skicka svaret").click()
        await expect(page.locator("h1")).not_to_have_text("")


async def _on_placement_page(page: Page, selector: str, text: str) -> None:
    for _ in range(100):
        if await page.locator(selector).filter(has_text=text).count():
            return
        await page.wait_for_timeout(200)
        await page.reload()
    await expect(page.locator(selector)).to_contain_text(text)


async def test_a_coordinators_morning(browser: Browser, morning: Morning,
                                      tmp_path: Path) -> None:
    staffed = morning.staffed
    async with phone(browser, viewport=NARROW) as page:
        await signed_in(page, staffed, "samordnare-1380")  # 1
        await _import(page, morning, tmp_path)  # 2
        round_id = await _round(page, morning)  # 3
        async with phone(browser, viewport=NARROW) as family:  # the waiting family checks
            await family.goto(await _draw_link(staffed, round_id))
            await expect(family.locator("[data-asked]")).to_contain_text("Er förfrågan fick "
                                                                        "lottnummer")

        await page.goto(f"{staffed.portal}/personal")  # 4
        waiting = page.locator("[data-attention='ask_for_offers'] a")
        await expect(waiting).to_have_count(1)
        await waiting.first.click()
        await expect(page.locator("[data-reason='no_capacity']").first).to_be_visible()
        await check_page(page, "portal-staff-round-waiting")

        by_link, by_phone = await _prao_placements(staffed)  # 5
        ident = by_link["placement_id"]
        pupil = next(p for p in (await _registry(staffed, "/participants", limit="200")
                                 )["items"] if p["participant_id"] == by_link["participant_id"])
        guardian = f"vera.{pupil['name'].split()[0].lower()}@example.org"
        await _answered_by_link(browser, await _link_to(
            staffed, "hugo@example.org", "workplace_answer", ident), "answer-accept",
            "portal-workplace-answer-morning")
        await _answered_by_link(browser, await _link_to(staffed, guardian, "consent"),
                                "consent-yes", "portal-consent-morning")
        await page.goto(f"{staffed.portal}/personal/placeringar/{ident}")
        await _on_placement_page(page, "[data-answer='workplace']", "Ja")
        await _on_placement_page(page, "[data-status]", "Bekräftad")
        await check_page(page, "portal-staff-placement-confirmed")
        # The other workplace said yes by phone: the coordinator records it.
        await page.goto(f"{staffed.portal}/personal/placeringar/{by_phone['placement_id']}")
        await page.get_by_label("Vem sa ja").select_option("workplace")
        await page.get_by_role("button", name="Registrera ja").click()
        await expect(page.locator("[data-done]")).to_have_attribute("data-done", "acceptance")
        await expect(page.locator("[data-answer='workplace']")).to_contain_text("Ja")
        await check_page(page, "portal-staff-placement-accepted-by-phone")
        await page.goto(f"{staffed.portal}/personal/placeringar/{ident}")

        morning.clock.ahead = morning.end - date.today() + timedelta(days=1)  # 6
        await page.reload()
        await page.get_by_label("Utfall", exact=True).select_option("studies")
        await page.get_by_role("button", name="Registrera utfallet").click()
        await expect(page.locator("[data-outcome='studies']")).to_be_visible()

        await page.get_by_role("link", name="Statistik").click()  # 7
        async with page.expect_download() as caught:
            await page.get_by_role("link", name="Ladda ner som CSV").click()
        saved = tmp_path / "statistik.csv"
        await (await caught.value).save_as(saved)
    rows = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8-sig"))))
    prao = [row for row in rows if "prao" in row.values()]
    assert prao, rows
