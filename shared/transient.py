"""Failures of the infrastructure, not of the message: retried, never dead-lettered.

- Anything in `TRANSIENT_ERRORS` (database or broker unreachable): retried with
  backoff (`shared.retry`).
- A unique violation (`is_write_race`): two transactions created the same thing at once;
  run again, the handler finds what the other one stored.
"""

from __future__ import annotations

import asyncio

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    ConnectionError,
    OSError,
    asyncio.TimeoutError,
)


def is_transient(error: BaseException) -> bool:
    """True when retrying later may succeed: the infrastructure, not the message, failed."""
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, TRANSIENT_ERRORS):
        return True
    cause = error.__cause__ or error.__context__
    name = type(error).__name__
    if name in {"ConnectionDoesNotExistError", "CannotConnectNowError", "PostgresConnectionError",
                "InterfaceError", "ConnectionFailureError", "AdminShutdownError",
                "KafkaConnectionError", "NodeNotReadyError", "RequestTimedOutError",
                "DeadlockDetectedError", "SerializationError", "LockNotAvailableError"}:
        return True
    return cause is not None and cause is not error and is_transient(cause)


RACE_ATTEMPTS = 3
"""How often a handler that lost a write race runs before it counts as failed."""


def is_write_race(error: BaseException) -> bool:
    """A unique key taken by a concurrent transaction (SQLSTATE 23505): both read "absent",
    both inserted, one lost. Running the handler again sees the winner's row."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if getattr(current, "sqlstate", None) == "23505" or type(
                current).__name__ == "UniqueViolationError":
            return True
        current = current.__cause__ or current.__context__
    return False
