"""The order a service starts and stops in, without Kafka or Postgres: the messaging side
is replaced by a recorder, the HTTP server is uvicorn's on a free local port.

SIGTERM goes to this very process: `serve` has installed its handlers by then.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import MetaData

from shared import runtime
from shared.app import HttpServer, http_server
from shared.runtime import Service
from shared.settings import ServiceSettings
from shared.tables import Tables

URL = "postgresql+asyncpg://nobody:nothing@127.0.0.1:1/none"


def test_the_http_server_leaves_signal_handling_to_the_process() -> None:
    server = http_server(FastAPI(), "127.0.0.1", 0)
    before = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    with server.capture_signals():
        assert {sig: signal.getsignal(sig) for sig in before} == before


@pytest.fixture
async def recorded(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[list[str]]:
    """What `serve` did, in order; the messaging side and the heap freeze are recorded
    instead of done, and the signal handlers `serve` installs are removed after."""
    steps: list[str] = []
    monkeypatch.setattr(runtime, "configure_logging", lambda *_a, **_k: None)
    monkeypatch.setattr(runtime, "freeze_startup_heap", lambda: steps.append("frozen"))

    class Recorded(HttpServer):
        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets)
            steps.append("http listening")

        async def shutdown(self, sockets: Any = None) -> None:
            await super().shutdown(sockets)
            steps.append("http stopped")

    monkeypatch.setattr(runtime, "http_server", lambda app, host, port: Recorded(
        http_server(app, host, port).config))
    try:
        yield steps
    finally:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)


def _service(steps: list[str], monkeypatch: pytest.MonkeyPatch, **fields: Any) -> Service:
    # It never reaches a broker: PLAINTEXT whatever the run's bus (no credentials needed).
    settings = ServiceSettings(database_url=URL, development=True, http_port=0,
                               kafka_security_protocol="PLAINTEXT")
    service = Service("probe", settings, Tables.for_metadata(MetaData(schema="probe")),
                      **fields)

    async def migrate(*_: Any) -> None:
        steps.append("migrated")

    async def start(stop: asyncio.Event) -> list[asyncio.Task[None]]:
        steps.append("messaging started")
        return []

    async def stop(tasks: list[asyncio.Task[None]]) -> None:
        steps.append("messaging stopped")

    monkeypatch.setattr(service, "migrate_when_reachable", migrate)
    monkeypatch.setattr(service, "start_messaging", start)
    monkeypatch.setattr(service, "stop_messaging", stop)
    return service


async def _serve_until_sigterm(service: Service, steps: list[str], ready: str) -> None:
    serving = asyncio.create_task(service.serve())
    try:
        for _ in range(500):
            if ready in steps:
                break
            await asyncio.sleep(0.01)
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.wait_for(serving, timeout=10)
    finally:
        serving.cancel()
        await service.producer.stop()  # never started; closes its client
        await service.engine.dispose()


async def test_sigterm_stops_http_first_then_the_messaging(
        recorded: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    service = _service(recorded, monkeypatch)
    await _serve_until_sigterm(service, recorded, "http listening")
    assert recorded == ["migrated", "messaging started", "frozen", "http listening",
                        "http stopped", "messaging stopped"]


async def test_a_service_without_http_runs_and_stops_its_messaging_on_sigterm(
        recorded: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    service = _service(recorded, monkeypatch, serve_http=False)
    await _serve_until_sigterm(service, recorded, "frozen")
    assert recorded == ["migrated", "messaging started", "frozen", "messaging stopped"]
