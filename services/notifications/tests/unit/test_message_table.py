"""The message table, row by row: for every route of `domain.routing.ROUTES` (and so every
row of the README's table), an event, the recipient's message rendered from the real
templates, the words that must be in it and the words that must not."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from services.notifications.adapters.templates import Renderer
from services.notifications.domain.letters import Facts
from services.notifications.domain.planning import plan
from services.notifications.domain.routing import ROUTES
from services.notifications.domain.sender import MunicipalityProfile, Sender
from services.notifications.tests.examples import PLAN, World
from shared.contracts.base import EventData
from shared.contracts.matching import (
    PlacementAccepted,
    PlacementCancelled,
    PlacementConfirmed,
    PlacementDeadlineApproaching,
    PlacementDeadlineExtended,
    PlacementDeclined,
    PlacementProposed,
    PlacementWaitlisted,
)
from shared.contracts.registration import GuardianConsentRecorded, ParticipantErased
from shared.contracts.training import (
    CourseCompleted,
    CourseSessionScheduled,
    EnrolmentRecorded,
    SupervisorCertificationExpired,
    SupervisorCertificationExpiring,
    SupervisorCertified,
    WorkplaceClosed,
)

NOW = datetime(2027, 2, 23, 9, 0, tzinfo=UTC)  # the placement: Monday 15 to Friday 19 March
WORLD = World(now=NOW)
README = Path(__file__).resolve().parents[2] / "README.md"
PROFILE = MunicipalityProfile(WORLD.municipality, "Hässleholms kommun", "Eva Lund",
                              "eva.lund@hassleholm.example", "+46451123456")
NEVER = ("Arbetsplatsen tackade nej", "Vi väntar på samtycke", "2027-03-15-2027-03-19",
         "2027-03-15")
"""Never in any message: the old wrong words, and dates as a machine writes them."""

renderer = Renderer()


def _event(kind: type, **changes: Any) -> Callable[[World], EventData]:
    def make(world: World) -> EventData:
        found: EventData = next(e for e in world.routed() if type(e) is kind)
        return found.model_copy(update=changes)
    return make


@dataclass(frozen=True)
class Row:
    kind: type[EventData]
    template: str
    audience: str
    event: Callable[[World], EventData]
    must: tuple[str, ...]
    must_not: tuple[str, ...] = ()
    facts: Callable[[Facts], Facts] = lambda f: f

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.kind.__name__, self.template, self.audience)


ROLE = {"participant": "participant", "guardians": "guardian", "guardians_of_minor": "guardian",
        "guardian": "guardian", "supervisor": "supervisor", "manager": "manager",
        "open_placement_supervisors": "supervisor"}
CANCELLED_SESSION: Callable[[Facts], Facts] = lambda f: replace(  # noqa: E731
    f, session=replace(f.session, cancelled=True) if f.session else None)
PERIOD = "15–19 mars"
DEADLINE = "25 februari kl. 10:00"
"""`World.routed()`'s reminder: two days after NOW, in Swedish local time."""

