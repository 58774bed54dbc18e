"""Where the tests and the benchmarks find Kafka and Postgres.

1. Settings: `PRAKTIK_KAFKA_BOOTSTRAP_SERVERS` and `PRAKTIK_DATABASE_URL` (the
   superuser URL; service roles are `<name>:<name>` on the same server unless
   `<NAME>_DATABASE_URL` says otherwise). `scripts/test` sets them. On a broker with
   authentication the run connects as `PRAKTIK_KAFKA_SASL_USERNAME` etc. say, and each
   service as its own principal, `<NAME>_KAFKA_SASL_USERNAME` (shared.kafka.security).
2. Otherwise, with a Docker engine, testcontainers starts Kafka and Postgres.
3. Otherwise the tests fail and say which command to run.

On that server and broker a run (a pytest session, a benchmark) then makes what it uses
and touches nothing else (`claim`/`release`): a database of its own, `praktik_<kind>_<hex>`,
provisioned with infra/postgres/provision.sql (roles are the cluster's, schemas and
grants the database's), and the contract topics under a topic prefix of its own,
`<kind>-<hex>.` (shared.kafka.naming), which its services, consumer groups and helpers
use; both are dropped at the end. A running system (`scripts/stack up`: database
`praktik`, unprefixed topics) or another run beside it is never read nor written.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy.engine import make_url

from shared.kafka.security import (
    PASSWORD_ENV,
    USERNAME_ENV,
    KafkaSecurity,
    check_credentials,
)

REPO = Path(__file__).resolve().parents[1]
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
    topic_prefix: str = ""
    """The run's topic prefix (also in `PRAKTIK_TOPIC_PREFIX` while the run lasts)."""
    server_database_url: str = ""
    """The superuser URL the run was given (its database made and dropped from there)."""
    saved_env: dict[str, str | None] = field(default_factory=dict, compare=False)
    kafka_security: KafkaSecurity = field(default_factory=KafkaSecurity)
    """How the run's own clients connect to the broker (`PRAKTIK_KAFKA_*`)."""

    def kafka_client(self) -> dict[str, Any]:
        """An aiokafka client's `bootstrap_servers` and security, as the run connects."""
        return {"bootstrap_servers": self.kafka_bootstrap,
                **self.kafka_security.aiokafka_kwargs()}

    def service_security(self, service: str) -> KafkaSecurity:
        """One of `SERVICES` as its own principal on this broker (`<NAME>_KAFKA_SASL_USERNAME`
        and `_PASSWORD`, from .stack/env), with the run's protocol, CA file and mechanism;
        a service of the tests' own (the plumbing probe) as the run."""
        run = self.kafka_security
        if not run.secured or service not in SERVICES:
            return run
        prefix = f"{service.upper()}_"
        username = os.environ.get(prefix + USERNAME_ENV) or None
        password = os.environ.get(prefix + PASSWORD_ENV) or None
        check_credentials(run.protocol, username, password, prefix)
        return replace(run, username=username, password=password)

    def service_security_settings(self, service: str) -> dict[str, Any]:
        """`service_security` as the service's settings, by field name (`kafka_sasl_username`)."""
        security = self.service_security(service)
        values = {"kafka_security_protocol": security.protocol,
                  "kafka_sasl_mechanism": security.mechanism,
                  "kafka_sasl_username": security.username,
                  "kafka_sasl_password": security.password,
                  "kafka_ssl_cafile": security.cafile}
        return {name: value for name, value in values.items() if value is not None}

    @property
    def database(self) -> str:
        return str(make_url(self.admin_database_url).database)

    def database_url(self, service: str) -> str:
        """The service role's URL in this infra's database (an explicit
        `<NAME>_DATABASE_URL` gives the role's credentials and server, not the database)."""
        explicit = os.environ.get(f"{service.upper()}_DATABASE_URL")
        url = (make_url(explicit) if explicit else make_url(self.admin_database_url).set(
            username=service, password=service)).set(database=self.database)
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


class _Container(Protocol):
    def stop(self) -> Any: ...


_containers: list[_Container] = []


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

    asyncio.run(prepare(infra.kafka_bootstrap, int(os.environ.get("PRAKTIK_PARTITIONS", "6")),
                        security=infra.kafka_security))
    return infra


def stop_containers() -> None:
    for container in _containers:
        container.stop()
    _containers.clear()


def libpq_url(url: str, database: str | None = None) -> str:
    """A SQLAlchemy URL as asyncpg takes it (optionally naming another database)."""
    parsed = make_url(url).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


async def provision(infra: Infra, attempts: int = 5) -> None:
    """Roles and schemas, as the native scripts create them (same SQL file), in the infra's
    database. Runs beside each other alter the same roles: a lost race is tried again."""
    import asyncpg

    for attempt in range(1, attempts + 1):
        conn = await asyncpg.connect(libpq_url(infra.admin_database_url))
        try:
            await conn.execute(PROVISION_SQL.read_text())
            return
        except asyncpg.PostgresError as error:
            if attempt == attempts or "concurrently" not in str(error):
                raise
        finally:
            await conn.close()
        await asyncio.sleep(0.2 * attempt)


