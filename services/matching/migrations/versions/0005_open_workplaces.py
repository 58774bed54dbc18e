"""Issue 18: open workplaces
(the workplace's openness, what a supervisor is trained for, only-my-choices,
the summer-job variant).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

S = "matching"


def upgrade() -> None:
    op.create_table(
        "open_workplaces",
        sa.Column("workplace_id", pg.UUID(as_uuid=True), nullable=False),
        sa.Column("municipality_code", sa.String(4), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("workplace_id", name="pk_open_workplaces"),
        schema=S,
    )
    op.create_index("ix_open_workplaces_municipality_code", "open_workplaces",
                    ["municipality_code"], schema=S)
    op.create_table(
        "supervisor_supports",
        sa.Column("supervisor_id", pg.UUID(as_uuid=True), nullable=False),
        sa.Column("municipality_code", sa.String(4), nullable=False),
        sa.Column("supports", pg.ARRAY(sa.String()), nullable=False, server_default="{}"),
        sa.PrimaryKeyConstraint("supervisor_id", name="pk_supervisor_supports"),
        schema=S,
    )
    op.create_index("ix_supervisor_supports_municipality_code", "supervisor_supports",
                    ["municipality_code"], schema=S)
    op.add_column("supervisors", sa.Column("has_left", sa.Boolean(), nullable=False,
                                           server_default=sa.text("false")), schema=S)
    op.add_column("offers", sa.Column("variant", sa.String(), nullable=True), schema=S)
    op.add_column("requests", sa.Column("variant", sa.String(), nullable=True), schema=S)
    op.add_column("requests", sa.Column("only_preferences", sa.Boolean(), nullable=False,
                                        server_default=sa.text("false")), schema=S)


def downgrade() -> None:
    op.drop_column("requests", "only_preferences", schema=S)
    op.drop_column("requests", "variant", schema=S)
    op.drop_column("offers", "variant", schema=S)
    op.drop_column("supervisors", "has_left", schema=S)
    op.drop_index("ix_supervisor_supports_municipality_code", "supervisor_supports", schema=S)
    op.drop_table("supervisor_supports", schema=S)
    op.drop_index("ix_open_workplaces_municipality_code", "open_workplaces", schema=S)
    op.drop_table("open_workplaces", schema=S)
