"""Every placement registration heard of, by id: a request proposed a new placement
keeps the links of its old one answering (with the old one's facts and status).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

SCHEMA = "registration"


def upgrade() -> None:
    op.create_table(
        "placements",
        sa.Column("placement_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("request_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("participant_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("offer_id", postgresql.UUID(as_uuid=True), nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("placement_id", name="pk_placements"),
        sa.ForeignKeyConstraint(["request_id"], [f"{SCHEMA}.requests.id"],
                                name="fk_placements_request_id_requests", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["participant_id"], [f"{SCHEMA}.participants.id"],
                                name="fk_placements_participant_id_participants",
                                ondelete="CASCADE"),
        schema=SCHEMA,
    )
    op.create_index("ix_placements_request", "placements", ["request_id"], schema=SCHEMA)
    op.create_index("ix_placements_participant", "placements", ["participant_id"],
                    schema=SCHEMA)
    # What is known so far: each request's latest placement.
    op.execute(f"""
        INSERT INTO {SCHEMA}.placements
            (placement_id, request_id, participant_id, offer_id, status, changed_at)
        SELECT placement_id, id, participant_id, placement_offer_id, placement_status,
               coalesce(placement_changed_at, updated_at)
        FROM {SCHEMA}.requests
        WHERE placement_id IS NOT NULL AND placement_status IS NOT NULL
        ON CONFLICT (placement_id) DO NOTHING
    """)


def downgrade() -> None:
    op.drop_index("ix_placements_participant", "placements", schema=SCHEMA)
    op.drop_index("ix_placements_request", "placements", schema=SCHEMA)
    op.drop_table("placements", schema=SCHEMA)
