"""The infrastructure as the scripts provision it: role isolation, topics and their configs."""

from __future__ import annotations

import os

import asyncpg
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from sqlalchemy.engine import make_url

from shared.contracts import topics
from shared.contracts.topics import contract_topics
from tests.support.infra import Infra

pytestmark = pytest.mark.infra


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def test_a_service_role_reads_its_own_schema_and_nothing_else(infra: Infra) -> None:
    matching = await asyncpg.connect(_dsn(infra.database_url("matching")))
    registration = await asyncpg.connect(_dsn(infra.database_url("registration")))
    try:
        await matching.execute(
            "CREATE TABLE IF NOT EXISTS matching.isolation_probe (secret text);"
            "INSERT INTO matching.isolation_probe VALUES ('only matching may read this')"
        )
        await registration.execute(
            "CREATE TABLE IF NOT EXISTS registration.isolation_probe (x int)"
        )
        assert await registration.fetchval("SELECT count(*) FROM isolation_probe") >= 0
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await registration.fetch("SELECT * FROM matching.isolation_probe")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await registration.execute("CREATE TABLE matching.intruder (x int)")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await registration.execute("CREATE TABLE public.intruder (x int)")
    finally:
        await matching.execute("DROP TABLE IF EXISTS matching.isolation_probe")
        await registration.execute("DROP TABLE IF EXISTS registration.isolation_probe")
        await matching.close()
        await registration.close()


async def test_contract_topics_exist_with_their_configs(infra: Infra) -> None:
    partitions = int(os.environ.get("PRAKTIK_PARTITIONS", "6"))
    admin = AIOKafkaAdminClient(bootstrap_servers=infra.kafka_bootstrap)
    await admin.start()
    try:
        names = [spec.name for spec in contract_topics()]
        described = await admin.describe_topics(names)
        by_name = {topic["topic"]: topic for topic in described}
        for name in names:
            assert by_name[name]["error_code"] == 0, name
            assert len(by_name[name]["partitions"]) == partitions, name
        assert {f"{n}.dlq" for n in (topics.REGISTRATION_EVENTS, topics.MATCHING_EVENTS)} <= set(
            names
        )
        resources = [
            ConfigResource(ConfigResourceType.TOPIC, topics.REGISTRATION_CONTACTS),
            ConfigResource(ConfigResourceType.TOPIC, topics.REGISTRATION_INTAKE),
            ConfigResource(ConfigResourceType.TOPIC, f"{topics.REGISTRATION_INTAKE}.dlq"),
        ]
        responses = await admin.describe_configs(resources)
        configs: dict[str, dict[str, str]] = {}
        for response in responses:
            for resource in response.resources:
                _, _, _, name, entries = resource[:5]
                configs[name] = {entry[0]: entry[1] for entry in entries}
        assert configs[topics.REGISTRATION_CONTACTS]["cleanup.policy"] == "compact"
        week = str(7 * 24 * 3600 * 1000)
        assert configs[topics.REGISTRATION_INTAKE]["retention.ms"] == week
        assert configs[f"{topics.REGISTRATION_INTAKE}.dlq"]["retention.ms"] == week
    finally:
        await admin.close()
