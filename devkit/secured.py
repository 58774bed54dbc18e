"""A secured broker of a test's own: `scripts/stack kafka-up` with
`PRAKTIK_KAFKA_SECURITY=sasl_ssl`, its state in a directory of the test's (`PRAKTIK_STACK_DIR`)
and on free loopback ports, so the development broker is never touched.

    with secured_broker(tmp_path) as broker:
        broker.security("matching")  # a service's KafkaSecurity, from the broker's env file

The stack makes the development CA, the users (admin and each service, random passwords)
and the services' ACLs (shared.kafka.acls), and creates the contract topics unprefixed.
"""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from devkit.infra import REPO
from devkit.ports import free_port
from shared.kafka.security import KafkaSecurity

STACK_CMD = REPO / "scripts" / "stack"
_CLEARED = ("PRAKTIK_KAFKA_SSL_KEYSTORE", "PRAKTIK_KAFKA_SSL_CAFILE",
            "PRAKTIK_KAFKA_SECURITY_PROTOCOL", "PRAKTIK_KAFKA_SASL_USERNAME",
            "PRAKTIK_KAFKA_SASL_PASSWORD", "PRAKTIK_KAFKA_SASL_MECHANISM",
            "PRAKTIK_KAFKA_BOOTSTRAP_SERVERS", "PRAKTIK_PG_PORT")


@dataclass(frozen=True)
class SecuredBroker:
    bootstrap: str
    directory: Path
    env: dict[str, str]
    """The broker's env file (`<directory>/env`): CA file, users and passwords."""

    def security(self, service: str | None = None) -> KafkaSecurity:
        """The admin's security (None), or a service's own (`<SERVICE>_KAFKA_SASL_*`)."""
        admin = KafkaSecurity.from_env(self.env)
        if service is None:
            return admin
        return KafkaSecurity.from_env(self.env, prefix=f"{service.upper()}_")

    def as_user(self, username: str, password: str) -> KafkaSecurity:
        """Another principal on this broker (a sender's)."""
        admin = self.security()
        return KafkaSecurity(admin.protocol, username, password, admin.cafile)


def _two_free_ports() -> int:
    """A free port whose next one is free too (the controller listens there)."""
    for _ in range(50):
        port = free_port()
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port
    raise RuntimeError("no two consecutive free ports on 127.0.0.1")


def _stack(command: str, env: dict[str, str], timeout_s: float = 300) -> None:
    done = subprocess.run([str(STACK_CMD), command], env=env, capture_output=True, text=True,
                          timeout=timeout_s, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"scripts/stack {command} failed ({done.returncode}):\n"
                           f"{done.stderr[-3000:]}")


def _read_env(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {name: value for name, value in pairs}


@contextmanager
def secured_broker(directory: Path, partitions: int = 1) -> Iterator[SecuredBroker]:
    """A SASL_SSL broker with the ACL plan, state in `directory`; stopped at the end."""
    with own_broker(directory, "sasl_ssl", partitions) as broker:
        yield broker


@contextmanager
def own_broker(directory: Path, security: str,
               partitions: int = 1) -> Iterator[SecuredBroker]:
    """A broker as `scripts/stack` runs it with `PRAKTIK_KAFKA_SECURITY=security`
    (plaintext or sasl_ssl), state in `directory`; stopped at the end."""
    port = _two_free_ports()
    env = {name: value for name, value in os.environ.items() if name not in _CLEARED}
    env |= {"PRAKTIK_STACK_DIR": str(directory), "PRAKTIK_KAFKA_PORT": str(port),
            "PRAKTIK_KAFKA_SECURITY": security, "PRAKTIK_TOPIC_PREFIX": "",
            "PRAKTIK_PARTITIONS": str(partitions)}
    try:
        _stack("kafka-up", env)
        yield SecuredBroker(f"127.0.0.1:{port}", directory, _read_env(directory / "env"))
    finally:
        _stack("kafka-down", env, timeout_s=120)
