"""Senders in registration's schema, and whose answers topic hears of which request and
placement (`domain.senders`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from sqlalchemy import Row, delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.registration.adapters import orm
from services.registration.domain.senders import Sender
from shared.contracts import topics


def _sender(row: Row[Any]) -> Sender:
    return Sender(row.name, row.source, frozenset(row.municipalities), row.registered_at)


class SenderRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, name: str) -> Sender | None:
        t = orm.senders
        row = (await self.session.execute(select(t).where(t.c.name == name))).first()
        return None if row is None else _sender(row)

    async def by_source(self, source: str) -> Sender | None:
        t = orm.senders
        row = (await self.session.execute(select(t).where(t.c.source == source))).first()
        return None if row is None else _sender(row)

    async def all(self) -> list[Sender]:
        t = orm.senders
        return [_sender(row) for row in await self.session.execute(select(t).order_by(t.c.name))]

    async def save(self, sender: Sender) -> None:
        """Insert, or change source and municipalities (the first registration's time stays)."""
        stmt = insert(orm.senders).values(
            name=sender.name, source=sender.source,
            municipalities=sorted(sender.municipalities), registered_at=sender.registered_at)
        await self.session.execute(stmt.on_conflict_do_update(
            index_elements=["name"],
            set_={"source": stmt.excluded.source, "municipalities": stmt.excluded.municipalities}))

    async def remove(self, name: str) -> bool:
        """Forget the sender, and withdraw its answers not yet sent: its topics go next
        (`praktik senders remove`), and a row for a topic that is gone would hold up the
        outbox for ever. The relay locks the rows it is sending, so a batch in flight
        is sent before this deletes what remains."""
        t, outbox = orm.senders, orm.tables.outbox
        await self.session.execute(delete(outbox).where(
            outbox.c.topic == topics.sender_answers(name)))
        result = await self.session.execute(delete(t).where(t.c.name == name))
        return bool(getattr(result, "rowcount", 0))

    async def remember(self, subjects: Iterable[tuple[UUID, str, str]]) -> None:
        """(request or placement id, sender, municipality): that sender hears of it."""
        rows = [{"subject_id": ident, "sender": sender, "municipality_code": code}
                for ident, sender, code in subjects]
        if rows:
            await self.session.execute(
                insert(orm.sender_subjects).values(rows).on_conflict_do_nothing())

    async def whose(self, subject_ids: Iterable[UUID]) -> dict[UUID, tuple[str, str]]:
        """The sender (and municipality) of each of these requests or placements it has."""
        ids = list(set(subject_ids))
        if not ids:
            return {}
        t = orm.sender_subjects
        rows = await self.session.execute(
            select(t.c.subject_id, t.c.sender, t.c.municipality_code)
            .where(t.c.subject_id.in_(ids)))
        return {row.subject_id: (row.sender, row.municipality_code) for row in rows}
