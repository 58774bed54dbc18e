"""The answers people give by the links in their messages, over HTTP, with real Kafka
and Postgres: the workplace's answer to a proposal, the participant's (and a
guardian's) answer to an offer, and the consent as registration states it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest

from devkit.bus import TopicReader
from devkit.infra import Infra
from devkit.publisher import Publisher
from devkit.services import http_client, running, service_settings
from devkit.wait import settled
from services.matching.bootstrap import build
from services.matching.settings import MatchingSettings
from services.matching.tests.integration.scenario import (
    Scenario,
    link_header,
    link_token,
    municipality,
    now,
    workplace_link,
)
from shared.auth import issue_token
from shared.contracts import topics
from shared.contracts.registration import GuardianConsentRecorded, MunicipalityProfileRecorded
from shared.runtime import Service

pytestmark = pytest.mark.infra

WORKPLACE, OFFER = "/matching/links/workplace_answer", "/matching/links/offer_answer"


class Clock:
    """The service's clock, moved on by a test (links are checked against real time)."""

    def __init__(self) -> None:
        self.ahead = timedelta()

    def __call__(self) -> datetime:
        return now() + self.ahead


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def service(infra: Infra, clock: Clock) -> AsyncIterator[Service]:
    settings = MatchingSettings(**service_settings(infra, "matching",
                                                   deadline_check_interval_s=0.2))
    async with running(infra, lambda: build(settings, clock=clock)) as s:
        yield s


@pytest.fixture
async def scenario(infra: Infra, service: Service) -> AsyncIterator[Scenario]:
    async with Publisher(infra.kafka_bootstrap) as publisher, \
            TopicReader(infra.kafka_bootstrap, [topics.MATCHING_EVENTS]) as reader:
        yield Scenario(publisher, reader, municipality())


async def placement(client: httpx.AsyncClient, service: Service, s: Scenario,
                    placement_id: str) -> dict[str, Any]:
    token = issue_token(service.settings.auth_jwt_secret, "coordinator-1", "coordinator", [s.m])
    found = await client.get(f"/matching/placements/{placement_id}",
                             headers={"Authorization": f"Bearer {token}"})
    assert found.status_code == 200, found.text
    body: dict[str, Any] = found.json()
    return body


async def proposal(s: Scenario, capacity: int = 1, **participant: Any) -> dict[str, Any]:
    wid = await s.workplace()
    await s.offer(wid, await s.supervisor(wid), capacity=capacity)
    pid, _ = await s.participant(**participant)
    [proposed] = await s.wait("PlacementProposed", request_id=await s.request(pid))
    return proposed


async def test_the_workplace_accepts_by_link_once(service: Service, scenario: Scenario) -> None:
    s = scenario
    proposed = await proposal(s)
    data = proposed["data"]
    assert data["acceptance_url"] is None and data["answer_by"] is None
    headers = workplace_link(service, proposed)
    async with http_client(service) as client:
        page = await client.get(WORKPLACE, headers=headers)
        assert page.status_code == 200, page.text
        shown = page.json()
        assert (shown["status"], shown["answered"], shown["answer"]) == ("proposed", False, None)
        assert shown["accept_by"] == datetime.fromisoformat(data["accept_by"]).isoformat()
        assert shown["answer_by"] is None
        assert shown["decline_reasons"] == ["no_capacity", "period_unsuitable",
                                            "supervisor_unavailable", "not_a_good_fit", "other"]
        answered = await client.post(WORKPLACE, headers=headers, json={"accept": True})
        assert answered.status_code == 200, answered.text
        assert answered.json()["status"] == "confirmed"
        assert answered.json()["answer"] == {"accept": True, "reason": None}
        assert answered.json()["answered"] is True
        [accepted] = await s.wait("PlacementAccepted", placement_id=data["placement_id"])
        assert (accepted["data"]["by"], accepted["data"]["answered_by"]) == (
            "workplace", data["supervisor_id"])
        await s.wait("PlacementConfirmed", placement_id=data["placement_id"])
        again = await client.post(WORKPLACE, headers=headers,
                                  json={"accept": False, "reason": "other"})
        assert again.status_code == 409 and again.json()["problem"] == "link_used"
        await settled(service)
        assert len(s.events("PlacementAccepted", placement_id=data["placement_id"])) == 1
        assert s.events("PlacementDeclined", placement_id=data["placement_id"]) == []
        assert (await placement(client, service, s, data["placement_id"]))["status"] == (
            "confirmed")
        assert (await client.get(WORKPLACE, headers=headers)).json()["answered"] is True


