"""The matching service over real Kafka and Postgres."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import AsyncIterator
from datetime import date
from typing import Any
from uuid import UUID, uuid4

import pytest
from faststream.kafka.subscriber.usecase import LogicSubscriber
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from devkit.bus import TopicReader
from devkit.infra import Infra
from devkit.publisher import Publisher
from devkit.services import http_client, running, service_settings
from devkit.wait import drained, eventually, settled
from services.matching.adapters import orm
from services.matching.bootstrap import build
from services.matching.domain.commands import RunRound
from services.matching.settings import MatchingSettings
from services.matching.tests.integration.scenario import Scenario, municipality, workplace_link
from shared.auth import issue_token
from shared.contracts import topics
from shared.contracts.registration import GuardianConsentRecorded
from shared.contracts.training import SupervisorCertificationExpired
from shared.runtime import Service

pytestmark = pytest.mark.infra


def settings(infra: Infra, **overrides: object) -> MatchingSettings:
    return MatchingSettings(**service_settings(infra, "matching", **overrides))


@pytest.fixture
async def service(infra: Infra) -> AsyncIterator[Service]:
    async with running(infra, lambda: build(settings(infra, deadline_check_interval_s=0.3))) as s:
        yield s


@pytest.fixture
async def scenario(infra: Infra, service: Service) -> AsyncIterator[Scenario]:
    async with Publisher(infra.kafka_bootstrap) as publisher, \
            TopicReader(infra.kafka_bootstrap, [topics.MATCHING_EVENTS]) as reader:
        yield Scenario(publisher, reader, municipality())


def bearer(service: Service, *municipalities: str) -> dict[str, str]:
    token = issue_token(service.settings.auth_jwt_secret, "coordinator-1", "coordinator",
                        list(municipalities))
    return {"Authorization": f"Bearer {token}"}


async def test_decline_by_workplace_and_rematch(service: Service, scenario: Scenario) -> None:
    s = scenario
    w1, w2 = await s.workplace(), await s.workplace()
    o1 = await s.offer(w1, await s.supervisor(w1), occupation="5120")
    # The second supervisor is certified only once the first proposal stands: the
    # certificates travel on another topic than the request, and a request that came
    # first would go to whichever certificate arrived first (o2, were it s2's).
    s2 = await s.supervisor(w2, certified=False)
    o2 = await s.offer(w2, s2, occupation="4112")
    pid, _ = await s.participant()
    rid = await s.request(pid, occupations=("5120",))
    [proposed] = await s.wait("PlacementProposed", request_id=rid)
    assert proposed["data"]["offer_id"] == str(o1)
    assert proposed["data"]["preference_rank"] == 1
    await s.certify(s2, w2)
    placement = proposed["data"]["placement_id"]
    async with http_client(service) as client:
        ok = await client.post("/matching/links/workplace_answer",
                               headers=workplace_link(service, proposed),
                               json={"accept": False, "reason": "supervisor_unavailable"})
        assert ok.status_code == 200, ok.text
        assert placement == ok.json()["placement_id"]
    [declined] = await s.wait("PlacementDeclined", request_id=rid)
    assert declined["data"]["by"] == "workplace"
    assert declined["data"]["participant_id"] == str(pid)
    again = await s.wait("PlacementProposed", count=2, request_id=rid)
    assert again[1]["data"]["offer_id"] == str(o2)
    assert again[1]["data"]["preference_rank"] is None


async def test_consent_arriving_after_the_proposal_confirms(service: Service,
                                                            scenario: Scenario) -> None:
    s = scenario
    wid = await s.workplace()
    await s.offer(wid, await s.supervisor(wid))
    pid, [guardian] = await s.participant(born=date(2010, 6, 1), guardians=1)
    rid = await s.request(pid)
    [proposed] = await s.wait("PlacementProposed", request_id=rid)
    assert proposed["data"]["consent_required"] is True
    placement = proposed["data"]["placement_id"]
    async with http_client(service) as client:
        accepted = await client.post("/matching/links/workplace_answer", json={"accept": True},
                                     headers=workplace_link(service, proposed))
        assert accepted.json()["status"] == "accepted", accepted.text
        await s.send(GuardianConsentRecorded(participant_id=pid, guardian_id=guardian,
                                             program="internship", granted=True,
                                             municipality_code=s.m))
        [confirmed] = await s.wait("PlacementConfirmed", placement_id=placement)
        assert confirmed["data"]["request_id"] == str(rid)
        again = await client.post("/matching/links/workplace_answer", json={"accept": True},
                                  headers=workplace_link(service, proposed))
        assert again.status_code == 409 and again.json()["detail"] == "not_proposed"


async def test_certificate_expiring_under_a_confirmed_future_placement(
    service: Service, scenario: Scenario
) -> None:
    s = scenario
    w1, w2 = await s.workplace(), await s.workplace()
    s1 = await s.supervisor(w1)
    o1 = await s.offer(w1, s1, occupation="5120")
    s2 = await s.supervisor(w2, certified=False)  # certified later, as in the test above
    o2 = await s.offer(w2, s2, occupation="4112")
    pid, _ = await s.participant()
    rid = await s.request(pid, occupations=("5120",))
    [proposed] = await s.wait("PlacementProposed", request_id=rid)
    assert proposed["data"]["offer_id"] == str(o1)
    placement = proposed["data"]["placement_id"]
    async with http_client(service) as client:
        response = await client.post("/matching/links/workplace_answer",
                                     json={"accept": True},
                                     headers=workplace_link(service, proposed))
        assert response.json()["status"] == "confirmed"
    await s.wait("PlacementConfirmed", placement_id=placement)
    await s.certify(s2, w2)
    await s.send(SupervisorCertificationExpired(supervisor_id=s1, workplace_id=w1,
                                                municipality_code=s.m,
                                                expired_at=date(2027, 1, 15)))
    [cancelled] = await s.wait("PlacementCancelled", placement_id=placement)
    assert cancelled["data"]["reason"] == "certificate_expired"
    again = await s.wait("PlacementProposed", count=2, request_id=rid)
    assert again[1]["data"]["offer_id"] == str(o2)


async def test_round_over_http_explained_and_counted(service: Service,
                                                     scenario: Scenario) -> None:
    s = scenario
    start, end = date(2027, 4, 5), date(2027, 4, 9)
    wid = await s.workplace()
    offer = await s.offer(wid, await s.supervisor(wid, max_participants=3), program="prao",
                          capacity=2, start=start, end=end)
    requests = []
    for priority in (0, 0, 0, 5):
        pid, _ = await s.participant(born=date(2012, 3, 3), guardians=1)
        requests.append(await s.request(pid, program="prao", occupations=("5120",),
                                        priority=priority, start=start, end=end))
    for rid in requests:
        await s.wait("PlacementWaitlisted", request_id=rid)  # awaiting the round
    async with http_client(service) as client:
        headers = bearer(service, s.m)
        forbidden = await client.post("/matching/rounds", headers=bearer(service, "0000"),
                                      json={"municipality_code": s.m, "program": "prao"})
        assert forbidden.status_code == 403
        invalid = await client.post("/matching/rounds", headers=headers,
                                    json={"municipality_code": s.m, "program": "internship"})
        assert invalid.status_code == 422 and invalid.json()["detail"][0]["field"] == "program"
        ran = await client.post("/matching/rounds", headers=headers,
                                json={"municipality_code": s.m, "program": "prao", "seed": 77})
        assert ran.status_code == 200, ran.text
        assert ran.json()["placed"] == 2 and ran.json()["waitlisted"] == 2
        [done] = await s.wait("MatchingRoundCompleted", municipality_code=s.m)
        assert done["data"]["seed"] == 77
        proposals = await s.wait("PlacementProposed", count=2, offer_id=offer)
        assert str(requests[3]) in {p["data"]["request_id"] for p in proposals}
        waiting = [r for r in requests
                   if str(r) not in {p["data"]["request_id"] for p in proposals}]
        explained = await client.get(f"/matching/requests/{waiting[0]}/explanation",
                                     headers=headers)
        assert explained.status_code == 200, explained.text
        body = explained.json()
        assert body["reasons"] == ["no_capacity"]
        [entry] = body["offers"]
        assert entry["full"] and len(entry["held_by"]) == 2
        assert "participant_id" not in str(entry["held_by"])
        listed = await client.get("/matching/requests", headers=headers, params={
            "municipality_code": s.m, "status": "waitlisted"})
        assert {(r["request_id"], tuple(r["reasons"])) for r in listed.json()} == {
            (str(r), ("no_capacity",)) for r in waiting}
        placed = await client.get("/matching/placements", headers=headers,
                                  params={"municipality_code": s.m})
        assert all(p["proposed_at"] < p["accept_by"] for p in placed.json())
        elsewhere = await client.get("/matching/requests", headers=bearer(service, "0000"),
                                     params={"municipality_code": s.m})
        assert elsewhere.status_code == 403
        stats = await client.get("/matching/statistics", headers=headers,
                                 params={"municipality_code": s.m, "by": "program,gender"})
        [group] = stats.json()["groups"]
        assert group["program"] == "prao" and group["gender"] == "female"
        assert (group["applicants"], group["offered"], group["waitlisted"]) == (4, 2, 2)


async def test_missed_deadline_counts_as_declined(infra: Infra) -> None:
    build_it = lambda: build(settings(  # noqa: E731
        infra, deadline_check_interval_s=0.2, acceptance_deadline_hours={"internship": 0.0003}))
    async with running(infra, build_it), Publisher(infra.kafka_bootstrap) as publisher, \
            TopicReader(infra.kafka_bootstrap, [topics.MATCHING_EVENTS]) as reader:
        s = Scenario(publisher, reader, municipality())
        wid = await s.workplace()
        await s.offer(wid, await s.supervisor(wid))
        pid, _ = await s.participant()
        rid = await s.request(pid)
        await s.wait("PlacementProposed", request_id=rid)
        [declined] = await s.wait("PlacementDeclined", request_id=rid)
        assert declined["data"]["reason"] == "acceptance_deadline_passed"


def _owns_partitions(service: Service) -> bool:
    return any(isinstance(sub, LogicSubscriber) and sub.consumer is not None
               and sub.consumer.assignment() for sub in service.broker.subscribers)


async def _offers(scenarios: list[Scenario], capacity: int) -> list[UUID]:
    """One offer per municipality, one place more than its supervisor's maximum."""
    offers = []
    for s in scenarios:
        wid = await s.workplace()
        offers.append(await s.offer(wid, await s.supervisor(wid, max_participants=capacity),
                                    capacity=capacity + 1))
    return offers


