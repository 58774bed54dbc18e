"""The season's rules as their recipients read them (issue 18): reminders and extended
deadlines with the right link, deadlines that passed, a participant who moves up, places
that are gone, a closed workplace, invitations with their reasons, the summer-job variant."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from services.notifications.adapters.templates import Renderer
from services.notifications.domain.letters import Facts, PlacementFacts
from services.notifications.domain.planning import plan
from services.notifications.tests.examples import PLAN
from services.notifications.tests.unit.test_message_table import (
    NOW,
    PERIOD,
    ROLE,
    ROWS,
    WORLD,
    Row,
    _event,
    rendered,
)
from shared.contracts.matching import (
    PlacementCancelled,
    PlacementConfirmed,
    PlacementDeadlineApproaching,
    PlacementDeadlineExtended,
    PlacementDeclined,
    PlacementProposed,
)
from shared.contracts.training import CourseSessionScheduled, Invitee, WorkplaceClosed
from shared.links import Purpose

renderer = Renderer()
EARLIER = uuid.uuid4()
"""The placement a participant moves up from: at the city library, a week later."""


def _mails(row: Row) -> list[str]:
    return [t for t in rendered(row) if "\n" in t]


def _planned(event: Any, facts: Facts | None = None) -> list[Any]:
    return plan(event, facts or WORLD.facts(), PLAN, "cause", None, NOW)


# -- reminders and extensions: the awaited party, the link to answer with -------------------

@pytest.mark.parametrize(("kind", "awaiting", "role", "purpose"), [
    (PlacementDeadlineApproaching, "workplace", "supervisor", "workplace_answer"),
    (PlacementDeadlineApproaching, "participant", "participant", "offer_answer"),
    (PlacementDeadlineApproaching, "guardian", "guardian", "offer_answer"),
    (PlacementDeadlineApproaching, "consent", "guardian", "consent"),
    (PlacementDeadlineExtended, "workplace", "supervisor", "workplace_answer"),
    (PlacementDeadlineExtended, "participant", "participant", "offer_answer"),
    (PlacementDeadlineExtended, "guardian", "guardian", "offer_answer"),
    (PlacementDeadlineExtended, "consent", "guardian", "consent"),
])
def test_a_deadline_message_goes_to_the_awaited_party_with_its_link(
        kind: type, awaiting: str, role: str, purpose: Purpose) -> None:
    event: Any = _event(kind, awaiting=awaiting)(WORLD)
    planned = _planned(event)
    assert {p.recipient_role for p in planned} == {role}
    expected = {"supervisor": WORLD.supervisor, "participant": WORLD.participant,
                "guardian": WORLD.guardian}[role]
    for p in planned:
        assert p.recipient_id == expected and p.placement_id == WORLD.placement
        link = PLAN.links.signer.read(p.context["link"].rsplit("/", 1)[1], purpose)
        assert link.subject == WORLD.placement and link.recipient == expected
        assert link.expires_at == event.deadline.replace(microsecond=0)


def test_the_reminder_says_the_deadline_in_swedish_local_time_and_in_english() -> None:
    event = _event(PlacementDeadlineApproaching, awaiting="participant",
                   deadline=NOW.replace(month=6, day=10, hour=14))(WORLD)
    [p] = _planned(event)
    context = {**p.context, "recipient_name": "Elsa", "role": "participant"}
    sv = renderer.email("deadline_reminder", "sv", context)
    en = renderer.email("deadline_reminder", "en", context)
    assert "senast 10 juni kl. 16:00" in sv.text  # summer time: UTC+2
    assert "by 10 June" in en.text and "16:00" in en.text
    assert "the place goes to the next in line" in en.text
    assert en.language == "en" and sv.language == "sv"


def test_a_guardian_asked_to_answer_the_offer_is_reminded_of_the_offer_not_consent() -> None:
    row = Row(PlacementDeadlineApproaching, "deadline_reminder", "guardians",
              _event(PlacementDeadlineApproaching, awaiting="guardian"),
              ("Vi väntar fortfarande på ert svar", "Elsa Ek har fått ett erbjudande",
               "Svarar ni inte i tid går platsen till nästa på tur"))
    [mail] = _mails(row)
    for words in row.must:
        assert words in mail
    assert "samtycke" not in mail


# -- deadlines that passed: what happened, and what comes next ------------------------------

@pytest.mark.parametrize(("by", "reason", "audience", "must", "must_not"), [
    ("workplace", "acceptance_deadline_passed", "participant",
     ("Ekonomiskt bistånd svarade inte i tid", "Vi letar efter en annan plats åt dig"),
     ("tackat nej", "kunde inte ta emot")),
    ("workplace", "acceptance_deadline_passed", "guardians_of_minor",
     ("svarade inte i tid på förslaget om prao för Elsa Ek", "letar efter en annan plats"),
     ("tackat nej",)),
    ("workplace", "acceptance_deadline_passed", "supervisor",
     ("Du svarade inte i tid på förslaget", "räknas det som ett nej",
      "praktikanten kommer inte till er"), ("Elsa", "tackat nej")),
    ("participant", "answer_deadline_passed", "participant",
     ("Du svarade inte i tid på erbjudandet", "gått till nästa på tur",
      "Din ansökan finns kvar"), ("tackat nej",)),
    ("participant", "answer_deadline_passed", "guardians_of_minor",
     ("Elsa Ek svarade inte i tid", "gått till nästa på tur", "Ansökan finns kvar"),
     ("tackat nej",)),
    ("participant", "answer_deadline_passed", "supervisor",
     ("Svaret på erbjudandet kom inte in i tid", f"praktiken {PERIOD} blir inte av"),
     ("Elsa", "tackat nej")),
    ("guardian", "answer_deadline_passed", "participant",
     ("Din vårdnadshavare svarade inte i tid", "gått till nästa på tur"), ("tackat nej",)),
    ("guardian", "answer_deadline_passed", "guardians_of_minor",
     ("Ni svarade inte i tid på erbjudandet", "till Elsa Ek"), ("tackat nej",)),
    ("guardian", "answer_deadline_passed", "supervisor",
     ("kom inte in i tid",), ("vårdnadshavare", "Elsa", "tackat nej")),
])
def test_a_deadline_that_passed_is_told_as_it_happened(
        by: str, reason: str, audience: str, must: tuple[str, ...],
        must_not: tuple[str, ...]) -> None:
    row = Row(PlacementDeclined, "placement_declined", audience,
              _event(PlacementDeclined, by=by, reason=reason), must, must_not)
    [mail] = _mails(row)
    assert "Tiden för att svara gick ut" in mail
    for words in must:
        assert words in mail, (words, mail)
    for words in must_not:
        assert words not in mail, (words, mail)


@pytest.mark.parametrize(("reason", "audience", "must", "must_not"), [
    ("consent_deadline_passed", "participant",
     ("Vi fick inte samtycke från din vårdnadshavare i tid", "går till nästa på tur",
      "Din ansökan finns kvar"), ("inställd",)),
    ("consent_deadline_passed", "guardians_of_minor",
     ("Vi fick inte ert samtycke i tid till att Elsa Ek gör prao", "Kontakta oss"), ()),
    ("consent_deadline_passed", "supervisor",
     ("blir inte av", "allt som behövdes kom inte in i tid", "ledig igen",
      "Checklistan för första dagen"), ("samtycke", "vårdnadshavare", "Elsa")),
    ("workplace_closed", "participant",
     ("Din plats på Ekonomiskt bistånd, prao 15–19 mars, finns inte längre",
      "Arbetsplatsen kan inte ta emot praktikanter just nu",
      "Det är inget du har gjort", "Vi letar efter en annan plats åt dig", PERIOD),
     ("inställd",)),
    ("workplace_closed", "guardians_of_minor",
     ("finns inte längre", "Det är inget ni har gjort", "letar efter en annan plats"), ()),
    ("workplace_closed", "supervisor",
     ("är inställd", "arbetsplatsen inte kan ta emot praktikanter just nu"), ("Elsa",)),
    ("supervisor_left", "participant",
     ("Platsen finns inte längre", "Handledaren där har slutat",
      "Vi letar efter en annan plats åt dig"), ("inställd",)),
    ("moved_to_preferred", "supervisor",
     ("har fått en annan plats som hen hade önskat före er", "Platsen hos er är ledig igen",
      "Checklistan för första dagen"), ("Elsa", "inställd")),
])
def test_a_cancellation_says_why_and_what_comes_next(
        reason: str, audience: str, must: tuple[str, ...], must_not: tuple[str, ...]) -> None:
    row = Row(PlacementCancelled, "placement_cancelled", audience,
              _event(PlacementCancelled, reason=reason), must, must_not)
    [mail] = _mails(row)
    for words in must:
        assert words in mail, (words, mail)
    for words in must_not:
        assert words not in mail, (words, mail)


@pytest.mark.parametrize(("reason", "told"), [
    ("moved_to_preferred", {"supervisor"}),
    ("supervisor_left", {"participant", "guardian"}),
    ("workplace_closed", {"participant", "guardian", "supervisor"}),
    ("consent_deadline_passed", {"participant", "guardian", "supervisor"}),
])
def test_who_hears_of_a_cancellation(reason: str, told: set[str]) -> None:
    event = _event(PlacementCancelled, reason=reason)(WORLD)
    assert {p.recipient_role for p in _planned(event)} == told


# -- moving up: one message to the family, the earlier supervisor told the place is free ----

def _moved_up_facts(f: Facts) -> Facts:
    earlier = PlacementFacts(EARLIER, "cancelled", WORLD.participant, uuid.uuid4(),
                             uuid.uuid4(), None, "prao", WORLD.start + timedelta(days=7),
                             WORLD.start + timedelta(days=11), WORLD.municipality)
    return replace(f, replaced=earlier, replaced_workplace_name="Stadsbiblioteket")


MOVED_UP = {"replaces": EARLIER}


def test_a_participant_who_moves_up_reads_one_truthful_message() -> None:
    row = Row(PlacementProposed, "placement_offer", "participant",
              _event(PlacementProposed, **MOVED_UP), (), (), _moved_up_facts)
    [mail] = rendered(row)
    assert "En plats som du önskade mer har blivit ledig" in mail
    assert f"prao på Ekonomiskt bistånd, {PERIOD}" in mail
    assert "Din tidigare plats på Stadsbiblioteket, 22–26 mars, släpps" in mail
    assert "inställd" not in mail and "Du har fått ett förslag" not in mail
    cancelled = _event(PlacementCancelled, placement_id=EARLIER,
                       reason="moved_to_preferred")(WORLD)
    assert "participant" not in {p.recipient_role for p in _planned(cancelled)}


def test_a_guardian_asked_for_consent_reads_that_the_child_moves_up() -> None:
    row = Row(PlacementProposed, "consent_request", "guardians",
              _event(PlacementProposed, **MOVED_UP), (), (), _moved_up_facts)
    [mail] = rendered(row)
    assert "Det är en plats som Elsa Ek önskade mer än den tidigare på Stadsbiblioteket" in mail
    assert "samtycke" in mail


def test_a_move_up_whose_earlier_placement_is_unknown_still_says_it_is_released() -> None:
    row = Row(PlacementProposed, "placement_offer", "participant",
              _event(PlacementProposed, **MOVED_UP), ())
    [mail] = rendered(row)
    assert "Din tidigare plats släpps" in mail


def test_a_consent_request_with_a_deadline_names_it_and_its_link_ends_then() -> None:
    consent_by = NOW + timedelta(days=5)
    event = _event(PlacementProposed, consent_by=consent_by)(WORLD)
    [p] = [p for p in _planned(event) if p.template == "consent_request"]
    link = PLAN.links.signer.read(p.context["link"].rsplit("/", 1)[1], "consent")
    assert link.expires_at == consent_by
    row = Row(PlacementProposed, "consent_request", "guardians",
              _event(PlacementProposed, consent_by=consent_by), ())
    [mail] = rendered(row)
    assert "senast 28 februari kl. 10:00" in mail
    assert "Kommer inget samtycke in i tid går platsen till nästa på tur" in mail


# -- a closed workplace, invitations --------------------------------------------------------

@pytest.mark.parametrize(("reason", "why", "opens"), [
    ("certification_expired", "Det sista giltiga handledarintyget", "grundutbildningen"),
    ("supervisor_left", "Den sista certifierade handledaren på arbetsplatsen har slutat",
     "grundutbildningen"),
    ("manager_left", "ännu inte har varit på ett frukostmöte", "frukostmöte för chefer"),
])
def test_the_manager_of_a_closed_workplace_reads_why_and_what_opens_it(
        reason: str, why: str, opens: str) -> None:
    row = Row(WorkplaceClosed, "workplace_closed", "manager",
              _event(WorkplaceClosed, reason=reason), ())
    [mail] = rendered(row)
    assert why in mail and opens in mail and "Ekonomiskt bistånd" in mail
    event = _event(WorkplaceClosed, reason=reason)(WORLD)
    assert [(p.recipient_id, p.recipient_role) for p in _planned(event)] == [
        (WORLD.manager, "manager")]


def test_a_workplace_whose_manager_was_erased_tells_no_one() -> None:
    facts = WORLD.facts()
    assert facts.workplace is not None
    gone = replace(facts, workplace=replace(facts.workplace, manager_id=None))
    assert _planned(_event(WorkplaceClosed)(WORLD), gone) == []


@pytest.mark.parametrize(("reason", "course", "sv", "en"), [
    ("workplace_not_open", "manager_breakfast",
     "kan inte ta emot praktikanter förrän du som chef har varit på ett frukostmöte",
     "until you, as its manager, have attended a breakfast meeting"),
    ("certification_expiring", "base_course", "Ditt handledarintyg går snart ut",
     "Your supervisor certificate runs out soon"),
])
def test_an_invitation_says_why_the_person_is_invited(
        reason: str, course: str, sv: str, en: str) -> None:
    person = WORLD.manager if course == "manager_breakfast" else WORLD.supervisor
    event = next(e for e in WORLD.routed() if isinstance(e, CourseSessionScheduled)
                 and e.course == course).model_copy(update={"invited": [Invitee(
                     person_id=person, role="manager" if person == WORLD.manager
                     else "supervisor", reason=reason)]})
    [p] = _planned(event)
    assert p.recipient_id == person
    context = {**p.context, "recipient_name": "Ali"}
    assert sv in renderer.email("course_invitation", "sv", context).text
    assert en in renderer.email("course_invitation", "en", context).text


def test_an_expired_certificate_without_a_session_names_the_course_to_take() -> None:
    row = next(r for r in ROWS
               if r.template == "certification_expired" and r.audience == "supervisor")
    no_session = Row(row.kind, row.template, row.audience, row.event, (), (),
                     lambda f: replace(f, session=None))
    [mail] = rendered(no_session)
    assert "grundutbildningen för handledare" in mail and "inbjudan" in mail


# -- the summer-job variant -------------------------------------------------------------------

@pytest.mark.parametrize(("variant", "sv", "en"), [
    ("feriepraktik", "feriepraktik", "summer work experience (feriepraktik)"),
    ("feriearbete", "feriearbete", "summer job (feriearbete)"),
])
def test_a_summer_job_letter_names_its_variant(variant: str, sv: str, en: str) -> None:
    event = _event(PlacementConfirmed, program="summer_job", variant=variant)(WORLD)
    [p] = [p for p in _planned(event) if p.template == "welcome_letter"
           and p.recipient_role == "participant"]
    context = {**p.context, "recipient_name": "Elsa", "role": "participant"}
    other = "feriearbete" if variant == "feriepraktik" else "feriepraktik"
    sv_mail = renderer.email("welcome_letter", "sv", context).text
    assert sv in sv_mail and other not in sv_mail
    assert en in renderer.email("welcome_letter", "en", context).text


def test_a_later_letter_names_the_variant_the_placement_read_model_kept() -> None:
    facts = WORLD.facts()
    assert facts.placement is not None
    kept = replace(facts, placement=replace(facts.placement, program="summer_job",
                                            variant="feriearbete"))
    event = _event(PlacementDeadlineApproaching, awaiting="participant")(WORLD)
    [p] = plan(event, kept, PLAN, "cause", None, NOW)
    assert (p.context["program"], p.context["variant"]) == ("summer_job", "feriearbete")
    text = renderer.email("deadline_reminder", "sv", {
        **p.context, "recipient_name": "Elsa", "role": "participant"}).text
    assert "erbjudande om feriearbete" in text


def test_a_row_recorded_before_the_variant_renders_as_before() -> None:
    row = next(r for r in ROWS if r.template == "placement_offer" and r.audience == "participant")
    [p] = [p for p in _planned(row.event(WORLD)) if p.template == "placement_offer"
           and p.recipient_role == ROLE[row.audience]]
    old = {k: v for k, v in p.context.items()
           if k not in ("variant", "moved_up", "earlier_workplace", "earlier_start",
                        "earlier_end")}
    mail = renderer.email("placement_offer", "sv", {**old, "recipient_name": "Elsa"})
    assert "Du har fått ett förslag på prao" in mail.text
