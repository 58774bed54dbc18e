"""One service process: HTTP API, Kafka consumers, outbox relay and periodic jobs.

A service's `bootstrap.py` builds a `Service` (its settings, tables, unit of work,
subscriptions, HTTP routers, jobs); `run()` starts everything, and stops it in
order on SIGTERM/SIGINT: HTTP first, then consumers, then the relay after a last
flush. The parts live in their own modules: the broker and its subscribers in
`shared.kafka.broker`, the producer in `shared.kafka.clients`, the HTTP app and server
in `shared.app`, the plumbing tables in `shared.tables`.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import signal
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaProducer
from fastapi import APIRouter, FastAPI
from faststream.kafka import KafkaBroker
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from shared.app import HttpServer, http_app, http_server
from shared.auth import SERVICE_ROLES
from shared.contracts.base import EventData
from shared.db import make_engine, make_session_factory
from shared.devkeys import refuse_development_keys
from shared.jobs import Job
from shared.kafka.broker import (
    Consumer,
    asyncapi_document,
    document_publisher,
    make_broker,
    subscribe,
)
from shared.kafka.clients import make_producer, start_with_retry
from shared.kafka.consumer import BatchProcessor, Subscription
from shared.kafka.offsets import OffsetCommitter
from shared.kafka.progress import ConsumerStalled, PartitionReport
from shared.logging import configure_logging, get_logger
from shared.migrations import upgrade_async
from shared.outbox import OutboxRelay
from shared.retry import retrying
from shared.settings import ServiceSettings
from shared.tables import Tables
from shared.unit_of_work import UnitOfWork, UnitOfWorkFactory

log = get_logger(__name__)


@dataclass
class Service:
    name: str
    settings: ServiceSettings
    tables: Tables
    unit_of_work: UnitOfWorkFactory = UnitOfWork
    """Makes the service's unit of work: its class, or a `functools.partial` of it with
    the service's own arguments (`shared.unit_of_work.UnitOfWorkFactory`)."""
    subscriptions: Sequence[Subscription] = ()
    routers: Sequence[APIRouter] = ()
    roles: frozenset[str] = SERVICE_ROLES
    """The roles whose tokens the HTTP API accepts (`shared.auth`); any other is 403."""
    jobs: Sequence[Job] = ()
    published: Mapping[str, Sequence[type[EventData]]] = field(default_factory=dict)
    """Topic → models this service publishes, for its AsyncAPI document."""
    migrations: Path | None = None
    description: str = ""
    state: dict[str, Any] = field(default_factory=dict)
    """Extra objects for routers (`request.app.state`) and jobs."""
    serve_http: bool = True
    """False: `serve` runs consumers, relay and jobs, and no HTTP server (a worker)."""

    engine: AsyncEngine = field(init=False)
    session_factory: async_sessionmaker[AsyncSession] = field(init=False)
    producer: AIOKafkaProducer = field(init=False)
    relay: OutboxRelay = field(init=False)
    broker: KafkaBroker = field(init=False)
    committers: list[OffsetCommitter] = field(init=False, default_factory=list)
    """Each subscription's offset committer."""
    consumers: list[Consumer] = field(init=False, default_factory=list)
    """Each subscription's consumer group, for health."""

    def __post_init__(self) -> None:
        self.engine = make_engine(self.settings.database_url, self.settings.db_pool_size)
        self.session_factory = make_session_factory(self.engine)
        self.producer = make_producer(self.settings.kafka_bootstrap_servers, self.name,
                                      self.settings.kafka_max_message_bytes,
                                      self.settings.kafka_security)
        self.relay = OutboxRelay(
            self.engine,
            self.tables.outbox,
            self.producer,
            batch_size=self.settings.relay_batch_size,
            idle_interval_s=self.settings.relay_idle_interval_s,
            dead_table=self.tables.outbox_dead,
            max_message_bytes=self.settings.kafka_max_message_bytes,
            topic_prefix=self.settings.topic_prefix,
        )
        self.broker = make_broker(self.settings, self.name)
        for subscription in self.subscriptions:
            processor = BatchProcessor(subscription, self.uow, self.tables.inbox,
                                       label=f"{self.name}.{subscription.name}",
                                       max_attempts=self.settings.consumer_max_attempts,
                                       max_message_bytes=self.settings.kafka_max_message_bytes,
                                       topic_prefix=self.settings.topic_prefix)
            consumer = subscribe(self.broker, self.name, subscription, processor, self.settings)
            self.committers.append(consumer.offsets)
            self.consumers.append(consumer)
        for topic, models in self.published.items():
            document_publisher(self.broker, self.name, topic, models)

    @property
    def source(self) -> str:
        return f"urn:praktik:{self.name}"

    def uow(self) -> UnitOfWork:
        return self.unit_of_work(
            self.session_factory, self.tables.outbox, self.source, after_commit=self.relay.wake
        )

    def asyncapi(self) -> dict[str, Any]:
        return asyncapi_document(self.broker, f"praktik {self.name}", self.description)

    def http_app(self) -> FastAPI:
        return http_app(self)

    # -- health ----------------------------------------------------------------------

    async def check_database(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("select 1"))

    async def check_broker(self) -> None:
        await asyncio.wait_for(self.producer.client.fetch_all_metadata(), timeout=3)

    async def consumer_reports(self) -> dict[str, list[PartitionReport]]:
        """Each consumer group's owned partitions: position, end, lag, time without moving
        (a pattern subscription that matches no topic yet is left out)."""
        return {c.group: await c.report(self.settings.consumer_stall_s)
                for c in self.consumers if not c.matches_nothing()}

    async def check_consumers(self) -> None:
        stalled = [f"{group} {r.topic}:{r.partition}"
                   for group, reports in (await self.consumer_reports()).items()
                   for r in reports if r.stalled]
        if stalled:
            raise ConsumerStalled(", ".join(stalled))

    # -- lifecycle -------------------------------------------------------------------

    async def migrate(self) -> None:
        if self.migrations is not None:
            await upgrade_async(self.settings.database_url, self.migrations)

    async def migrate_when_reachable(self, timeout_s: float = 120.0) -> None:
        """Migrate, waiting for a database that is starting or restarting (at most
        `timeout_s`, then its last error is raised)."""
        async for attempt in retrying("database (migrations)", initial_s=0.5, max_s=5.0,
                                      retry_on=_database_away, deadline_s=timeout_s):
            with attempt:
                await self.migrate()

    async def start_messaging(self, stop: asyncio.Event) -> list[asyncio.Task[None]]:
        await self._start(self.producer.start, "producer")
        tasks = [asyncio.create_task(self.relay.run(stop), name=f"{self.name}-relay")]
        tasks += [asyncio.create_task(c.run(stop), name=f"{self.name}-offsets-{c.group}")
                  for c in self.committers]
        await self._start(self.broker.start, "consumers")
        tasks += [asyncio.create_task(_run_job(job, stop), name=f"{self.name}-job")
                  for job in self.jobs]
        return tasks

    async def _start(self, start: Callable[[], Awaitable[Any]], what: str) -> None:
        await start_with_retry(start, f"{self.name} {what}",
                               backoff_max_s=self.settings.retry_backoff_max_s,
                               backoff_initial_s=self.settings.retry_backoff_initial_s)

    async def stop_messaging(self, tasks: list[asyncio.Task[None]]) -> None:
        for committer in self.committers:
            await committer.close()
        await self.broker.stop()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.relay.publish_batch(), timeout=5)
        await self.producer.stop()
        await self.engine.dispose()

    async def serve(self) -> None:
        configure_logging(self.name, self.settings.log_level, self.settings.log_json)
        refuse_development_keys(self.settings)  # committed keys only with PRAKTIK_DEVELOPMENT
        await self.migrate_when_reachable()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        tasks = await self.start_messaging(stop)
        server = (http_server(self.http_app(), self.settings.http_host, self.settings.http_port)
                  if self.serve_http else None)
        http = (asyncio.create_task(server.serve(), name=f"{self.name}-http")
                if server is not None else None)
        freeze_startup_heap()
        log.info("service started", http=f"http://{self.settings.http_host}:"
                 f"{self.settings.http_port}" if server is not None else None)
        failed = await _until_stopped(stop, server, http)
        await self.stop_messaging(tasks)
        if failed:
            # The HTTP server could not start (port taken...): a replica without its API
            # must not linger half alive.
            log.error("HTTP server stopped unexpectedly; service exits")
            raise SystemExit(1)
        log.info("service stopped")