ROWS: tuple[Row, ...] = (
    Row(CourseSessionScheduled, "course_invitation", "invited",
        _event(CourseSessionScheduled), ("Du är inbjuden", "grundutbildning för handledare")),
    Row(EnrolmentRecorded, "enrolment_confirmation", "person",
        _event(EnrolmentRecorded, status="enrolled"),
        ("Du har en plats", "http://portal.test/l/", "Bekräfta din plats")),
    Row(EnrolmentRecorded, "course_reminder", "person",
        _event(EnrolmentRecorded, status="enrolled"), ("Påminnelse",)),
    Row(EnrolmentRecorded, "enrolment_waitlisted", "person",
        _event(EnrolmentRecorded, status="waitlisted", waitlist_position=3),
        ("Du står i kö", "nummer 3")),
    Row(EnrolmentRecorded, "enrolment_cancelled", "person",
        _event(EnrolmentRecorded, status="cancelled", previous_status="enrolled"),
        ("är inställd",), ("avbokad",), CANCELLED_SESSION),
    Row(CourseCompleted, "course_evaluation", "person", _event(CourseCompleted),
        ("Vad tyckte du", "http://portal.test/l/")),
    Row(SupervisorCertified, "certificate", "supervisor", _event(SupervisorCertified),
        ("certifierad handledare",)),
    Row(SupervisorCertified, "certification_note", "manager", _event(SupervisorCertified),
        ("Kim Berg", "certifierad handledare")),
    Row(SupervisorCertificationExpiring, "certification_expiring", "supervisor",
        _event(SupervisorCertificationExpiring),
        ("går ut", "repetitionskursen", "grundutbildning för handledare")),
    Row(SupervisorCertificationExpired, "certification_expired", "supervisor",
        _event(SupervisorCertificationExpired),
        ("Ditt handledarintyg", "gick ut", "Nästa kurs: grundutbildning för handledare")),
    Row(SupervisorCertificationExpired, "certification_expired", "manager",
        _event(SupervisorCertificationExpired), ("Handledarintyget för Kim Berg", "gick ut")),
    Row(PlacementProposed, "placement_proposal", "supervisor", _event(PlacementProposed),
        ("Vi föreslår en praktikant", "Svara senast", "http://portal.test/l/", PERIOD)),
    Row(PlacementProposed, "placement_offer", "participant", _event(PlacementProposed),
        ("Du har fått ett förslag", "väntar vi på svar från arbetsplatsen", PERIOD),
        ("http://portal.test/l/ey",)),  # no answer link (a token begins "ey")
    Row(PlacementProposed, "consent_request", "guardians", _event(PlacementProposed),
        ("samtycke", "Elsa Ek", "http://portal.test/l/", PERIOD)),
    Row(PlacementProposed, "placement_offer", "guardians_of_minor",
        _event(PlacementProposed, consent_required=False),
        ("Elsa Ek har fått ett förslag", PERIOD), ("samtycke",)),
    Row(GuardianConsentRecorded, "consent_receipt", "guardian",
        _event(GuardianConsentRecorded), ("Tack för ditt svar", "sagt nej")),
    Row(GuardianConsentRecorded, "consent_outcome", "participant",
        _event(GuardianConsentRecorded), ("Din vårdnadshavare har sagt nej",),
        ("väntar",)),
    Row(PlacementAccepted, "placement_accepted", "participant",
        _event(PlacementAccepted, by="workplace"), ("har sagt ja till dig", PERIOD)),
    Row(PlacementAccepted, "placement_accepted", "guardians_of_minor",
        _event(PlacementAccepted, by="workplace"), ("har sagt ja till Elsa Ek",)),
    Row(PlacementAccepted, "placement_accepted", "supervisor",
        _event(PlacementAccepted, by="participant", waiting_for=[]),
        ("Praktikanten har tackat ja", "välkomstbrev")),
    Row(PlacementDeclined, "placement_declined", "participant", _event(PlacementDeclined),
        ("Din vårdnadshavare har inte gett sitt samtycke",),
        ("kunde inte ta emot", "Tiden för att svara")),
    Row(PlacementDeclined, "placement_declined", "guardians_of_minor",
        _event(PlacementDeclined, by="workplace", reason="no_capacity"),
        ("kunde inte ta emot Elsa Ek", "letar efter en annan plats")),
    Row(PlacementDeclined, "placement_declined", "supervisor", _event(PlacementDeclined),
        (f"Praktiken {PERIOD} blir inte av",), ("samtycke", "vårdnadshavare", "Elsa")),
    Row(PlacementWaitlisted, "waitlisted", "participant", _event(PlacementWaitlisted),
        ("Alla platser som passar dig är redan tagna",
         "Din vårdnadshavare har sagt nej till praktiken")),
    Row(PlacementWaitlisted, "waitlisted", "guardians_of_minor", _event(PlacementWaitlisted),
        ("Elsa Ek har inte fått en plats", "Alla platser som passar är redan tagna",
         "Samtycke från vårdnadshavare saknas eller är nej"),
        ("Din vårdnadshavare", "passar dig")),
    Row(PlacementConfirmed, "welcome_letter", "participant", _event(PlacementConfirmed),
        ("Du är välkommen", "Stortorget 1, Hässleholm", "kl. 08:30", "Receptionen, entré B",
         "måndag 15 mars 09:00–15:00", "fredag 19 mars", "Lunch och inneskor", "Sekretess")),
    Row(PlacementConfirmed, "welcome_letter", "guardians_of_minor", _event(PlacementConfirmed),
        ("Elsa Ek är välkommen", "Stortorget 1, Hässleholm")),
    Row(PlacementConfirmed, "day_one_checklist", "supervisor", _event(PlacementConfirmed),
        ("Checklista för första dagen", "muntlig information om sekretess")),
    Row(PlacementDeadlineApproaching, "deadline_reminder", "supervisor",
        _event(PlacementDeadlineApproaching),
        ("Påminnelse", "Vi väntar fortfarande på ditt svar", "Tacka ja eller nej",
         f"senast {DEADLINE}", "räknas det som ett nej", "http://portal.test/l/", PERIOD),
        ("Elsa",)),
    Row(PlacementDeadlineApproaching, "deadline_reminder", "participant",
        _event(PlacementDeadlineApproaching, awaiting="participant"),
        ("Påminnelse", "Du har fått ett erbjudande", f"senast {DEADLINE}",
         "går platsen till nästa på tur", "http://portal.test/l/", "Ekonomiskt bistånd")),
    Row(PlacementDeadlineApproaching, "deadline_reminder", "guardians",
        _event(PlacementDeadlineApproaching, awaiting="consent"),
        ("samtycke behövs", "Elsa Ek", f"senast {DEADLINE}", "under 18 år",
         "Kommer inget samtycke in i tid går platsen till nästa på tur",
         "http://portal.test/l/")),
    Row(PlacementDeadlineExtended, "deadline_extended", "supervisor",
        _event(PlacementDeadlineExtended, awaiting="workplace"),
        ("längre tid att svara om praktikanten", "senast 1 mars kl. 10:00",
         f"i stället för {DEADLINE}", "http://portal.test/l/")),
    Row(PlacementDeadlineExtended, "deadline_extended", "participant",
        _event(PlacementDeadlineExtended, awaiting="participant"),
        ("längre tid att svara på erbjudandet", "senast 1 mars kl. 10:00",
         "går platsen till nästa på tur", "http://portal.test/l/")),
    Row(PlacementDeadlineExtended, "deadline_extended", "guardians",
        _event(PlacementDeadlineExtended),
        ("Längre tid för samtycke", "för Elsa Ek", "senast 1 mars kl. 10:00",
         "http://portal.test/l/")),
    Row(WorkplaceClosed, "workplace_closed", "manager", _event(WorkplaceClosed),
        ("Ekonomiskt bistånd kan inte ta emot praktikanter just nu", "23 februari",
         "Det sista giltiga handledarintyget på arbetsplatsen har gått ut",
         "grundutbildningen för handledare")),
    Row(PlacementCancelled, "placement_cancelled", "participant", _event(PlacementCancelled),
        ("är inställd", PERIOD), ("Checklistan",)),
    Row(PlacementCancelled, "placement_cancelled", "guardians_of_minor",
        _event(PlacementCancelled), ("är inställd",)),
    Row(PlacementCancelled, "placement_cancelled", "supervisor", _event(PlacementCancelled),
        ("är inställd", "Checklistan för första dagen som vi skickade gäller inte längre")),
    Row(ParticipantErased, "placement_ended", "open_placement_supervisors",
        _event(ParticipantErased), ("har upphört", "Ekonomiskt bistånd", PERIOD),
        ("Elsa", "radera", "begär", "Hej Elsa")),
)


