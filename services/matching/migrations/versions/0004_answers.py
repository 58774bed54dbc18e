"""Issue 17: answers by link. The used links; the participant's (and guardian's) answer
to an offer and who declined; each municipality's rules for answers; the consent as
registration states it.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

S = "matching"
OPEN = "status IN ('proposed', 'accepted', 'confirmed')"
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "used_links",
        sa.Column("token_id", sa.String(), nullable=False),
        sa.Column("purpose", sa.String(), nullable=False),
        sa.Column("used_at", WHEN, nullable=False, server_default=sa.text("now()")),
        sa.PrimaryKeyConstraint("token_id", name="pk_used_links"),
        schema=S,
    )
    op.create_table(
        "consent_states",
        sa.Column("participant_id", pg.UUID(as_uuid=True), nullable=False),
        sa.Column("program", sa.String(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("participant_id", "program", name="pk_consent_states"),
        schema=S,
    )
    op.create_table(
        "offer_rules",
        sa.Column("municipality_code", sa.String(4), nullable=False),
        sa.Column("programs", pg.ARRAY(sa.String()), nullable=False, server_default="{}"),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("guardian_answers", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("municipality_code", name="pk_offer_rules"),
        schema=S,
    )
    for column in (
        sa.Column("answer_by", WHEN, nullable=True),
        sa.Column("guardian_answer", sa.Boolean(), nullable=False,
                  server_default=sa.text("false")),
        sa.Column("participant_accepted_at", WHEN, nullable=True),
        sa.Column("guardian_accepted_at", WHEN, nullable=True),
        sa.Column("guardian_accepted_by", pg.UUID(as_uuid=True), nullable=True),
        sa.Column("declined_by", sa.String(), nullable=True),
    ):
        op.add_column("placements", column, schema=S)
    op.create_index("ix_placements_open_answer_by", "placements", ["answer_by"],
                    postgresql_where=sa.text(f"answer_by IS NOT NULL AND {OPEN}"), schema=S)


def downgrade() -> None:
    op.drop_index("ix_placements_open_answer_by", "placements", schema=S)
    for name in ("declined_by", "guardian_accepted_by", "guardian_accepted_at",
                 "participant_accepted_at", "guardian_answer", "answer_by"):
        op.drop_column("placements", name, schema=S)
    op.drop_table("offer_rules", schema=S)
    op.drop_table("consent_states", schema=S)
    op.drop_table("used_links", schema=S)
