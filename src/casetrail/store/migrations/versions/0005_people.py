"""People and their accounts: the handles a person (the suspect, usually) was confirmed to use.

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


def downgrade() -> None:
    op.drop_table("person_accounts")
    op.drop_table("people")
