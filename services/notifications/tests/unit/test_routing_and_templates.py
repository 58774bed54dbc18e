"""The routing table and the templates, with example data: every template, every language,
both channels; StrictUndefined makes a missing variable fail here."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from jinja2 import UndefinedError

from services.notifications.adapters.templates import LANGUAGES, Renderer
from services.notifications.domain import sms
from services.notifications.domain.model import PlannedNotification
from services.notifications.domain.planning import plan
from services.notifications.domain.routing import ROUTES, TEMPLATES
from services.notifications.domain.samples import sample_contexts
from services.notifications.tests.examples import EXPECTED, PLAN, World
from shared.contracts.matching import PlacementWaitlisted

renderer = Renderer()
DEPS = PLAN


def planned_for(world: World) -> list[PlannedNotification]:
    out: list[PlannedNotification] = []
    for event in world.routed():
        out += plan(event, world.facts(), DEPS, f"cause-{uuid.uuid4()}", None, world.now)
    return out


def examples() -> list[tuple[str, dict[str, object]]]:
    return list(sample_contexts(PLAN).items())


def test_the_table_routes_every_message_to_its_people() -> None:
    world = World()
    got = set()
    role_of = {world.participant: "participant", world.guardian: "guardian",
               world.supervisor: "supervisor", world.manager: "manager"}
    for p in planned_for(world):
        got.add((p.template, role_of[p.recipient_id], p.channel))
    assert got == EXPECTED


def test_every_template_has_example_data() -> None:
    assert sorted(t for t, _ in examples()) == sorted(TEMPLATES)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("template", "context"), examples())
def test_every_template_renders_in_every_language_and_channel(
        template: str, context: dict[str, object], language: str) -> None:
    full = {**context, "recipient_name": "Kim Berg"}
    mail = renderer.email(template, language, full)
    assert mail.language == language
    assert mail.subject and "\n" not in mail.subject
    assert "Kim Berg" in mail.text
    assert mail.html and mail.html.startswith("<!doctype html>")
    text = renderer.sms(template, language, full).text
    encoded = sms.encode(text)
    # Plain-language SMS stay in GSM-7 but for a period's en dash ("15–19 mars", which
    # makes the SMS UCS-2); one segment unless they carry a link, as written with a hyphen.
    hyphened = sms.encode(text.replace("\u2013", "-"))
    assert hyphened.encoding == "gsm7", text
    assert encoded.encoding == ("ucs2" if "\u2013" in text else "gsm7"), text
    if "http" not in text:
        assert hyphened.segments == 1, (len(text), text)
    assert "".join(encoded.parts) == text


@pytest.mark.parametrize(("template", "context"), examples())
def test_a_missing_variable_is_an_error_not_a_hole(template: str,
                                                    context: dict[str, object]) -> None:
    full = {**context, "recipient_name": "Kim"}
    for block in ("email", "sms"):
        with pytest.raises(UndefinedError):
            getattr(renderer, block)(template, "sv", {})
    used_somewhere = 0
    for key in full:
        partial = {k: v for k, v in full.items() if k != key}
        try:
            renderer.email(template, "sv", partial)
            renderer.email(template, "en", partial)
        except UndefinedError:
            used_somewhere += 1
    assert used_somewhere >= 2


def test_a_language_without_templates_gets_swedish_with_english_below() -> None:
    context = {**dict(examples())["waitlisted"], "recipient_name": "Elsa"}
    mail = renderer.email("waitlisted", "ar", context)
    assert mail.language == "sv, en"
    swedish, english = mail.text.index("Hej Elsa"), mail.text.index("Hello Elsa")
    assert swedish < english
    assert " / " in mail.subject
    text = renderer.sms("waitlisted", "ar", context).text
    assert text.index("Du väntar") < text.index("You are waiting")
    assert renderer.email("waitlisted", "en-GB", context).language == "en"
    assert renderer.email("waitlisted", "sv", context).language == "sv"


def test_welcome_letter_carries_secrecy_and_checklist_the_oral_briefing() -> None:
    world = World()
    planned = {(p.template, p.recipient_id): p for p in planned_for(world)}
    letter = planned[("welcome_letter", world.participant)]
    text = renderer.email("welcome_letter", "sv", {**letter.context, "recipient_name": "E"}).text
    assert "Sekretess" in text and "inte att träffa klienter" in text
    assert "Stortorget 1, Hässleholm" in text and "Kim Berg" in text
    schedule = [date.fromisoformat(d) for d in letter.context["schedule"]]
    assert schedule and all(d.weekday() < 5 for d in schedule)
    assert world.start <= schedule[0] and schedule[-1] <= world.start + timedelta(days=4)
    checklist = planned[("day_one_checklist", world.supervisor)]
    text = renderer.email("day_one_checklist", "en", {**checklist.context,
                                                      "recipient_name": "K"}).text
    assert "oral confidentiality briefing" in text


def test_no_secrecy_section_without_client_contact() -> None:
    world = World()
    facts = world.facts()
    from dataclasses import replace

    assert facts.workplace is not None
    facts = replace(facts, workplace=replace(facts.workplace, client_contact=False))
    confirmed = world.routed()[5]
    letters = [p for p in plan(confirmed, facts, DEPS, "c", None, world.now)
               if p.template == "welcome_letter"]
    text = renderer.email("welcome_letter", "sv", {**letters[0].context,
                                                   "recipient_name": "E"}).text
    assert "Sekretess" not in text


def test_adult_participant_gets_the_letter_without_guardians() -> None:
    world = World()
    facts = world.facts()
    from dataclasses import replace

    assert facts.participant is not None
    adult = replace(facts, participant=replace(
        facts.participant, birth_date=facts.participant.birth_date.replace(
            year=facts.participant.birth_date.year - 10)))
    confirmed = world.routed()[5]
    people = {p.recipient_id for p in plan(confirmed, adult, DEPS, "c", None, world.now)}
    assert people == {world.participant, world.supervisor}


def test_proposal_without_consent_needed_asks_no_guardian() -> None:
    world = World()
    proposed = world.routed()[4].model_copy(update={"consent_required": False})
    sent = {(p.template, p.recipient_role)
            for p in plan(proposed, world.facts(), DEPS, "c", None, world.now)}
    assert sent == {("placement_proposal", "supervisor"), ("placement_offer", "participant"),
                    ("placement_offer", "guardian")}


def test_waitlisted_explains_the_reasons_in_plain_words() -> None:
    world = World()
    waitlisted = world.routed()[6]
    planned = plan(waitlisted, world.facts(), DEPS, "c", None, world.now)
    assert {p.recipient_role for p in planned} == {"participant", "guardian"}
    p = next(p for p in planned if p.recipient_role == "participant")
    text = renderer.email("waitlisted", "sv", {**p.context, "recipient_name": "E"}).text
    assert "Alla platser som passar dig är redan tagna." in text
    assert "Din vårdnadshavare har sagt nej" in text
    assert "Vi väntar på samtycke" not in text


def test_reminder_goes_the_day_before_at_the_reminder_hour() -> None:
    world = World(now=datetime(2026, 5, 1, 12, 0, tzinfo=UTC))
    enrolment = world.routed()[2].model_copy(update={
        "starts_at": datetime(2026, 5, 10, 7, 0, tzinfo=UTC)})
    facts = world.facts()
    from dataclasses import replace

    assert facts.session is not None
    facts = replace(facts, session=replace(facts.session,
                                           starts_at=datetime(2026, 5, 10, 7, 0, tzinfo=UTC)))
    reminder = next(p for p in plan(enrolment, facts, DEPS, "c", None, world.now)
                    if p.template == "course_reminder")
    assert reminder.not_before == datetime(2026, 5, 9, 7, 0, tzinfo=UTC)  # 09:00 CEST


def test_every_route_names_a_template_with_files() -> None:
    for routes in ROUTES.values():
        for route in routes:
            for language in LANGUAGES:
                renderer.env.get_template(f"{language}/{route.template}.j2")


def test_a_family_left_waiting_by_a_round_gets_the_link_to_its_draw() -> None:
    world = World()
    waitlisted = next(e for e in world.routed() if isinstance(e, PlacementWaitlisted))
    assert waitlisted.round_id is not None
    letters = [p for p in plan(waitlisted, world.facts(), DEPS, "c", None, world.now)
               if p.template == "waitlisted"]
    assert letters
    draw = f"http://portal.test/omgang/{waitlisted.round_id}?forfragan={waitlisted.request_id}"
    for letter in letters:
        assert letter.context["draw_url"] == draw
        for language in LANGUAGES:
            text = renderer.email("waitlisted", language, {**letter.context,
                                                           "recipient_name": "Elsa"}).text
            assert draw in text
    outside = waitlisted.model_copy(update={"round_id": None})
    [letter, *_] = [p for p in plan(outside, world.facts(), DEPS, "c", None, world.now)
                    if p.template == "waitlisted"]
    assert letter.context["draw_url"] is None
    assert "/omgang/" not in renderer.email("waitlisted", "sv", {
        **letter.context, "recipient_name": "Elsa"}).text
