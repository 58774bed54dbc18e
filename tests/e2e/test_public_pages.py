"""The portal's public pages, end to end, in a real browser.

A small season in Laholm (1381) is played with the real services and the portal as
processes (real Kafka and Postgres, the SMTP catcher and the SMS fake), with nobody
answering. Then each person follows the link in the message the system sent them (found
in the caught e-mails and SMS addressed to that person) in Chromium, as they would:
workplaces accept and one declines with a reason, a guardian consents and another (of
another minor) refuses, a participant declines and the next in line is proposed and
told, an attendee answers the course evaluation. Each page is checked with axe-core and
kept as a screenshot (devkit.browser: `.artifacts/screenshots/e2e-*.png`). What each page
shows, and what happened in the services afterwards, is asserted.

Bad links (used, expired, altered) get a clear page naming whom to contact, and change
nothing. After an erasure the portal, which keeps nothing, cannot show the erased
person's link.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Browser, Page, expect

from devkit.browser import phone
from devkit.infra import Infra
from devkit.processes import System
from devkit.wait import eventually
from praktik_cli.demo import answering, applying, registering, training
from praktik_cli.demo.inbox import CaughtLink
from praktik_cli.demo.plan import Plan
from praktik_cli.demo.season import Season
from shared.contracts import topics
from shared.links import LinkSigner
from tests.e2e.conftest import LINK_SECRET, Outside, OwnDatabase, endpoints
from tests.e2e.journey import (
    events_about,
    link_for,
    participant_of,
    proposals,
    season_mail,
    status_becomes,
    supervisor_of,
    wished_by_the_waiting,
)
from tests.e2e.pages import Visits, answer, fact, swedish_day
from tests.e2e.portal import portal_process, remote_ports

pytestmark = [pytest.mark.infra, pytest.mark.timeout(600)]

CODE = "1381"
TOWN = Plan(workplaces={CODE: 3}, summer_requests=20, prao_requests=0, work_trials=0,
            workplace_declines=0, participant_declines=0, seed=17,
            consent_weights=(0, 50, 50, 0), phone_share=0.8, people_answer=False,
            one_wish=True)
"""Laholm alone (no other test's municipality): three workplaces (a manager may never
attend a breakfast meeting, so one may stay closed), more summer-job applicants than
places (a waitlist, so a freed place goes to the next in line), every minor's guardians
answering after the proposal (or refusing). Each applicant wishes for one occupation
only, so a place that comes free goes to the next in line and nobody moves up: the
journey answers the same placements throughout (test_stable_rematching.py follows
a move)."""
STOCKHOLM = ZoneInfo("Europe/Stockholm")


@dataclass
class Town:
    season: Season
    portal_url: str
    portal_pid: int
    visits: Visits = field(default_factory=Visits)
    done: dict[str, Any] = field(default_factory=dict)
    """What earlier steps did, for the later ones (the tests run in order)."""

    def url(self, link: CaughtLink) -> str:
        return f"{self.portal_url}/l/{link.token}"


@pytest.fixture(scope="module")
async def town(e2e_infra: OwnDatabase, system: System, outside: Outside,
               tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Town]:
    log = tmp_path_factory.mktemp("portal") / "portal.log"
    async with portal_process(system, outside.portal_port, LINK_SECRET, log) as portal, \
            Season(TOWN, endpoints(e2e_infra, system, outside)) as season:
        await _play_unanswered(season)
        yield Town(season, outside.portal_url, portal.pid)


async def _play_unanswered(season: Season) -> None:
    """The season up to the first proposals; nobody has answered anything yet."""
    await season.check_ready()
    await registering.register_workplaces(season)
    await registering.record_profiles(season)
    await training.train(season)
    await registering.offer(season)
    await season.settle("matching")
    await applying.apply(season, "summer_job", TOWN.summer_requests, "applications")
    await season.settle("matching")
    await answering.run_rounds(season, "summer_job")
    await season.settle()


# -- helpers ------------------------------------------------------------------------------


async def placement_facts_shown(page: Page, season: Season, proposal: dict[str, Any],
                                supervisor_first_name: bool = True) -> None:
    """The placement's facts on the page: workplace, period, supervisor, secrecy note."""
    workplace = season.workplace(uuid.UUID(proposal["workplace_id"]))
    assert await fact(page, "Arbetsplats") == workplace.name
    period = await fact(page, "När")
    start = datetime.fromisoformat(proposal["period_start"]).date()
    end = datetime.fromisoformat(proposal["period_end"]).date()
    assert swedish_day(start) in period and f"{swedish_day(end)} {end.year}" in period
    if supervisor_first_name:
        first = supervisor_of(season, proposal).person.name.split()[0]
        assert await fact(page, "Handledare") == first
    offer = next(o for o in season.offers if str(o.id) == proposal["offer_id"])
    secret = workplace.kind.client_contact and offer.without_client_contact
    await expect(page.locator("#secrecy-heading")).to_have_count(1 if secret else 0)


