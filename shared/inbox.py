"""Inbox: the ids of events a consumer has handled, written with the handler's effects.

A redelivered event finds its id here and is skipped: at-least-once delivery,
exactly-once effect.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    bindparam,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncSession


def inbox_table(metadata: MetaData) -> Table:
    return Table(
        "inbox",
        metadata,
        Column("consumer", String, nullable=False),
        Column("event_id", String, nullable=False),
        Column("handled_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        PrimaryKeyConstraint("consumer", "event_id"),
    )


async def claim(session: AsyncSession, table: Table, consumer: str, event_id: str) -> bool:
    """Record the event as handled; False when it already was (a redelivery)."""
    result = await session.execute(
        insert(table)
        .values(consumer=consumer, event_id=event_id)
        .on_conflict_do_nothing()
        .returning(table.c.event_id)
    )
    return result.first() is not None


async def claim_many(
    session: AsyncSession, table: Table, consumer: str, event_ids: list[str]
) -> set[str]:
    """Claim a batch of ids in one statement; returns those not handled before.

    The ids travel as one array parameter (`unnest`), so the statement is the same for
    any batch size: compiled and prepared once, not once per size with a bind per id.
    """
    if not event_ids:
        return set()
    unique = list(dict.fromkeys(event_ids))
    ids = (func.unnest(bindparam("event_ids", type_=ARRAY(String)))
           .table_valued("event_id").render_derived())
    statement = (
        insert(table)
        .from_select(["consumer", "event_id"],
                     select(bindparam("consumer", type_=String), ids.c.event_id))
        .on_conflict_do_nothing()
        .returning(table.c.event_id)
    )
    result = await session.execute(statement, {"consumer": consumer, "event_ids": unique})
    return {row[0] for row in result}
