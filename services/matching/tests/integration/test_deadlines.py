"""Deadlines, reminders, extensions, outcomes and follow-ups over real Kafka and Postgres:
HTTP, the deadlines job (two replicas remind once), and the events on the bus. The
services' clock is the test's, moved forward where a test needs days to pass."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from devkit.bus import TopicReader
from devkit.infra import Infra
from devkit.publisher import Publisher
from devkit.services import http_client, running
from devkit.wait import drained, settled
from services.matching.bootstrap import build
from services.matching.tests.integration.scenario import Scenario, municipality, workplace_link
from services.matching.tests.integration.test_service import bearer, settings
from shared.contracts import topics
from shared.contracts.registration import MunicipalityProfileRecorded
from shared.runtime import Service

pytestmark = pytest.mark.infra


@dataclass
class MovableClock:
    """The services' clock: real time shifted by `ahead` (moved by the test)."""

    ahead: timedelta = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.ahead

    def move_to(self, moment: datetime) -> None:
        self.ahead = moment - datetime.now(UTC)


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
async def scenario(infra: Infra) -> AsyncIterator[Scenario]:
    async with Publisher(infra.kafka_bootstrap) as publisher, \
            TopicReader(infra.kafka_bootstrap, [topics.MATCHING_EVENTS]) as reader:
        yield Scenario(publisher, reader, municipality())


def build_at(infra: Infra, clock: MovableClock, **overrides: Any) -> Service:
    return build(settings(infra, deadline_check_interval_s=0.2, **overrides), clock=clock)


async def profile(s: Scenario, **days: int) -> None:
    await s.send(MunicipalityProfileRecorded(
        municipality_code=s.m, name="Halmstads kommun", coordinator_name="Karin Ek",
        coordinator_email="praktik@halmstad.se", coordinator_phone="+46355555555", **days))


def when(event: dict[str, Any], key: str) -> datetime:
    return datetime.fromisoformat(event["data"][key])


async def test_two_replicas_remind_once_an_extension_then_the_consent_lapses(
    infra: Infra, clock: MovableClock, scenario: Scenario
) -> None:
    s = scenario
    async with running(infra, lambda: build_at(infra, clock)) as first:
        second_cm = running(infra, lambda: build_at(
            infra, clock, consumer_group=first.settings.consumer_group), reset=False)
        second = await second_cm.__aenter__()
        try:
            await profile(s, workplace_answer_days=2, consent_days=3)
            wid = await s.workplace()
            offer = await s.offer(wid, await s.supervisor(wid))
            minor, _ = await s.participant(born=date(2011, 1, 1), guardians=1)
            rid = await s.request(minor)
            [proposed] = await s.wait("PlacementProposed", request_id=rid)
            placement = proposed["data"]["placement_id"]
            consent_by = when(proposed, "consent_by")
            assert proposed["data"]["consent_required"] and consent_by > clock()
            async with http_client(first) as client:
                accepted = await client.post("/matching/links/workplace_answer",
                                             json={"accept": True},
                                             headers=workplace_link(first, proposed))
                assert accepted.json()["status"] == "accepted", accepted.text
                # Someone else waits for the place.
                adult, _ = await s.participant()
                waiting = await s.request(adult)
                await s.wait("PlacementWaitlisted", request_id=waiting)
                proposed_at = clock()
                clock.move_to(proposed_at + (consent_by - proposed_at) / 2
                              + timedelta(minutes=1))
                [reminder] = await s.wait("PlacementDeadlineApproaching",
                                          placement_id=placement)
                assert (reminder["data"]["awaiting"], when(reminder, "deadline")) == (
                    "consent", consent_by)
                await asyncio.sleep(1.5)  # several ticks of both replicas' jobs
                await asyncio.gather(settled(first), settled(second))
                await drained(s.reader)
                assert len(s.events("PlacementDeadlineApproaching",
                                    placement_id=placement)) == 1
                headers = bearer(first, s.m)
                path = f"/matching/placements/{placement}/deadline"
                later = consent_by + timedelta(days=2)
                await _refused_extensions(client, first, s.m, path, consent_by, later)
                extended = await client.post(path, headers=headers, json={
                    "awaiting": "consent", "deadline": later.isoformat()})
                assert extended.status_code == 200, extended.text
                assert when({"data": extended.json()["deadlines"]}, "consent") == later
                [event] = await s.wait("PlacementDeadlineExtended", placement_id=placement)
                assert when(event, "previous_deadline") == consent_by
                clock.move_to(later + timedelta(minutes=1))
                [cancelled] = await s.wait("PlacementCancelled", placement_id=placement)
                assert cancelled["data"]["reason"] == "consent_deadline_passed"
                assert cancelled["data"]["participant_id"] == str(minor)
                [moved_on] = await s.wait("PlacementProposed", request_id=waiting)
                assert moved_on["data"]["offer_id"] == str(offer)
                shown = await client.get(f"/matching/placements/{placement}",
                                         headers=headers)
                assert shown.json()["status"] == "cancelled"
                assert shown.json()["reminded"] == ["consent"]
        finally:
            await second_cm.__aexit__(None, None, None)


