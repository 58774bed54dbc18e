"""Waiting in tests: for the event a test stands for, never for a span of time.

`eventually` polls a condition until it holds and fails naming what it waited for (the
one polling loop of the tests and the benchmarks: other helpers say what they wait for
and call it); `settled` waits until a service has handled what it took in and published
what it staged; `drained` reads a topic reader up to the partitions' ends. Together they
replace "sleep a second, anything late would show by then": after `settled` and
`drained`, whatever the service would publish is in the reader.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from shared.outbox import outbox_status

if TYPE_CHECKING:  # devkit.bus waits with `eventually` too
    from devkit.bus import TopicReader
    from shared.runtime import Service


async def eventually(
    condition: Callable[[], Any],
    timeout_s: float = 30.0,
    what: str | Callable[[], str] = "condition",
    interval_s: float = 0.1,
) -> Any:
    """Call `condition` (plain or async) until it returns something truthy, and return
    that; after `timeout_s`, fail with `what` (or what it says then) and the last value."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        result = condition()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return result
        if loop.time() > deadline:
            described = what() if callable(what) else what
            raise AssertionError(f"timed out after {timeout_s}s waiting for {described} "
                                 f"(last: {result!r:.200})")
        await asyncio.sleep(interval_s)  # the poll interval, not a synchronisation


async def is_settled(service: Service) -> bool:
    """Every owned partition caught up (lag 0) and nothing waiting in the outbox."""
    reports = await service.consumer_reports()
    if any(report.lag for group in reports.values() for report in group):
        return False
    status = await outbox_status(service.engine, service.tables.outbox,
                                 service.tables.outbox_dead)
    return status["pending"] == 0


async def settled(service: Service, timeout_s: float = 30.0) -> None:
    """The service has handled what arrived so far and published what it staged.

    The lag is the consumer's, against the end it last fetched: call this once something
    shows the inputs reached the service (an answer seen), or use `consumed_over_http`
    with `devkit.bus.end_offsets` taken after publishing."""
    await eventually(lambda: is_settled(service), timeout_s, f"{service.name} to settle")


async def drained(reader: TopicReader, timeout_s: float = 30.0) -> None:
    """Read until the reader's position on every partition reaches that partition's end
    as it is now: everything acknowledged by the broker before the call is in `records`."""
    ends = await reader.ends()

    async def caught_up() -> bool:
        if await reader.reached(ends):
            return True
        await reader.poll()
        return False

    await eventually(caught_up, timeout_s, f"the reader to reach the ends of {reader.topics}",
                     interval_s=0)


async def settled_over_http(urls: list[str], timeout_s: float = 60.0) -> None:
    """`settled` for services in other processes, from their `/health/consumers` and
    `/health/outbox`."""
    import httpx

    async with httpx.AsyncClient(timeout=5.0) as client:

        async def all_settled() -> bool:
            for url in urls:
                try:
                    consumers = (await client.get(f"{url}/health/consumers")).json()
                    outbox = (await client.get(f"{url}/health/outbox")).json()
                except (httpx.HTTPError, ValueError):
                    return False
                if outbox.get("pending") or any(
                        report.get("lag") for reports in consumers.values()
                        for report in reports):
                    return False
            return True

        await eventually(all_settled, timeout_s, f"{urls} to settle", interval_s=0.3)


async def consumed_over_http(urls: list[str], ends: dict[tuple[str, int], int],
                             timeout_s: float = 60.0, what: str = "") -> None:
    """Every consumer of the services at `urls` that reads one of the topics of `ends`
    has handled its partitions up to those ends (from `/health/consumers` positions)."""
    import httpx

    wanted_topics = {topic for topic, _ in ends}
    async with httpx.AsyncClient(timeout=5.0) as client:

        async def consumed() -> bool:
            for url in urls:
                try:
                    owned = (await client.get(f"{url}/health/consumers")).json()
                except (httpx.HTTPError, ValueError):
                    return False
                for reports in owned.values():
                    at = {(r["topic"], r["partition"]): r["position"] for r in reports}
                    for topic in wanted_topics & {t for t, _ in at}:
                        for (t, partition), end in ends.items():
                            position = at.get((t, partition))
                            if t == topic and end > 0 and (position or 0) < end:
                                return False
            return True

        await eventually(consumed, timeout_s, what or f"{urls} to consume up to {ends}",
                         interval_s=0.5)