def test_every_route_has_a_row_here_and_in_the_readme() -> None:
    routes = {(kind.__name__, r.template, r.audience)
              for kind, rs in ROUTES.items() for r in rs}
    assert {row.key for row in ROWS} == routes
    table = set()
    for line in README.read_text().splitlines():
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if len(cells) >= 4 and cells[0] in {k.__name__ for k in ROUTES}:
            table.add((cells[0], cells[3], cells[1]))
    assert table == routes


def rendered(row: Row, world: World = WORLD, sender: Sender | None = None) -> list[str]:
    """The recipient's messages for the row: each channel, in Swedish, signed."""
    event = row.event(world)
    facts = row.facts(world.facts())
    route = next(r for r in ROUTES[row.kind]
                 if r.template == row.template and r.audience == row.audience)
    planned = [p for p in plan(event, facts, PLAN, "cause", None, NOW)
               if p.template == row.template and p.recipient_role == ROLE.get(
                   row.audience, p.recipient_role)]
    assert planned, f"no {row.template} for {row.audience}"
    assert {p.channel for p in planned} == set(route.channels)
    signature = (sender or Sender(world.municipality, PROFILE)).signature()
    texts = []
    for p in planned:
        context = {**p.context, "recipient_name": "Mottagaren", "role": p.recipient_role,
                   "sender": signature, "opt_out_url": "http://portal.test/l/opt-out"}
        if p.channel == "email":
            mail = renderer.email(p.template, "sv", context)
            texts.append(mail.subject + "\n" + mail.text)
        else:
            texts.append(renderer.sms(p.template, "sv", context).text)
    return texts


@pytest.mark.parametrize("row", ROWS, ids=lambda r: "-".join(r.key))
def test_the_recipient_reads_the_right_words(row: Row) -> None:
    for text in rendered(row):
        sms = "\n" not in text
        for words in row.must:
            expected = words.replace("–", "-") if sms and re.search(r"\d–\d", words) else words
            if sms and expected not in text:
                continue  # an SMS says less; the e-mail of the row carries every word
            assert expected in text, (words, text)
        for words in (*row.must_not, *NEVER):
            assert words not in text, (words, text)
        assert "Hässleholms kommun" in text  # signed by the municipality
        if not sms:
            assert "Eva Lund" in text and "+46451123456" in text
            assert "eva.lund@hassleholm.example" in text


def test_an_email_of_every_row_carries_every_word() -> None:
    for row in ROWS:
        texts = rendered(row)
        mails = [t for t in texts if "\n" in t]
        for words in row.must:
            assert any(words in t for t in mails) or all("\n" not in t for t in texts), (
                row.key, words)