async def contact_shown(page: Page, season: Season) -> None:
    coordinator = season.coordinators[CODE]
    contact = page.locator("section.contact")
    await expect(contact).to_contain_text(str(coordinator.email))
    await expect(contact).to_contain_text(coordinator.name)


def deadline_day(value: str) -> str:
    return swedish_day(datetime.fromisoformat(value).astimezone(STOCKHOLM).date())


# -- the journey --------------------------------------------------------------------------


def _to_decline(season: Season, fresh: list[dict[str, Any]]) -> dict[str, Any]:
    """The proposal a workplace declines: not the one guardian who would consent, nor
    the one who would refuse (the next test needs both)."""
    kinds = [participant_of(season, p).consent for p in fresh]
    for proposal, kind in zip(fresh, kinds, strict=True):
        if kind == "none" or kinds.count(kind) > 1:
            return proposal
    return fresh[0]


async def test_workplaces_accept_and_one_declines(town: Town, browser: Browser) -> None:
    season = town.season
    fresh = proposals(season)
    assert len(fresh) >= 4, f"too few proposals to play with: {len(fresh)}"
    declined = _to_decline(season, fresh)
    accepted = [p for p in fresh if p is not declined]
    sms = next((p for p in accepted if supervisor_of(season, p).person.sms_allowed), None)
    assert sms is not None, "no supervisor with SMS: the SMS link would not be followed"
    async with phone(browser) as page:
        for n, proposal in enumerate(accepted):  # the decline last: it frees a place
            await _workplace_answers(town, page, proposal, f"workplace_answer-{n}",
                                     "sms" if proposal is sms else "email")
        await _workplace_answers(town, page, declined, "workplace_answer-declined",
                                 "email", decline=True)
        assert await status_becomes(season, declined["placement_id"], "declined")
        said = events_about(season, "PlacementDeclined", declined["placement_id"])
        assert [(d["by"], d["reason"]) for d in said] == [("workplace", "no_capacity")]
    for proposal in accepted:
        await eventually(_accepted_by_workplace(season, proposal["placement_id"]),
                         60, "PlacementAccepted by the workplace", interval_s=0.3)
    town.done["accepted"] = accepted
    town.done["declined"] = declined


async def _workplace_answers(town: Town, page: Page, proposal: dict[str, Any], name: str,
                             channel: str, decline: bool = False) -> None:
    """The supervisor opens the link in their message, reads the placement and answers."""
    season = town.season
    supervisor = supervisor_of(season, proposal)
    link = await link_for(season, "workplace_answer", proposal["placement_id"],
                          supervisor.id, supervisor.person.email if channel == "email"
                          else supervisor.person.phone, channel)
    assert town.url(link) in link.text, "the message's link is not the portal's"
    await town.visits.open(page, town.url(link), name)
    await placement_facts_shown(page, season, proposal, supervisor_first_name=True)
    assert proposal["accept_by"], "a proposal without a deadline"
    await expect(page.locator(".deadline")).to_contain_text(
        deadline_day(proposal["accept_by"]))
    await contact_shown(page, season)
    choices = ["answer-decline", "reason-no_capacity"] if decline else ["answer-accept"]
    outcome = await answer(page, town.visits, name, choices)
    assert outcome == ("workplace_declined" if decline else "workplace_accepted")
    town.done.setdefault("workplace_links", {})[proposal["placement_id"]] = link


def _accepted_by_workplace(season: Season, placement_id: str) -> Any:
    return lambda: any(a["by"] == "workplace"
                       for a in events_about(season, "PlacementAccepted", placement_id))


