"""Books a replica keeps between transactions, so a batch does not re-read a market.

Loading a municipality's Book reads every open request and placement; doing that for
every consumer batch makes matching's cost grow with what is in play. Instead, after a
commit the repository hands its Books back here, each with the version it wrote (a
random value in `book_versions`, written in the same transaction as the Book's rows).
The next transaction, once it holds the municipality's lock, reads the current version
and takes the kept Book only if the versions are equal: any other writer (another
replica, an HTTP call in another process) changed the version, so the Book is read
again.

A kept Book is taken out while a transaction uses it, and put back only after that
transaction commits: a rolled-back transaction's half-changed Book is never seen again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from services.matching.domain.book import Book


@dataclass(frozen=True)
class KeptBook:
    version: UUID
    book: Book
    offer_rows: dict[UUID, dict[str, Any]]
    """The rows of the Book's offers as last written: what the next save compares with."""


class BookCache:
    def __init__(self) -> None:
        self._kept: dict[str, KeptBook] = {}

    def take(self, municipality_code: str, version: UUID | None) -> KeptBook | None:
        """The kept Book if it is still the database's (removed from the cache either way)."""
        kept = self._kept.pop(municipality_code, None)
        if kept is None or version is None or kept.version != version:
            return None
        return kept

    def keep(self, municipality_code: str, kept: KeptBook) -> None:
        self._kept[municipality_code] = kept

    def clear(self) -> None:
        self._kept.clear()

    def __len__(self) -> int:
        return len(self._kept)