def _ours(scenarios: list[Scenario], kind: str) -> list[dict[str, Any]]:
    """The scenarios' events of a kind, each once. The relay publishes at least once:
    a replica stopped between sending a batch and deleting it from its outbox leaves
    the batch to be sent again, same event ids (which consumers drop)."""
    return list({e["id"]: e for s in scenarios for e in s.events(kind)
                 if e["data"]["municipality_code"] == s.m}.values())


async def _wait_filled(reader: TopicReader, scenarios: list[Scenario], offers: list[UUID],
                       capacity: int) -> None:
    """Certificates travel on another topic and may come after the requests; the
    waitlist is re-examined then. Every offer ends with its supervisor's maximum."""

    def filled(_: object) -> bool:
        got = Counter(e["data"]["offer_id"] for e in _ours(scenarios, "PlacementProposed"))
        return all(got[str(o)] >= capacity for o in offers)

    try:
        await reader.wait_for(filled, timeout_s=60)
    except AssertionError as error:
        got = Counter(e["data"]["offer_id"] for e in _ours(scenarios, "PlacementProposed"))
        waits = Counter(tuple(e["data"]["reasons"])
                        for e in _ours(scenarios, "PlacementWaitlisted"))
        raise AssertionError(f"{error}: per offer {[got[str(o)] for o in offers]}, "
                             f"waitlisted {waits}") from None