def _server() -> Infra | None:
    kafka = os.environ.get("PRAKTIK_KAFKA_BOOTSTRAP_SERVERS")
    database = os.environ.get("PRAKTIK_DATABASE_URL")
    if kafka and database:
        return Infra(kafka, database, kafka_security=KafkaSecurity.from_env())
    if _docker_available():
        return _from_testcontainers()
    return None


def discover(kind: str = "test") -> Infra | None:
    """The server and broker, with a database and topic prefix of this run's own
    (`claim`; give them back with `release`)."""
    server = _server()
    return None if server is None else asyncio.run(claim(server, kind))


async def claim(server: Infra, kind: str = "test") -> Infra:
    """Make this run's database and prefixed topics, and point this process's environment
    (and so the services it starts) at them: `PRAKTIK_TOPIC_PREFIX`, `<NAME>_DATABASE_URL`."""
    from shared.kafka.admin import prepare
    from shared.kafka.naming import PREFIX_ENV

    run = uuid.uuid4().hex[:10]
    name, prefix = f"praktik_{kind}_{run}", f"{kind}-{run}."
    import asyncpg

    admin = await asyncpg.connect(libpq_url(server.admin_database_url))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    infra = Infra(server.kafka_bootstrap, make_url(server.admin_database_url).set(
        database=name).render_as_string(hide_password=False), prefix,
        server.admin_database_url, kafka_security=server.kafka_security)
    try:
        await provision(infra)
        await prepare(infra.kafka_bootstrap, int(os.environ.get("PRAKTIK_PARTITIONS", "6")),
                      prefix=prefix, security=infra.kafka_security)
        await _service_acls(infra, grant=True)
    except BaseException:
        await release_async(infra)
        raise
    saved: dict[str, str | None] = {}
    wanted = {PREFIX_ENV: prefix, **{f"{s.upper()}_DATABASE_URL": infra.database_url(s)
                                     for s in SERVICES}}
    for variable, value in wanted.items():
        saved[variable] = os.environ.get(variable)
        os.environ[variable] = value
    return replace(infra, saved_env=saved)


def release(infra: Infra) -> None:
    asyncio.run(release_async(infra))


async def release_async(infra: Infra) -> None:
    """Drop the run's database and delete its topics (those under its prefix only), and
    give the environment back. Nothing that another run or the running system has."""
    for variable, value in infra.saved_env.items():
        if value is None:
            os.environ.pop(variable, None)
        else:
            os.environ[variable] = value
    if not infra.server_database_url or not infra.topic_prefix:
        return  # not a run's own (a server as found): nothing of ours to drop
    import asyncpg

    admin = await asyncpg.connect(libpq_url(infra.server_database_url))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{infra.database}" WITH (FORCE)')
    finally:
        await admin.close()
    await delete_topics(infra.kafka_bootstrap, infra.topic_prefix, infra.kafka_security)
    await _service_acls(infra, grant=False)


async def _service_acls(infra: Infra, grant: bool) -> None:
    """On a secured broker, grant (or take back) each service's ACLs under the run's topic
    prefix (shared.kafka.acls): its principal, from the stack, may then do there what it
    may do on the running system's topics, and nothing more."""
    if not infra.kafka_security.secured or not infra.topic_prefix:
        return
    from shared.kafka.acls import every_service_acl
    from shared.kafka.security_admin import ConfluentSecurityAdmin, apply_service_plan

    admin = ConfluentSecurityAdmin.connect(infra.kafka_bootstrap, infra.kafka_security)
    if grant:  # the users and their passwords are the stack's: only the ACLs are the run's
        await apply_service_plan(admin, infra.topic_prefix, {})
        return
    try:
        await admin.delete_acls(every_service_acl(infra.topic_prefix))
    except Exception as error:  # best effort, as the topics
        print(f"devkit.infra: could not delete the ACLs under {infra.topic_prefix}: {error!r}")


async def delete_topics(bootstrap: str, prefix: str,
                        security: KafkaSecurity = KafkaSecurity()) -> None:
    """Delete every topic whose name starts with `prefix` (never with an empty one)."""
    from aiokafka.admin import AIOKafkaAdminClient

    if not prefix:
        raise ValueError("refusing to delete topics without a prefix")
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **security.aiokafka_kwargs())
    try:
        await admin.start()
        names = [t for t in await admin.list_topics() if t.startswith(prefix)]
        if names:
            await admin.delete_topics(names)
    except Exception as error:  # best effort: a run's leftovers are harmless, only wasteful
        print(f"devkit.infra: could not delete the topics {prefix}*: {error!r}")
    finally:
        await admin.close()
