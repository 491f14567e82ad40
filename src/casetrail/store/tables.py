"""The case schema (SQLAlchemy Core). Columns ending ``_enc`` hold AEAD-sealed values (crypto.fields).

Only what is needed to sort, filter and link stays in the clear (inside SQLCipher locally): times,
channel, kind, direction, flags, keyed hashes and exhibit references.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

case_info = Table(
    "case_info",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value_enc", LargeBinary, nullable=False),
)

exhibits = Table(
    "exhibits",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("number", Integer, nullable=False, unique=True),
    Column("ref", String(32), nullable=False, unique=True),
    Column("content_key", String(64), nullable=False, unique=True),
    Column("size", BigInteger, nullable=False),
    Column("parent_id", Integer, ForeignKey("exhibits.id"), nullable=True),
    Column("added_at", String(32), nullable=False),
    Column("meta_enc", LargeBinary, nullable=False),
)

conversations = Table(
    "conversations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("conversation_key", String(64), nullable=False, unique=True),
)

imports = Table(
    "imports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("started_at", String(32), nullable=False),
    Column("importer", String(64), nullable=False),
    Column("importer_version", String(32), nullable=False),
    Column("exhibit_id", Integer, ForeignKey("exhibits.id"), nullable=True),
    Column("events_added", Integer, nullable=False),
    Column("duplicates", Integer, nullable=False),
    Column("conversation_id", Integer, nullable=True),  # conversations.id (no FK: see revision 0003)
    Column("first_us", BigInteger, nullable=True),
    Column("last_us", BigInteger, nullable=True),
)

events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("uid", String(36), nullable=False, unique=True),
    Column("occurred_us", BigInteger, nullable=True),
    Column("channel", String(32), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("direction", String(16), nullable=False),
    Column("flags", Text, nullable=False, default=""),
    Column("dedup_key", String(64), nullable=False, unique=True),
    Column("supersedes_id", Integer, ForeignKey("events.id"), nullable=True),
    Column("import_id", Integer, ForeignKey("imports.id"), nullable=True),
    Column("payload_enc", LargeBinary, nullable=False),
    Column("conversation_id", Integer, nullable=True),  # conversations.id (no FK: see revision 0003)
    Index("ix_events_occurred_us", "occurred_us"),
    Index("ix_events_conversation_id_occurred_us", "conversation_id", "occurred_us"),
    Index("ix_events_channel_occurred_us", "channel", "occurred_us"),
)

event_sources = Table(
    "event_sources",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("event_id", Integer, ForeignKey("events.id"), nullable=False, index=True),
    Column("exhibit_id", Integer, ForeignKey("exhibits.id"), nullable=False),
    Column("import_id", Integer, ForeignKey("imports.id"), nullable=True),
    Column("locator_key", String(64), nullable=False, unique=True),
    Column("locator_enc", LargeBinary, nullable=False),
)

event_attachments = Table(
    "event_attachments",
    metadata,
    Column("event_id", Integer, ForeignKey("events.id"), primary_key=True),
    Column("exhibit_id", Integer, ForeignKey("exhibits.id"), primary_key=True),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", String(32), nullable=False),
    Column("action", String(64), nullable=False),
    Column("actor_enc", LargeBinary, nullable=False),
    Column("details_enc", LargeBinary, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("entry_hash", String(64), nullable=False),
)