async def test_the_workplace_declines_with_a_reason_from_the_list(
        service: Service, scenario: Scenario) -> None:
    s = scenario
    proposed = await proposal(s)
    data = proposed["data"]
    headers = workplace_link(service, proposed)
    async with http_client(service) as client:
        for body in ({"accept": False}, {"accept": False, "reason": "bored"}):
            refused = await client.post(WORKPLACE, headers=headers, json=body)
            assert refused.status_code == 422, refused.text
            assert [d["field"] for d in refused.json()["detail"]] == ["reason"]
        assert (await client.get(WORKPLACE, headers=headers)).json()["answered"] is False
        declined = await client.post(WORKPLACE, headers=headers,
                                     json={"accept": False, "reason": "period_unsuitable"})
        assert declined.status_code == 200, declined.text
        assert declined.json()["answer"] == {"accept": False, "reason": "period_unsuitable"}
        assert declined.json()["answers"]["workplace"] == "declined"
    [event] = await s.wait("PlacementDeclined", placement_id=data["placement_id"])
    assert (event["data"]["by"], event["data"]["reason"], event["data"]["participant_id"]) == (
        "workplace", "period_unsuitable", data["participant_id"])


async def test_a_bad_link_says_how_and_changes_nothing(service: Service,
                                                       scenario: Scenario) -> None:
    s = scenario
    proposed = await proposal(s)
    data = proposed["data"]
    p, sv = data["placement_id"], data["supervisor_id"]
    good = link_token(service, "workplace_answer", p, sv)
    expired = link_token(service, "workplace_answer", p, sv, now() - timedelta(minutes=1))
    cases = {
        "expired": (link_header(expired), 410, "link_expired"),
        "altered": (link_header(good[:-3] + ("AAA" if good[-3:] != "AAA" else "BBB")),
                    403, "link_invalid"),
        "wrong person": (link_header(link_token(service, "workplace_answer", p,
                                                data["participant_id"])), 403, "link_invalid"),
        "wrong purpose": (link_header(link_token(service, "consent", p, sv)), 403,
                          "link_wrong_purpose"),
        "none": ({}, 403, "link_invalid"),
    }
    async with http_client(service) as client:
        for name, (headers, status, problem) in cases.items():
            for answer in (client.get(WORKPLACE, headers=headers),
                           client.post(WORKPLACE, headers=headers, json={"accept": True})):
                response = await answer
                assert (response.status_code, response.json()["problem"]) == (
                    status, problem), name
        await settled(service)
        assert s.events("PlacementAccepted", placement_id=p) == []
        assert (await placement(client, service, s, p))["status"] == "proposed"
        assert (await client.get(WORKPLACE, headers=link_header(good))).json()[
            "answered"] is False


async def _profile(s: Scenario, guardian: bool = False) -> None:
    await s.send(MunicipalityProfileRecorded(
        municipality_code=s.m, name="Halmstads kommun", coordinator_name="Eva Ek",
        coordinator_email="eva.ek@halmstad.se", coordinator_phone="+46701234567",
        offer_answer_programs=["internship"], offer_answer_days=3,
        guardian_answers_offer=guardian))


def offer_link(service: Service, proposed: dict[str, Any], person: str | UUID) -> dict[str, str]:
    return link_header(link_token(service, "offer_answer", proposed["data"]["placement_id"],
                                  person))


async def _first_and_next(s: Scenario) -> tuple[dict[str, Any], UUID]:
    """A profile that asks participants to answer; one place and two adults asking for
    it: the first's proposal, and the request of the next in line."""
    await _profile(s)
    # The profile is on the registration topic, as the requests: it is in before them.
    proposed = await proposal(s)
    second, _ = await s.participant()
    next_request = await s.request(second)
    await s.wait("PlacementWaitlisted", request_id=next_request)
    assert proposed["data"]["answer_by"] is not None
    return proposed, next_request