async def test_a_guardian_consents_and_another_refuses(town: Town, browser: Browser) -> None:
    season = town.season
    accepted: list[dict[str, Any]] = town.done["accepted"]
    asked = [p for p in accepted if p["consent_required"]]
    late = [p for p in asked if participant_of(season, p).consent == "late"]
    refusing = [p for p in asked if participant_of(season, p).consent == "refused"]
    assert late and refusing, "the season needs a consenting and a refusing guardian"
    consenting, refused = late[0], refusing[0]
    async with phone(browser) as page:
        for n, (proposal, granted) in enumerate([(p, True) for p in late] + [(refused, False)]):
            child = participant_of(season, proposal)
            guardian = child.guardians[0]
            assert guardian.id is not None
            link = await link_for(season, "consent", proposal["placement_id"], guardian.id,
                                  guardian.email)
            name = f"consent-{'yes' if granted else 'no'}-{n}"
            await town.visits.open(page, town.url(link), name)
            await expect(page.locator("p.lead")).to_contain_text(
                guardian.name.split()[0])
            await placement_facts_shown(page, season, proposal)
            await contact_shown(page, season)
            message = "Lycka till!" if granted else "Hon ska vara med familjen i sommar."
            if not granted:
                town.done["refused_at"] = datetime.now(UTC)
            outcome = await answer(page, town.visits, name,
                                   ["consent-yes" if granted else "consent-no"],
                                   {"message": message})
            assert outcome == ("consent_given" if granted else "consent_refused")
            child.consent = "given" if granted else "refused-given"
    for proposal, granted, text in [(consenting, True, "Lycka till!"),
                                    (refused, False, "Hon ska vara med familjen i sommar.")]:
        await _consent_recorded(season, proposal, granted, text)
    town.done["refused"] = refused
    assert await status_becomes(season, refused["placement_id"], "declined", "cancelled")
    await _child_told_guardian_said_no(town, refused)


async def _consent_recorded(season: Season, proposal: dict[str, Any], granted: bool,
                            message: str) -> None:
    """Registration's consent list shows who answered, when, how, and what they said."""
    child = participant_of(season, proposal)
    guardian = child.guardians[0]

    async def recorded() -> list[dict[str, Any]]:
        row = await season.call("GET", f"{season.endpoints.registration}/participants/"
                                       f"{child.id}")
        return [c for c in row["consents"] if c["guardian_id"] == str(guardian.id)]

    consents = await eventually(recorded, 30, "the guardian's answer in registration")
    answer_ = consents[-1]
    assert answer_["granted"] is granted and answer_["via"] == "link"
    assert answer_["message"] == message and answer_["recorded_at"]
    assert answer_["placement_id"] == proposal["placement_id"]


async def _child_told_guardian_said_no(town: Town, refused: dict[str, Any]) -> None:
    """After the refusal the child hears that the guardian said no, and not that we are
    waiting for consent, nor that the workplace declined."""
    season = town.season
    outside_mail = season_mail(season)
    child = participant_of(season, refused)
    email = str(child.person.email).lower()

    # In the child's language (English for those who read it, else Swedish).
    said_no = ("Your guardian has said no" if child.person.language == "en"
               else "Din vårdnadshavare har sagt nej")

    def told() -> list[str]:
        return [text for subject, text in outside_mail(email, town.done["refused_at"])
                if said_no in subject]

    said = await eventually(told, 60, lambda: (
        f"the child ({child.person.language}) told that the guardian said no; mail since: "
        + str([subject for subject, _ in outside_mail(email, town.done["refused_at"])])))
    assert said_no in said[0]
    for _, text in outside_mail(email, town.done["refused_at"]):
        assert "Vi väntar på samtycke" not in text
        assert "Arbetsplatsen tackade nej" not in text


