"""The retry of a loop that makes its tries itself: `shared.retry`'s waits (growing, with
jitter, logged), taken between the tries of a loop that must stay in charge of them.

The consumer's batch is tried again when the subscriber's loop fetches it anew after a
rewind (the consumer keeps polling, so the group keeps its member); the outbox relay
reads its rows anew on each round. Both only need to wait before the next try:

    waits = RetryWaits("outbox relay", initial_s=0.1, max_s=30)
    while ...:
        try:
            await one_round()
        except Exception as error:
            await waits.failed(error)   # counts the try and waits before the next
            continue
        waits.succeeded()

tenacity is entered at the first failure only: a loop that succeeds pays nothing for it.
"""

from __future__ import annotations

from tenacity import AsyncRetrying, AttemptManager

from shared.retry import retrying


def _any_error(error: BaseException) -> bool:
    """Every error of a try is waited out (the caller decides what it raises); a
    cancellation is not an error."""
    return isinstance(error, Exception)


class RetryWaits:
    def __init__(self, what: str, initial_s: float, max_s: float) -> None:
        self.what = what
        self.initial_s = initial_s
        self.max_s = max_s
        self._attempts: AsyncRetrying | None = None
        self._next: AttemptManager | None = None
        """The attempt the next try is: made when the last failure was waited out."""

    def succeeded(self) -> None:
        """A try went through: the next failure waits the shortest time again."""
        self._attempts = self._next = None

    async def failed(self, error: Exception) -> None:
        """Count the failed try and wait before the next one (longer each time)."""
        attempts, attempt = self._attempts, self._next
        if attempts is None or attempt is None:  # the first failure: it was attempt one
            attempts = aiter(retrying(self.what, initial_s=self.initial_s, max_s=self.max_s,
                                      retry_on=_any_error))
            attempt = await anext(attempts)
        self._attempts = self._next = None  # cancelled while waiting: start over
        with attempt:
            raise error
        self._next = await anext(attempts)  # waits, logs "retrying"
        self._attempts = attempts
