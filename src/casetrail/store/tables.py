"""The case schema (SQLAlchemy Core). Columns ending ``_enc`` hold AEAD-sealed values (crypto.fields).

Only what is needed to sort, filter and link stays in the clear (inside SQLCipher locally): times,
channel, kind, keyed identities and exhibit references.
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

# Events live sealed in blocks (store/event_blocks.py); these tables only find and link them.
event_blocks = Table(
    "event_blocks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("import_id", Integer, ForeignKey("imports.id"), nullable=True),
    # The exhibit the block's records were read from (None once that exhibit was expunged).
    Column("exhibit_id", Integer, ForeignKey("exhibits.id"), nullable=True),
    Column("conversation_id", Integer, nullable=True),  # conversations.id (no FK: see revision 0003)
    Column("channel", String(32), nullable=False),
    Column("first_us", BigInteger, nullable=True),
    Column("last_us", BigInteger, nullable=True),
    Column("untimed", Integer, nullable=False),
    # Last, so reading the small columns above never touches these large values' overflow pages.
    Column("identities", LargeBinary, nullable=False),
    Column("records_enc", LargeBinary, nullable=False),
    Index("ix_event_blocks_exhibit_id", "exhibit_id"),
    Index("ix_event_blocks_first_us", "first_us"),
)

# One narrow row per event, keyed by its time-first identity; no rowid, no foreign key: an import
# of a million messages writes a million of these, and every column and index costs time.
events = Table(
    "events",
    metadata,
    Column("identity", LargeBinary, primary_key=True),
    Column("block_id", Integer, nullable=False),  # event_blocks.id (kept by the store)
    Column("slot", Integer, nullable=False),
    Column("kind", String(32), nullable=False),
    sqlite_with_rowid=False,
)

# Further exhibits that hold an event another exhibit brought (one row per exhibit and event).
event_sources = Table(
    "event_sources",
    metadata,
    Column("identity", LargeBinary, primary_key=True),
    Column("exhibit_id", Integer, ForeignKey("exhibits.id"), primary_key=True),
    Column("block_id", Integer, nullable=False),
    Column("slot", Integer, nullable=False),
    Index("ix_event_sources_exhibit_id", "exhibit_id"),
    sqlite_with_rowid=False,
)

event_attachments = Table(
    "event_attachments",
    metadata,
    Column("identity", LargeBinary, primary_key=True),
    Column("exhibit_id", Integer, ForeignKey("exhibits.id"), primary_key=True),
    Index("ix_event_attachments_exhibit_id", "exhibit_id"),
    sqlite_with_rowid=False,
)

# Doubts found after an import (e.g. missing-from-an-export); an importer's own flags are sealed.
event_flags = Table(
    "event_flags",
    metadata,
    Column("identity", LargeBinary, primary_key=True),
    Column("flag", String(64), primary_key=True),
    sqlite_with_rowid=False,
)

# Events read under the platform's own id for a message (``details["message_key"]``), by their
# time (8 bytes, as identities start) and a keyed hash of that id: two events under one id are two
# readings of one message (an edit between exports, one e-mail Message-ID with other content), both
# kept and flagged.
event_keys = Table(
    "event_keys",
    metadata,
    Column("key_hash", LargeBinary, primary_key=True),
    Column("identity", LargeBinary, primary_key=True),
    sqlite_with_rowid=False,
)

# A diary entry's later version names the version it replaces; both stay.
event_supersedes = Table(
    "event_supersedes",
    metadata,
    Column("identity", LargeBinary, primary_key=True),
    Column("supersedes", LargeBinary, nullable=False, unique=True),
    sqlite_with_rowid=False,
)

# People the case is about (the suspect, usually) and the accounts a person confirmed are theirs.
# Names and account ids are sealed; the keys are keyed hashes, for lookups and uniqueness.
people = Table(
    "people",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name_key", String(64), nullable=False, unique=True),
    Column("name_enc", LargeBinary, nullable=False),
    Column("added_at", String(32), nullable=False),
)

person_accounts = Table(
    "person_accounts",
    metadata,
    Column("account_key", String(64), primary_key=True),  # an account belongs to one person at most
    Column("person_id", Integer, ForeignKey("people.id"), nullable=False),
    Column("account_enc", LargeBinary, nullable=False),
    Column("linked_at", String(32), nullable=False),
)

# What people decided about a behaviour label (confirmed or rejected); every decision is kept, the
# latest one for an event and category stands. Who decided, and why, are sealed in details_enc.
label_decisions = Table(
    "label_decisions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("identity", LargeBinary, nullable=False, index=True),
    Column("category", String(64), nullable=False),
    Column("decision", String(16), nullable=False),  # "confirmed" or "rejected"
    Column("decided_at", String(32), nullable=False),
    Column("details_enc", LargeBinary, nullable=False),
)

# The safety plan's progress (store/safety_plan.py): every mark kept; the latest for a step stands.
safety_plan_marks = Table(
    "safety_plan_marks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("step", String(120), nullable=False),  # a step id from rules/data/safety-plan (not evidence)
    Column("status", String(16), nullable=False),  # "done", "not-now", "open"
    Column("marked_at", String(32), nullable=False),
    Column("details_enc", LargeBinary, nullable=False),  # who marked it and their note, sealed
)

# A diary entry linked to an event that caused it (what the victim felt or changed, and why).
event_links = Table(
    "event_links",
    metadata,
    Column("diary", LargeBinary, primary_key=True),
    Column("cause", LargeBinary, primary_key=True),
    Column("linked_at", String(32), nullable=False),
    Column("details_enc", LargeBinary, nullable=False),
)

# A stored analysis result, with the versions of the rule files it used ("name=version;...").
analysis_runs = Table(
    "analysis_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("run_at", String(32), nullable=False),
    Column("versions", String(400), nullable=False),
    Column("result_enc", LargeBinary, nullable=False),
)

# One set of risk-screening answers, by a named person; a new set never overwrites an older one.
risk_answers = Table(
    "risk_answers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("instrument", String(64), nullable=False),
    Column("instrument_version", String(32), nullable=False),
    Column("answered_at", String(32), nullable=False),
    Column("answers_enc", LargeBinary, nullable=False),
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