async def test_the_participant_accepts_and_the_last_yes_confirms(
        service: Service, scenario: Scenario) -> None:
    s = scenario
    proposed, _ = await _first_and_next(s)
    data = proposed["data"]
    answer_by = datetime.fromisoformat(data["answer_by"])
    assert (answer_by.hour, answer_by.minute) == (23, 59) and answer_by > now()
    headers = offer_link(service, proposed, data["participant_id"])
    async with http_client(service) as client:
        page = (await client.get(OFFER, headers=headers)).json()
        assert (page["you"], page["answers"], page["answered"]) == (
            "participant", {"workplace": "waiting", "participant": "waiting"}, False)
        answered = await client.post(OFFER, headers=headers, json={"accept": True,
                                                                   "reason": None})
        assert answered.status_code == 200, answered.text
        assert answered.json()["answers"] == {"workplace": "waiting", "participant": "accepted"}
        [accepted] = await s.wait("PlacementAccepted", placement_id=data["placement_id"])
        assert (accepted["data"]["by"], accepted["data"]["waiting_for"]) == (
            "participant", ["workplace"])
        done = await client.post(WORKPLACE, headers=workplace_link(service, proposed),
                                 json={"accept": True})
        assert done.json()["status"] == "confirmed", done.text
        await s.wait("PlacementConfirmed", placement_id=data["placement_id"])
        shown = await placement(client, service, s, data["placement_id"])
        assert shown["answers"] == {"workplace": "accepted", "participant": "accepted"}


async def test_a_decline_gives_the_place_to_the_next_in_line(
        service: Service, scenario: Scenario) -> None:
    s = scenario
    proposed, next_request = await _first_and_next(s)
    data = proposed["data"]
    async with http_client(service) as client:
        declined = await client.post(OFFER, headers=offer_link(service, proposed,
                                                               data["participant_id"]),
                                     json={"accept": False, "reason": "Jag har fått jobb"})
        assert declined.status_code == 200, declined.text
        assert declined.json()["status"] == "declined"
    [event] = await s.wait("PlacementDeclined", placement_id=data["placement_id"])
    assert (event["data"]["by"], event["data"]["reason"]) == ("participant", "Jag har fått jobb")
    [moved] = await s.wait("PlacementProposed", request_id=next_request)
    assert moved["data"]["offer_id"] == data["offer_id"]


async def test_a_missed_answer_deadline_declines_and_moves_the_place_on(
        service: Service, scenario: Scenario, clock: Clock) -> None:
    s = scenario
    proposed, next_request = await _first_and_next(s)
    data = proposed["data"]
    async with http_client(service) as client:
        accepted = await client.post(WORKPLACE, headers=workplace_link(service, proposed),
                                     json={"accept": True})
        assert accepted.json()["status"] == "accepted", accepted.text
    clock.ahead = datetime.fromisoformat(data["answer_by"]) - now() + timedelta(minutes=1)
    [event] = await s.wait("PlacementDeclined", placement_id=data["placement_id"])
    assert (event["data"]["by"], event["data"]["reason"]) == ("participant",
                                                             "answer_deadline_passed")
    [moved] = await s.wait("PlacementProposed", request_id=next_request)
    assert moved["data"]["offer_id"] == data["offer_id"]


async def test_the_consent_is_taken_as_registration_states_it(
        service: Service, scenario: Scenario) -> None:
    s = scenario
    wid = await s.workplace()
    await s.offer(wid, await s.supervisor(wid))
    participant_id, [g1, g2] = await s.participant(born=date(2010, 6, 1), guardians=2)
    [proposed] = await s.wait("PlacementProposed", request_id=await s.request(participant_id))
    data = proposed["data"]
    assert data["consent_required"] is True
    async with http_client(service) as client:
        accepted = await client.post(WORKPLACE, headers=workplace_link(service, proposed),
                                     json={"accept": True})
        assert accepted.json()["status"] == "accepted", accepted.text
        # Both must consent here: one yes leaves it pending, as registration says.
        await s.send(GuardianConsentRecorded(
            participant_id=participant_id, guardian_id=g1, program="internship",
            granted=True, municipality_code=s.m, consent="pending"))
        await settled(service)
        assert (await placement(client, service, s, data["placement_id"]))["status"] == (
            "accepted")
        await s.send(GuardianConsentRecorded(
            participant_id=participant_id, guardian_id=g2, program="internship",
            granted=True, municipality_code=s.m, consent="granted"))
        await s.wait("PlacementConfirmed", placement_id=data["placement_id"])

