"""Index events by (channel, occurred_us), for timelines filtered to one or a few channels.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_events_channel_occurred_us", "events", ["channel", "occurred_us"])


def downgrade() -> None:
    op.drop_index("ix_events_channel_occurred_us", table_name="events")