async def _held_in_the_database(infra: Infra, offers: list[UUID]) -> tuple[Any, Any]:
    """(open placements per offer, each offer's seat counter), as the tables say."""
    engine = create_async_engine(infra.database_url("matching"))
    async with engine.connect() as conn:
        rows = (await conn.execute(
            select(orm.placements.c.offer_id, func.count()).where(
                orm.placements.c.offer_id.in_(offers),
                orm.placements.c.status.in_(("proposed", "accepted", "confirmed")))
            .group_by(orm.placements.c.offer_id))).all()
        held = dict((await conn.execute(select(orm.offers.c.offer_id, orm.offers.c.held)
                                         .where(orm.offers.c.offer_id.in_(offers)))).all())
    await engine.dispose()
    return {row[0]: row[1] for row in rows}, held


async def test_two_replicas_with_a_rebalance_never_double_place(infra: Infra) -> None:
    shared = settings(infra, consumer_batch_size=20)
    group = shared.consumer_group
    municipalities = [municipality() for _ in range(6)]
    per_municipality = 10
    capacity = 3
    async with running(infra, lambda: build(shared)) as first, \
            Publisher(infra.kafka_bootstrap) as publisher, \
            TopicReader(infra.kafka_bootstrap, [topics.MATCHING_EVENTS]) as reader:
        second_cm = running(infra, lambda: build(settings(infra, consumer_group=group)),
                            reset=False)
        second = await second_cm.__aenter__()  # waits until it owns partitions
        assert _owns_partitions(second)
        scenarios = [Scenario(publisher, reader, m) for m in municipalities]
        offers = await _offers(scenarios, capacity)
        requests = []
        for i in range(per_municipality):
            for s in scenarios:
                pid, _ = await s.participant()
                requests.append(await s.request(pid))
            if i == per_municipality // 2:
                await second_cm.__aexit__(None, None, None)  # one replica leaves mid-stream
        wanted = {str(r) for r in requests}

        def answered(_: object) -> bool:
            seen = {e["data"]["request_id"]
                    for kind in ("PlacementProposed", "PlacementWaitlisted")
                    for e in _ours(scenarios, kind)}
            return wanted <= seen

        try:
            await reader.wait_for(answered, timeout_s=180)
        except AssertionError as error:
            raise AssertionError(f"{error}: unanswered requests") from None
        await _wait_filled(reader, scenarios, offers, capacity)
        # Anything late (a double placement) is on the topic once the replica left has
        # settled: its inputs handled, its outbox (the replicas share it) empty.
        await settled(first)
        await drained(reader)
        assert first.broker.subscribers
    proposed = _ours(scenarios, "PlacementProposed")
    per_request = Counter(e["data"]["request_id"] for e in proposed)
    assert max(per_request.values()) == 1, "a participant placed twice"
    per_offer = Counter(e["data"]["offer_id"] for e in proposed)
    # supervisor max (3) binds below the offer's capacity (4)
    assert all(per_offer[str(o)] == capacity for o in offers), per_offer
    open_placements, held = await _held_in_the_database(infra, offers)
    assert open_placements == {o: capacity for o in offers}
    assert held == {o: capacity for o in offers}


