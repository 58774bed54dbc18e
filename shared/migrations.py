"""Alembic, per service: each service's `migrations/` folder, version table in its schema.

A service's `migrations/env.py` is two lines:

    from services.<name>.adapters.orm import metadata
    from shared.migrations import run_env
    run_env(metadata)

and `upgrade(url, script_location)` brings a database to head (the service runs it
at start; `python -m services.<name> migrate` runs it alone).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine


def alembic_config(database_url: str, script_location: Path) -> Config:
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, script_location: Path, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url, script_location), revision)


async def upgrade_async(database_url: str, script_location: Path) -> None:
    await asyncio.to_thread(upgrade, database_url, script_location)


def run_env(metadata: MetaData) -> None:
    """Body of a service's `env.py` (online mode, async engine)."""
    schema = metadata.schema
    url = context.config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url is not set"

    def do_run(connection: Connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            version_table_schema=schema,
            include_schemas=True,
        )
        with context.begin_transaction():
            # One migrator per schema at a time (replicas, a worker beside its service,
            # all starting together): the others wait here, then find the schema at head.
            connection.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"),
                               {"name": f"praktik.migrations.{schema}"})
            context.run_migrations()

    async def run_async() -> None:
        engine = create_async_engine(url, poolclass=pool.NullPool)
        async with engine.connect() as connection:
            await connection.run_sync(do_run)
            await connection.commit()
        await engine.dispose()

    asyncio.run(run_async())


def create_plumbing_tables(schema: str) -> None:
    """The outbox and inbox of `shared.outbox` / `shared.inbox`, for a service's first
    migration: their shape is the plumbing's, written here once."""
    import sqlalchemy as sa
    from alembic import op
    from sqlalchemy.dialects import postgresql

    now = sa.text("now()")
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("event_id", sa.String(), nullable=False),
        sa.Column("topic", sa.String(), nullable=False),
        sa.Column("key", sa.String(), nullable=True),
        sa.Column("value", sa.LargeBinary(), nullable=True),
        sa.Column("headers", postgresql.JSONB(), nullable=False,
                  server_default=sa.text("'{}'::jsonb")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        schema=schema,
    )
    op.create_table(
        "inbox",
        sa.Column("consumer", sa.String(), nullable=False),
        sa.Column("event_id", sa.String(), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
        sa.PrimaryKeyConstraint("consumer", "event_id", name="pk_inbox"),
        schema=schema,
    )


def add_bad_input_plumbing(schema: str) -> None:
    """What a poison message or an unsendable row needs (issue "bad input"): the inbox
    keeps a digest of each claimed event (a reused id with another payload is a conflict,
    not a duplicate), and the outbox has a place to set aside a row that can never be
    sent (`outbox_dead`), so the rows after it go on."""
    import sqlalchemy as sa
    from alembic import op
    from sqlalchemy.dialects import postgresql

    op.add_column("inbox", sa.Column("digest", sa.String(), nullable=True), schema=schema)
    op.create_table(
        "outbox_dead",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("event_id", sa.String(), nullable=False),
        sa.Column("topic", sa.String(), nullable=False),
        sa.Column("key", sa.String(), nullable=True),
        sa.Column("value", sa.LargeBinary(), nullable=True),
        sa.Column("headers", postgresql.JSONB(), nullable=False,
                  server_default=sa.text("'{}'::jsonb")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.text("now()")),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_outbox_dead"),
        schema=schema,
    )


def drop_bad_input_plumbing(schema: str) -> None:
    from alembic import op

    op.drop_table("outbox_dead", schema=schema)
    op.drop_column("inbox", "digest", schema=schema)
