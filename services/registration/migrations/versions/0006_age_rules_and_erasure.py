"""Issue 18: age rules per programme, the summer-job variants,
supervisors leaving, erasure of supervisors, managers and guardians.

The profile's own age rules, the programmes placed only at a request's preferences, and
the workplace's and the guardian's answer days; an offer's and a request's summer-job
variant, a request's `only_preferences`; a supervisor who left (or was erased: the row
stays for the offers that name it, without name or contact); a workplace whose manager
was erased has none until a new one is registered; what remains of an erased
supervisor, manager or guardian (an anonymous id, the role, the municipality).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

S = "registration"
NOW = sa.text("now()")
EMPTY = sa.text("'[]'::jsonb")


def upgrade() -> None:
    for name in ("age_rules", "only_preferences_programs"):
        op.add_column("municipality_profiles", sa.Column(
            name, postgresql.JSONB(), nullable=False, server_default=EMPTY), schema=S)
    for name, days in (("workplace_answer_days", 3), ("consent_days", 5)):
        op.add_column("municipality_profiles", sa.Column(
            name, sa.Integer(), nullable=False, server_default=sa.text(str(days))), schema=S)
    op.add_column("offers", sa.Column("variant", sa.String(), nullable=True), schema=S)
    op.add_column("requests", sa.Column("variant", sa.String(), nullable=True), schema=S)
    op.add_column("requests", sa.Column("only_preferences", sa.Boolean(), nullable=False,
                                        server_default=sa.text("false")), schema=S)
    op.add_column("supervisors", sa.Column("left_at", sa.DateTime(timezone=True),
                                           nullable=True), schema=S)
    op.add_column("supervisors", sa.Column("left_reason", sa.String(), nullable=True),
                  schema=S)
    op.add_column("supervisors", sa.Column("erased_at", sa.DateTime(timezone=True),
                                           nullable=True), schema=S)
    op.alter_column("workplaces", "manager_id", nullable=True, schema=S)
    op.alter_column("workplaces", "manager_name", nullable=True, schema=S)
    op.create_index("ix_workplaces_manager", "workplaces", ["manager_id"], schema=S)
    op.create_table(
        "person_erasures",
        sa.Column("person_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("municipality_code", sa.String(4), nullable=False),
        sa.Column("workplace_id", postgresql.UUID(as_uuid=True), nullable=True),
        sa.Column("participant_ids", postgresql.JSONB(), nullable=False, server_default=EMPTY),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.PrimaryKeyConstraint("person_id", name="pk_person_erasures"),
        schema=S,
    )


def downgrade() -> None:
    op.drop_table("person_erasures", schema=S)
    op.drop_index("ix_workplaces_manager", "workplaces", schema=S)
    op.execute(f"UPDATE {S}.workplaces SET manager_id = gen_random_uuid(), manager_name = '' "
               "WHERE manager_id IS NULL")
    op.alter_column("workplaces", "manager_name", nullable=False, schema=S)
    op.alter_column("workplaces", "manager_id", nullable=False, schema=S)
    for name in ("erased_at", "left_reason", "left_at"):
        op.drop_column("supervisors", name, schema=S)
    op.drop_column("requests", "only_preferences", schema=S)
    op.drop_column("requests", "variant", schema=S)
    op.drop_column("offers", "variant", schema=S)
    for name in ("consent_days", "workplace_answer_days", "only_preferences_programs",
                 "age_rules"):
        op.drop_column("municipality_profiles", name, schema=S)
