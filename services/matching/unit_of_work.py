"""The matching unit of work: one transaction, the Book repository, the outbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import ClassVar

from services.matching.adapters.book_cache import BookCache
from services.matching.adapters.links import AcceptanceLinks
from services.matching.adapters.repository import BookRepository
from services.matching.domain.model import Book
from shared.contracts.matching import PlacementProposed
from shared.unit_of_work import UnitOfWork


class MatchingUnitOfWork(UnitOfWork):
    deadlines: ClassVar[dict[str, timedelta]] = {}
    lock_wait_s: ClassVar[float] = 5.0
    links: ClassVar[AcceptanceLinks | None] = None
    book_cache: ClassVar[BookCache | None] = None

    books: BookRepository

    @classmethod
    def configured(cls, deadlines: dict[str, timedelta], lock_wait_s: float,
                   links: AcceptanceLinks) -> type[MatchingUnitOfWork]:
        """A subclass bound to the service's settings (the runtime builds it by type),
        with its own cache of Books kept between transactions."""
        return type("ConfiguredMatchingUnitOfWork", (cls,), {
            "deadlines": deadlines, "lock_wait_s": lock_wait_s, "links": links,
            "book_cache": BookCache()})

    def _open(self) -> None:
        self.books = BookRepository(self.session, self.deadlines, self.lock_wait_s,
                                    self.book_cache)

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
            if isinstance(event, PlacementProposed) and self.links is not None:
                event = event.model_copy(
                    update={"acceptance_url": self.links.url(event.placement_id)})
            self.publish(event)
