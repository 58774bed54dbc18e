"""What registration learns from training and matching, to show beside what it holds:
a request's placement status, a supervisor's certificate, a workplace's opening.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SCHEMA = "registration"


def upgrade() -> None:
    op.add_column("supervisors", sa.Column("certified_until", sa.Date(), nullable=True),
                  schema=SCHEMA)
    op.add_column("workplaces", sa.Column("opened", sa.Boolean(), nullable=False,
                                          server_default=sa.text("false")), schema=SCHEMA)
    for column in (
        sa.Column("placement_status", sa.String(), nullable=True),
        sa.Column("placement_id", postgresql.UUID(as_uuid=True), nullable=True),
        sa.Column("placement_offer_id", postgresql.UUID(as_uuid=True), nullable=True),
        sa.Column("placement_reasons", postgresql.JSONB(), nullable=True),
        sa.Column("placement_changed_at", sa.DateTime(timezone=True), nullable=True),
    ):
        op.add_column("requests", column, schema=SCHEMA)
    op.create_index("ix_requests_placement", "requests", ["placement_id"], schema=SCHEMA)


def downgrade() -> None:
    op.drop_index("ix_requests_placement", "requests", schema=SCHEMA)
    for name in ("placement_changed_at", "placement_reasons", "placement_offer_id",
                 "placement_id", "placement_status"):
        op.drop_column("requests", name, schema=SCHEMA)
    op.drop_column("workplaces", "opened", schema=SCHEMA)
    op.drop_column("supervisors", "certified_until", schema=SCHEMA)