def test_after_a_refused_consent_nobody_is_told_we_wait_for_it() -> None:
    """The refusal as the family and the workplace meet it: the consent's outcome, the
    decline that follows (by the guardian), and the waitlisting after it."""
    refused = [r for r in ROWS if r.kind in (GuardianConsentRecorded, PlacementDeclined)
               and r.event(WORLD).model_dump().get("by", "guardian") == "guardian"]
    refused += [r for r in ROWS if r.kind is PlacementWaitlisted]
    assert len(refused) >= 5
    for row in refused:
        for text in rendered(row):
            assert "Vi väntar på samtycke" not in text
            assert "Arbetsplatsen tackade nej" not in text
            assert "kunde inte ta emot" not in text
    supervisor = next(r for r in ROWS if r.kind is PlacementDeclined
                      and r.audience == "supervisor")
    [mail] = rendered(supervisor)
    assert "blir inte av" in mail and "vårdnadshavare" not in mail


@pytest.mark.parametrize(("by", "reason", "audience", "words"), [
    ("workplace", "acceptance_deadline_passed", "participant", "Tiden för att svara"),
    ("workplace", "acceptance_deadline_passed", "supervisor", "Tiden för att svara"),
    ("participant", "answer_deadline_passed", "participant", "Tiden för att svara"),
    ("participant", "answer_deadline_passed", "supervisor", "Tiden för att svara"),
    ("participant", "other", "supervisor", "Praktikanten har tackat nej"),
    ("participant", "other", "guardians_of_minor", "Elsa Ek har tackat nej"),
    ("workplace", "no_capacity", "participant", "kunde inte ta emot dig"),
])
def test_each_decline_in_the_right_words_for_each_side(by: str, reason: str, audience: str,
                                                      words: str) -> None:
    row = Row(PlacementDeclined, "placement_declined", audience,
              _event(PlacementDeclined, by=by, reason=reason), (words,))
    [mail] = [t for t in rendered(row) if "\n" in t]
    assert words in mail
    if by != "workplace":
        assert "kunde inte ta emot" not in mail


@pytest.mark.parametrize(("by", "reason", "audience"), [
    ("workplace", "no_capacity", "supervisor"),
    ("participant", "other", "participant"),
])
def test_who_declined_is_not_told_again(by: str, reason: str, audience: str) -> None:
    event = _event(PlacementDeclined, by=by, reason=reason)(WORLD)
    planned = plan(event, WORLD.facts(), PLAN, "c", None, NOW)
    assert ROLE[audience] not in {p.recipient_role for p in planned}


def test_an_offer_to_answer_carries_the_link_and_the_deadline() -> None:
    answer_by = NOW + timedelta(days=3)
    for audience, changes, role in (
            ("participant", {"answer_by": answer_by}, "participant"),
            ("guardians_of_minor", {"answer_by": answer_by, "guardian_answer": True,
                                    "consent_required": False}, "guardian")):
        row = Row(PlacementProposed, "placement_offer", audience,
                  _event(PlacementProposed, **changes), ())
        [mail] = rendered(row)
        assert "svara senast 26 februari" in mail.lower()
        assert "http://portal.test/l/" in mail
        event = row.event(WORLD)
        [p] = [p for p in plan(event, WORLD.facts(), PLAN, "c", None, NOW)
               if p.template == "placement_offer" and p.recipient_role == role]
        link = PLAN.links.signer.read(p.context["link"].rsplit("/", 1)[1], "offer_answer")
        assert link.expires_at == answer_by.replace(microsecond=0)


def test_without_a_profile_the_message_is_signed_with_the_code_and_nothing_made_up() -> None:
    row = ROWS[0]
    [mail] = rendered(row, sender=Sender(WORLD.municipality))
    assert f"kommunkod {WORLD.municipality}" in mail
    assert "Eva Lund" not in mail and "@" not in mail.split("Hälsningar")[1].split("Vill du")[0]


def test_the_welcome_letter_lists_each_working_day_on_a_line_of_its_own() -> None:
    row = next(r for r in ROWS if r.template == "welcome_letter" and r.audience == "participant")
    mail = rendered(row)[0]
    days = [line for line in mail.splitlines() if line.startswith("- ") and "mars" in line]
    assert days == [f"- {day} {n} mars 09:00–15:00" for day, n in (
        ("måndag", 15), ("tisdag", 16), ("onsdag", 17), ("torsdag", 18), ("fredag", 19))]


def test_a_guardian_reads_the_waitlist_reasons_about_the_child_not_to_the_child() -> None:
    row = next(r for r in ROWS if r.template == "waitlisted" and r.audience != "participant")
    for text in rendered(row):
        assert "Din vårdnadshavare" not in text and "passar dig" not in text, text