async def _refused_extensions(client: Any, service: Service, m: str, path: str,
                              current: datetime, later: datetime) -> None:
    """Not later than the current deadline (422, the field), a party that has answered
    (409), another municipality's coordinator (403)."""
    for body, code, field in (
            ({"awaiting": "consent", "deadline": current.isoformat()}, 422, "deadline"),
            ({"awaiting": "workplace", "deadline": later.isoformat()}, 409, None)):
        refused = await client.post(path, headers=bearer(service, m), json=body)
        assert refused.status_code == code, refused.text
        if field:
            assert refused.json()["detail"][0]["field"] == field
    other = await client.post(path, headers=bearer(service, "0000"),
                              json={"awaiting": "consent", "deadline": later.isoformat()})
    assert other.status_code == 403


async def test_an_outcome_at_the_end_or_early_with_a_reason_then_the_follow_up(
    infra: Infra, clock: MovableClock, scenario: Scenario
) -> None:
    s = scenario
    async with running(infra, lambda: build_at(infra, clock)) as service:
        wid = await s.workplace()
        await s.offer(wid, await s.supervisor(wid))  # 2027-03-01 to 2027-04-30
        pid, _ = await s.participant()
        rid = await s.request(pid)
        [proposed] = await s.wait("PlacementProposed", request_id=rid)
        placement = proposed["data"]["placement_id"]
        async with http_client(service) as client:
            confirmed = await client.post("/matching/links/workplace_answer",
                                          json={"accept": True},
                                          headers=workplace_link(service, proposed))
            assert confirmed.json()["status"] == "confirmed", confirmed.text
            headers = bearer(service, s.m)
            done = f"/matching/placements/{placement}/completion"
            clock.move_to(datetime(2027, 3, 20, 9, tzinfo=UTC))
            for body, field in (({"outcome": "employed"}, "ended_on"),
                                ({"outcome": "employed", "ended_on": "2027-03-15"}, "reason"),
                                ({"outcome": "employed", "ended_on": "2027-03-25",
                                  "reason": "fick jobb"}, "ended_on")):
                refused = await client.post(done, headers=headers, json=body)
                assert refused.status_code == 422, refused.text
                assert refused.json()["detail"][0]["field"] == field
            forbidden = await client.post(done, headers=bearer(service, "0000"),
                                          json={"outcome": "employed"})
            assert forbidden.status_code == 403
            ok = await client.post(done, headers=headers, json={
                "outcome": "employed", "ended_on": "2027-03-15", "reason": "fick jobb"})
            assert ok.status_code == 200, ok.text
            [completed] = await s.wait("PlacementCompleted", placement_id=placement)
            assert {k: completed["data"][k] for k in (
                "request_id", "participant_id", "ended_on", "ended_early", "reason")} == {
                "request_id": str(rid), "participant_id": str(pid), "ended_on": "2027-03-15",
                "ended_early": True, "reason": "fick jobb"}
            shown = (await client.get(f"/matching/placements/{placement}",
                                      headers=headers)).json()
            assert (shown["ended_on"], shown["ended_early"], shown["outcome"]) == (
                "2027-03-15", True, "employed")
            assert shown["follow_up"] == {"outcome": None, "from": "2027-09-15",
                                          "followed_up_on": None}
            follow = f"/matching/placements/{placement}/follow-up"
            early = await client.post(follow, headers=headers, json={"outcome": "studies"})
            assert early.status_code == 422 and "2027-09-15" in early.text
            clock.move_to(datetime(2027, 9, 15, 9, tzinfo=UTC))
            followed = await client.post(follow, headers=headers, json={"outcome": "studies"})
            assert followed.status_code == 200, followed.text
            [event] = await s.wait("PlacementFollowedUp", placement_id=placement)
            assert (event["data"]["outcome"], event["data"]["followed_up_on"]) == (
                "studies", "2027-09-15")
            again = await client.post(follow, headers=headers, json={"outcome": "employed"})
            assert again.status_code == 409
            shown = (await client.get(f"/matching/placements/{placement}",
                                      headers=headers)).json()
            assert shown["follow_up"]["outcome"] == "studies"
