"""One service process: HTTP API, Kafka consumers, outbox relay and periodic jobs.

A service's `bootstrap.py` builds a `Service` (its settings, tables, unit of work,
subscriptions, HTTP routers, jobs); `run()` starts everything, and stops it in
order on SIGTERM/SIGINT: HTTP first, then consumers, then the relay after a last
flush.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import signal
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn
from aiokafka import AIOKafkaProducer
from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from faststream.middlewares import AckPolicy
from faststream.specification import AsyncAPI
from sqlalchemy import MetaData, Table, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from shared.auth import Authenticator
from shared.contracts.base import EventData
from shared.db import make_engine, make_session_factory
from shared.devkeys import refuse_development_keys
from shared.http import install_body_guard, install_error_handlers, install_health
from shared.inbox import inbox_table
from shared.kafka.consumer import Backoff, BatchProcessor, Subscription, run_batch
from shared.kafka.naming import physical
from shared.kafka.offsets import OffsetCommitter
from shared.kafka.progress import PartitionReport, Progress
from shared.kafka.rebalance import PinStartingOffsets
from shared.logging import configure_logging, get_logger
from shared.migrations import upgrade_async
from shared.outbox import (
    DEFAULT_MAX_MESSAGE_BYTES,
    OutboxRelay,
    outbox_dead_table,
    outbox_status,
    outbox_table,
)
from shared.settings import ServiceSettings
from shared.transient import is_transient
from shared.unit_of_work import UnitOfWork, UnitOfWorkFactory

log = get_logger(__name__)

Job = Callable[[asyncio.Event], Coroutine[Any, Any, None]]


def make_producer(bootstrap_servers: str, client_id: str,
                  max_request_size: int = DEFAULT_MAX_MESSAGE_BYTES) -> AIOKafkaProducer:
    """Idempotent (acks=all, no duplicates from retries), batching a few ms; refuses a
    record over `max_request_size` itself (`kafka_max_message_bytes`), before the broker."""
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers,
        client_id=client_id,
        enable_idempotence=True,
        linger_ms=5,
        max_batch_size=256 * 1024,
        max_request_size=max_request_size,
        request_timeout_ms=30000,
    )


@dataclass
class Tables:
    """The plumbing tables every service has in its own schema."""

    metadata: MetaData
    outbox: Table
    inbox: Table
    outbox_dead: Table

    @classmethod
    def for_metadata(cls, metadata: MetaData) -> Tables:
        return cls(metadata, outbox_table(metadata), inbox_table(metadata),
                   outbox_dead_table(metadata))


async def keep_raw(message: Any) -> Any:
    """FastStream decoder that leaves bytes alone: our consumer validates, not the framework."""
    return None


async def readable_headers(records: Any, original: Callable[[Any], Awaitable[Any]]) -> Any:
    """FastStream parser that survives any header bytes. FastStream's own decodes every
    header value as UTF-8, and one that is not made it drop the whole batch unseen (no
    dead letter, offsets moving on past it). Such a batch is parsed from copies whose
    header values are made readable; the handler gets the records as they arrived."""
    try:
        return await original(records)
    except UnicodeDecodeError:
        readable = tuple(
            dataclasses.replace(record, headers=[
                (key, value.decode(errors="replace").encode()) for key, value in record.headers
            ]) for record in records)
        message = await original(readable)
        message.raw_message = records
        return message


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
    jobs: Sequence[Job] = ()
    published: Mapping[str, Sequence[type[EventData]]] = field(default_factory=dict)
    """Topic → models this service publishes, for its AsyncAPI document."""
    migrations: Path | None = None
    description: str = ""
    state: dict[str, Any] = field(default_factory=dict)
    """Extra objects for routers (`request.app.state`) and jobs."""

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
                                      self.settings.kafka_max_message_bytes)
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
        self.broker = KafkaBroker(
            self.settings.kafka_bootstrap_servers, client_id=self.name, logger=None
        )
        for subscription in self.subscriptions:
            self._subscribe(subscription)
        for topic, models in self.published.items():
            self._document_publisher(topic, models)

    @property
    def source(self) -> str:
        return f"urn:praktik:{self.name}"

    def uow(self) -> UnitOfWork:
        return self.unit_of_work(
            self.session_factory, self.tables.outbox, self.source, after_commit=self.relay.wake
        )

    def _subscribe(self, subscription: Subscription) -> None:
        processor = BatchProcessor(subscription, self.uow, self.tables.inbox,
                                   label=f"{self.name}.{subscription.name}",
                                   max_attempts=self.settings.consumer_max_attempts,
                                   max_message_bytes=self.settings.kafka_max_message_bytes,
                                   topic_prefix=self.settings.topic_prefix)
        backoff = Backoff(self.settings.retry_backoff_initial_s, self.settings.retry_backoff_max_s)
        # Topics and groups carry the environment's prefix on the broker (shared.kafka.naming).
        prefix = self.settings.topic_prefix
        group = prefix + (subscription.consumer_group or (
            f"{self.settings.consumer_group or self.name}.{subscription.name}"
        ))

        def consumer() -> Any:
            return getattr(subscriber, "consumer", None)

        offsets = OffsetCommitter(group, consumer, self.settings.consumer_commit_interval_s)
        self.committers.append(offsets)
        self.consumers.append(Consumer(group, consumer, processor.progress))

        async def consume(message: KafkaMessage) -> None:
            await run_batch(processor, message, backoff, offsets,
                            self.settings.consumer_linger_ms / 1000,
                            self.settings.consumer_batch_size)

        consume.__name__ = f"consume_{subscription.name}"
        consume.__doc__ = (
            f"{self.name} reads CloudEvents from {', '.join(subscription.topics)}: "
            f"{', '.join(sorted(m.TYPE for m in subscription.handlers))}"
        )
        # A partition's reset position is committed on its first assignment, so a
        # replica taking it over later continues from there instead of resetting again
        # (with `latest` that skipped what arrived during a rebalance).
        listener = PinStartingOffsets(group, consumer, before_revoke=offsets.before_revoke)
        subscriber = self.broker.subscriber(
            *(physical(prefix, topic) for topic in subscription.topics),
            batch=True,
            group_id=group,
            ack_policy=AckPolicy.MANUAL,
            auto_offset_reset=self.settings.consumer_auto_offset_reset,
            listener=listener,
            max_records=self.settings.consumer_batch_size,
            batch_timeout_ms=self.settings.consumer_batch_timeout_ms,
            fetch_max_wait_ms=self.settings.consumer_fetch_max_wait_ms,
            decoder=keep_raw,
            parser=readable_headers,
            title=f"{self.name}:{subscription.name}",
            description=consume.__doc__,
        )
        subscriber(consume)

    def _document_publisher(self, topic: str, models: Sequence[type[EventData]]) -> None:
        schema: Any = models[0] if len(models) == 1 else _union(models)
        self.broker.publisher(
            topic,
            title=f"{self.name}:{topic}",
            description=", ".join(m.TYPE for m in models),
            schema=schema,
        )

    def asyncapi(self) -> dict[str, Any]:
        spec = AsyncAPI(self.broker, title=f"praktik {self.name}", description=self.description)
        result: dict[str, Any] = spec.to_specification().to_jsonable()
        return result

    # -- lifecycle -------------------------------------------------------------------

    async def migrate(self) -> None:
        if self.migrations is not None:
            await upgrade_async(self.settings.database_url, self.migrations)

    async def check_database(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("select 1"))

    async def check_broker(self) -> None:
        await asyncio.wait_for(self.producer.client.fetch_all_metadata(), timeout=3)

    async def consumer_reports(self) -> dict[str, list[PartitionReport]]:
        """Each consumer group's owned partitions: position, end, lag, time without moving."""
        return {c.group: await c.report(self.settings.consumer_stall_s) for c in self.consumers}

    async def check_consumers(self) -> None:
        stalled = [f"{group} {r.topic}:{r.partition}"
                   for group, reports in (await self.consumer_reports()).items()
                   for r in reports if r.stalled]
        if stalled:
            raise ConsumerStalled(", ".join(stalled))

    def http_app(self) -> FastAPI:
        @asynccontextmanager
        async def lifespan(_: FastAPI) -> AsyncIterator[None]:
            yield

        app = FastAPI(title=f"praktik {self.name}", description=self.description, lifespan=lifespan)
        app.state.service = self
        app.state.authenticator = Authenticator(
            self.settings.auth_jwt_secret, self.settings.auth_api_keys
        )
        for key, value in self.state.items():
            setattr(app.state, key, value)
        install_error_handlers(app)
        install_body_guard(app, self.settings.http_max_body_bytes)
        install_health(app, {"database": self.check_database, "kafka": self.check_broker,
                             "consumers": self.check_consumers})

        @app.get("/health/consumers", tags=["health"])
        async def consumers() -> dict[str, list[PartitionReport]]:
            """The partitions each consumer group of this replica owns right now: the next
            offset to handle, the end, the lag, and how long records have waited without
            the position moving (`stalled` past `consumer_stall_s`: then not ready)."""
            return await self.consumer_reports()

        @app.get("/health/outbox", tags=["health"])
        async def outbox() -> dict[str, Any]:
            """Rows waiting to be published, and rows set aside as unsendable (their id,
            event id, topic, reason and time; never their content)."""
            return await outbox_status(self.engine, self.tables.outbox, self.tables.outbox_dead)

        @app.get("/asyncapi.json", tags=["documents"])
        async def asyncapi() -> JSONResponse:
            return JSONResponse(self.asyncapi())

        for router in self.routers:
            app.include_router(router)
        return app

    async def start_messaging(self, stop: asyncio.Event) -> list[asyncio.Task[None]]:
        await start_with_retry(self.producer.start, f"{self.name} producer",
                               self.settings.retry_backoff_max_s)
        tasks = [asyncio.create_task(self.relay.run(stop), name=f"{self.name}-relay")]
        tasks += [asyncio.create_task(c.run(stop), name=f"{self.name}-offsets-{c.group}")
                  for c in self.committers]
        await start_with_retry(self.broker.start, f"{self.name} consumers",
                               self.settings.retry_backoff_max_s)
        tasks += [asyncio.create_task(job(stop), name=f"{self.name}-job") for job in self.jobs]
        return tasks

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

    async def migrate_when_reachable(self, timeout_s: float = 120.0) -> None:
        """Migrate, waiting for a database that is starting or restarting."""
        deadline = asyncio.get_running_loop().time() + timeout_s
        delay = 0.5
        while True:
            try:
                await self.migrate()
                return
            except (DBAPIError, OSError) as error:
                if asyncio.get_running_loop().time() > deadline:
                    raise
                log.warning("waiting for the database", error_type=type(error).__name__,
                            retry_in_s=delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def serve(self) -> None:
        configure_logging(self.name, self.settings.log_level, self.settings.log_json)
        refuse_development_keys(self.settings)  # committed keys only with PRAKTIK_DEVELOPMENT
        await self.migrate_when_reachable()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        tasks = await self.start_messaging(stop)
        config = uvicorn.Config(
            self.http_app(), host=self.settings.http_host, port=self.settings.http_port,
            log_config=None, access_log=False, lifespan="on",
        )
        server = uvicorn.Server(config)
        # `_serve` skips uvicorn's own signal capture: this process's handlers above
        # stop HTTP, consumers and relay in order.
        http = asyncio.create_task(server._serve(), name=f"{self.name}-http")
        freeze_startup_heap()
        log.info("service started", http=f"http://{self.settings.http_host}:{self.settings.http_port}")
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({http, stopping}, return_when=asyncio.FIRST_COMPLETED)
        failed = http.done() and not stop.is_set()
        server.should_exit = True
        with contextlib.suppress(Exception):
            await http
        stopping.cancel()
        await self.stop_messaging(tasks)
        if failed:
            # The HTTP server could not start (port taken...): a replica without its API
            # must not linger half alive.
            log.error("HTTP server stopped unexpectedly; service exits")
            raise SystemExit(1)
        log.info("service stopped")


class ConsumerStalled(Exception):
    """A partition has records waiting and has not moved for longer than allowed."""


@dataclass(frozen=True)
class Consumer:
    group: str
    consumer: Callable[[], Any]
    progress: Progress

    async def report(self, stall_s: float) -> list[PartitionReport]:
        consumer = self.consumer()
        return [] if consumer is None else await self.progress.report(consumer, stall_s)


def freeze_startup_heap() -> None:
    """Take what start-up built (modules, models, compiled statements: a quarter of a
    million objects that live as long as the process) out of the garbage collector's
    sight. A full collection then walks only what the running service made; before, each
    one walked everything and paused the process for about 200 ms."""
    gc.collect()
    gc.freeze()


async def start_with_retry(
    start: Callable[[], Coroutine[Any, Any, Any]], what: str, backoff_max_s: float = 30.0
) -> None:
    """Connect to a broker that may be restarting: retry with backoff, never give up."""
    delay = 0.5
    while True:
        try:
            await start()
            return
        except Exception as error:
            if not is_transient(error):
                raise
            log.warning("waiting for the broker", component=what,
                        error_type=type(error).__name__, retry_in_s=delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, backoff_max_s)


def _union(models: Sequence[type[EventData]]) -> Any:
    from typing import Union

    return Union[tuple(models)]  # noqa: UP007


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
