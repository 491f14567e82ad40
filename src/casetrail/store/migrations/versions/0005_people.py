"""People and their accounts (the handles a person, usually the suspect, was confirmed to use), and
the platform's message ids events were read under (two readings of one message are found by them).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name_key", sa.String(64), nullable=False),
        sa.Column("name_enc", sa.LargeBinary(), nullable=False),
        sa.Column("added_at", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_people"),
        sa.UniqueConstraint("name_key", name="uq_people_name_key"),
    )
    op.create_table(
        "person_accounts",
        sa.Column("account_key", sa.String(64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("account_enc", sa.LargeBinary(), nullable=False),
        sa.Column("linked_at", sa.String(32), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name="fk_person_accounts_person_id_people"),
        sa.PrimaryKeyConstraint("account_key", name="pk_person_accounts"),
    )

    op.create_table(
        "event_keys",
        sa.Column("key_hash", sa.LargeBinary(), nullable=False),
        sa.Column("identity", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("key_hash", "identity", name="pk_event_keys"),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("event_keys")
    op.drop_table("person_accounts")
    op.drop_table("people")
