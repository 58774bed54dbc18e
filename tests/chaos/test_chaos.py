"""Chaos: thousands of requests flow while every service is SIGKILLed and restarted several
times, the broker restarts once and Postgres once. When the system is idle again:

- every request has exactly one open outcome, and no request holds two placements;
- no offer or supervisor holds more placements than its places;
- every notification the services recorded reached the mailbox, none with two different
  messages; a resend of the same message (same Message-ID) is only possible for the
  batch in flight when the notifications process was killed, and is counted.

Size: `CHAOS_REQUESTS` (default 10,000). The broker and Postgres restarts need a test run
that owns the stack (`PRAKTIK_STACK_CONTROL=1`, which `scripts/test` sets when it started
the infrastructure, as in CI); elsewhere only the services are killed.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from devkit.bus import TopicReader, end_offsets
from devkit.database import create_database, drop_database
from devkit.infra import REPO, Infra, libpq_url, provision
from devkit.mail import SmtpCatcher
from devkit.ports import free_port
from devkit.processes import System
from devkit.publisher import Publisher
from devkit.sms import ElksFake
from devkit.wait import consumed_over_http, drained, eventually, settled_over_http
from shared.contracts import topics
from shared.contracts.base import EventData
from shared.contracts.contacts import ContactDetailsRecorded
from shared.contracts.registration import (
    ParticipantRegistered,
    PlacementRequested,
    PlacementSlotsOffered,
    SupervisorRegistered,
    WorkplaceRegistered,
)
from shared.contracts.training import SupervisorCertified, WorkplaceOpened
from tests.e2e.conftest import Outside, OwnDatabase, system_env

pytestmark = [pytest.mark.infra, pytest.mark.chaos]

REQUESTS = int(os.environ.get("CHAOS_REQUESTS", "10000"))
MUNICIPALITIES = ("1380", "1381", "1383", "1384")
SUPERVISORS = max(20, REQUESTS // 10)
PLACES = 3
STACK_CONTROL = os.environ.get("PRAKTIK_STACK_CONTROL") == "1"
CHAOS_WINDOW_S = 40.0
"""The services are killed, and the requests flow, within this many seconds."""
OPEN = {"PlacementProposed", "PlacementConfirmed", "PlacementWaitlisted"}
REOPEN = {"PlacementDeclined", "PlacementCancelled"}


class World:
    """What the test publishes: workplaces, certified supervisors, offers, participants."""

    def __init__(self, rng: random.Random) -> None:
        start = date.today() + timedelta(days=30)
        self.period = (start, start + timedelta(days=60))
        self.supervisor_of: dict[uuid.UUID, tuple[uuid.UUID, str]] = {}
        self.offers: dict[uuid.UUID, tuple[uuid.UUID, str]] = {}
        self.setup: list[tuple[str, EventData]] = []
        for index in range(SUPERVISORS):
            code = MUNICIPALITIES[index % len(MUNICIPALITIES)]
            workplace, manager, supervisor, offer = (uuid.uuid4() for _ in range(4))
            self.supervisor_of[supervisor] = (workplace, code)
            self.offers[offer] = (supervisor, code)
            self.setup += [
                (topics.REGISTRATION_CONTACTS, ContactDetailsRecorded(
                    person_id=manager, role="manager", name=f"Chef {index}",
                    email=f"chef{index}@workplace.example", municipality_code=code)),
                (topics.REGISTRATION_CONTACTS, ContactDetailsRecorded(
                    person_id=supervisor, role="supervisor", name=f"Handledare {index}",
                    email=f"handledare{index}@workplace.example", municipality_code=code)),
                (topics.REGISTRATION_EVENTS, WorkplaceRegistered(
                    workplace_id=workplace, org_number="556000-0001", name=f"Arbetsplats {index}",
                    sector="municipal", municipality_code=code, manager_id=manager,
                    client_contact=False, address=f"Storgatan {index}")),
                (topics.REGISTRATION_EVENTS, SupervisorRegistered(
                    supervisor_id=supervisor, workplace_id=workplace, municipality_code=code,
                    languages=["sv"], max_participants=PLACES)),
                (topics.TRAINING_EVENTS, SupervisorCertified(
                    supervisor_id=supervisor, workplace_id=workplace, municipality_code=code,
                    certified_at=date.today(), valid_until=date.today() + timedelta(days=1000))),
                (topics.TRAINING_EVENTS, WorkplaceOpened(  # the manager attended breakfast
                    workplace_id=workplace, municipality_code=code)),
                (topics.REGISTRATION_EVENTS, PlacementSlotsOffered(
                    offer_id=offer, workplace_id=workplace, supervisor_id=supervisor,
                    municipality_code=code, program="work_trial",
                    occupation=rng.choice(["5311", "5321", "4110"]),
                    period_start=self.period[0], period_end=self.period[1], capacity=PLACES)),
            ]
        self.people: list[uuid.UUID] = [
            data.person_id for _, data in self.setup if isinstance(data, ContactDetailsRecorded)
        ]
        self.participants: list[tuple[str, EventData]] = []
        self.requests: list[PlacementRequested] = []
        for index in range(REQUESTS):
            code = MUNICIPALITIES[index % len(MUNICIPALITIES)]
            participant = uuid.uuid4()
            self.people.append(participant)
            self.participants += [
                (topics.REGISTRATION_CONTACTS, ContactDetailsRecorded(
                    person_id=participant, role="participant", name=f"Deltagare {index}",
                    email=f"deltagare{index}@example.org", municipality_code=code)),
                (topics.REGISTRATION_EVENTS, ParticipantRegistered(
                    participant_id=participant, municipality_code=code,
                    birth_date=date(1980 + index % 20, 1 + index % 12, 1 + index % 28),
                    gender=("female", "male")[index % 2], preferred_language="sv")),
            ]
            self.requests.append(PlacementRequested(
                request_id=uuid.uuid4(), participant_id=participant, municipality_code=code,
                program="work_trial", period_start=self.period[0], period_end=self.period[1],
                priority=rng.randint(0, 3)))


async def _stack(command: str) -> None:
    process = await asyncio.create_subprocess_exec(str(REPO / "scripts" / "stack"), command)
    assert await process.wait() == 0, f"scripts/stack {command} failed"


async def _chaos(system: System, window_s: float, rng: random.Random,
                 log: list[str]) -> Counter[str]:
    """Kill each service twice at random moments; restart the broker and Postgres once."""
    plan: list[tuple[float, str]] = []
    for name in list(system.services):
        plan += [(rng.uniform(1, window_s), name) for _ in range(2)]
    if STACK_CONTROL:
        plan += [(window_s * 0.3, "kafka"), (window_s * 0.6, "postgres")]
    plan.sort()
    started = time.monotonic()
    kills: Counter[str] = Counter()
    for at, what in plan:
        # The plan's moment (deliberate: chaos at random points in time, not a wait).
        await asyncio.sleep(max(0.0, at - (time.monotonic() - started)))
        log.append(f"{time.monotonic() - started:6.1f}s {what}")
        if what == "kafka":
            await _stack("kafka-restart")
        elif what == "postgres":
            await _stack("postgres-restart")
        else:
            system.services[what].kill()
            system.services[what].start()
        kills[what] += 1
    for process in system.services.values():
        await process.wait_ready(timeout_s=120)
    return kills


async def _own_database(infra: Infra, database: str) -> OwnDatabase:
    await create_database(infra, database)
    own = OwnDatabase(infra.kafka_bootstrap, make_url(infra.admin_database_url).set(
        database=database).render_as_string(hide_password=False),
        kafka_security=infra.kafka_security)
    await provision(own)
    return own


async def _set_up(infra: Infra, system: System, publisher: Publisher, world: World) -> None:
    """The world published, and taken in by matching and notifications."""
    await publisher.send_all(world.setup + world.participants, "urn:test:chaos")
    setup_ends = await end_offsets(
        infra.kafka_bootstrap, sorted({t for t, _ in world.setup + world.participants}))
    await consumed_over_http(
        [system.services[name].url for name in ("matching", "notifications")],
        setup_ends, 300, "matching and notifications to take in the setup")


async def _flow(system: System, publisher: Publisher, world: World, rng: random.Random,
                log: list[str]) -> Counter[str]:
    """Every request published, paced evenly through the chaos window in batches of 250;
    what was killed."""
    chaos = asyncio.create_task(_chaos(system, CHAOS_WINDOW_S, rng, log))
    started = time.monotonic()
    batches = range(0, len(world.requests), 250)
    for number, first in enumerate(batches):
        batch = world.requests[first:first + 250]
        await publisher.send_all([(topics.REGISTRATION_EVENTS, r) for r in batch],
                                 "urn:test:chaos")
        # Pacing the load through the chaos window (not a wait for anything).
        due = (number + 1) * CHAOS_WINDOW_S / len(batches)
        await asyncio.sleep(max(0.0, due - (time.monotonic() - started)))
    return await chaos


async def _idle_again(system: System, outcomes: TopicReader, own: OwnDatabase,
                      world: World) -> list[dict[str, Any]]:
    """Until every request is answered, notifications is idle and matching settled; this
    run's matching events, each once."""
    wanted = {str(r.request_id) for r in world.requests}

    async def all_answered() -> bool:
        await outcomes.poll(1.0)
        seen = {e["data"]["request_id"] for e in outcomes.events(topics.MATCHING_EVENTS)
                if e["type"] in OPEN}
        return wanted <= seen

    await eventually(all_answered, 600, "an outcome for every request", interval_s=1.0)
    try:
        await eventually(lambda: _notifications_idle(own, world), 300,
                         "notifications to go idle", interval_s=1.0)
    except AssertionError:
        print("still busy:", await _notifications_busy(own, world))
        raise
    # Anything late (a double placement) is on the topic once matching settled.
    await settled_over_http([system.services["matching"].url], 120)
    await drained(outcomes)
    return _unique(outcomes.events(topics.MATCHING_EVENTS), wanted)


