"""Where the tests find Kafka and Postgres.

1. Settings: `PRAKTIK_KAFKA_BOOTSTRAP_SERVERS` and `PRAKTIK_DATABASE_URL` (the
   superuser URL; service roles are `<name>:<name>` on the same server unless
   `<NAME>_DATABASE_URL` says otherwise). `scripts/test` sets them.
2. Otherwise, with a Docker engine, testcontainers starts Kafka and Postgres.
3. Otherwise the tests fail and say which command to run.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parents[2]
PROVISION_SQL = REPO / "infra" / "postgres" / "provision.sql"
SERVICES = ("registration", "matching", "training", "notifications")

HOW_TO_RUN = (
    "No Kafka/Postgres configured and no Docker engine found. Run the tests with "
    "`scripts/test` (it starts a native Kafka and Postgres), or start them with "
    "`scripts/stack infra-up` and `set -a; . .stack/env`."
)


@dataclass(frozen=True)
class Infra:
    kafka_bootstrap: str
    admin_database_url: str

    def database_url(self, service: str) -> str:
        explicit = os.environ.get(f"{service.upper()}_DATABASE_URL")
        if explicit:
            return explicit
        url = make_url(self.admin_database_url).set(username=service, password=service)
        return url.render_as_string(hide_password=False)


def _docker_available() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        import docker

        docker.from_env().ping()
        return True
    except Exception:
        return False


_containers: list[object] = []


def _from_testcontainers() -> Infra:
    from testcontainers.kafka import KafkaContainer
    from testcontainers.postgres import PostgresContainer

    postgres = PostgresContainer("postgres:15", username="praktik", password="praktik",
                                 dbname="praktik", driver="asyncpg")
    postgres.start()
    kafka = KafkaContainer("apache/kafka:4.1.1").with_kraft()
    kafka.start()
    _containers.extend([postgres, kafka])
    infra = Infra(kafka.get_bootstrap_server(), postgres.get_connection_url())
    asyncio.run(provision(infra))
    from shared.kafka.admin import prepare

    asyncio.run(prepare(infra.kafka_bootstrap, int(os.environ.get("PRAKTIK_PARTITIONS", "6"))))
    return infra


def stop_containers() -> None:
    for container in _containers:
        container.stop()  # type: ignore[attr-defined]
    _containers.clear()


def libpq_url(url: str, database: str | None = None) -> str:
    """A SQLAlchemy URL as asyncpg takes it (optionally naming another database)."""
    parsed = make_url(url).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


async def provision(infra: Infra) -> None:
    """Roles and schemas, as the native scripts create them (same SQL file)."""
    import asyncpg

    conn = await asyncpg.connect(libpq_url(infra.admin_database_url))
    try:
        await conn.execute(PROVISION_SQL.read_text())
    finally:
        await conn.close()


def discover() -> Infra | None:
    kafka = os.environ.get("PRAKTIK_KAFKA_BOOTSTRAP_SERVERS")
    database = os.environ.get("PRAKTIK_DATABASE_URL")
    if kafka and database:
        return Infra(kafka, database)
    if _docker_available():
        return _from_testcontainers()
    return None
