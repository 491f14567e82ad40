"""Initial case schema: case info, exhibits, imports, events and their sources, audit log.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_info",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value_enc", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_case_info"),
    )
    op.create_table(
        "exhibits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(32), nullable=False),
        sa.Column("content_key", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("added_at", sa.String(32), nullable=False),
        sa.Column("meta_enc", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["parent_id"], ["exhibits.id"], name="fk_exhibits_parent_id_exhibits"),
        sa.PrimaryKeyConstraint("id", name="pk_exhibits"),
        sa.UniqueConstraint("number", name="uq_exhibits_number"),
        sa.UniqueConstraint("ref", name="uq_exhibits_ref"),
        sa.UniqueConstraint("content_key", name="uq_exhibits_content_key"),
    )
    op.create_table(
        "imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.String(32), nullable=False),
        sa.Column("importer", sa.String(64), nullable=False),
        sa.Column("importer_version", sa.String(32), nullable=False),
        sa.Column("exhibit_id", sa.Integer(), nullable=True),
        sa.Column("events_added", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["exhibit_id"], ["exhibits.id"], name="fk_imports_exhibit_id_exhibits"),
        sa.PrimaryKeyConstraint("id", name="pk_imports"),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(36), nullable=False),
        sa.Column("occurred_us", sa.BigInteger(), nullable=True),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("direction", sa.String(16), nullable=False),
        sa.Column("flags", sa.Text(), nullable=False),
        sa.Column("dedup_key", sa.String(64), nullable=False),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.Column("payload_enc", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["supersedes_id"], ["events.id"], name="fk_events_supersedes_id_events"),
        sa.ForeignKeyConstraint(["import_id"], ["imports.id"], name="fk_events_import_id_imports"),
        sa.PrimaryKeyConstraint("id", name="pk_events"),
        sa.UniqueConstraint("uid", name="uq_events_uid"),
        sa.UniqueConstraint("dedup_key", name="uq_events_dedup_key"),
    )
    op.create_index("ix_events_occurred_us", "events", ["occurred_us"])
    op.create_table(
        "event_sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("exhibit_id", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.Column("locator_key", sa.String(64), nullable=False),
        sa.Column("locator_enc", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], name="fk_event_sources_event_id_events"),
        sa.ForeignKeyConstraint(["exhibit_id"], ["exhibits.id"], name="fk_event_sources_exhibit_id_exhibits"),
        sa.ForeignKeyConstraint(["import_id"], ["imports.id"], name="fk_event_sources_import_id_imports"),
        sa.PrimaryKeyConstraint("id", name="pk_event_sources"),
        sa.UniqueConstraint("locator_key", name="uq_event_sources_locator_key"),
    )
    op.create_index("ix_event_sources_event_id", "event_sources", ["event_id"])
    op.create_table(
        "event_attachments",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("exhibit_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], name="fk_event_attachments_event_id_events"),
        sa.ForeignKeyConstraint(
            ["exhibit_id"], ["exhibits.id"], name="fk_event_attachments_exhibit_id_exhibits"
        ),
        sa.PrimaryKeyConstraint("event_id", "exhibit_id", name="pk_event_attachments"),
    )
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("actor_enc", sa.LargeBinary(), nullable=False),
        sa.Column("details_enc", sa.LargeBinary(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("entry_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_audit_log"),
    )


def downgrade() -> None:
    for table in ("audit_log", "event_attachments", "event_sources", "events", "imports", "case_info"):
        if table == "event_sources":
            op.drop_index("ix_event_sources_event_id", table_name=table)
        if table == "events":
            op.drop_index("ix_events_occurred_us", table_name=table)
        op.drop_table(table)
    op.drop_table("exhibits")
