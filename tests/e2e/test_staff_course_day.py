"""A training administrator's course day (issue 20), in Chromium at 360 px with axe on
every page: registration, matching, training and notifications on the real broker and
database, a real OIDC provider process, e-mail through a local SMTP server.

1. She signs in through the provider as the county's training administrator.
2. She schedules tomorrow's base course; the form shows what is missing beside its field
   first.
3. She invites the workplace's uncertified supervisor, who was invited to the base course
   in six weeks already; his invitation to tomorrow's comes by e-mail. He answers her, and
   she enrols him, vegetarian: his confirmation comes by e-mail, and the catering counts
   his lunch and his diet.
4. On the day (training's clock moved on to it) she marks him present on her phone: his
   certificate appears on the session's page, and registration learns he is certified.
5. She records the session's costs, and the year's budget moves by them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import jwt
import pytest
from playwright.async_api import Browser, Page, expect

from devkit.browser import NARROW, check_page, phone
from devkit.infra import Infra
from devkit.wait import eventually
from shared.auth import issue_token
from shared.clock import local_date
from tests.e2e.staff import HALMSTAD, SECRET, MovableClock, Staffed, signed_in, staff_workspace

pytestmark = pytest.mark.infra
STOCKHOLM = ZoneInfo("Europe/Stockholm")


@dataclass
class CourseDay:
    staffed: Staffed
    clock: MovableClock


@pytest.fixture(scope="module")
async def course_day(infra: Infra) -> AsyncIterator[CourseDay]:
    clock = MovableClock()
    async with staff_workspace(infra, training_clock=clock) as staffed:
        yield CourseDay(staffed, clock)


async def _training(staffed: Staffed, path: str) -> Any:
    token = issue_token(SECRET, "seed", "coordinator", [HALMSTAD])
    async with httpx.AsyncClient(base_url=staffed.training,
                                 headers={"Authorization": f"Bearer {token}"}) as client:
        answer = await client.get(path)
        assert answer.status_code == 200, answer.text
        return answer.json()


async def _invited_to(staffed: Staffed, session_id: str) -> set[str]:
    found = await _training(staffed, f"/sessions/{session_id}/invitations")
    return {row["person_id"] for row in found["invited"]}


def _letters(staffed: Staffed, address: str, subject: str) -> list[dict[str, Any]]:
    return [m for m in staffed.mail.messages()
            if address in m["rcpt_tos"] and m["subject"].startswith(subject)]


def _links(staffed: Staffed, address: str, purpose: str, subject: str) -> list[str]:
    found = []
    for entry in staffed.mail.messages():
        for token in staffed.mail.links(entry) if address in entry["rcpt_tos"] else []:
            claims = jwt.decode(token, options={"verify_signature": False})
            if claims["act"] == purpose and claims["sub"] == subject:
                found.append(token)
    return found


async def _schedule(page: Page, staffed: Staffed, day: date) -> str:
    await page.get_by_role("link", name="Ny utbildning").click()
    await check_page(page, "portal-staff-course-new")
    await page.get_by_label("Dag", exact=True).fill(day.isoformat())
    await page.get_by_label("Kommun", exact=True).select_option(HALMSTAD)
    await page.get_by_label("Antal platser").fill("10")
    await page.get_by_role("button", name="Spara och bjud in").click()
    await expect(page.locator("#venue-problem")).to_contain_text("Fyll i")  # beside it
    await check_page(page, "portal-staff-course-new-problem")
    await page.get_by_label("Lokal", exact=True).fill("Folkets hus, Halmstad")
    await page.get_by_role("button", name="Spara och bjud in").click()
    await expect(page.locator("[data-done]")).to_have_attribute("data-done", "scheduled")
    return page.url.split("/personal/kurser/")[1].split("?")[0]


async def _invite_and_enrol(page: Page, staffed: Staffed, session_id: str) -> None:
    hugo = staffed.supervisor
    await page.locator(f"#bjud_{hugo['supervisor_id']}").check()
    await check_page(page, "portal-staff-course")
    await page.get_by_role("button", name="Bjud in de markerade").click()
    await expect(page.locator("[data-done]")).to_have_attribute("data-done", "invite")
    await expect(page.locator(f"[data-invited='{hugo['supervisor_id']}']")).to_contain_text(
        "har inget handledarintyg")
    await eventually(lambda: len(_letters(staffed, hugo["email"], "Inbjudan")) >= 2, 60,
                     "his invitation to tomorrow's base course too")
    await page.get_by_label("Vem").select_option(hugo["supervisor_id"])
    await page.get_by_label("Namn (frivilligt)").fill(hugo["name"])
    await page.get_by_label("Specialkost (frivilligt)").fill("Vegetarisk")
    await page.get_by_role("button", name="Anmäl", exact=True).click()
    await expect(page.locator("[data-done]")).to_have_attribute("data-done", "enrol")
    await expect(page.locator(f"[data-seat='{hugo['supervisor_id']}']")).to_contain_text(
        hugo["name"])
    await eventually(lambda: _links(staffed, hugo["email"], "enrolment", session_id), 60,
                     "his confirmation, with the link to answer")
    await page.get_by_role("link", name="Förtäring").click()
    await expect(page.locator("[data-order='lunch'] td").nth(1)).to_have_text("1")
    await expect(page.locator("[data-need='vegetarisk'] td").nth(1)).to_have_text("1")
    await check_page(page, "portal-staff-course-catering")


async def _spent(page: Page, staffed: Staffed, year: int) -> Decimal:
    await page.goto(f"{staffed.portal}/personal/kurser/budget?ar={year}")
    await check_page(page, f"portal-staff-course-budget-{year}")
    return Decimal(await page.locator("[data-spent]").get_attribute("data-spent") or "")


async def test_a_training_administrators_course_day(browser: Browser,
                                                    course_day: CourseDay) -> None:
    staffed, hugo = course_day.staffed, course_day.staffed.supervisor
    seeded = staffed.session["session_id"]
    await eventually(lambda: _has(staffed, seeded, hugo["supervisor_id"]), 60,
                     "the supervisor invited to the base course in six weeks")
    day = local_date(datetime.now(UTC), "Europe/Stockholm") + timedelta(days=1)
    starts = datetime.combine(day, time(9, 0), STOCKHOLM)
    async with phone(browser, viewport=NARROW) as page:
        await signed_in(page, staffed, "utbildning-halland")  # 1
        await page.get_by_role("link", name="Utbildningar").first.click()
        await check_page(page, "portal-staff-courses")
        session_id = await _schedule(page, staffed, day)  # 2
        course_page = page.url.split("?")[0]
        await _invite_and_enrol(page, staffed, session_id)  # 3

        course_day.clock.ahead = starts + timedelta(hours=1) - datetime.now(UTC)  # 4
        await page.goto(f"{course_page}/narvaro")
        await page.get_by_label(hugo["name"]).check()
        await check_page(page, "portal-staff-course-attendance")
        await page.get_by_role("button", name="Spara närvaron").click()
        await expect(page.locator("[data-done]")).to_have_attribute("data-done", "attendance")
        await page.goto(course_page)
        await expect(page.locator(f"[data-certificate='{hugo['supervisor_id']}']")
                     ).to_contain_text("giltigt till")

        before = await _spent(page, staffed, starts.year)  # 5
        await page.goto(course_page)
        for label, amount in (("Lokal", "2500"), ("Fika och lunch", "1800"),
                              ("Material", "300")):
            await page.locator("[data-action=costs]").get_by_label(label, exact=True).fill(
                amount)
        await page.get_by_role("button", name="Spara kostnaderna").click()
        await expect(page.locator("[data-done]")).to_have_attribute("data-done", "costs")
        assert await _spent(page, staffed, starts.year) == before + 4600
        for path, name in (("intyg", "certificates"), ("utvardering", "evaluations")):
            await page.goto(f"{staffed.portal}/personal/kurser/{path}")
            await check_page(page, f"portal-staff-course-{name}")
    await eventually(lambda: _certified_in_registration(staffed), 60,
                     "registration told of his certificate")


async def _has(staffed: Staffed, session_id: str, person_id: str) -> bool:
    return person_id in await _invited_to(staffed, session_id)


async def _certified_in_registration(staffed: Staffed) -> bool:
    async with httpx.AsyncClient(base_url=staffed.registration,
                                 headers=staffed.as_seed()) as client:
        found = (await client.get(f"/supervisors/{staffed.supervisor['supervisor_id']}")
                 ).json()
    return bool(found.get("certified_until"))
