"""The municipality's profile with a fake of registration: the form read into the whole
profile registration keeps (the lists it does not show go back as they were), a profile
not there yet starting empty, and what is no municipality code asking nothing."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from services.portal.domain.commands import SaveProfile, ShowProfile
from services.portal.domain.people import StaffRefused, StaffTroublePage
from services.portal.domain.places import FormPage, Saved
from services.portal.domain.staff import StaffMember
from services.portal.handlers import STAFF_HANDLERS
from services.portal.tests.fakes import deps

NOW = datetime(2026, 12, 3, 8, tzinfo=UTC)
SARA = StaffMember("s-1380", "Sara", "coordinator", ("1380",), NOW + timedelta(hours=1))
RULE = {"program": "summer_job", "variant": "feriearbete", "min_age": 15, "max_age": 19}
PROFILE = {"municipality_code": "1380", "name": "Halmstads kommun",
           "coordinator_name": "Sara", "coordinator_email": "sara@halmstad.se",
           "coordinator_phone": "035-13 70 00", "consent_rule": "either",
           "offer_answer_programs": ["summer_job"], "offer_answer_days": 3,
           "guardian_answers_offer": False, "age_rules": [RULE],
           "only_preferences_programs": [], "workplace_answer_days": 3, "consent_days": 5}


class FakeRegistration:
    def __init__(self, profile: Mapping[str, Any] | None = PROFILE) -> None:
        self.current = profile
        self.saved: list[dict[str, Any]] = []

    async def profile(self, member: StaffMember, code: str) -> Mapping[str, Any]:
        if self.current is None:
            raise StaffRefused("not_found")
        return self.current

    async def save_profile(self, member: StaffMember, code: str,
                           body: Mapping[str, Any]) -> Mapping[str, Any]:
        self.saved.append(dict(body))
        return body


async def _handle(command: Any, registration: FakeRegistration) -> Any:
    return await STAFF_HANDLERS[type(command)](command, registration, deps())


async def test_the_form_saves_the_whole_profile_keeping_what_it_does_not_show() -> None:
    registration = FakeRegistration()
    page = await _handle(ShowProfile(SARA, "1380"), registration)
    assert isinstance(page, FormPage) and page.values["coordinator_name"] == "Sara"
    form = {**page.values, "consent_rule": "both", "consent_days": "7"}
    done = await _handle(SaveProfile(SARA, "1380", form), registration)
    assert done == Saved("/personal/kommuner/1380/profil?sparad=1")
    [body] = registration.saved
    assert (body["consent_rule"], body["consent_days"], body["age_rules"]) == (
        "both", 7, [RULE])
    assert body["offer_answer_programs"] == ["summer_job"]


async def test_a_profile_not_there_yet_starts_empty_and_a_field_left_empty_is_said() -> None:
    registration = FakeRegistration(None)
    page = await _handle(ShowProfile(SARA, "1380"), registration)
    assert isinstance(page, FormPage) and page.values == {"consent_rule": "either"}
    refused = await _handle(SaveProfile(SARA, "1380", {"name": "Halmstad"}), registration)
    assert isinstance(refused, FormPage) and refused.problems["coordinator_email"] == "required"
    assert registration.saved == []


async def test_what_is_no_municipality_code_asks_nothing() -> None:
    registration = FakeRegistration()
    assert await _handle(ShowProfile(SARA, "../x"), registration) == StaffTroublePage(
        "not_found")
