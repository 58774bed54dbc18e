"""The used-links table of a service (shared.tables.used_links_table): a link acts once.

The claim is written in the transaction of what the link did: if that rolls back, the
link is unused again; if it commits, a second use finds the id and is refused.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import Table, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.links import BadLink, Link


class LinkUses(Protocol):
    """What a handler needs (a fake keeps a set)."""

    async def claim(self, link: Link) -> None: ...

    async def used(self, link: Link) -> bool: ...


class UsedLinks:
    def __init__(self, session: AsyncSession, table: Table) -> None:
        self._session = session
        self._table = table

    async def claim(self, link: Link) -> None:
        """Record the link as used; `BadLink("link_used")` when it already was."""
        t = self._table
        stmt = (insert(t).values(token_id=link.token_id, purpose=link.purpose)
                .on_conflict_do_nothing().returning(t.c.token_id))
        if (await self._session.execute(stmt)).first() is None:
            raise BadLink("link_used", link.municipality_code)

    async def used(self, link: Link) -> bool:
        t = self._table
        found = await self._session.execute(select(t.c.token_id).where(
            t.c.token_id == link.token_id))
        return found.first() is not None
