"""Issue 18: deadlines for every answer that holds a place,
reminders, extensions, outcomes and follow-ups.

The guardians' consent gets a deadline (`consent_by`), a guardian's answer one of its
own (`guardian_answer_by`, so a coordinator extends one party's time and not the
other's); `reminded` names the parties reminded of their deadline (once each); a
completed placement keeps the day it ended (`ended_on`) and its six-month follow-up.
Each municipality's profile adds the workplace's and the consent's working days.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

S = "matching"
OPEN = "status IN ('proposed', 'accepted', 'confirmed')"
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    for column in (
        sa.Column("consent_by", WHEN, nullable=True),
        sa.Column("guardian_answer_by", WHEN, nullable=True),
        sa.Column("reminded", pg.ARRAY(sa.String()), nullable=False, server_default="{}"),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("follow_up_outcome", sa.String(), nullable=True),
        sa.Column("followed_up_on", sa.Date(), nullable=True),
    ):
        op.add_column("placements", column, schema=S)
    # A guardian asked to answer had the participant's deadline until now.
    op.execute(f"UPDATE {S}.placements SET guardian_answer_by = answer_by "
               "WHERE guardian_answer")
    # A placement that waits for consent had no deadline: it gets a week from now.
    op.execute(f"UPDATE {S}.placements SET consent_by = now() + interval '7 days' "
               "WHERE consent_required AND status IN ('proposed', 'accepted')")
    # A completed placement ended on its last day, or the day it was recorded if earlier.
    op.execute(f"UPDATE {S}.placements SET ended_on = LEAST(period_end, "
               "(ended_at AT TIME ZONE 'Europe/Stockholm')::date) WHERE status = 'completed'")
    op.create_index("ix_placements_open_consent_by", "placements", ["consent_by"],
                    postgresql_where=sa.text(f"consent_by IS NOT NULL AND {OPEN}"), schema=S)
    for column in (sa.Column("workplace_days", sa.Integer(), nullable=True),
                   sa.Column("consent_days", sa.Integer(), nullable=True)):
        op.add_column("offer_rules", column, schema=S)


def downgrade() -> None:
    for name in ("consent_days", "workplace_days"):
        op.drop_column("offer_rules", name, schema=S)
    op.drop_index("ix_placements_open_consent_by", "placements", schema=S)
    for name in ("followed_up_on", "follow_up_outcome", "ended_on", "reminded",
                 "guardian_answer_by", "consent_by"):
        op.drop_column("placements", name, schema=S)
