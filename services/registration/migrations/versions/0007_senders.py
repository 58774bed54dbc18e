"""Issue 19: senders, the municipal systems with intake and answers topics of their own.

Each sender's name, its registered CloudEvent source and the municipalities it may speak
for; and whose answers topic hears of a request and of the placements it led to.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

S = "registration"


def upgrade() -> None:
    op.create_table(
        "senders",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("municipalities", postgresql.JSONB(), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_senders"),
        sa.UniqueConstraint("source", name="uq_senders_source"),
        schema=S,
    )
    op.create_table(
        "sender_subjects",
        sa.Column("subject_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("sender", sa.String(), nullable=False),
        sa.Column("municipality_code", sa.String(4), nullable=False),
        sa.PrimaryKeyConstraint("subject_id", name="pk_sender_subjects"),
        sa.ForeignKeyConstraint(["sender"], [f"{S}.senders.name"], ondelete="CASCADE",
                                name="fk_sender_subjects_sender_senders"),
        schema=S,
    )


def downgrade() -> None:
    op.drop_table("sender_subjects", schema=S)
    op.drop_table("senders", schema=S)