async def test_scheduled_round_runs_once_by_itself(infra: Infra) -> None:
    code = municipality()
    schedule = [{"municipality_code": code, "program": "summer_job",
                 "at": "2026-01-01T08:00:00+00:00"}]
    build_it = lambda: build(settings(  # noqa: E731
        infra, deadline_check_interval_s=0.3, round_schedule=schedule))
    start, end = date(2027, 6, 14), date(2027, 7, 2)
    async with Publisher(infra.kafka_bootstrap) as publisher, \
            TopicReader(infra.kafka_bootstrap, [topics.MATCHING_EVENTS]) as reader:
        # A first instance learns the facts; a second one, with the schedule, runs the round.
        s = Scenario(publisher, reader, code)
        async with running(infra, lambda: build(settings(infra))):
            wid = await s.workplace()
            await s.offer(wid, await s.supervisor(wid), program="summer_job", capacity=1,
                          start=start, end=end)
            pid, _ = await s.participant(born=date(2009, 1, 1))
            rid = await s.request(pid, program="summer_job", start=start, end=end)
            await s.wait("PlacementWaitlisted", request_id=rid)
        async with running(infra, build_it, reset=False) as scheduled:
            checks = _count_rounds_asked(scheduled)
            [done] = await s.wait("MatchingRoundCompleted", municipality_code=code)
            assert done["data"]["placed"] == 1
            await s.wait("PlacementProposed", request_id=rid)
            seen = len(checks)
            await eventually(lambda: len(checks) >= seen + 3, 30,
                             "three more schedule checks")  # each one may not run it again
            await settled(scheduled)
            await drained(reader)
            assert len(s.events("MatchingRoundCompleted", municipality_code=code)) == 1


def _count_rounds_asked(service: Service) -> list[object]:
    """Every `RunRound` the service's bus is asked to handle from now on (the schedule
    job asks once per check; the round itself decides whether it runs)."""
    bus = service.state["bus"]
    handle = bus.handle
    asked: list[object] = []

    async def counting(command: Any) -> Any:
        if isinstance(command, RunRound):
            asked.append(command)
        return await handle(command)

    bus.handle = counting
    return asked


async def _awaiting_a_prao_round(s: Scenario) -> list[UUID]:
    """Three pupils' prao requests awaiting the round, for one place."""
    start, end = date(2027, 5, 3), date(2027, 5, 7)
    wid = await s.workplace()
    await s.offer(wid, await s.supervisor(wid, max_participants=2), program="prao",
                  capacity=1, start=start, end=end)
    requests = []
    for _ in range(3):
        pid, _ = await s.participant(born=date(2012, 3, 3), guardians=1)
        requests.append(await s.request(pid, program="prao", occupations=("5120",),
                                        start=start, end=end))
    for rid in requests:
        await s.wait("PlacementWaitlisted", request_id=rid)
    return requests


