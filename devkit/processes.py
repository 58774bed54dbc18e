"""The services as separate operating-system processes, for the end-to-end and chaos
tests and the load benchmark."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from devkit.database import reset_schema
from devkit.infra import REPO, SERVICES, Infra
from devkit.ports import free_port
from devkit.wait import eventually


@dataclass
class ServiceProcess:
    name: str
    """The service (`matching`); replicas share it and the consumer group."""
    env: dict[str, str]
    log_path: Path
    port: int
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", f"services.{self.name}"],
            cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT,
        )
        self.starts += 1

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush; what was not committed is lost to this process."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    async def wait_ready(self, timeout_s: float = 60.0) -> None:
        async with httpx.AsyncClient(timeout=2.0) as client:

            async def ready() -> bool:
                if self.process is not None and self.process.poll() is not None:
                    raise AssertionError(
                        f"{self.name} exited with {self.process.returncode}; see {self.log_path}"
                    )
                try:
                    ready = await client.get(f"{self.url}/health/ready")
                    owned = await client.get(f"{self.url}/health/consumers")
                    return ready.status_code == 200 and all(owned.json().values())
                except httpx.HTTPError:
                    return False

            await eventually(ready, timeout_s, f"{self.name} to be ready; see {self.log_path}",
                             interval_s=0.3)


@dataclass
class System:
    """All services, each its own process, on the real broker and database."""

    infra: Infra
    workdir: Path
    extra_env: Mapping[str, str] = field(default_factory=dict)
    services: dict[str, ServiceProcess] = field(default_factory=dict)
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    ports: dict[str, int] = field(default_factory=dict)
    """Fixed HTTP ports by process key (`matching`, `matching-2`); others get free ones."""

    def env_for(self, name: str) -> dict[str, str]:
        prefix = f"{name.upper()}_"
        env = {k: v for k, v in os.environ.items() if not k.endswith("_CONSUMER_GROUP")}
        env.update({
            f"{prefix}DATABASE_URL": self.infra.database_url(name),
            f"{prefix}KAFKA_BOOTSTRAP_SERVERS": self.infra.kafka_bootstrap,
            **{prefix + setting.upper(): value
               for setting, value in self.infra.service_security_settings(name).items()},
            f"{prefix}CONSUMER_GROUP": f"{name}-e2e-{self.run_id}",
            f"{prefix}CONSUMER_AUTO_OFFSET_RESET": "latest",
            f"{prefix}RELAY_IDLE_INTERVAL_S": "0.02",
            f"{prefix}RETRY_BACKOFF_MAX_S": "2",
            "PRAKTIK_DEVELOPMENT": "1",  # the committed development keys (shared/devkeys.py)
        })
        env.update(self.extra_env)
        return env

    async def start(
        self, names: tuple[str, ...] = SERVICES, replicas: Mapping[str, int] | None = None
    ) -> None:
        """Start each service (`replicas` more than one where asked: `matching-2`, ...)."""
        for name in names:
            if not (REPO / "services" / name / "__main__.py").exists():
                continue
            await reset_schema(self.infra, name, REPO / "services" / name / "migrations")
            for replica in range(1, (replicas or {}).get(name, 1) + 1):
                key = name if replica == 1 else f"{name}-{replica}"
                port = self.ports.get(key) or free_port()
                env = self.env_for(name)
                env[f"{name.upper()}_HTTP_PORT"] = str(port)
                process = ServiceProcess(name, env, self.workdir / f"{key}.log", port)
                process.start()
                self.services[key] = process
        for process in self.services.values():
            await process.wait_ready()

    async def restart(self, name: str) -> None:
        process = self.services[name]
        process.kill()
        process.start()
        await process.wait_ready()

    def stop(self) -> None:
        for process in self.services.values():
            process.stop()


@asynccontextmanager
async def running_system(
    infra: Infra, workdir: Path, replicas: Mapping[str, int] | None = None,
    ports: Mapping[str, int] | None = None, **env: str,
) -> AsyncIterator[System]:
    system = System(infra, workdir, env, ports=dict(ports or {}))
    try:
        await system.start(replicas=replicas)
        yield system
    finally:
        system.stop()
