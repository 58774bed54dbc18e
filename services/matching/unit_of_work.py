"""The matching unit of work: one transaction, the Book repository, the outbox."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.matching.adapters.book_cache import BookCache
from services.matching.adapters.orm import tables
from services.matching.adapters.parties import Parties, PartyRepository
from services.matching.adapters.repository import BookRepository, Books
from services.matching.domain.book import Book
from shared.unit_of_work import UnitOfWork
from shared.used_links import LinkUses, UsedLinks


class MatchingUnitOfWork(UnitOfWork):
    """`bootstrap` binds the keyword arguments with `functools.partial`: the programmes'
    acceptance deadlines, how long to wait for a municipality's lock, and the service's
    cache of Books (one per process, kept between units). A link acts once: its claim
    (`used_links`) is written in the same transaction as what it did."""

    books: Books
    parties: Parties
    used_links: LinkUses

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        outbox: Table,
        source: str,
        after_commit: Callable[[], None] | None = None,
        *,
        deadlines: dict[str, timedelta],
        lock_wait_s: float,
        book_cache: BookCache | None,
    ) -> None:
        super().__init__(session_factory, outbox, source, after_commit)
        self.deadlines = deadlines
        self.lock_wait_s = lock_wait_s
        self.book_cache = book_cache

    def _open(self) -> None:
        self.books = BookRepository(self.session, self.deadlines, self.lock_wait_s,
                                    self.book_cache)
        self.used_links = UsedLinks(self.session, tables.used_links)
        self.parties = PartyRepository(self.session)

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        try:
            async with super().savepoint():
                yield
        except BaseException:
            self.books.forget()
            raise

    async def commit(self) -> None:
        await super().commit()
        self.books.keep()

    async def rollback(self) -> None:
        self.books.forget()
        await super().rollback()

    async def save(self, *books: Book) -> None:
        """Write the Books' changes and stage their events into the outbox."""
        await self.books.save(*books)
        for book in books:
            self.stage(book)

    def stage(self, book: Book) -> None:
        """Stage the events the Book has recorded (they name `self.cause` as cause)."""
        events, book.events = book.events, []
        for event in events:
            self.publish(event)
