"""The portal as its own process beside the four services (as `scripts/stack up` runs it),
on the port the messages' links point at; and what can be seen of it from outside: which
TCP connections it holds (the portal keeps nothing: it has no database and no broker)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

from devkit.infra import REPO
from devkit.processes import System
from devkit.wait import eventually


def portal_env(system: System, port: int, link_secret: str) -> dict[str, str]:
    """The portal's environment: the services' addresses and the shared link secret,
    nothing else of theirs (no database URL, no broker)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env.update({f"PORTAL_{name.upper()}_URL": system.services[name].url
                for name in ("registration", "matching", "training", "notifications")})
    env.update({"PORTAL_HTTP_PORT": str(port), "PORTAL_LINK_SECRET": link_secret,
                "PORTAL_LOG_JSON": "false", "PRAKTIK_DEVELOPMENT": "1"})
    return env


@asynccontextmanager
async def portal_process(system: System, port: int, link_secret: str,
                         log: Path) -> AsyncIterator[subprocess.Popen[bytes]]:
    """`python -m services.portal` on `port`, ready; stopped after."""
    process = _start(portal_env(system, port, link_secret), log)
    try:
        async with httpx.AsyncClient(timeout=2.0) as client:

            async def ready() -> bool:
                if process.poll() is not None:
                    raise AssertionError(f"the portal exited with {process.returncode}; "
                                         f"see {log}")
                try:
                    return (await client.get(f"http://127.0.0.1:{port}/health/ready")
                            ).status_code == 200
                except httpx.HTTPError:
                    return False

            await eventually(ready, 60, f"the portal to be ready; see {log}", interval_s=0.3)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _start(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "services.portal"], cwd=REPO,
                                env=env, stdout=out, stderr=subprocess.STDOUT)


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:["):-1])
    return inodes


def remote_ports(pid: int) -> set[int]:
    """The remote ports of the process's established TCP connections (from /proc)."""
    mine = _socket_inodes(pid)
    ports: set[int] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            remote, state, inode = fields[2], fields[3], fields[9]
            if inode in mine and state == "01":  # ESTABLISHED
                ports.add(int(remote.rsplit(":", 1)[1], 16))
    return ports
