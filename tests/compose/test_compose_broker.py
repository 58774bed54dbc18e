"""docker-compose's secured broker, without Docker: the commands of its `kafka-secrets`,
`kafka` and `kafka-init` services, run here as compose runs them (devkit/compose_secrets.py,
infra/compose/kafka-start on the Kafka jars of the stack, infra/compose/with-env), on free
loopback ports and in a directory of this module's own. What only Docker can show (the
image's user, the network names) is left to the static checks in test_compose.py.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from devkit.infra import REPO
from devkit.ports import free_port
from devkit.secured import SecuredBroker
from shared.kafka.acls import SERVICE_PLAN, SERVICES
from shared.kafka.naming import PREFIX_ENV
from shared.kafka.security import KafkaSecurity
from tests.infra.test_bus_security import refused, send

pytestmark = [pytest.mark.infra, pytest.mark.timeout(300)]

COMPOSE_INFRA = REPO / "infra" / "compose"
JARS = REPO / ".cache" / "kafka-4.1.1" / "jars"


def _env_file(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {name: value for name, value in pairs}


def _with_env(secrets: Path, name: str, *command: str) -> str:
    """`command` as compose runs it: through with-env and the principal's env file."""
    done = subprocess.run([str(COMPOSE_INFRA / "with-env"), str(secrets / f"{name}.env"),
                           *command], cwd=REPO, capture_output=True, text=True, timeout=120,
                          env=_clean_env(), check=False)
    assert done.returncode == 0, f"{command} failed:\n{done.stderr[-3000:]}"
    return done.stdout


def _wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"kafka-start exited {process.returncode}:\n"
                                 f"{log.read_text()[-3000:]}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise AssertionError(f"the compose broker did not open {port} in 90 s")


def _clean_env() -> dict[str, str]:
    """This process's environment without the test run's own settings: its Kafka, its
    databases and its topic prefix (set by the session's `infra`), which compose has not."""
    return {name: value for name, value in os.environ.items()
            if "KAFKA" not in name and not name.endswith("_DATABASE_URL")
            and name != PREFIX_ENV}


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecuredBroker]:
    if not JARS.is_dir():
        subprocess.run([str(REPO / "scripts" / "stack"), "kafka-jars"], check=True)
    root = tmp_path_factory.mktemp("compose")
    secrets = root / "secrets"
    subprocess.run([sys.executable, "-m", "devkit.compose_secrets", str(secrets)], cwd=REPO,
                   check=True, timeout=60)
    port, host_port, controller_port = free_port(), free_port(), free_port()
    env = _clean_env() | {
        "PRAKTIK_SECRETS": str(secrets), "PRAKTIK_KAFKA_DATA": str(root / "data"),
        "PRAKTIK_KAFKA_LIBS": str(JARS), "PRAKTIK_KAFKA_LOGS": str(root / "logs"),
        "PRAKTIK_KAFKA_LOG4J": str(REPO / "infra" / "kafka" / "log4j2.properties"),
        "PRAKTIK_KAFKA_LISTEN": "127.0.0.1", "PRAKTIK_KAFKA_ADVERTISED_HOST": "127.0.0.1",
        "PRAKTIK_KAFKA_PORT": str(port), "PRAKTIK_KAFKA_HOST_PORT": str(host_port),
        "PRAKTIK_KAFKA_CONTROLLER_PORT": str(controller_port), "PRAKTIK_PARTITIONS": "1"}
    with (root / "kafka.out").open("w") as out:
        process = subprocess.Popen([str(COMPOSE_INFRA / "kafka-start")], env=env, stdout=out,
                                   stderr=subprocess.STDOUT)
    try:
        _wait_for_port(port, process, root / "kafka.out")
        bootstrap = f"127.0.0.1:{port}"
        # kafka-init: the topics, then the services' users and ACLs, as the admin.
        for module in ("shared.kafka.admin", "shared.kafka.security_admin"):
            _with_env(secrets, "kafka-init", sys.executable, "-m", module,
                      "--bootstrap", bootstrap, *(["--partitions", "1"]
                                                  if module == "shared.kafka.admin" else []))
        running = SecuredBroker(bootstrap, secrets, _env_file(secrets / "kafka-init.env"))
        running.env["HOST_BOOTSTRAP"] = f"localhost:{host_port}"
        yield running
    finally:
        process.terminate()
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def test_the_compose_broker_refuses_a_client_without_credentials(
        broker: SecuredBroker) -> None:
    admin = broker.security()
    await send(broker, admin, "registration.intake.v1")
    assert await refused(broker, KafkaSecurity(), "registration.intake.v1")


async def test_each_service_connects_as_its_own_principal_from_its_env_file(
        broker: SecuredBroker) -> None:
    for service in SERVICES:
        security = KafkaSecurity.from_env(_env_file(broker.directory / f"{service}.env"),
                                          prefix=f"{service.upper()}_")
        assert security.username == service
        owned = SERVICE_PLAN[service].owns[0]
        await send(broker, security, owned)
        others = [plan.owns[0] for name, plan in SERVICE_PLAN.items() if name != service]
        assert await refused(broker, security, others[0])


async def test_the_host_listener_serves_clients_on_the_host_as_localhost(
        broker: SecuredBroker) -> None:
    on_host = SecuredBroker(broker.env["HOST_BOOTSTRAP"], broker.directory, broker.env)
    await send(on_host, broker.security(), "registration.intake.v1")
    assert await refused(on_host, KafkaSecurity(), "registration.intake.v1")


def test_a_service_started_through_with_env_reads_its_principal(
        broker: SecuredBroker) -> None:
    shown = _with_env(broker.directory, "registration", sys.executable, "-c",
                      "from services.registration.settings import RegistrationSettings as S;"
                      "s = S(database_url='postgresql+asyncpg://x@h/d').kafka_security;"
                      "print(s.protocol, s.username, s.cafile, bool(s.password))")
    assert shown.split() == ["SASL_SSL", "registration", str(broker.directory / "tls" / "ca.pem"),
                             "True"]


def test_secrets_made_again_keep_the_passwords_and_the_ca(broker: SecuredBroker) -> None:
    before = {path.name: path.read_bytes() for path in broker.directory.rglob("*")
              if path.is_file()}
    subprocess.run([sys.executable, "-m", "devkit.compose_secrets", str(broker.directory)],
                   cwd=REPO, check=True, timeout=60)
    after = {path.name: path.read_bytes() for path in broker.directory.rglob("*")
             if path.is_file()}
    assert after == before


def test_the_rendered_properties_leave_no_placeholder() -> None:
    template = "a=@ONE@\nb=@TWO@\n"
    render = REPO / "infra" / "kafka" / "render"
    done = subprocess.run([str(render), "ONE=1"], input=template, capture_output=True,
                          text=True, check=False)
    assert done.returncode == 2 and "@TWO@" in done.stderr
    done = subprocess.run([str(render), "ONE=1", "TWO=2"], input=template,
                          capture_output=True, text=True, check=True)
    assert done.stdout == "a=1\nb=2\n"
