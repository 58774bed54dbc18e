"""A coordinator works a placement through the portal (issue 20: placements by status):
registration, matching and notifications on the real broker and database, a real OIDC provider
process, Chromium at 360 px with axe on every page.

Training's facts (the workplace opened, its supervisor certified) go on the bus as
training would send them; matching then proposes 1380's participant a place, and the
offer to the participant, who has no address, reaches no one: the start page says so.
The coordinator finds the placement among the proposed, sees the proposal notifications sent the
supervisor and that it went out, gives the workplace more time, is shown why a
cancellation without a reason is refused, then cancels it for the workplace; the
participant's page lists the messages too. Another municipality's coordinator sees and
changes nothing of it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest
from playwright.async_api import Browser, expect

from devkit.browser import NARROW, check_page, phone
from devkit.infra import Infra
from devkit.publisher import Publisher
from shared.contracts.registry import topic_of
from shared.contracts.training import SupervisorCertified, WorkplaceOpened
from tests.e2e.staff import Staffed, signed_in, staff_workspace

pytestmark = pytest.mark.infra


async def _placement_of(staffed: Staffed) -> dict[str, Any]:
    """Matching's proposal for 1380's participant, once it has made it."""
    async with httpx.AsyncClient(base_url=staffed.matching,
                                 headers=staffed.as_seed()) as client:
        for _ in range(300):
            found = (await client.get("/matching/placements", params={
                "municipality_code": "1380"})).json()
            mine = [p for p in found if p["request_id"] == staffed.request["request_id"]]
            if mine:
                placement: dict[str, Any] = mine[0]
                return placement
            await asyncio.sleep(0.1)
    raise AssertionError("matching proposed no placement")


@pytest.fixture(scope="module")
async def staffed(infra: Infra) -> AsyncIterator[tuple[Staffed, dict[str, Any]]]:
    async with staff_workspace(infra) as workspace:
        workplace = UUID(workspace.workplace["workplace_id"])
        opened = WorkplaceOpened(workplace_id=workplace, municipality_code="1380")
        certified = SupervisorCertified(
            supervisor_id=UUID(workspace.supervisor["supervisor_id"]), workplace_id=workplace,
            municipality_code="1380", certified_at=date.today() - timedelta(days=1),
            valid_until=date.today() + timedelta(days=700))
        async with Publisher(infra.kafka_bootstrap) as publisher:
            for fact in (opened, certified):
                await publisher.send_data(topic_of(fact), fact)
        yield workspace, await _placement_of(workspace)


async def test_a_coordinator_gives_more_time_then_cancels_for_the_workplace(
        browser: Browser, staffed: tuple[Staffed, dict[str, Any]]) -> None:
    workspace, placement = staffed
    ident = placement["placement_id"]
    later = datetime.fromisoformat(placement["deadlines"]["workplace"]) + timedelta(days=3)
    async with phone(browser, viewport=NARROW) as page:
        await signed_in(page, workspace, "samordnare-1380")
        lost = page.locator(f"[data-attention='undelivered'] a[href='/personal/placeringar/"
                            f"{ident}']")
        for _ in range(100):  # the participant has no address: the offer reached no one
            if await lost.count():
                break
            await page.wait_for_timeout(200)
            await page.reload()
        await expect(lost.first).to_have_text("Erbjudande om plats")
        await page.get_by_role("link", name="Placeringar").click()
        await page.get_by_label("Läge").select_option("proposed")
        await page.get_by_role("button", name="Visa").click()
        await expect(page.locator(f"[data-placement='{ident}']")).to_contain_text(
            workspace.workplace["name"])
        await check_page(page, "portal-staff-placements")
        await page.get_by_role("link", name=workspace.workplace["name"]).click()
        await expect(page.locator("dd[data-status]")).to_have_attribute("data-status",
                                                                         "proposed")
        proposal = page.locator("[data-message='placement_proposal']").first
        for _ in range(100):  # notifications sends the proposal to the supervisor
            if await proposal.count() and await proposal.get_attribute(
                    "data-delivery") == "sent":
                break
            await page.wait_for_timeout(200)
            await page.reload()
        await expect(proposal).to_contain_text("handledaren, e-post")
        await expect(proposal).to_contain_text("Skickat")
        await check_page(page, "portal-staff-placement")

        await page.get_by_label("Vem får mer tid").select_option("workplace")
        await page.get_by_label("Ny sista dag").fill(later.date().isoformat())
        await page.get_by_role("button", name="Ge mer tid").click()
        await expect(page.locator("[data-done]")).to_have_attribute("data-done", "deadline")
        await page.get_by_role("link", name="Deltagarens uppgifter (läsningen loggas)").click()
        await expect(page.locator("[data-message='placement_proposal']").first).to_contain_text(
            "arbetsträning")  # the participant's page: each placement's messages
        await check_page(page, "portal-staff-person-messages")
        await page.go_back()

        await page.locator("#decline-by").select_option("workplace")
        await page.get_by_role("button", name="Avbryt placeringen").click()
        await expect(page.locator("#decline-reason-problem")).to_contain_text("Fyll i")
        await check_page(page, "portal-staff-placement-problem")
        await page.locator("#decline-reason").fill("Chefen ringde: ingen handledare i mars")
        await page.get_by_role("button", name="Avbryt placeringen").click()
        await expect(page.locator("[data-done]")).to_have_attribute("data-done", "decline")
        await expect(page.locator("dd[data-status]")).to_have_attribute("data-status",
                                                                         "declined")
    async with httpx.AsyncClient(base_url=workspace.matching,
                                 headers=workspace.as_seed()) as client:
        now = (await client.get(f"/matching/placements/{ident}")).json()
        assert (now["status"], now["declined_by"]) == ("declined", "workplace")


async def test_another_municipality_sees_and_changes_nothing_of_the_placement(
        browser: Browser, staffed: tuple[Staffed, dict[str, Any]]) -> None:
    workspace, placement = staffed
    ident = placement["placement_id"]
    async with phone(browser, viewport=NARROW) as page:
        await signed_in(page, workspace, "samordnare-1381")
        csrf = await page.locator("input[name=csrf_token]").first.get_attribute("value")
        shown = await page.goto(f"{workspace.portal}/personal/placeringar/{ident}")
        assert shown is not None and shown.status == 403
        listed = await page.request.get(f"{workspace.portal}/personal/placeringar",
                                        params={"kommun": "1380"})
        assert listed.status == 404 and ident not in await listed.text()
        for action, form in (("frist", {"awaiting": "workplace", "deadline_date": "2030-01-01"}),
                             ("avbryt", {"by": "workplace", "reason": "Kapad"}),
                             ("utfall", {"outcome": "employed"}),
                             ("uppfoljning", {"outcome": "employed"})):
            answer = await page.request.post(
                f"{workspace.portal}/personal/placeringar/{ident}/{action}",
                form={**form, "csrf_token": csrf or ""}, max_redirects=0)
            assert answer.status == 403, action
            assert workspace.workplace["name"] not in await answer.text()
