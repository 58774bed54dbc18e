"""Tests and benchmarks never touch a running system.

A "live" system is set up as `scripts/stack up` makes one: the services' schemas in a
database provisioned with infra/postgres/provision.sql, registration as a process on the
contract's topics without a prefix (the default path), a marker row in its schema and a
marker event on a live topic. Then a test module and a short benchmark run, each in a
process of its own, with the environment `.stack/env` gives (the live database in
`PRAKTIK_DATABASE_URL` and `<NAME>_DATABASE_URL`, no topic prefix): the setting in which
the benchmark once dropped the live schemas and the live registration took its intake.
Afterwards the marker row and event are there, no live topic's end offset and no live
consumer group's committed offset moved, and the live registration handled nothing.

So as not to disturb a `scripts/stack up` on this machine itself, the live system has a
database of its own (not `praktik`) and a consumer group of its own, and it publishes
nothing but the marker, on `notifications.events.v1`, which no service consumes. (A
running stack producing on the unprefixed topics meanwhile would move their end offsets
and fail this test: it is meant for a machine whose stack, if any, is idle.)
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from sqlalchemy.engine import make_url

from devkit.infra import REPO, SERVICES, Infra, libpq_url, provision
from devkit.ports import free_port
from devkit.processes import ServiceProcess
from shared.contracts import topics
from shared.contracts.topics import contract_topics
from shared.kafka.naming import PREFIX_ENV

pytestmark = pytest.mark.infra

LIVE_TOPICS = [spec.name for spec in contract_topics()]
"""The contract's names, unprefixed: what a live system (empty prefix) uses."""


@dataclass
class Live:
    database: str
    admin_url: str
    """Superuser URL of the live database."""
    process: ServiceProcess

    def role_url(self, service: str) -> str:
        return make_url(self.admin_url).set(username=service, password=service).render_as_string(
            hide_password=False)


def _stack_env(infra: Infra, live: Live) -> dict[str, str]:
    """What `set -a; . .stack/env` gives a shell when the stack runs on the live database."""
    env = {k: v for k, v in os.environ.items()
           if k != PREFIX_ENV and not k.endswith(("_DATABASE_URL", "_CONSUMER_GROUP"))}
    env["PRAKTIK_DATABASE_URL"] = live.admin_url
    env["PRAKTIK_KAFKA_BOOTSTRAP_SERVERS"] = infra.kafka_bootstrap
    env["PRAKTIK_DEVELOPMENT"] = "1"  # .stack/env has it: the committed development keys
    for service in SERVICES:
        env[f"{service.upper()}_DATABASE_URL"] = live.role_url(service)
        env[f"{service.upper()}_KAFKA_BOOTSTRAP_SERVERS"] = infra.kafka_bootstrap
        env.update({f"{service.upper()}_{setting.upper()}": value
                    for setting, value in infra.service_security_settings(service).items()})
    return env


@pytest.fixture
async def live(infra: Infra, tmp_path: Path) -> AsyncIterator[Live]:
    name = f"praktik_live_{uuid.uuid4().hex[:8]}"
    server = infra.server_database_url or infra.admin_database_url
    admin = await asyncpg.connect(libpq_url(server))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    process: ServiceProcess | None = None
    try:
        await provision(Infra(infra.kafka_bootstrap, url, kafka_security=infra.kafka_security))
        port = free_port()
        placeholder = ServiceProcess("registration", {}, tmp_path / "live-registration.log", port)
        live = Live(name, url, placeholder)
        env = _stack_env(infra, live)
        env.update({
            "REGISTRATION_HTTP_PORT": str(port),
            # A group of its own: never the group of a stack running on this machine
            # (named for registration: on a secured broker its ACLs allow only those).
            "REGISTRATION_CONSUMER_GROUP": f"registration-live-{uuid.uuid4().hex[:8]}",
            "REGISTRATION_CONSUMER_AUTO_OFFSET_RESET": "latest",
            "REGISTRATION_INTAKE_SOURCES": "urn:test=*,urn:bench:registration=*",
        })
        process = ServiceProcess("registration", env, placeholder.log_path, port)
        live.process = process
        process.start()  # migrates its schema on start, as `scripts/stack up` has it
        await process.wait_ready(90)
        yield live
    finally:
        if process is not None:
            process.stop()
        admin = await asyncpg.connect(libpq_url(server))
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


async def _end_offsets(infra: Infra) -> dict[TopicPartition, int]:
    admin = AIOKafkaAdminClient(**infra.kafka_client())
    await admin.start()
    try:
        described = await admin.describe_topics(LIVE_TOPICS)
    finally:
        await admin.close()
    parts = [TopicPartition(t["topic"], p["partition"]) for t in described
             if t["error_code"] == 0 for p in t["partitions"]]
    assert {tp.topic for tp in parts} == set(LIVE_TOPICS), "the live topics exist"
    consumer = AIOKafkaConsumer(**infra.kafka_client())
    await consumer.start()
    try:
        return dict(await consumer.end_offsets(parts))
    finally:
        await consumer.stop()


async def _committed(infra: Infra, groups: list[str]) -> dict[str, dict[TopicPartition, int]]:
    admin = AIOKafkaAdminClient(**infra.kafka_client())
    await admin.start()
    try:
        found = {}
        for group in groups:
            offsets = await admin.list_consumer_group_offsets(group)
            found[group] = {tp: meta.offset for tp, meta in offsets.items()}
        return found
    finally:
        await admin.close()


