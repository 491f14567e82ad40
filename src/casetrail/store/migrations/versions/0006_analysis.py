"""What people decided about the analysis, and what it found: decisions on behaviour labels, diary
entries linked to the events that caused them, stored analysis results (with the rule versions used)
and risk-screening answers (every answer set kept, none overwritten).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "label_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("identity", sa.LargeBinary(), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("decided_at", sa.String(32), nullable=False),
        sa.Column("details_enc", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_label_decisions"),
    )
    op.create_index("ix_label_decisions_identity", "label_decisions", ["identity"])
    op.create_table(
        "event_links",
        sa.Column("diary", sa.LargeBinary(), nullable=False),
        sa.Column("cause", sa.LargeBinary(), nullable=False),
        sa.Column("linked_at", sa.String(32), nullable=False),
        sa.Column("details_enc", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("diary", "cause", name="pk_event_links"),
    )
    op.create_table(
        "analysis_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("run_at", sa.String(32), nullable=False),
        sa.Column("versions", sa.String(400), nullable=False),
        sa.Column("result_enc", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_analysis_runs"),
    )
    op.create_table(
        "risk_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instrument", sa.String(64), nullable=False),
        sa.Column("instrument_version", sa.String(32), nullable=False),
        sa.Column("answered_at", sa.String(32), nullable=False),
        sa.Column("answers_enc", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_risk_answers"),
    )


def downgrade() -> None:
    op.drop_table("risk_answers")
    op.drop_table("analysis_runs")
    op.drop_table("event_links")
    op.drop_index("ix_label_decisions_identity", table_name="label_decisions")
    op.drop_table("label_decisions")
