"""The dispatcher loop does not lose a wake (a notification recorded while the loop was
claiming, and found nothing, is claimed at once, not after the idle interval), and tries a
failed batch again."""

from __future__ import annotations

import asyncio
from typing import Any

from services.notifications.entrypoints.dispatcher import DispatchConfig, Dispatcher


class WokenDuringClaim(Dispatcher):
    """Finds nothing at first, and is woken during that claim (as the recording
    transaction's commit does); notes the claim that follows."""

    def __init__(self) -> None:
        none: Any = None
        super().__init__(none, none, none, none, DispatchConfig(loops=1, idle_s=60.0),
                         none, none, none, none, none)
        self.claims = 0
        self.claimed_again = asyncio.Event()

    async def dispatch_once(self) -> int:
        self.claims += 1
        if self.claims == 1:
            self.wake()
            return 0
        self.claimed_again.set()
        return 0


async def test_a_wake_during_an_empty_claim_is_not_lost() -> None:
    dispatcher = WokenDuringClaim()
    stop = asyncio.Event()
    loop = asyncio.create_task(dispatcher._loop(stop))
    try:
        await asyncio.wait_for(dispatcher.claimed_again.wait(), timeout=5)
    finally:
        stop.set()
        dispatcher.wake()
        await asyncio.wait_for(loop, timeout=5)


class FailsOnce(WokenDuringClaim):
    """Its first batch fails (a bug, or the database away): the loop tries again."""

    async def dispatch_once(self) -> int:
        self.claims += 1
        if self.claims == 1:
            raise RuntimeError("batch failed")
        self.claimed_again.set()
        return 0


async def test_a_failed_batch_is_tried_again_after_a_short_wait() -> None:
    dispatcher = FailsOnce()
    stop = asyncio.Event()
    loop = asyncio.create_task(dispatcher._loop(stop))
    try:
        await asyncio.wait_for(dispatcher.claimed_again.wait(), timeout=5)
        assert dispatcher.claims == 2
    finally:
        stop.set()
        dispatcher.wake()
        await asyncio.wait_for(loop, timeout=5)
