"""Notifications' unit of work: the directory (contacts, read models) and the outbound
messages, in one transaction with the inbox and the outbox."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.notifications.adapters.orm import tables
from services.notifications.adapters.receipts import Receipts
from services.notifications.adapters.repository import Directory, Outbound
from services.notifications.adapters.wakeup import announce_due
from shared.unit_of_work import UnitOfWork
from shared.used_links import LinkUses, UsedLinks


class NotificationsUnitOfWork(UnitOfWork):
    directory: Directory
    outbound: Outbound
    receipts: Receipts
    used_links: LinkUses

    def __init__(self, session_factory: async_sessionmaker[AsyncSession], outbox: Table,
                 source: str, after_commit: Callable[[], None] | None = None, *,
                 after_record: Callable[[], None] | None = None) -> None:
        super().__init__(session_factory, outbox, source, after_commit)
        self._after_record = after_record
        """Called after a commit that recorded messages (bootstrap: wakes the dispatcher)."""

    def _open(self) -> None:
        self.directory = Directory(self.session)
        self.outbound = Outbound(self.session)
        self.receipts = Receipts(self.session)
        self.used_links = UsedLinks(self.session, tables.used_links)

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """Rows a message records belong to its savepoint: flushed inside it, dropped
        with it when the message fails."""
        await self.outbound.flush()
        try:
            async with super().savepoint():
                yield
                await self.outbound.flush()
        except BaseException:
            self.outbound.pending.clear()
            raise

    async def rollback(self) -> None:
        self.outbound.pending.clear()
        await super().rollback()

    async def commit(self) -> None:
        await self.outbound.flush()
        recorded = self.outbound.recorded
        if recorded:
            await announce_due(self.session)
        await super().commit()
        self.outbound.recorded = 0
        if recorded and self._after_record is not None:
            self._after_record()