async def _record_at(infra: Infra, tp: TopicPartition, offset: int) -> bytes | None:
    consumer = AIOKafkaConsumer(**infra.kafka_client(), enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign([tp])
        consumer.seek(tp, offset)
        batches = await consumer.getmany(tp, timeout_ms=5000, max_records=1)
        records = batches.get(tp, [])
        return records[0].value if records else None
    finally:
        await consumer.stop()


async def _run(command: list[str], env: dict[str, str], timeout_s: float) -> str:
    process = await asyncio.create_subprocess_exec(
        *command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        out, _ = await asyncio.wait_for(process.communicate(), timeout_s)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    text = out.decode(errors="replace")
    assert process.returncode == 0, f"{' '.join(command)} failed:\n{text[-3000:]}"
    return text


@dataclass
class Before:
    """What the live system holds before the test run and the benchmark."""

    groups: list[str]
    marker_ref: str
    marker_at: TopicPartition
    marker_offset: int
    inbox: int
    participants: int
    ends: dict[TopicPartition, int]
    committed: dict[str, dict[TopicPartition, int]]


async def _live_groups(live: Live) -> list[str]:
    """The live registration's consumer groups, on the default path (no prefix)."""
    async with httpx.AsyncClient(timeout=5) as client:
        owned = (await client.get(f"{live.process.url}/health/consumers")).json()
    live_topics = {str(p["topic"]) for partitions in owned.values() for p in partitions}
    # The live one is on the default path: the contract's names, no prefix.
    assert topics.REGISTRATION_INTAKE in live_topics, live_topics
    assert live_topics <= set(LIVE_TOPICS), live_topics
    return sorted(owned)


async def _mark(infra: Infra, live: Live) -> Before:
    """A marker row in the live schema and a marker event on a live topic; the counts,
    end offsets and committed offsets as they are then."""
    groups = await _live_groups(live)
    marker_ref = f"live-marker-{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(libpq_url(live.role_url("registration")))
    try:
        await conn.execute("INSERT INTO registration.inbox (consumer, event_id) VALUES ($1, $2)",
                           "live-marker", marker_ref)
        inbox_before = await conn.fetchval("SELECT count(*) FROM registration.inbox")
        participants_before = await conn.fetchval("SELECT count(*) FROM participants")
    finally:
        await conn.close()
    producer = AIOKafkaProducer(**infra.kafka_client())
    await producer.start()
    try:
        sent = await producer.send_and_wait(topics.NOTIFICATIONS_EVENTS, marker_ref.encode(),
                                            key=b"live-marker")
    finally:
        await producer.stop()
    return Before(groups, marker_ref, TopicPartition(sent.topic, sent.partition), sent.offset,
                  inbox_before, participants_before, await _end_offsets(infra),
                  await _committed(infra, groups))


async def _assert_untouched(infra: Infra, live: Live, before: Before) -> None:
    """The marker row and event are there; nothing was handled, written or committed."""
    conn = await asyncpg.connect(libpq_url(live.role_url("registration")))
    try:
        assert await conn.fetchval(
            "SELECT count(*) FROM registration.inbox WHERE event_id = $1",
            before.marker_ref) == 1
        assert await conn.fetchval("SELECT count(*) FROM registration.inbox") == before.inbox, (
            "the live registration handled messages of the test run or the benchmark")
        assert await conn.fetchval("SELECT count(*) FROM participants") == before.participants
    finally:
        await conn.close()
    assert await _record_at(infra, before.marker_at, before.marker_offset) == (
        before.marker_ref.encode())
    assert await _end_offsets(infra) == before.ends, "a live topic was written to"
    assert await _committed(infra, before.groups) == before.committed, "a live group moved"
    async with httpx.AsyncClient(timeout=5) as client:
        assert (await client.get(f"{live.process.url}/health/ready")).status_code == 200


async def _assert_benchmark_cleaned_up(infra: Infra, live: Live, bench: str) -> None:
    """The benchmark ran on a database and topics of its own, and dropped them."""
    found = re.search(r"== on database (\S+), topics (\S+)\*", bench)
    assert found, bench[-2000:]
    database, prefix = found.groups()
    assert database != live.database and prefix
    admin = await asyncpg.connect(libpq_url(live.admin_url))
    try:
        assert not await admin.fetchval(
            "SELECT count(*) FROM pg_database WHERE datname = $1", database)
    finally:
        await admin.close()
    client_admin = AIOKafkaAdminClient(**infra.kafka_client())
    await client_admin.start()
    try:
        assert not [t for t in await client_admin.list_topics() if t.startswith(prefix)]
    finally:
        await client_admin.close()


async def test_a_test_run_and_a_benchmark_leave_a_live_system_alone(
        infra: Infra, live: Live) -> None:
    before = await _mark(infra, live)
    env = _stack_env(infra, live)
    await _run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                "services/registration/tests/integration/test_intake.py"], env, 300)
    bench = await _run([sys.executable, "-m", "bench", "registration"],
                       {**env, "BENCH_REGISTRATIONS": "300"}, 300)
    await _assert_untouched(infra, live, before)
    await _assert_benchmark_cleaned_up(infra, live, bench)
