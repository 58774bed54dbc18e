"""Subprocess for the SIGKILL tests.

`python -m tests.plumbing.writer stage URL TOPIC N`: commit N events to the outbox,
print their ids, then wait to be killed (no relay runs).
`python -m tests.plumbing.writer relay URL BOOTSTRAP`: run the outbox relay until killed.
`python -m tests.plumbing.writer trickle URL BOOTSTRAP TOPIC N`: stage N events over
about two seconds while relaying them, then keep relaying until killed.
"""

from __future__ import annotations

import asyncio
import sys

from devkit import probe
from shared.db import make_engine, make_session_factory
from shared.kafka.clients import make_producer, start_with_retry
from shared.kafka.naming import env_prefix
from shared.kafka.security import KafkaSecurity
from shared.outbox import OutboxRelay
from shared.unit_of_work import UnitOfWork


async def stage(url: str, topic: str, count: int) -> None:
    engine = make_engine(url)
    uow = UnitOfWork(make_session_factory(engine), probe.tables.outbox, "urn:test:writer")
    async with uow:
        for _ in range(count):
            uow.publish(probe.request(), topic=topic)
        ids = [event.id for event in uow.published]
        await uow.commit()
    print("\n".join(ids), flush=True)
    print("committed", flush=True)
    await asyncio.sleep(3600)  # not a wait: stay alive (connections open) until SIGKILLed


async def relay(url: str, bootstrap: str) -> None:
    engine = make_engine(url)
    producer = make_producer(bootstrap, "writer-relay", security=KafkaSecurity.from_env())
    await start_with_retry(producer.start, "writer relay")
    relay = OutboxRelay(engine, probe.tables.outbox, producer, batch_size=200,
                        topic_prefix=env_prefix())
    print("relaying", flush=True)
    await relay.run(asyncio.Event())


async def trickle(url: str, bootstrap: str, topic: str, count: int) -> None:
    """Commit `count` events, 25 per transaction every 50 ms, while the relay runs."""
    engine = make_engine(url)
    factory = make_session_factory(engine)
    producer = make_producer(bootstrap, "writer-trickle", security=KafkaSecurity.from_env())
    await start_with_retry(producer.start, "writer trickle")
    relay = OutboxRelay(engine, probe.tables.outbox, producer, batch_size=200,
                        topic_prefix=env_prefix())
    stop = asyncio.Event()
    relaying = asyncio.create_task(relay.run(stop))
    print("started", flush=True)
    for start in range(0, count, 25):
        async with UnitOfWork(factory, probe.tables.outbox, "urn:test:writer",
                              after_commit=relay.wake) as uow:
            for _ in range(min(25, count - start)):
                uow.publish(probe.request(), topic=topic)
            await uow.commit()
        await asyncio.sleep(0.05)  # pacing: a trickle, so the broker restart lands mid-stream
    print("committed", flush=True)
    await relaying


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "stage":
        asyncio.run(stage(sys.argv[2], sys.argv[3], int(sys.argv[4])))
    elif mode == "trickle":
        asyncio.run(trickle(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])))
    else:
        asyncio.run(relay(sys.argv[2], sys.argv[3]))
