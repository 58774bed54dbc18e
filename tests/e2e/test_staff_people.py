"""Staff find people through the portal, as themselves (issue 20: people, access, the
access log): registration on the real broker and database, the portal, a real OIDC
provider process, Chromium at 360 px with axe on every page.

A coordinator of 1380 searches and opens a participant's record; a coordinator of 1381
finds only Laholm's and is refused Halmstad's record; the auditor reads, in the access
log, who opened it and why; a coordinator cannot read the log, and a training
administrator reads no one's record.
"""

from __future__ import annotations

import importlib
import pkgutil
import random
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute
from playwright.async_api import Browser, Page, expect

from devkit.browser import NARROW, check_page, chromium, phone
from devkit.identity import identity_provider, sign_in_as
from devkit.infra import Infra
from devkit.ports import free_port
from devkit.services import running, service_settings, serving
from services.portal import entrypoints
from services.portal.bootstrap import build as build_portal
from services.portal.settings import PortalSettings
from services.registration.bootstrap import build as build_registration
from services.registration.settings import RegistrationSettings
from services.registration.tests.pins import pin
from shared.auth import issue_token

pytestmark = pytest.mark.infra

SECRET = "staff-people-e2e-jwt-secret-0123456789abcdef"
SIGN_IN_FLOW = frozenset({"/personal/logga-in", "/personal/logga-in/start",
                          "/personal/inloggad", "/personal/utloggad"})
"""Pages of signing in and out: they show no one's data."""
HALMSTAD, LAHOLM = "1380", "1381"


@dataclass
class Staffed:
    portal: str
    registration: str
    run: str
    asa: dict[str, Any]
    routes: list[str]
    """The portal's GET pages under /personal (from its app: a new page is walked too)."""


async def _request(client: httpx.AsyncClient, person: dict[str, Any]) -> None:
    token = issue_token(SECRET, "seed", "coordinator", [person["municipality_code"]])
    start = date.today() + timedelta(days=60)
    made = await client.post("/requests", headers={"Authorization": f"Bearer {token}"},
                             json={"municipality_code": person["municipality_code"],
                                   "participant_id": person["participant_id"],
                                   "external_ref": f"req-{uuid.uuid4().hex[:10]}",
                                   "program": "work_trial", "period_start": start.isoformat(),
                                   "period_end": (start + timedelta(days=11)).isoformat(),
                                   "preferences": [{"occupation": "5311"}], "needs": [],
                                   "priority": 1})
    assert made.status_code == 201, made.text


def _staff_pages() -> list[str]:
    """Every GET page under /personal of every router in the portal's entrypoints."""
    found = []
    for module in pkgutil.iter_modules(entrypoints.__path__):
        router = getattr(importlib.import_module(f"{entrypoints.__name__}.{module.name}"),
                         "router", None)
        found += [r.path for r in getattr(router, "routes", ()) if isinstance(r, APIRoute)
                  and "GET" in (r.methods or ()) and r.path.startswith("/personal")
                  and r.path not in SIGN_IN_FLOW]
    return sorted(found)


async def _register(client: httpx.AsyncClient, municipality: str, name: str) -> dict[str, Any]:
    token = issue_token(SECRET, "seed", "coordinator", [municipality])
    born = date(1907, random.randint(1, 12), random.randint(1, 28))
    made = await client.post("/participants", headers={"Authorization": f"Bearer {token}"},
                             json={"municipality_code": municipality, "name": name,
                                   "external_ref": f"ref-{uuid.uuid4().hex[:10]}",
                                   "personal_identity_number": pin(born, random.randint(0, 979)),
                                   "gender": "female", "preferred_language": "sv",
                                   "needs": ["language_support"], "guardians": []})
    assert made.status_code == 201, made.text
    person: dict[str, Any] = made.json()
    return person


@pytest.fixture(scope="module")
async def staffed(infra: Infra) -> AsyncIterator[Staffed]:
    run = uuid.uuid4().hex[:8]
    settings = RegistrationSettings(**service_settings(infra, "registration",
                                                       auth_jwt_secret=SECRET))
    port = free_port()
    with identity_provider() as issuer:
        async with (running(infra, lambda: build_registration(settings)) as registration,
                    serving(registration.http_app()) as registration_url,
                    serving(build_portal(PortalSettings(
                        development=True, log_json=False, oidc_issuer=issuer,
                        public_url=f"http://127.0.0.1:{port}", auth_jwt_secret=SECRET,
                        registration_url=registration_url)).app, port=port) as portal_url,
                    httpx.AsyncClient(base_url=registration_url) as client):
            asa = await _register(client, HALMSTAD, f"Åsa Öberg {run}")
            await _request(client, asa)
            await _register(client, LAHOLM, f"Åsa Lind {run}")
            yield Staffed(portal_url, registration_url, run, asa, _staff_pages())


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as launched:
        yield launched


async def _signed_in(page: Page, staffed: Staffed, subject: str) -> None:
    await sign_in_as(page, staffed.portal, subject)
    assert page.url == f"{staffed.portal}/personal"