async def test_a_round_previewed_then_run_with_the_same_draw_published(
        service: Service, scenario: Scenario) -> None:
    """Previews show the draw the round will make (the seed drawn once, at the first)
    and change nothing; the run makes that draw and publishes it: the seed and each
    request's lottery number, which anyone can draw again from the seed."""
    s = scenario
    requests = await _awaiting_a_prao_round(s)
    body = {"municipality_code": s.m, "program": "prao", "dry_run": True}
    async with http_client(service) as client:
        headers = bearer(service, s.m)
        first = (await client.post("/matching/rounds", headers=headers, json=body)).json()
        again = (await client.post("/matching/rounds", headers=headers, json=body)).json()
        assert first["dry_run"] and first["placed"] == 1 and first["waitlisted"] == 2
        assert again["seed"] == first["seed"]
        assert [(d["request_id"], d["lottery"], d["offer_id"]) for d in again["draws"]] == [
            (d["request_id"], d["lottery"], d["offer_id"]) for d in first["draws"]]
        assert sorted(d["lottery"] for d in first["draws"]) == [0, 1, 2]
        waiting = [d for d in first["draws"] if d["offer_id"] is None]
        assert all(d["reasons"] == ["no_capacity"] for d in waiting)
        assert (await client.get("/matching/rounds", headers=headers,
                                 params={"municipality_code": s.m})).json() == []
        explained = await client.get(f"/matching/requests/{requests[0]}/explanation",
                                     headers=headers)
        assert explained.json()["lottery"] is None  # the preview kept nothing

        ran = (await client.post("/matching/rounds", headers=headers, json={
            "municipality_code": s.m, "program": "prao"})).json()
        assert not ran["dry_run"] and ran["seed"] == first["seed"]
        assert [(d["request_id"], d["offer_id"]) for d in ran["draws"]] == [
            (d["request_id"], d["offer_id"]) for d in first["draws"]]
        [done] = await s.wait("MatchingRoundCompleted", municipality_code=s.m)
        assert done["data"]["seed"] == first["seed"]
        [listed] = (await client.get("/matching/rounds", headers=headers,
                                     params={"municipality_code": s.m})).json()
        assert listed["round_id"] == ran["round_id"]

        published = await client.get(f"/matching/rounds/{ran['round_id']}/draw")  # no token
        assert published.status_code == 200, published.text
        draw = published.json()
        assert draw["seed"] == first["seed"] and draw["municipality_code"] == s.m
        keys = sorted(d["request_id"] for d in draw["draws"])
        numbers = list(range(len(keys)))
        random.Random(draw["seed"]).shuffle(numbers)  # the draw, again, by anyone
        assert {d["request_id"]: d["lottery"] for d in draw["draws"]} == dict(
            zip(keys, numbers, strict=True))
        assert (await client.get(f"/matching/rounds/{uuid4()}/draw")).status_code == 404
        next_preview = (await client.post("/matching/rounds", headers=headers,
                                          json=body)).json()
        assert next_preview["round_id"] != ran["round_id"]


async def test_a_yes_by_phone_recorded_by_a_coordinator(service: Service,
                                                        scenario: Scenario) -> None:
    """The same rules as the party's link, and the event says a coordinator recorded it."""
    s = scenario
    await _awaiting_a_prao_round(s)
    async with http_client(service) as client:
        headers = bearer(service, s.m)
        ran = (await client.post("/matching/rounds", headers=headers, json={
            "municipality_code": s.m, "program": "prao", "seed": 5})).json()
        [proposed] = await s.wait("PlacementProposed", count=1, round_id=ran["round_id"])
        placement = proposed["data"]["placement_id"]
        url = f"/matching/placements/{placement}/acceptance"
        not_asked = await client.post(url, headers=headers, json={"by": "participant"})
        assert not_asked.status_code == 409, not_asked.text  # prao asks no participant
        other = await client.post(url, headers=bearer(service, "0000"),
                                  json={"by": "workplace"})
        assert other.status_code == 403
        by_phone = await client.post(url, headers=headers, json={"by": "workplace"})
        assert by_phone.status_code == 200, by_phone.text
        assert by_phone.json()["status"] == "accepted"  # prao waits for the consent
        [accepted] = await s.wait("PlacementAccepted", placement_id=placement)
        assert (accepted["data"]["by"], accepted["data"]["recorded_by"]) == (
            "workplace", "coordinator")
        again = await client.post(url, headers=headers, json={"by": "workplace"})
        assert again.status_code == 409