async def _until_stopped(stop: asyncio.Event, server: HttpServer | None,
                         http: asyncio.Task[None] | None) -> bool:
    """Wait for `stop` (or for the HTTP server to end by itself), then stop the server
    and wait for it; True when it ended without being asked to."""
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait({stopping} if http is None else {http, stopping},
                       return_when=asyncio.FIRST_COMPLETED)
    failed = http is not None and http.done() and not stop.is_set()
    if server is not None:
        server.should_exit = True
    if http is not None:
        with contextlib.suppress(Exception):
            await http
    stopping.cancel()
    return failed


async def _run_job(job: Job, stop: asyncio.Event) -> None:
    await job(stop)


def _database_away(error: BaseException) -> bool:
    """A database starting or restarting (not a cancellation)."""
    return isinstance(error, DBAPIError | OSError)


def freeze_startup_heap() -> None:
    """Take what start-up built (modules, models, compiled statements: a quarter of a
    million objects that live as long as the process) out of the garbage collector's
    sight. A full collection then walks only what the running service made; before, each
    one walked everything and paused the process for about 200 ms."""
    gc.collect()
    gc.freeze()


def run(build: Callable[[], Service]) -> None:
    """Entry point for `python -m services.<name> [migrate|asyncapi]` (default: serve)."""
    import json
    import sys

    async def main() -> None:
        service = build()  # inside the loop: the Kafka clients need one
        command = sys.argv[1:2]
        if command == ["migrate"]:
            configure_logging(service.name, service.settings.log_level, service.settings.log_json)
            await service.migrate()
        elif command == ["asyncapi"]:
            print(json.dumps(service.asyncapi(), indent=2))
        else:
            await service.serve()

    asyncio.run(main())
