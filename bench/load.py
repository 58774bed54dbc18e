"""Load: the running system (four services as separate processes, real Kafka and Postgres)
from intake to outcome, beside a raw Kafka passthrough measured in the same run.

1. Reference: raw aiokafka consume-and-produce passthrough (intake-sized messages,
   `bench.registration`), messages per second.
2. Per configuration (default: 1 replica of each service, then 2 replicas of matching and
   notifications), a fresh system (`tests.support.processes.running_system`: fresh
   schemas, fresh consumer groups) with the SMTP catcher and SMS fake as a process beside:
   - setup through `registration.intake.v1`: workplaces, supervisors, `work_trial` offers
     with room for every request, and one adult participant per request (named by
     `external_ref`, linked by `*_ref`: ids are registration's to give); the supervisors'
     certificates as `SupervisorCertified` on `training.events.v1` (the training courses
     themselves are not what is measured). The clock starts when matching has them all
     and every service's consumer groups have caught up.
   - latency: `RequestPlacement` intake messages paced at a fixed offered rate; latency is
     from just before each is handed to the producer to the moment its `PlacementProposed`
     (or `PlacementWaitlisted`) is read from `matching.events.v1` (the request's
     `external_ref` → its `request_id` from `PlacementRequested` on
     `registration.events.v1`, which also splits the latency at registration): p50/p95/p99.
   - throughput: a burst of requests produced as fast as possible; requests per second
     from the first send to the last outcome read. Also the rate at which registration
     turned them into `PlacementRequested`, the largest consumer lag of each service's
     groups while the burst ran, and each service's CPU time per request (Linux /proc):
     where the time goes.

Sizes: BENCH_LOAD_REQUESTS (burst, 3000), BENCH_LOAD_RATE (200/s), BENCH_LOAD_SECONDS (20),
BENCH_LOAD_REPLICAS (`1,2`: matching and notifications replicas per configuration),
BENCH_LOAD_MUNICIPALITIES (12), BENCH_LOAD_PASSTHROUGH (20000), BENCH_LOAD_TIMEOUT_S (300),
BENCH_LOAD_LOG_LEVEL (services' log level, WARNING), BENCH_LOAD_RELAY_IDLE_S (0.5),
BENCH_LOAD_KEEP_LOGS (1: keep the services' logs and print where), BENCH_LOAD_DUMP (a file
for each latency request's timings).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from bench.registration import _passthrough_rate, _synthetic_pin
from bench.support import partitions_of
from services.matching.adapters import orm as matching_orm
from services.registration.domain.validation import municipalities
from shared.contracts import topics
from shared.contracts.envelope import new_event
from shared.contracts.registry import encode
from shared.contracts.training import SupervisorCertified
from tests.support.infra import REPO, Infra
from tests.support.kafka import physical
from tests.support.processes import System, free_port, running_system

REQUESTS = int(os.environ.get("BENCH_LOAD_REQUESTS", "3000"))
RATE = float(os.environ.get("BENCH_LOAD_RATE", "200"))
SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "20"))
REPLICAS = tuple(int(n) for n in os.environ.get("BENCH_LOAD_REPLICAS", "1,2").split(",") if n)
MUNICIPALITIES = int(os.environ.get("BENCH_LOAD_MUNICIPALITIES", "12"))
PASSTHROUGH = int(os.environ.get("BENCH_LOAD_PASSTHROUGH", "20000"))
TIMEOUT_S = float(os.environ.get("BENCH_LOAD_TIMEOUT_S", "300"))
LOG_LEVEL = os.environ.get("BENCH_LOAD_LOG_LEVEL", "WARNING")
RELAY_IDLE_S = os.environ.get("BENCH_LOAD_RELAY_IDLE_S", "0.5")
"""How often an idle outbox relay looks for rows: the services' default, not the 0.02 s
the end-to-end tests use (it costs CPU in every process on a small machine)."""
KEEP_LOGS = os.environ.get("BENCH_LOAD_KEEP_LOGS", "1") == "1"
DUMP = os.environ.get("BENCH_LOAD_DUMP", "")
"""Where to write each latency request's timings (see `_dump`); nothing when empty."""

