"""Conversations: a keyed chat identity on events, and each import's conversation and time range.

Lets a later export of the same chat de-duplicate against earlier ones, and lets casetrail notice a
message that an export covering its time no longer holds (deleted on the phone).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_key", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_conversations"),
        sa.UniqueConstraint("conversation_key", name="uq_conversations_conversation_key"),
    )
    # Plain ALTER TABLE ADD COLUMN (SQLite >= 3.35): a batch copy of the tables would trip the foreign
    # keys that point at them, and SQLite cannot drop a column that carries one; so conversation_id is a
    # plain integer whose link to conversations.id the store keeps (see store/tables.py).
    op.add_column("events", sa.Column("conversation_id", sa.Integer(), nullable=True))
    op.create_index("ix_events_conversation_id_occurred_us", "events", ["conversation_id", "occurred_us"])
    op.add_column("imports", sa.Column("conversation_id", sa.Integer(), nullable=True))
    op.add_column("imports", sa.Column("first_us", sa.BigInteger(), nullable=True))
    op.add_column("imports", sa.Column("last_us", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    op.drop_column("imports", "last_us")
    op.drop_column("imports", "first_us")
    op.drop_column("imports", "conversation_id")
    op.drop_index("ix_events_conversation_id_occurred_us", table_name="events")
    op.drop_column("events", "conversation_id")
    op.drop_table("conversations")
