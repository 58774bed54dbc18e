"""The access log with in-memory fakes: each read becomes an entry with who, whom, when
and why; the retention purge forgets only what is past its time."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta

from services.registration.domain import commands
from services.registration.domain.access import PURPOSES, AccessEntry, purge_before
from services.registration.tests.unit.fakes import FakeUnitOfWork
from services.registration.tests.unit.test_handlers import DEPS, HALMSTAD, handle


async def test_a_read_is_logged_with_who_whom_when_and_why() -> None:
    uow, participant = FakeUnitOfWork(), uuid.uuid4()
    entry = await handle(uow, commands.RecordRead("samordnare-1380", "coordinator",
                                                  participant, HALMSTAD, "consents",
                                                  "consent"))
    assert uow.access_log.entries == [AccessEntry(
        "samordnare-1380", "coordinator", participant, HALMSTAD, "consents", "consent",
        DEPS.clock())] == [entry]


async def test_the_purge_forgets_entries_past_their_retention_only() -> None:
    uow, now = FakeUnitOfWork(), DEPS.clock()
    old = AccessEntry("s", "coordinator", uuid.uuid4(), HALMSTAD, "participant",
                      "case_handling", now - timedelta(days=31))
    recent = replace(old, read_at=now - timedelta(days=29))
    uow.access_log.entries = [old, recent]
    assert await handle(uow, commands.PurgeAccessLog(retention_days=30)) == 1
    assert uow.access_log.entries == [recent]
    assert purge_before(now, 30) == now - timedelta(days=30)


def test_the_purposes_are_codes_a_log_can_be_searched_by() -> None:
    assert "case_handling" in PURPOSES and all(p.isidentifier() for p in PURPOSES)
