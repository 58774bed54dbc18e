"""Issue 17: links in messages. The used links; the confirmed place; the certificate's
warning sent once; the evaluation answered by attendees (anonymous answers, and who has
answered apart) in place of the figures a coordinator keyed in.

The keyed-in `evaluations` table goes: the figures now come from the attendees' answers
only, and its rows (scores on other questions) cannot become answers.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SCHEMA = "training"
NOW = sa.text("now()")


def upgrade() -> None:
    op.create_table(
        "used_links",
        sa.Column("token_id", sa.String(), nullable=False),
        sa.Column("purpose", sa.String(), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.PrimaryKeyConstraint("token_id", name="pk_used_links"),
        schema=SCHEMA,
    )
    op.add_column("enrolments", sa.Column("confirmed_at", sa.DateTime(timezone=True),
                                          nullable=True), schema=SCHEMA)
    op.add_column("certifications", sa.Column("warned_at", sa.Date(), nullable=True),
                  schema=SCHEMA)
    op.drop_table("evaluations", schema=SCHEMA)
    op.create_table(
        "evaluation_answers",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("course", sa.String(), nullable=False),
        sa.Column("overall", sa.SmallInteger(), nullable=False),
        sa.Column("usefulness", sa.SmallInteger(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=NOW),
        sa.PrimaryKeyConstraint("id", name="pk_evaluation_answers"),
        sa.ForeignKeyConstraint(["session_id"], [f"{SCHEMA}.sessions.session_id"],
                                name="fk_evaluation_answers_session_id_sessions"),
        sa.CheckConstraint("overall between 1 and 5", name="ck_evaluation_answers_overall"),
        sa.CheckConstraint("usefulness between 1 and 5",
                           name="ck_evaluation_answers_usefulness"),
        schema=SCHEMA,
    )
    op.create_index("ix_evaluation_answers_session_id", "evaluation_answers", ["session_id"],
                    schema=SCHEMA)
    op.create_table(
        "evaluation_respondents",
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("session_id", "person_id", name="pk_evaluation_respondents"),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("evaluation_respondents", schema=SCHEMA)
    op.drop_table("evaluation_answers", schema=SCHEMA)
    op.create_table(
        "evaluations",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("course", sa.String(), nullable=False),
        sa.Column("overall", sa.SmallInteger(), nullable=False),
        sa.Column("content", sa.SmallInteger(), nullable=True),
        sa.Column("trainers", sa.SmallInteger(), nullable=True),
        sa.Column("organisation", sa.SmallInteger(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=NOW),
        sa.PrimaryKeyConstraint("id", name="pk_evaluations"),
        sa.CheckConstraint("overall between 1 and 5", name="ck_evaluations_overall"),
        schema=SCHEMA,
    )
    op.create_index("ix_evaluations_session_id", "evaluations", ["session_id"], schema=SCHEMA)
    op.drop_column("certifications", "warned_at", schema=SCHEMA)
    op.drop_column("enrolments", "confirmed_at", schema=SCHEMA)
    op.drop_table("used_links", schema=SCHEMA)