async def test_chaos(
    infra: Infra, tmp_path: Path, report_figures: Callable[[str], None]
) -> None:
    rng = random.Random(2026)
    database = f"praktik_chaos_{uuid.uuid4().hex[:8]}"
    own = await _own_database(infra, database)
    mail = SmtpCatcher(tmp_path / "mail").start()
    sms = await ElksFake().start()
    system = System(own, tmp_path, system_env(Outside(mail, sms, free_port())) | {
        "NOTIFICATIONS_LEASE_S": "10",
    })
    world = World(rng)
    log: list[str] = []
    try:
        await system.start()
        async with Publisher(infra.kafka_bootstrap) as publisher, TopicReader(
            infra.kafka_bootstrap, [topics.MATCHING_EVENTS]
        ) as outcomes:
            await _set_up(infra, system, publisher, world)
            flow_started = time.monotonic()
            kills = await _flow(system, publisher, world, rng, log)
            events = await _idle_again(system, outcomes, own, world)
            flow_s = time.monotonic() - flow_started
        summary = _check_matching(world, events)
        summary |= await _check_mail(own, mail, kills["notifications"], world)
        summary |= {"requests": REQUESTS, "kills": dict(kills), "flow_s": round(flow_s, 1)}
        print("chaos log:\n  " + "\n  ".join(log))
        print("chaos summary: " + json.dumps(summary, sort_keys=True))
        report_figures("chaos: " + json.dumps(summary, sort_keys=True))
    finally:
        system.stop()
        await sms.stop()
        mail.stop()
        await drop_database(infra, database)