async def test_a_participant_declines_and_the_next_in_line_is_told(
        town: Town, browser: Browser) -> None:
    season = town.season
    refused = town.done["refused"]
    answering_ = [p for p in town.done["accepted"] if p is not refused]
    assert len(answering_) >= 2
    # The decliner holds a place that someone waiting wishes for and could take (which
    # ones do depends on the lottery, drawn anew each run).
    wished = await wished_by_the_waiting(season)
    declining = next((p for p in answering_ if p["offer_id"] in wished), None)
    assert declining is not None, ("nobody waiting could take a freed place",
                                   [p["offer_id"][:8] for p in answering_], wished)
    accepting = [p for p in answering_ if p is not declining]
    async with phone(browser) as page:
        for n, proposal in enumerate(accepting):  # the decline last: it frees a place
            assert await _participant_answers(town, page, proposal, f"offer_answer-{n}",
                                              decline=False) == "offer_accepted"
        # Those whose every party said yes (and whose consent is in) are confirmed.
        ready = [p for p in accepting
                 if participant_of(season, p).consent in ("none", "given")]
        assert ready, "nobody to confirm"
        for proposal in ready:
            assert await status_becomes(season, proposal["placement_id"], "confirmed")
        fresh_before = proposals(season)
        assert await _participant_answers(town, page, declining, "offer_answer-declined",
                                          decline=True) == "offer_declined"
    assert await status_becomes(season, declining["placement_id"], "declined")
    assert [d["by"] for d in events_about(season, "PlacementDeclined",
                                          declining["placement_id"])] == ["participant"]
    seen = {p["placement_id"] for p in fresh_before}
    nxt = await eventually(lambda: next((
        p for p in proposals(season)
        if p["offer_id"] == declining["offer_id"] and p["placement_id"] not in seen), None),
        60, lambda: "the freed place proposed again; proposals since: " + str(
            [(p["offer_id"][:8], p["request_id"][:8]) for p in proposals(season)
             if p["placement_id"] not in seen]), interval_s=0.5)
    assert nxt["request_id"] != declining["request_id"], "proposed again to the decliner"
    child = participant_of(season, nxt)
    told = await link_for(season, "offer_answer", nxt["placement_id"], child.id,
                          child.person.email)
    # In the child's language: English for those who read it, else Swedish (first).
    assert nxt["replaces"] is None, "a one-wish town: nobody moves up (TOWN)"
    offer = "You have an offer" if child.person.language == "en" else "Du har fått ett erbjudande"
    assert told.subject_line.startswith(offer), (child.person.language, told.subject_line)
    town.done["next"] = nxt
    town.done["confirmed"] = ready


async def _participant_answers(town: Town, page: Page, proposal: dict[str, Any], name: str,
                               decline: bool) -> str:
    """The participant opens the offer's link, reads it and answers: the outcome."""
    season = town.season
    child = participant_of(season, proposal)
    assert proposal["answer_by"], "summer jobs in Laholm ask the participant"
    link = await link_for(season, "offer_answer", proposal["placement_id"], child.id,
                          child.person.email)
    await town.visits.open(page, town.url(link), name)
    await expect(page.locator("p.lead")).to_contain_text(child.person.name.split()[0])
    await expect(page.locator(".deadline")).to_contain_text(
        deadline_day(proposal["answer_by"]))
    await placement_facts_shown(page, season, proposal)
    if decline:
        return await answer(page, town.visits, name, ["answer-decline"],
                            {"reason": "Jag har fått ett annat jobb."})
    return await answer(page, town.visits, name, ["answer-accept"])


async def _snapshot(town: Town) -> dict[str, Any]:
    season = town.season
    await season.settle()
    rows = await season.call("GET", f"{season.endpoints.matching}/matching/placements"
                                    f"?municipality_code={CODE}&limit=1000")
    consents = {}
    for participant in season.participants.values():
        if participant.id not in season.erased:
            row = await season.call("GET", f"{season.endpoints.registration}/participants/"
                                           f"{participant.id}")
            consents[str(participant.id)] = row["consents"]
    acting = (topics.REGISTRATION_EVENTS, topics.MATCHING_EVENTS, topics.TRAINING_EVENTS)
    events = [e["type"] for topic, e in season.log.with_topics() if topic in acting
              and isinstance(e.get("data"), dict)
              and e["data"].get("municipality_code") == CODE]
    return {"placements": {r["placement_id"]: r["status"] for r in rows},
            "consents": consents, "events": events}