async def test_staff_find_people_as_themselves_and_the_auditor_sees_who_read_whom(
        browser: Browser, staffed: Staffed) -> None:
    asa_id = staffed.asa["participant_id"]
    async with phone(browser, viewport=NARROW) as page:
        await _signed_in(page, staffed, "samordnare-1380")
        await page.get_by_role("link", name="Sök deltagare").click()
        await page.get_by_label("Födelsedatum").fill("31 maj")
        await page.get_by_role("button", name="Sök").click()
        await expect(page.locator("#birth_date-problem")).to_contain_text("ÅÅÅÅ-MM-DD")
        await expect(page.locator("#birth_date")).to_have_attribute("aria-invalid", "true")
        await check_page(page, "portal-staff-search-problem")

        await page.get_by_label("Födelsedatum").fill("")
        await page.get_by_label("Namn").fill(f"åsa {staffed.run}")
        await page.get_by_role("button", name="Sök").click()
        await expect(page.locator("[data-participant]")).to_have_count(1)  # not Laholm's
        await check_page(page, "portal-staff-search-results")
        await page.get_by_role("link", name=f"Åsa Öberg {staffed.run}").click()
        await expect(page.locator("h1")).to_have_text(f"Åsa Öberg {staffed.run}")
        await expect(page.locator("[data-logged]")).to_have_attribute(
            "data-logged", "case_handling")
        await expect(page.locator("#requests + .table-wrap tbody tr")).to_contain_text(
            "arbetsträning")
        await check_page(page, "portal-staff-person")
        log = await page.goto(f"{staffed.portal}/personal/atkomstlogg")
        assert log is not None and log.status == 403  # a coordinator reads no log

    async with phone(browser, viewport=NARROW) as page:
        await _signed_in(page, staffed, "samordnare-1381")
        refused = await page.goto(f"{staffed.portal}/personal/deltagare/{asa_id}")
        assert refused is not None and refused.status == 403
        await expect(page.locator("[data-trouble]")).to_have_attribute("data-trouble",
                                                                      "forbidden")
        await expect(page.locator("main")).not_to_contain_text("Öberg")
        await check_page(page, "portal-staff-forbidden")
        await page.goto(f"{staffed.portal}/personal/deltagare?namn={staffed.run}")
        await expect(page.locator("[data-participant]")).to_have_count(1)
        await expect(page.locator("main")).not_to_contain_text("Öberg")

    async with phone(browser, viewport=NARROW) as page:
        await _signed_in(page, staffed, "granskare-halland")
        await page.get_by_role("link", name="Åtkomstlogg").click()
        await page.get_by_label("Deltagarens id (tomt: alla)").fill(asa_id)
        await page.get_by_role("button", name="Visa").click()
        rows = page.locator("tbody tr")
        await expect(rows).to_have_count(1)  # 1381's refused read read nothing
        await expect(rows.first).to_have_attribute("data-reader", "samordnare-1380")
        await expect(rows.first).to_contain_text("handläggning")
        await check_page(page, "portal-staff-access-log")

    async with phone(browser, viewport=NARROW) as page:
        await _signed_in(page, staffed, "utbildning-halland")
        answer = await page.goto(f"{staffed.portal}/personal/deltagare?namn=Åsa")
        assert answer is not None and answer.status == 403


async def test_a_record_that_is_not_there_is_not_found(browser: Browser,
                                                       staffed: Staffed) -> None:
    async with phone(browser, viewport=NARROW) as page:
        await _signed_in(page, staffed, "samordnare-1380")
        for missing in (str(uuid.uuid4()), "not-an-id"):
            answer = await page.goto(f"{staffed.portal}/personal/deltagare/{missing}")
            assert answer is not None and answer.status == 404
        answer = await page.goto(f"{staffed.portal}/personal/deltagare/{uuid.uuid4()}"
                                 "?syfte=curiosity")
        assert answer is not None and answer.status == 404


async def test_every_staff_page_shows_another_municipality_nothing_of_1380s(
        browser: Browser, staffed: Staffed) -> None:
    """Each page, its ids and its query filled with 1380's participant, as 1381's
    coordinator: a 200 (their own, empty), 403 or 404, and never the name or reference
    (but in the search form's own fields, which show back what was typed)."""
    asa = staffed.asa
    query = {"namn": asa["name"], "fodd": asa["birth_date"], "ref": asa["external_ref"],
             "deltagare": asa["participant_id"], "syfte": "case_handling"}
    assert len(staffed.routes) >= 4, staffed.routes
    async with phone(browser, viewport=NARROW) as page:
        await _signed_in(page, staffed, "samordnare-1381")
        for route in staffed.routes:
            path = route.replace("{participant_id}", asa["participant_id"])
            assert "{" not in path, f"{route}: a path parameter the walk cannot fill"
            answer = await page.request.get(f"{staffed.portal}{path}", params=query)
            text = re.sub(r'value="[^"]*"', "", await answer.text())  # the form's echo
            assert answer.status in (200, 403, 404), (route, answer.status)
            assert asa["name"] not in text and asa["external_ref"] not in text, route
