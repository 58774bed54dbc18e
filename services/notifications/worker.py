"""`python -m services.notifications.worker`: the dispatcher alone, without consumers or
HTTP (settings from `NOTIFICATIONS_*`). Run beside a service started with
`NOTIFICATIONS_DISPATCHER_ENABLED=false` to give sending a process (a core) of its own;
several workers share the work through `FOR UPDATE SKIP LOCKED`. The outbox relay runs
here too, for the outcome events the dispatcher records; consumers' commits wake it
through Postgres `NOTIFY` (adapters/wakeup.py)."""

from __future__ import annotations

import asyncio
import signal

from services.notifications.adapters import wakeup
from services.notifications.bootstrap import build
from services.notifications.dispatcher import Dispatcher
from shared.logging import configure_logging
from shared.runtime import freeze_startup_heap


async def main() -> None:
    service = build()
    configure_logging("notifications-worker", service.settings.log_level,
                      service.settings.log_json)
    dispatcher: Dispatcher = service.state["dispatcher"]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await service.producer.start()
    relay = asyncio.create_task(service.relay.run(stop))
    wakeups = asyncio.create_task(
        wakeup.listener(service.settings.database_url, dispatcher.wake)(stop))
    freeze_startup_heap()
    try:
        await dispatcher.run(stop)
    finally:
        stop.set()
        await relay
        await wakeups
        await service.producer.stop()
        await service.engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