async def _notifications_idle(own: OwnDatabase, world: World) -> bool:
    """No e-mail to this run's people waits, and the outbox is empty.

    (The topics are shared: events of other runs may reach the services too; their
    messages wait for contact details that never come and are not this test's.)"""
    conn = await asyncpg.connect(libpq_url(own.admin_database_url))
    try:
        busy = await conn.fetchval(
            "SELECT count(*) FROM notifications.notifications"
            " WHERE status IN ('pending', 'sending') AND channel = 'email'"
            " AND recipient_id = ANY($1::uuid[])", world.people)
        outbox = await conn.fetchval("SELECT count(*) FROM notifications.outbox")
        return int(busy) == 0 and int(outbox) == 0
    finally:
        await conn.close()


async def _notifications_busy(own: OwnDatabase, world: World) -> list[tuple[str, str, str, int]]:
    conn = await asyncpg.connect(libpq_url(own.admin_database_url))
    try:
        rows = await conn.fetch(
            "SELECT template, channel, status, count(*) AS n FROM notifications.notifications"
            " WHERE status IN ('pending', 'sending') AND recipient_id = ANY($1::uuid[])"
            " GROUP BY 1, 2, 3", world.people)
        return [(r["template"], r["channel"], r["status"], r["n"]) for r in rows]
    finally:
        await conn.close()


