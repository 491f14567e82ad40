"""The safety plan's progress: each step a person ticked off (or put aside for now), kept in order
so the history stays, the latest mark for a step standing.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "safety_plan_marks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(120), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("marked_at", sa.String(32), nullable=False),
        sa.Column("details_enc", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_safety_plan_marks"),
    )


def downgrade() -> None:
    op.drop_table("safety_plan_marks")
