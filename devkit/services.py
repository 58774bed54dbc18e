"""Run a service in this process (a test's, a benchmark's) against the real Kafka and
Postgres."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI

from devkit.database import reset_schema
from devkit.infra import Infra
from devkit.ports import free_port
from devkit.wait import eventually
from shared.app import http_server
from shared.kafka.broker import pattern_matches_nothing
from shared.runtime import Service


def service_settings(infra: Infra, service: str, **overrides: Any) -> dict[str, Any]:
    """Settings for an in-process service: its role and principal, a fresh consumer group,
    JSON off."""
    return {
        "database_url": infra.database_url(service),
        "kafka_bootstrap_servers": infra.kafka_bootstrap,
        **infra.service_security_settings(service),
        "consumer_group": f"{service}-test-{uuid.uuid4().hex[:8]}",
        "consumer_auto_offset_reset": "latest",
        "log_json": False,
        "relay_idle_interval_s": 0.02,
        "retry_backoff_initial_s": 0.2,
        "retry_backoff_max_s": 2.0,
        **overrides,
    }


def _consumers(service: Service) -> list[Any]:
    """The aiokafka consumer of each subscriber (None until it has started)."""
    return [getattr(subscriber, "consumer", None) for subscriber in service.broker.subscribers]


async def wait_until_assigned(service: Service, timeout_s: float = 30.0) -> None:
    """Block until every subscriber of the service owns its partitions."""
    await eventually(
        lambda: all(consumer is not None and (consumer.assignment()
                                                 or pattern_matches_nothing(consumer))
                    for consumer in _consumers(service)),
        timeout_s, f"{service.name}: every consumer to get partitions")
    # Positions for `latest` are fetched lazily: make sure they are resolved.
    for consumer in _consumers(service):
        for tp in consumer.assignment():
            await consumer.position(tp)


@asynccontextmanager
async def running(
    infra: Infra,
    build: Callable[[], Service],
    *,
    reset: bool = True,
) -> AsyncIterator[Service]:
    """Start a service's consumers, relay and jobs (not its HTTP server: use `http_client`)."""
    service = build()
    if reset:
        await reset_schema(infra, service.name, service.migrations)
    else:
        await service.migrate()
    stop = asyncio.Event()
    tasks = await service.start_messaging(stop)
    try:
        await wait_until_assigned(service)
        yield service
    finally:
        stop.set()
        await service.stop_messaging(tasks)


@asynccontextmanager
async def http_client(service: Service) -> AsyncIterator[httpx.AsyncClient]:
    app = service.http_app()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


@asynccontextmanager
async def serving(app: FastAPI, host: str = "127.0.0.1",
                  port: int | None = None) -> AsyncIterator[str]:
    """An ASGI app served by uvicorn in this process on `port`, else a free one (the
    service's own `HttpServer`: no access log); yields its base URL, stops it after."""
    port = port or free_port(host)
    server = http_server(app, host, port)
    task = asyncio.create_task(server.serve(), name=f"serving-{port}")
    try:
        await eventually(lambda: server.started or task.done(), 30.0,
                         f"uvicorn to listen on {host}:{port}")
        if task.done():
            task.result()  # raises what stopped it
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        await task
