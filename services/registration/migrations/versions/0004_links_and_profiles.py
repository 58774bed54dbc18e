"""Issue 17: links in messages and municipality profiles. The used links; each consent
answer's channel, message and placement; an offer's welcome facts; the municipalities'
profiles (who messages come from, the rules for answers).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SCHEMA = "registration"
NOW = sa.text("now()")
WELCOME = ("arrival_time", "arrival_place", "work_starts", "work_ends", "bring",
           "contact_name", "contact_phone")


def upgrade() -> None:
    op.create_table(
        "used_links",
        sa.Column("token_id", sa.String(), nullable=False),
        sa.Column("purpose", sa.String(), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.PrimaryKeyConstraint("token_id", name="pk_used_links"),
        schema=SCHEMA,
    )
    op.add_column("consents", sa.Column("via", sa.String(), nullable=False,
                                        server_default="coordinator"), schema=SCHEMA)
    op.add_column("consents", sa.Column("message", sa.Text(), nullable=True), schema=SCHEMA)
    op.add_column("consents", sa.Column("placement_id", postgresql.UUID(as_uuid=True),
                                        nullable=True), schema=SCHEMA)
    for name in WELCOME:
        kind: sa.types.TypeEngine[object] = (
            sa.Time() if name in ("arrival_time", "work_starts", "work_ends") else sa.String())
        op.add_column("offers", sa.Column(name, kind, nullable=True), schema=SCHEMA)
    op.create_table(
        "municipality_profiles",
        sa.Column("municipality_code", sa.String(4), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("coordinator_name", sa.String(), nullable=False),
        sa.Column("coordinator_email", sa.String(), nullable=False),
        sa.Column("coordinator_phone", sa.String(), nullable=False),
        sa.Column("consent_rule", sa.String(), nullable=False, server_default="either"),
        sa.Column("offer_answer_programs", postgresql.JSONB(), nullable=False,
                  server_default=sa.text("'[]'::jsonb")),
        sa.Column("offer_answer_days", sa.Integer(), nullable=False,
                  server_default=sa.text("3")),
        sa.Column("guardian_answers_offer", sa.Boolean(), nullable=False,
                  server_default=sa.text("false")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.PrimaryKeyConstraint("municipality_code", name="pk_municipality_profiles"),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("municipality_profiles", schema=SCHEMA)
    for name in reversed(WELCOME):
        op.drop_column("offers", name, schema=SCHEMA)
    for name in ("placement_id", "message", "via"):
        op.drop_column("consents", name, schema=SCHEMA)
    op.drop_table("used_links", schema=SCHEMA)