def _unique(events: list[dict[str, Any]], wanted: set[str]) -> list[dict[str, Any]]:
    """This run's matching events, each once (the bus may carry an event twice)."""
    seen: set[str] = set()
    placement_request: dict[str, str] = {}
    out = []
    for event in events:
        data = event["data"]
        if "placement_id" in data and "request_id" in data:
            placement_request[data["placement_id"]] = data["request_id"]
        request = data.get("request_id") or placement_request.get(data.get("placement_id", ""))
        if event["id"] in seen or request not in wanted:
            continue
        seen.add(event["id"])
        out.append(event)
    return out


def _check_matching(world: World, events: list[dict[str, Any]]) -> dict[str, Any]:
    """One open outcome per request; no request, offer or supervisor over its limit."""
    state: dict[str, str] = {}
    open_placement: dict[str, str | None] = {}
    holders: dict[str, set[str]] = defaultdict(set)  # offer -> open placements
    offer_of: dict[str, str] = {}
    for event in events:
        data, kind = event["data"], event["type"]
        request = data["request_id"]
        if kind == "PlacementProposed":
            assert open_placement.get(request) is None, f"request {request} placed twice"
            open_placement[request] = data["placement_id"]
            offer_of[data["placement_id"]] = data["offer_id"]
            holders[data["offer_id"]].add(data["placement_id"])
        elif kind in REOPEN:
            placement = open_placement.pop(request, None)
            if placement:
                holders[offer_of[placement]].discard(placement)
        if kind in OPEN or kind in REOPEN:
            state[request] = kind
    requests = {str(r.request_id) for r in world.requests}
    unanswered = requests - {r for r, s in state.items() if s in OPEN}
    assert not unanswered, f"{len(unanswered)} requests without an open outcome"
    for offer, placements in holders.items():
        assert len(placements) <= PLACES, f"offer {offer} holds {len(placements)}"
    per_supervisor: Counter[str] = Counter()
    for offer, placements in holders.items():
        supervisor, _ = world.offers[uuid.UUID(offer)]
        per_supervisor[str(supervisor)] += len(placements)
    assert max(per_supervisor.values(), default=0) <= PLACES
    outcome = Counter(state[r] for r in requests)
    return {"outcomes": dict(outcome), "matching_events": len(events)}


async def _check_mail(
    own: OwnDatabase, mail: SmtpCatcher, kills: int, world: World
) -> dict[str, Any]:
    """Every recorded e-mail arrived; no two different messages for one notification.

    A SIGKILL between a send and its record makes the dispatcher send that row again
    after its lease, with the same Message-ID: at most one claimed batch per kill."""
    conn = await asyncpg.connect(libpq_url(own.admin_database_url))
    try:
        rows = await conn.fetch(
            "SELECT notification_id, status FROM notifications.notifications"
            " WHERE channel = 'email' AND recipient_id = ANY($1::uuid[])", world.people)
        everyone = {f"<{row['notification_id']}@" for row in await conn.fetch(
            "SELECT notification_id FROM notifications.notifications")}
    finally:
        await conn.close()
    statuses = Counter(row["status"] for row in rows)
    received = Counter(entry["message_id"] for entry in mail.messages())
    expected = {f"<{row['notification_id']}@" for row in rows if row["status"] == "sent"}
    got = {mid.split("@")[0] + "@" for mid in received}
    missing = expected - got
    assert not missing, f"{len(missing)} recorded e-mails never arrived"
    unknown = got - everyone
    assert not unknown, f"{len(unknown)} e-mails arrived that no notification recorded"
    mine = {f"<{row['notification_id']}@" for row in rows}
    resends = sum(count - 1 for mid, count in received.items()
                  if count > 1 and mid.split("@")[0] + "@" in mine)
    in_flight = 100 * 2  # dispatch_batch_size x dispatch_loops (the service's defaults)
    assert resends <= kills * in_flight, f"{resends} resends after {kills} kills"
    failed = statuses.get("failed", 0)
    assert failed == 0, f"{failed} e-mails failed"
    return {"emails_recorded": len(rows), "email_statuses": dict(statuses),
            "emails_received": len(expected), "same_message_resent": resends}
