"""The plumbing tables every service has in its own schema: outbox, outbox_dead, inbox,
used_links.

Only SQLAlchemy: a service's `adapters/orm.py` and its Alembic environment import this,
never the HTTP server, the broker clients or the relay (`shared.outbox` writes and
relays the outbox's rows, `shared.inbox` claims the inbox's).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Identity,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB


def outbox_table(metadata: MetaData) -> Table:
    """Events committed with the state that caused them, waiting for the relay."""
    return Table(
        "outbox",
        metadata,
        Column("id", BigInteger, Identity(always=False), primary_key=True),
        Column("event_id", String, nullable=False),
        Column("topic", String, nullable=False),
        Column("key", String, nullable=True),
        Column("value", LargeBinary, nullable=True),
        Column("headers", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


def outbox_dead_table(metadata: MetaData) -> Table:
    """Rows the relay could never send (too large for the broker, a topic that refuses
    them): set aside with the reason, for an operator to see, so the rows after go on."""
    return Table(
        "outbox_dead",
        metadata,
        Column("id", BigInteger, primary_key=True),
        Column("event_id", String, nullable=False),
        Column("topic", String, nullable=False),
        Column("key", String, nullable=True),
        Column("value", LargeBinary, nullable=True),
        Column("headers", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("failed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("reason", Text, nullable=False),
    )


def inbox_table(metadata: MetaData) -> Table:
    """The ids of the events each consumer has handled, with a digest of what each said."""
    return Table(
        "inbox",
        metadata,
        Column("consumer", String, nullable=False),
        Column("event_id", String, nullable=False),
        Column("handled_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("digest", String, nullable=True),
        PrimaryKeyConstraint("consumer", "event_id"),
    )


def used_links_table(metadata: MetaData) -> Table:
    """The ids of the link tokens (shared.links) used to act: a second use is refused.
    Only the token's id and purpose: nothing about the person it was sent to."""
    return Table(
        "used_links",
        metadata,
        Column("token_id", String, primary_key=True),
        Column("purpose", String, nullable=False),
        Column("used_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


@dataclass
class Tables:
    """The plumbing tables on one service's metadata."""

    metadata: MetaData
    outbox: Table
    inbox: Table
    outbox_dead: Table
    used_links: Table

    @classmethod
    def for_metadata(cls, metadata: MetaData) -> Tables:
        return cls(metadata, outbox_table(metadata), inbox_table(metadata),
                   outbox_dead_table(metadata), used_links_table(metadata))