async def test_bad_links_say_so_and_change_nothing(town: Town, browser: Browser) -> None:
    season = town.season
    nxt = town.done["next"]
    supervisor = supervisor_of(season, nxt)
    signer = LinkSigner(LINK_SECRET)
    expired = signer.sign("workplace_answer", uuid.UUID(nxt["placement_id"]), supervisor.id,
                          datetime.now(UTC) - timedelta(hours=1), CODE)
    live = await link_for(season, "workplace_answer", nxt["placement_id"], supervisor.id,
                          supervisor.person.email)
    head, signature = live.token.rsplit(".", 1)
    altered = f"{head}.{signature[:5]}{'A' if signature[5] != 'A' else 'B'}{signature[6:]}"
    # A link used already: the workplace's, of a placement now confirmed.
    used: CaughtLink = town.done["workplace_links"][town.done["confirmed"][0]["placement_id"]]
    before = await _snapshot(town)
    async with phone(browser) as page:
        await town.visits.open(page, town.url(used), "bad-used")
        await expect(page.locator("h1")).to_have_text("Du har redan svarat")
        await contact_shown(page, season)
        response = await page.request.post(town.url(used), form={"answer": "accept"})
        assert response.status == 409
        await page.set_content(await response.text())
        await expect(page.locator("[data-trouble=link_used]")).to_be_visible()
        for name, token, status, trouble in [
                ("bad-expired", expired, 410, "link_expired"),
                ("bad-altered", altered, 403, "link_invalid")]:
            await town.visits.open(page, f"{town.portal_url}/l/{token}", name, status)
            await expect(page.locator(f"[data-trouble={trouble}]")).to_be_visible()
            await expect(page.locator("form")).to_have_count(0)
            if trouble == "link_expired":
                await contact_shown(page, season)  # the token names the municipality
            else:
                await expect(page.locator("section.contact")).to_contain_text("@")
            response = await page.request.post(f"{town.portal_url}/l/{token}",
                                               form={"answer": "accept"})
            assert response.status == status
    after = await _snapshot(town)
    assert after == before, "a bad link changed something"
    # The live link still acts: the target was open all along.
    async with phone(browser) as page:
        await town.visits.open(page, town.url(live), "workplace_answer-next")
        assert await answer(page, town.visits, "workplace_answer-next",
                            ["answer-accept"]) == "workplace_accepted"


async def test_an_attendee_answers_the_evaluation(town: Town, browser: Browser) -> None:
    season = town.season
    base = season.sessions["base_course"][0]
    attendee = next(s for w in season.workplaces for s in w.supervisors if s.attends)
    link = await link_for(season, "evaluation", base["session_id"], attendee.id,
                          attendee.person.email)
    async with phone(browser) as page:
        await town.visits.open(page, town.url(link), "evaluation")
        await expect(page.locator("section.facts")).to_contain_text(
            swedish_day(datetime.fromisoformat(base["starts_at"]).astimezone(STOCKHOLM)
                        .date()))
        outcome = await answer(page, town.visits, "evaluation",
                               ["overall-4", "usefulness-5"],
                               {"comment": "Bra exempel från andra arbetsplatser."})
        assert outcome == "evaluation_sent"
    year = datetime.fromisoformat(base["starts_at"]).year

    async def figures() -> dict[str, Any] | None:
        summary = await season.call("GET", f"{season.endpoints.training}/evaluations"
                                           f"?year={year}")
        return next((s for s in summary["sessions"]
                     if s["session_id"] == base["session_id"] and s["responses"]), None)

    found = await eventually(figures, 30, "the answer in training's figures")
    assert found["responses"] == 1
    assert float(found["overall"]) == 4.0 and float(found["usefulness"]) == 5.0


async def test_the_portal_keeps_nothing_after_an_erasure(town: Town, browser: Browser,
                                                         infra: Infra) -> None:
    season = town.season
    nxt = town.done["next"]
    child = participant_of(season, nxt)
    link = await link_for(season, "offer_answer", nxt["placement_id"], child.id,
                          child.person.email)
    await season.call("DELETE", f"{season.endpoints.registration}/participants/{child.id}")
    season.erased.add(child.id)
    await eventually(lambda: any(e["data"]["participant_id"] == str(child.id)
                                 for e in season.log.of("ParticipantErased")),
                     30, "ParticipantErased on the bus", interval_s=0.2)
    await season.settle()
    async with phone(browser) as page:
        response = await page.goto(town.url(link))
        assert response is not None and response.status in (403, 404, 409, 410)
        await expect(page.locator("[data-trouble]")).to_be_visible()
        await expect(page.locator("form")).to_have_count(0)
        assert child.person.name not in await page.content()
        await town.visits.check(page, "bad-erased")
    # The portal holds no connection to a database or a broker: it has no store.
    stores = {int(infra.kafka_bootstrap.rsplit(":", 1)[1])}
    stores.add(int(str(infra.admin_database_url).split("@", 1)[1].split("/")[0]
                   .rsplit(":", 1)[1]))
    assert remote_ports(town.portal_pid) & stores == set()
    assert len(town.visits.seen) >= 10
