"""The infrastructure as the scripts provision it: role isolation, topics and their configs.

Checked on what this run provisioned the same way (its own database, provisioned with
infra/postgres/provision.sql, and the contract topics under its prefix, created by
`shared.kafka.admin.prepare`), so a running stack is never touched.

Reads the settings `scripts/test` exports from `.stack/env` (through the `infra` fixture:
without `PRAKTIK_DATABASE_URL` and Docker it fails, naming the command to run).
"""

from __future__ import annotations

import os
import uuid

import asyncpg
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from devkit.bus import logical, physical
from devkit.infra import HOW_TO_RUN, Infra, libpq_url
from shared.contracts import topics
from shared.contracts.topics import DLQ_SUFFIX, contract_topics

pytestmark = pytest.mark.infra


@pytest.fixture(scope="session", autouse=True)
def _settings_present() -> None:
    """The stack's settings must be there (with Docker, the `infra` fixture may use
    testcontainers instead). Session-scoped so that it runs before `infra`."""
    if not os.environ.get("PRAKTIK_DATABASE_URL") and not os.environ.get("DOCKER_HOST"):
        if not os.path.exists("/var/run/docker.sock"):
            pytest.fail(f"PRAKTIK_DATABASE_URL is not set. {HOW_TO_RUN}", pytrace=False)


async def test_a_service_role_reads_its_own_schema_and_nothing_else(infra: Infra) -> None:
    table = f"isolation_probe_{uuid.uuid4().hex[:12]}"  # concurrent runs share the server
    matching = await asyncpg.connect(libpq_url(infra.database_url("matching")))
    try:
        registration = await asyncpg.connect(libpq_url(infra.database_url("registration")))
        try:
            await matching.execute(
                f"CREATE TABLE matching.{table} (secret text);"
                f"INSERT INTO matching.{table} VALUES ('only matching may read this')"
            )
            assert await matching.fetchval(f"SELECT secret FROM {table}") == (
                "only matching may read this"
            ), "matching's search_path is its own schema"

            # Its own schema: create, write, read (unqualified: search_path = registration).
            await registration.execute(f"CREATE TABLE {table} (x int)")
            await registration.execute(f"INSERT INTO {table} VALUES (1), (2)")
            assert await registration.fetchval(f"SELECT sum(x) FROM registration.{table}") == 3
            assert await registration.fetchval("SHOW search_path") == "registration"

            # Another service's schema: no reading, no writing, no creating.
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await registration.fetch(f"SELECT * FROM matching.{table}")
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await registration.execute(f"INSERT INTO matching.{table} VALUES ('x')")
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await registration.execute(f"CREATE TABLE matching.{table}_intruder (x int)")
            # Nor the public schema, nor new schemas.
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await registration.execute(f"CREATE TABLE public.{table} (x int)")
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await registration.execute(f"CREATE SCHEMA {table}")
            # Not even USAGE on the schema.
            assert not await registration.fetchval(
                "SELECT has_schema_privilege('matching', 'USAGE')"
            )
        finally:
            await registration.execute(f"DROP TABLE IF EXISTS registration.{table}")
            await registration.close()
    finally:
        await matching.execute(f"DROP TABLE IF EXISTS matching.{table}")
        await matching.close()


async def test_a_service_role_is_no_superuser(infra: Infra) -> None:
    for service in ("registration", "matching", "training", "notifications"):
        conn = await asyncpg.connect(libpq_url(infra.database_url(service)))
        try:
            row = await conn.fetchrow(
                "SELECT rolsuper, rolcreatedb, rolcreaterole FROM pg_roles"
                " WHERE rolname = current_user"
            )
            assert row is not None
            assert tuple(row) == (False, False, False), service
            assert await conn.fetchval("SHOW search_path") == service
        finally:
            await conn.close()


def _expected_partitions() -> int:
    return int(os.environ.get("PRAKTIK_PARTITIONS", "6"))


async def test_contract_topics_and_their_dead_letter_twins_exist(infra: Infra) -> None:
    specs = contract_topics()
    names = [spec.name for spec in specs]
    primaries = [name for name in names if not name.endswith(DLQ_SUFFIX)]
    assert set(primaries) >= {
        topics.REGISTRATION_INTAKE,
        topics.REGISTRATION_EVENTS,
        topics.REGISTRATION_CONTACTS,
        topics.TRAINING_EVENTS,
        topics.MATCHING_EVENTS,
        topics.NOTIFICATIONS_EVENTS,
    }
    expected = set(primaries) | {topics.dead_letter_topic(name) for name in primaries}
    assert set(names) == expected, "every contract topic has its .dlq twin"

    admin = AIOKafkaAdminClient(**infra.kafka_client())
    await admin.start()
    try:
        described = await admin.describe_topics(sorted(physical(n) for n in expected))
        by_name = {logical(topic["topic"]): topic for topic in described}
        for name in sorted(expected):
            assert name in by_name, f"{name} missing"
            assert by_name[name]["error_code"] == 0, f"{name}: {by_name[name]['error_code']}"
            assert len(by_name[name]["partitions"]) == _expected_partitions(), name
    finally:
        await admin.close()


async def _topic_configs(infra: Infra, names: list[str]) -> dict[str, dict[str, str]]:
    admin = AIOKafkaAdminClient(**infra.kafka_client())
    await admin.start()
    try:
        responses = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, physical(name)) for name in names]
        )
    finally:
        await admin.close()
    configs: dict[str, dict[str, str]] = {}
    for response in responses:
        for resource in response.resources:
            error_code, _, _, name, entries = resource[:5]
            assert error_code == 0, f"describe_configs {name}: {error_code}"
            configs[logical(name)] = {entry[0]: entry[1] for entry in entries}
    return configs


async def test_topic_configs_compacted_contacts_and_short_lived_intake(infra: Infra) -> None:
    specs = {spec.name: spec for spec in contract_topics()}
    intake, intake_dlq = topics.REGISTRATION_INTAKE, topics.dead_letter_topic(
        topics.REGISTRATION_INTAKE
    )
    configs = await _topic_configs(
        infra, [topics.REGISTRATION_CONTACTS, intake, intake_dlq, topics.REGISTRATION_EVENTS]
    )
    assert configs[topics.REGISTRATION_CONTACTS]["cleanup.policy"] == "compact"
    assert configs[topics.REGISTRATION_EVENTS]["cleanup.policy"] == "delete"

    # The intake topic (and its DLQ) carry identity numbers: a retention shorter than the
    # broker's default (log.retention.hours=168 is not it: the topic sets its own).
    short = specs[intake].config["retention.ms"]
    assert configs[intake]["retention.ms"] == short
    assert configs[intake_dlq]["retention.ms"] == short
    assert int(short) <= 7 * 24 * 3600 * 1000
