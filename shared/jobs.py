"""Periodic jobs: the one loop every service's background work runs in.

A job is `async def job(stop: asyncio.Event) -> None`; the runtime starts each beside
the consumers and sets `stop` at shutdown. `periodic` makes one from a tick: the tick
runs, then the loop waits `interval_s` or until `stop`; a tick that fails is logged by
its error's type (never its text, which may hold personal data) and tried again at the
next one.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from shared.logging import get_logger

log = get_logger(__name__)

Job = Callable[[asyncio.Event], Coroutine[Any, Any, None]]


def periodic(what: str, interval_s: float | Callable[[], float],
             tick: Callable[[], Awaitable[object]]) -> Job:
    """A job that runs `tick` every `interval_s` seconds (a number, or a function read
    before each wait) until stopped."""

    async def job(stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await tick()
            except Exception as error:  # the tick is tried again at the next interval
                log.warning("job failed", job=what, error_type=type(error).__name__)
            wait_s = interval_s() if callable(interval_s) else interval_s
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=wait_s)

    job.__name__ = job.__qualname__ = what
    return job


async def sleep_or_stop(stop: asyncio.Event, seconds: float) -> bool:
    """Wait `seconds` or until `stop` is set; True when stopped."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    return stop.is_set()
