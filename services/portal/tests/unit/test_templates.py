"""The message templates with a fake of notifications: the list, one template in each
language as notifications renders it, and a municipality not the person's asking
nothing."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from services.portal.domain.commands import ShowTemplate, ShowTemplates
from services.portal.domain.people import StaffTroublePage
from services.portal.domain.staff import StaffMember
from services.portal.domain.templates import TemplatePage, TemplatesPage
from services.portal.handlers import STAFF_HANDLERS
from services.portal.tests.fakes import deps

NOW = datetime(2026, 12, 3, 8, tzinfo=UTC)
SARA = StaffMember("s-1380", "Sara", "coordinator", ("1380", "1383"), NOW + timedelta(hours=1))


class FakeNotifications:
    def __init__(self) -> None:
        self.asked: list[tuple[str, str]] = []

    async def templates(self, member: StaffMember, code: str) -> list[str]:
        return ["waitlisted", "placement_proposal"]

    async def template(self, member: StaffMember, name: str,
                       code: str) -> Mapping[str, Any]:
        self.asked.append((name, code))
        return {"template": name, "municipality_code": code, "renderings": [
            {"language": "en", "subject": "Proposal", "text": "Hello Kim", "sms": "Hi"},
            {"language": "sv", "subject": "Förslag", "text": "Hej Kim", "sms": "Hej"}]}


async def _handle(command: Any, notifications: FakeNotifications) -> Any:
    return await STAFF_HANDLERS[type(command)](command, notifications, deps())


async def test_the_templates_are_listed_and_each_shown_in_both_languages() -> None:
    notifications = FakeNotifications()
    listed = await _handle(ShowTemplates(SARA), notifications)
    assert isinstance(listed, TemplatesPage)
    assert (listed.municipality, listed.names) == ("1380", ["placement_proposal",
                                                            "waitlisted"])
    shown = await _handle(ShowTemplate(SARA, "waitlisted", "1383"), notifications)
    assert isinstance(shown, TemplatePage)
    assert [(r.language, r.subject) for r in shown.renderings] == [("sv", "Förslag"),
                                                                    ("en", "Proposal")]
    assert notifications.asked == [("waitlisted", "1383")]


async def test_another_municipality_or_a_name_no_template_has_asks_nothing() -> None:
    notifications = FakeNotifications()
    for command in (ShowTemplates(SARA, "1381"), ShowTemplate(SARA, "waitlisted", "1381"),
                    ShowTemplate(SARA, "../links", "1380")):
        refused = await _handle(command, notifications)
        assert isinstance(refused, StaffTroublePage) and refused.trouble == "not_found"
    assert notifications.asked == []
