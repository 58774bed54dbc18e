"""One way to give a handler what it needs.

Every handler of every service has the same shape:

    async def handler(message, uow, deps) -> result

`message` is a command (from HTTP or a job), an event's data, a list of `(envelope,
data)` pairs (a set-based handler) or a tombstone's key; `uow` is the unit of work it
runs in; `deps` is the service's `Dependencies` (`services/<name>/dependencies.py`, a
frozen dataclass: the clock, the policies from settings, the ports to the outside world).
`bootstrap.py` builds the `Dependencies` once and binds every table with `bind_all`, so
the bus and the consumers call `handler(message, uow)`. A unit test calls the handler
with a fake unit of work and the `Dependencies` it wants.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

K = TypeVar("K")
D = TypeVar("D")

Handler = Callable[[Any, Any, D], Awaitable[Any]]
"""`handler(message, uow, deps)`, as written in a service's handlers."""

Bound = Callable[[Any, Any], Awaitable[Any]]
"""`handler(message, uow)`, as the message bus and the consumers call it."""


def bind(handler: Handler[D], deps: D) -> Bound:
    """The handler with the service's dependencies filled in (keeps its name for logs)."""

    async def bound(message: Any, uow: Any) -> Any:
        return await handler(message, uow, deps)

    bound.__name__ = bound.__qualname__ = getattr(handler, "__name__", "handler")
    bound.__doc__ = handler.__doc__
    return bound


def bind_all(table: Mapping[K, Handler[D]], deps: D) -> dict[K, Bound]:
    """A handler table (`COMMAND_HANDLERS`, `EVENT_HANDLERS`...) with `deps` bound."""
    return {kind: bind(handler, deps) for kind, handler in table.items()}
