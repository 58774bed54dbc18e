"""One retry: exponential backoff with jitter (tenacity), for work that waits out the
infrastructure: a database or broker that is away, restarting or failing over.

    async for attempt in retrying("outbox relay", initial_s=0.1, max_s=30):
        with attempt:
            await relay.publish_batch()

Only errors `retry_on` accepts are retried (by default `shared.transient.is_transient`);
anything else is raised at once. The wait before try n is random between `initial_s / 2`
and `min(initial_s * 2**n, max_s)` ("full jitter" with a floor), so replicas that lost
the same broker do not come back in step. Each wait is logged by the error's type.
"""

from __future__ import annotations

from collections.abc import Callable

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
    stop_never,
    wait_random_exponential,
)
from tenacity.stop import stop_base

from shared.logging import get_logger
from shared.transient import is_transient

log = get_logger(__name__)


def retrying(what: str, *, initial_s: float, max_s: float,
             retry_on: Callable[[BaseException], bool] = is_transient,
             attempts: int | None = None, deadline_s: float | None = None) -> AsyncRetrying:
    """Retry `what` forever, or at most `attempts` times / for `deadline_s` seconds (then
    the last error is raised)."""
    stop: stop_base = stop_never
    if attempts is not None:
        stop = stop_after_attempt(attempts)
    if deadline_s is not None:
        stop = stop | stop_after_delay(deadline_s) if attempts is not None \
            else stop_after_delay(deadline_s)

    def before_sleep(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        log.warning("retrying", what=what, attempt=state.attempt_number,
                    error_type=type(error).__name__,
                    retry_in_s=round(state.upcoming_sleep, 3))

    def retryable(error: BaseException) -> bool:
        # A cancellation (shutdown) is never retried, even one raised while a transient
        # error was being handled (`is_transient` follows `__context__`).
        return isinstance(error, Exception) and retry_on(error)

    return AsyncRetrying(
        retry=retry_if_exception(retryable),
        wait=wait_random_exponential(multiplier=initial_s, max=max_s, min=initial_s / 2),
        stop=stop,
        before_sleep=before_sleep,
        reraise=True,
    )