SOURCE = "urn:bench:load"
PROGRAM = "work_trial"
OCCUPATION = "5120"
SEATS = 50  # registration's maximum per supervisor (and so per offer)
PERIOD = (date(2027, 3, 1), date(2027, 5, 31))
OUTCOMES = (b"PlacementProposed", b"PlacementWaitlisted")
RECEIPTS = ("elks-receipts", "bench-receipts-secret")


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


# -- what goes on the intake ----------------------------------------------------------


def _intake(type_: str, data: dict[str, Any], now: str) -> bytes:
    return json.dumps({"specversion": "1.0", "id": str(uuid.uuid4()), "type": type_,
                       "source": SOURCE, "time": now, "datacontenttype": "application/json",
                       "data": data}).encode()


@dataclass
class Plan:
    """What a configuration sets up, and the requests it sends. The intake names new things
    by `external_ref` (ids are registration's to give) and links them by `*_ref`."""

    run: str
    codes: list[str]
    supervisors: int = 0
    participants: list[tuple[str, str]] = field(default_factory=list)
    """(municipality, participant's external_ref)"""
    setup: list[tuple[bytes, bytes]] = field(default_factory=list)

    @classmethod
    def make(cls, run: str, requests: int) -> Plan:
        every = sorted(municipalities())
        plan = cls(run, every[:: max(1, len(every) // MUNICIPALITIES)][:MUNICIPALITIES])
        now = datetime.now(UTC).isoformat()
        per_code = math.ceil(requests / len(plan.codes))
        # 25% spare room: every request can be proposed, none waits for want of seats.
        seats_each = math.ceil(per_code * 1.25 / SEATS)
        for code in plan.codes:
            for n in range(seats_each):
                plan.supervisors += 1
                ref = f"{run}-{code}-{n}"
                plan.setup += [
                    (code.encode(), _intake("WorkplaceRegistered", {
                        "external_ref": f"{ref}-w", "org_number": "212000-1355",
                        "name": f"Bench workplace {n}", "sector": "municipal",
                        "municipality_code": code, "client_contact": False,
                        "manager": {"name": f"Manager {n}", "email": f"m{n}.{code}@example.org"},
                    }, now)),
                    (code.encode(), _intake("SupervisorRegistered", {
                        "external_ref": f"{ref}-s", "workplace_ref": f"{ref}-w",
                        "municipality_code": code, "name": f"Supervisor {n}",
                        "email": f"s{n}.{code}@example.org", "languages": ["sv"],
                        "max_participants": SEATS,
                    }, now)),
                    (code.encode(), _intake("PlacementSlotsOffered", {
                        "external_ref": f"{ref}-o", "workplace_ref": f"{ref}-w",
                        "supervisor_ref": f"{ref}-s", "municipality_code": code,
                        "program": PROGRAM, "occupation": OCCUPATION,
                        "period_start": PERIOD[0].isoformat(),
                        "period_end": PERIOD[1].isoformat(), "capacity": SEATS,
                    }, now)),
                ]
        for index in range(requests):
            code = plan.codes[index % len(plan.codes)]
            ref = f"{run}-p{index}"
            plan.participants.append((code, ref))
            plan.setup.append((code.encode(), _intake("ParticipantRegistered", {
                "external_ref": ref, "municipality_code": code,
                "personal_identity_number": _synthetic_pin(index),
                "name": f"Load Person {index}", "email": f"load{index}@example.org",
                "preferred_language": "sv",
            }, now)))
        return plan

    def requests(self, participants: Iterable[tuple[str, str]]
                 ) -> list[tuple[str, bytes, bytes]]:
        """(request's external_ref, key, intake message) per participant."""
        now = datetime.now(UTC).isoformat()
        out = []
        for code, participant in participants:
            ref = f"{participant}-r"
            out.append((ref, code.encode(), _intake("PlacementRequested", {
                "external_ref": ref, "participant_ref": participant,
                "municipality_code": code, "program": PROGRAM,
                "period_start": PERIOD[0].isoformat(), "period_end": date(2027, 4, 30).isoformat(),
                "preferences": [{"occupation": OCCUPATION}],
            }, now)))
        return out


def certificates(supervisors: Iterable[dict[str, Any]]) -> list[tuple[bytes, bytes]]:
    """What training publishes once a supervisor has taken the base course."""
    out = []
    for s in supervisors:
        data = SupervisorCertified(supervisor_id=s["supervisor_id"],
                                   workplace_id=s["workplace_id"],
                                   municipality_code=s["municipality_code"],
                                   certified_at=date(2026, 1, 1), valid_until=date(2029, 1, 1))
        event = new_event(data, source="urn:bench:training", subject=str(s["supervisor_id"]))
        out.append(((data.kafka_key(event.subject) or "").encode(), encode(event)))
    return out


# -- reading outcomes -----------------------------------------------------------------


class Watcher:
    """Reads matching.events.v1 and registration.events.v1 from their ends as of start: this
    run's supervisors, when each request (by its external_ref) became `PlacementRequested`
    and when its outcome was first read."""

    def __init__(self, bootstrap: str, run: str) -> None:
        self.bootstrap = bootstrap
        self.marker = run.encode()
        self.supervisors: list[dict[str, Any]] = []
        self.request_of: dict[str, str] = {}  # external_ref → request_id
        self.requested: dict[str, float] = {}  # external_ref → seen
        self.outcome: dict[str, float] = {}  # request_id → seen
        self.kind: dict[str, str] = {}
        self.reasons: dict[str, list[str]] = {}
        self.rejected = 0
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False,
                                    max_partition_fetch_bytes=4 * 1024 * 1024,
                                    fetch_max_wait_ms=20)
        await consumer.start()
        parts = []
        for topic in (topics.MATCHING_EVENTS, topics.REGISTRATION_EVENTS):
            parts += await partitions_of(consumer, topic)
        consumer.assign(parts)
        await consumer.seek_to_end(*parts)
        for tp in parts:
            await consumer.position(tp)
        self._consumer = consumer
        self._task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self._consumer is not None
        while True:
            batches = await self._consumer.getmany(timeout_ms=20, max_records=5000)
            seen = time.perf_counter()
            for records in batches.values():
                for r in records:
                    kind = dict(r.headers).get("ce_type")
                    if r.value is not None and kind is not None:
                        self._one(kind, r.value, seen)

    def _one(self, kind: bytes, value: bytes, seen: float) -> None:
        if kind in OUTCOMES:
            data = json.loads(value)["data"]
            rid = data.get("request_id")
            if rid and rid not in self.outcome:
                self.outcome[rid] = seen
                self.kind[rid] = kind.decode()
                self.reasons[rid] = list(data.get("reasons") or ())
        elif self.marker not in value:
            if kind == b"IntakeRejected":
                self.rejected += 1
        elif kind == b"PlacementRequested":
            data = json.loads(value)["data"]
            ref = data.get("external_ref")
            if ref and ref not in self.requested:
                self.requested[ref] = seen
                self.request_of[ref] = data["request_id"]
        elif kind == b"SupervisorRegistered":
            self.supervisors.append(json.loads(value)["data"])

    def outcome_of(self, ref: str) -> float | None:
        rid = self.request_of.get(ref)
        return self.outcome.get(rid) if rid else None

    async def wait_for(self, refs: set[str], timeout_s: float) -> bool:
        deadline = time.perf_counter() + timeout_s
        while any(self.outcome_of(ref) is None for ref in refs):
            self.check()
            if time.perf_counter() > deadline:
                return False
            await asyncio.sleep(0.05)
        return True

    def check(self) -> None:
        if self._task is not None and self._task.done():
            self._task.result()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._consumer is not None:
            await self._consumer.stop()


class LagSampler:
    """Each service's consumer lag: end offset − committed offset, summed over its groups
    (`<group>.<subscription>`) and their partitions, DLQs left out. `start` samples every
    half second and keeps the largest seen, per service and per group."""

    def __init__(self, bootstrap: str, prefixes: dict[str, str]) -> None:
        self.bootstrap = bootstrap
        self.prefixes = prefixes  # service → its consumer group (the subscriptions' prefix)
        self.peak: dict[str, int] = dict.fromkeys(prefixes, 0)
        self.peak_group: dict[str, int] = {}
        self._admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        self._consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
        self._task: asyncio.Task[None] | None = None

    async def open(self) -> LagSampler:
        await self._admin.start()
        await self._consumer.start()
        return self

    async def close(self) -> None:
        await self.stop()
        await self._consumer.stop()
        await self._admin.close()

    async def current(self) -> dict[str, int]:
        groups = [g for g, _ in await self._admin.list_consumer_groups()]
        totals = dict.fromkeys(self.prefixes, 0)
        for service, prefix in self.prefixes.items():
            for group in groups:
                if not group.startswith(f"{prefix}."):
                    continue
                committed = await self._admin.list_consumer_group_offsets(group)
                watched = [tp for tp in committed if not tp.topic.endswith(topics.DLQ_SUFFIX)]
                if not watched:
                    continue
                ends = await self._consumer.end_offsets(watched)
                lag = sum(max(0, ends[tp] - committed[tp].offset) for tp in watched)
                name = service + group.removeprefix(prefix)
                self.peak_group[name] = max(self.peak_group.get(name, 0), lag)
                totals[service] += lag
            self.peak[service] = max(self.peak[service], totals[service])
        return totals

    async def quiet(self, timeout_s: float) -> dict[str, int]:
        """Wait until no service has anything left to read (or the time is up)."""
        deadline = time.perf_counter() + timeout_s
        while True:
            lag = await self.current()
            if not any(lag.values()) or time.perf_counter() > deadline:
                break
            await asyncio.sleep(0.5)
        self.peak = dict.fromkeys(self.prefixes, 0)
        self.peak_group = {}
        return lag

    async def start(self) -> None:
        self._task = asyncio.create_task(self._sample())

    async def _sample(self) -> None:
        while True:
            await self.current()
            await asyncio.sleep(0.5)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


# -- the system ---------------------------------------------------------------------


def _devservers(env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    with log_path.open("ab") as log:
        return subprocess.Popen([sys.executable, "-m", "services.notifications.devservers"],
                                cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)


@asynccontextmanager
async def outside_world(workdir: Path) -> AsyncIterator[dict[str, str]]:
    """The SMTP catcher and the SMS fake as a process of their own; the services' env."""
    smtp, sms, receipts = free_port(), free_port(), free_port()
    env = dict(os.environ, DEV_MAIL_DIR=str(workdir / "mail"), DEV_SMTP_PORT=str(smtp),
               DEV_SMS_PORT=str(sms), DEV_SMS_RECEIPT_URL=(
                   f"http://{RECEIPTS[0]}:{RECEIPTS[1]}@127.0.0.1:{receipts}"
                   "/notifications/sms/receipts"))
    process = _devservers(env, workdir / "devservers.log")
    try:
        for _ in range(200):
            if process.poll() is not None:
                raise RuntimeError(f"devservers exited; see {workdir / 'devservers.log'}")
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", sms)
                writer.close()
                break
            except OSError:
                await asyncio.sleep(0.1)
        yield {
            "NOTIFICATIONS_SMTP_HOST": "127.0.0.1", "NOTIFICATIONS_SMTP_PORT": str(smtp),
            "NOTIFICATIONS_SMS_BASE_URL": f"http://127.0.0.1:{sms}",
            "NOTIFICATIONS_SMS_USERNAME": "elks-user",
            "NOTIFICATIONS_SMS_PASSWORD": "elks-password",
            "NOTIFICATIONS_RECEIPT_USERNAME": RECEIPTS[0],
            "NOTIFICATIONS_RECEIPT_PASSWORD": RECEIPTS[1],
            "NOTIFICATIONS_QUIET_START": "00:00", "NOTIFICATIONS_QUIET_END": "00:00",
            "REGISTRATION_INTAKE_SOURCES": f"{SOURCE}=*",
            "receipts_port": str(receipts),
        }
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def _producer(bootstrap: str, linger_ms: int) -> AIOKafkaProducer:
    return AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True,
                            linger_ms=linger_ms, max_batch_size=256 * 1024)


async def _send_all(producer: AIOKafkaProducer, topic: str,
                    messages: list[tuple[bytes, bytes]]) -> None:
    topic = physical(topic)
    futures = [await producer.send(topic, value, key=key) for key, value in messages]
    await asyncio.gather(*futures)


async def _wait_for_matching(infra: Infra, plan: Plan, timeout_s: float) -> None:
    """Until matching's read models hold every participant, offer and certificate."""
    engine = create_async_engine(infra.database_url("matching"))
    wanted = {matching_orm.participants: len(plan.participants),
              matching_orm.offers: plan.supervisors,
              matching_orm.certificates: plan.supervisors}
    deadline = time.perf_counter() + timeout_s
    try:
        while True:
            async with engine.connect() as conn:
                have = {t: await conn.scalar(select(func.count()).select_from(t)) or 0
                        for t in wanted}
            if all(have[t] >= n for t, n in wanted.items()):
                return
            if time.perf_counter() > deadline:
                raise AssertionError("matching did not see the setup: " + ", ".join(
                    f"{t.name} {have[t]}/{n}" for t, n in wanted.items()))
            await asyncio.sleep(0.3)
    finally:
        await engine.dispose()


async def _latency(bootstrap: str, watcher: Watcher, requests: list[tuple[str, bytes, bytes]],
                   rate: float) -> dict[str, Any]:
    producer = _producer(bootstrap, linger_ms=0)
    await producer.start()
    sent: dict[str, float] = {}
    futures = []
    intake = physical(topics.REGISTRATION_INTAKE)
    try:
        started = time.perf_counter()
        for index, (rid, key, value) in enumerate(requests):
            due = started + index / rate
            pause = due - time.perf_counter()
            if pause > 0:
                await asyncio.sleep(pause)
            sent[rid] = time.perf_counter()
            futures.append(await producer.send(intake, value, key=key))
        await asyncio.gather(*futures)
        offered = len(requests) / (time.perf_counter() - started)
    finally:
        await producer.stop()
    complete = await watcher.wait_for(set(sent), TIMEOUT_S)
    answered = {ref: watcher.outcome_of(ref) for ref in sent}
    if DUMP:
        _dump(Path(DUMP), sent, watcher.requested, answered)
    latencies = [(seen - sent[ref]) * 1000 for ref, seen in answered.items() if seen is not None]
    stage = [(watcher.requested[ref] - t) * 1000 for ref, t in sent.items()
             if ref in watcher.requested]
    figures: dict[str, Any] = {
        "latency_requests": len(requests), "latency_offered_per_s": round(offered, 1),
        "latency_completed": len(latencies), "latency_complete": complete,
    }
    if latencies:
        figures.update({f"latency_p{q}_ms": round(percentile(latencies, q), 1)
                        for q in (50, 95, 99)})
        figures["latency_max_ms"] = round(max(latencies), 1)
    if stage:
        figures.update({f"registration_p{q}_ms": round(percentile(stage, q), 1)
                        for q in (50, 99)})
    onward = [(seen - watcher.requested[ref]) * 1000 for ref, seen in answered.items()
              if seen is not None and ref in watcher.requested]
    if onward:
        figures.update({f"matching_p{q}_ms": round(percentile(onward, q), 1)
                        for q in (50, 99)})
    if latencies:
        last = max(seen for seen in answered.values() if seen is not None)
        figures["latency_answered_per_s"] = round(len(latencies) / (last - min(sent.values())), 1)
    return figures


def _dump(path: Path, sent: dict[str, float], requested: dict[str, float],
          answered: dict[str, float | None]) -> None:
    """One line per latency request, in the order sent: ms since the first send, ms to
    its `PlacementRequested`, ms to its outcome (-1: not seen). A stall shows as a run of
    requests whose outcomes were all read at one moment."""
    first = min(sent.values())
    with path.open("w") as out:
        for ref, at in sorted(sent.items(), key=lambda item: item[1]):
            seen, outcome = requested.get(ref), answered.get(ref)
            out.write(f"{(at - first) * 1000:.1f} "
                      f"{(seen - at) * 1000 if seen else -1:.1f} "
                      f"{(outcome - at) * 1000 if outcome else -1:.1f}\n")


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process (Linux /proc), or None where there is none."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cpu_by_service(system: System) -> dict[str, float]:
    """CPU seconds so far of each service, its replicas summed."""
    out: dict[str, float] = {}
    for process in system.services.values():
        used = _cpu_seconds(process.process.pid) if process.process is not None else None
        if used is not None:
            out[process.name] = out.get(process.name, 0.0) + used
    return out


async def _throughput(bootstrap: str, watcher: Watcher, lags: LagSampler, system: System,
                      requests: list[tuple[str, bytes, bytes]]) -> dict[str, Any]:
    producer = _producer(bootstrap, linger_ms=5)
    await producer.start()
    wanted = {rid for rid, _, _ in requests}
    await lags.start()
    cpu_before = _cpu_by_service(system)
    try:
        started = time.perf_counter()
        await _send_all(producer, topics.REGISTRATION_INTAKE,
                        [(key, value) for _, key, value in requests])
        produced = time.perf_counter() - started
    finally:
        await producer.stop()
    complete = await watcher.wait_for(wanted, TIMEOUT_S)
    cpu_after = _cpu_by_service(system)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    await lags.stop()
    done = [seen for seen in map(watcher.outcome_of, wanted) if seen is not None]
    registered = [watcher.requested[ref] for ref in wanted if ref in watcher.requested]
    elapsed = (max(done) if done else time.perf_counter()) - started
    reg_elapsed = (max(registered) if registered else time.perf_counter()) - started
    proposed = sum(1 for ref in wanted
                   if watcher.kind.get(watcher.request_of.get(ref, "")) == "PlacementProposed")
    return {
        "burst_requests": len(requests), "burst_completed": len(done),
        "burst_complete": complete, "burst_proposed": proposed,
        "burst_waitlisted": len(done) - proposed,
        "burst_produce_s": round(produced, 2), "burst_s": round(elapsed, 2),
        "requests_per_s": round(len(done) / elapsed, 1),
        "registration_stage_per_s": round(len(registered) / reg_elapsed, 1),
        "peak_lag": dict(lags.peak), "peak_lag_by_group": dict(sorted(lags.peak_group.items())),
        # CPU per request, whatever else the machine runs: which service costs what.
        "cpu_ms_per_request": {name: round((cpu_after[name] - cpu_before.get(name, 0.0))
                                           * 1000 / len(requests), 2) for name in cpu_after},
        "load_average_1m": round(load, 2) if load is not None else None,
    }


async def configuration(infra: Infra, replicas: int, raw: float) -> dict[str, Any]:
    latency_count = max(1, int(RATE * SECONDS))
    plan = Plan.make(f"load-{uuid.uuid4().hex[:6]}", latency_count + REQUESTS)
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-load-{replicas}x-"))
    scaled = {"matching": replicas, "notifications": replicas}
    print(f"-- matching and notifications x{replicas}: {len(plan.codes)} municipalities, "
          f"{plan.supervisors} supervisors with {SEATS} seats each, "
          f"{len(plan.participants):,} participants (logs: {workdir})", flush=True)
    async with outside_world(workdir) as outside:
        receipts_port = int(outside.pop("receipts_port"))
        env = dict(outside)
        for name in ("registration", "matching", "training", "notifications"):
            env[f"{name.upper()}_LOG_LEVEL"] = LOG_LEVEL
            env[f"{name.upper()}_RELAY_IDLE_INTERVAL_S"] = RELAY_IDLE_S
        async with running_system(infra, workdir, scaled, {"notifications": receipts_port},
                                  **env) as system:
            figures = await _measure(infra, system, plan, latency_count, raw)
    if KEEP_LOGS:
        print(f"   service logs kept in {workdir}", flush=True)
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return figures


async def _settle(lags: LagSampler, before: str) -> None:
    """Before a measurement, every service has read everything (setup, earlier runs)."""
    left = await lags.quiet(TIMEOUT_S)
    if any(left.values()):
        print(f"   not settled before {before}: lag {left}", flush=True)


async def _measure(infra: Infra, system: System, plan: Plan, latency_count: int,
                   raw: float) -> dict[str, Any]:
    bootstrap = infra.kafka_bootstrap
    started = time.perf_counter()
    watcher = Watcher(bootstrap, plan.run)
    await watcher.start()
    lags: LagSampler | None = None
    try:
        producer = _producer(bootstrap, linger_ms=5)
        await producer.start()
        try:
            await _send_all(producer, topics.REGISTRATION_INTAKE, plan.setup)
            deadline = time.perf_counter() + TIMEOUT_S
            while len(watcher.supervisors) < plan.supervisors:
                watcher.check()
                if time.perf_counter() > deadline:
                    raise AssertionError(f"registration registered {len(watcher.supervisors)} "
                                         f"of {plan.supervisors} supervisors "
                                         f"({watcher.rejected} intake messages rejected)")
                await asyncio.sleep(0.1)
            await _send_all(producer, topics.TRAINING_EVENTS, certificates(watcher.supervisors))
        finally:
            await producer.stop()
        await _wait_for_matching(infra, plan, TIMEOUT_S)
        print(f"   setup through registration to matching in "
              f"{time.perf_counter() - started:.1f} s", flush=True)
        groups = {name: physical(f"{name}-e2e-{system.run_id}")
                  for name in ("registration", "matching", "training", "notifications")}
        lags = await LagSampler(bootstrap, groups).open()
        await _settle(lags, "the latency run")
        requests = plan.requests(plan.participants)
        latency = await _latency(bootstrap, watcher, requests[:latency_count], RATE)
        print(f"   latency at {latency['latency_offered_per_s']:.0f} requests/s offered: "
              f"p50 {latency.get('latency_p50_ms', float('nan')):.0f} ms, "
              f"p95 {latency.get('latency_p95_ms', float('nan')):.0f} ms, "
              f"p99 {latency.get('latency_p99_ms', float('nan')):.0f} ms "
              f"({latency['latency_completed']:,}/{latency_count:,} answered)", flush=True)
        await _settle(lags, "the burst")
        burst = await _throughput(bootstrap, watcher, lags, system, requests[latency_count:])
        print(f"   burst of {burst['burst_requests']:,}: {burst['requests_per_s']:,.0f} "
              f"requests/s end to end ({burst['burst_proposed']:,} proposed, "
              f"{burst['burst_waitlisted']:,} waitlisted, {burst['burst_s']:.1f} s; produced "
              f"in {burst['burst_produce_s']:.2f} s); registration stage "
              f"{burst['registration_stage_per_s']:,.0f}/s; peak consumer lag "
              + ", ".join(f"{k} {v:,}" for k, v in burst["peak_lag"].items()), flush=True)
        print("   CPU per request during the burst (until the last outcome): " + ", ".join(
            f"{k} {v:.1f} ms" for k, v in burst["cpu_ms_per_request"].items())
            + f"; 1-minute load average {burst['load_average_1m']}", flush=True)
        reasons: dict[str, int] = {}
        for rid in watcher.request_of.values():
            if watcher.kind.get(rid) == "PlacementWaitlisted":
                for reason in watcher.reasons.get(rid, ()):
                    reasons[reason] = reasons.get(reason, 0) + 1
        if reasons:
            print(f"   waitlisted because: {reasons}", flush=True)
    finally:
        if lags is not None:
            await lags.close()
        await watcher.stop()
    return {**latency, **burst, "ratio_to_passthrough": round(burst["requests_per_s"] / raw, 4),
            "waitlist_reasons": reasons}


async def run(infra: Infra) -> dict[str, Any]:
    raw = await _passthrough_rate(infra.kafka_bootstrap, PASSTHROUGH)
    print(f"raw aiokafka consume-and-produce passthrough: {raw:,.0f} msg/s", flush=True)
    results: dict[str, dict[str, Any]] = {}
    for replicas in REPLICAS:
        results[str(replicas)] = await configuration(infra, replicas, raw)
    print()
    header = f"{'matching+notifications replicas':<36}" + "".join(
        f"{'x' + r:>14}" for r in results)
    print(header)
    rows = [
        ("throughput, requests/s", "requests_per_s", "{:,.0f}"),
        ("  ratio to passthrough", "ratio_to_passthrough", "{:.3f}"),
        ("  registration stage, /s", "registration_stage_per_s", "{:,.0f}"),
        (f"latency p50 at {RATE:.0f}/s, ms", "latency_p50_ms", "{:,.0f}"),
        ("latency p95, ms", "latency_p95_ms", "{:,.0f}"),
        ("latency p99, ms", "latency_p99_ms", "{:,.0f}"),
        ("  intake → PlacementRequested p99", "registration_p99_ms", "{:,.0f}"),
        ("  PlacementRequested → outcome p99", "matching_p99_ms", "{:,.0f}"),
        ("  answered during it, /s", "latency_answered_per_s", "{:,.0f}"),
    ]
    for label, key, fmt in rows:
        print(f"{label:<36}" + "".join(
            f"{fmt.format(f[key]) if key in f else '-':>14}" for f in results.values()))
    for service in ("registration", "matching", "training", "notifications"):
        print(f"{'peak lag ' + service:<36}" + "".join(
            f"{f['peak_lag'].get(service, 0):>14,}" for f in results.values()))
    for service in ("registration", "matching", "training", "notifications"):
        print(f"{'CPU ms/request ' + service:<36}" + "".join(
            f"{f['cpu_ms_per_request'].get(service, 0):>14,.1f}" for f in results.values()))
    print(f"{'load average (1 min) at burst end':<36}" + "".join(
        f"{f['load_average_1m'] or 0:>14.1f}" for f in results.values()))
    print(f"{'raw passthrough, msg/s':<36}{raw:>14,.0f}   (targets: >= 1,000 requests/s, "
          f"p99 < 500 ms)", flush=True)
    first = results[str(REPLICAS[0])] if REPLICAS else {}
    return {
        "raw_passthrough_per_s": round(raw),
        "replicas": results,
        "requests_per_s": first.get("requests_per_s"),
        "latency_p99_ms": first.get("latency_p99_ms"),
        "target_requests_per_s": 1000, "target_p99_ms": 500,
        "throughput_target_met": all(f["requests_per_s"] >= 1000 for f in results.values()),
        "latency_target_met": all(f.get("latency_p99_ms", math.inf) < 500
                                  and f["latency_complete"] for f in results.values()),
    }
