"""`python -m services.portal`: serves HTTP, refuses the committed link secret outside
development, and stops on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx
import pytest

from devkit.infra import REPO
from devkit.ports import free_port


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PORTAL_", "PRAKTIK_DEVELOPMENT"))}
    return {**env, "PORTAL_LOG_JSON": "false", **extra}


pytestmark = pytest.mark.timeout(120)  # a process start: seconds on a busy machine


def test_the_portal_serves_and_stops_on_sigterm() -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "services.portal"], cwd=REPO,
        env=_env(PORTAL_HTTP_PORT=str(port), PRAKTIK_DEVELOPMENT="1",
                 PORTAL_DATABASE_URL="postgresql+asyncpg://ignored@nowhere/none"),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health/ready").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the portal did not listen"
            time.sleep(0.1)
        page = httpx.get(f"http://127.0.0.1:{port}/l/not-a-token")
        assert page.status_code == 403 and "text/html" in page.headers["content-type"]
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        log = process.stdout.read().decode() if process.stdout else ""
        assert "not-a-token" not in log  # no access log: a token is never written
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_the_portal_refuses_the_committed_link_secret_outside_development() -> None:
    done = subprocess.run([sys.executable, "-m", "services.portal"], cwd=REPO, env=_env(),
                          capture_output=True, timeout=90)
    assert done.returncode != 0
    assert b"PORTAL_LINK_SECRET" in done.stdout + done.stderr
