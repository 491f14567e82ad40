"""Events sealed in blocks of about a thousand, each found again by a short keyed identity.

Sealing every event and every source on its own cost more than everything else an import does, so
events now live sealed a block at a time (store/event_blocks.py). This revision moves every event,
source, attachment link, flag and later version into that layout. Identities are re-derived with the
new algorithm from what each event says, so importing again an export that was imported before still
finds its events and adds nothing twice. The downgrade rebuilds the revision 0003 rows with dedup keys
made as that version made them, so an older casetrail de-duplicates re-imports after it, too.

Both directions read and re-seal evidence, so when the case holds events they need the open case:
``migrate.upgrade_to(conn, revision, case)`` (``casetrail migrate`` passes it).

Each layout holds one thing the other cannot, and that one thing is not carried over: blocks keep one
source per event and exhibit (revision 0003 could hold two when an export repeated an entry), and
revision 0003 keeps one event per place in an exhibit (blocks can hold two when an export was read
twice in different ways). Every event is kept either way.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import json
import sys
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, cast

import sqlalchemy as sa
from alembic import context, op

from casetrail.crypto.keys import keyed_hash
from casetrail.model.event import Channel, Direction, Kind, Locator, ParsedEvent
from casetrail.model.timestamps import from_micros
from casetrail.store.event_blocks import (
    BLOCK_SIZE,
    EVENT,
    IDENTITY_SIZE,
    SOURCE,
    IdentityMaker,
    StoredEvent,
    event_record,
    open_records,
    seal_records,
    stored_event,
)

if TYPE_CHECKING:
    from sqlalchemy.engine.interfaces import DBAPICursor

    from casetrail.crypto.fields import FieldCipher
    from casetrail.store.case import Case

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

MISSING = "missing-from-an-export"  # the one flag set after an import: it moves to event_flags
_RENAMED = ("events", "event_sources", "event_attachments")  # same names, other columns: moved aside
_CHUNK = 2000
_SLICE = 20_000
_NOWHERE = Locator("", "")  # stands in while a record is made for an event whose original is gone


def upgrade() -> None:
    conn = op.get_bind()
    case = _case_for(conn)
    for name in _RENAMED:
        op.rename_table(name, f"{name}_0003")
    _create_block_tables()
    if case is not None:
        _Up(conn, case).run()
    # Links go before the events they point at. Foreign keys are on, so each deleted event is checked
    # against the later versions that could name it: clear those links, and index them, or every
    # check would scan all events.
    op.create_index("ix_events_0003_supersedes_id", "events_0003", ["supersedes_id"])
    conn.exec_driver_sql("UPDATE events_0003 SET supersedes_id = NULL WHERE supersedes_id IS NOT NULL")
    for name in reversed(_RENAMED):
        _drop_in_slices(conn, f"{name}_0003", "rowid")


def downgrade() -> None:
    conn = op.get_bind()
    case = _case_for(conn)
    for name in _RENAMED:
        op.rename_table(name, f"{name}_0004")
    _create_0003_tables()
    if case is not None:
        _Down(conn, case).run()
    for name in ("event_supersedes", "event_flags", *(f"{name}_0004" for name in _RENAMED)):
        _drop_in_slices(conn, name, "identity")
    _drop_in_slices(conn, "event_blocks", "id")


def _case_for(conn: sa.Connection) -> Case | None:
    """The open case when there are events to convert (None for an empty database)."""
    if conn.exec_driver_sql("SELECT 1 FROM events LIMIT 1").first() is None:
        return None
    case = context.config.attributes.get("case")
    if case is None:
        raise RuntimeError(
            "Schema revision 0004 re-seals the events of this case, so it needs the open case (its keys): "
            "run 'casetrail migrate', or pass the case to upgrade_to() / downgrade_to()."
        )
    return cast("Case", case)


def _drop_in_slices(conn: sa.Connection, table: str, key: str) -> None:
    """Drop a table that may be large, after deleting its rows a slice at a time.

    secure_delete zeroes every page a DROP frees, and SQLite keeps the statement's copy of each page
    in memory (SQLCipher keeps temporary files there): a whole large table at once would cost as
    much memory as the table. ``key`` picks the rows of a slice (for a composite key, its first
    column: a slice may then hold a few more rows).
    """
    sql = f"DELETE FROM {table} WHERE {key} IN (SELECT {key} FROM {table} LIMIT {_SLICE})"  # noqa: S608
    while conn.exec_driver_sql(sql).rowcount:
        pass
    op.drop_table(table)


# -- schema ---------------------------------------------------------------------------------------


def _create_block_tables() -> None:
    """The tables of store/tables.py at this revision."""
    op.create_table(
        "event_blocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.Column("exhibit_id", sa.Integer(), nullable=True),
        sa.Column("conversation_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("first_us", sa.BigInteger(), nullable=True),
        sa.Column("last_us", sa.BigInteger(), nullable=True),
        sa.Column("untimed", sa.Integer(), nullable=False),
        sa.Column("identities", sa.LargeBinary(), nullable=False),
        sa.Column("records_enc", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["import_id"], ["imports.id"], name="fk_event_blocks_import_id_imports"),
        sa.ForeignKeyConstraint(["exhibit_id"], ["exhibits.id"], name="fk_event_blocks_exhibit_id_exhibits"),
        sa.PrimaryKeyConstraint("id", name="pk_event_blocks"),
    )
    op.create_index("ix_event_blocks_exhibit_id", "event_blocks", ["exhibit_id"])
    op.create_index("ix_event_blocks_first_us", "event_blocks", ["first_us"])
    op.create_table(
        "events",
        sa.Column("identity", sa.LargeBinary(), nullable=False),
        sa.Column("block_id", sa.Integer(), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("identity", name="pk_events"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "event_sources",
        sa.Column("identity", sa.LargeBinary(), nullable=False),
        sa.Column("exhibit_id", sa.Integer(), nullable=False),
        sa.Column("block_id", sa.Integer(), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["exhibit_id"], ["exhibits.id"], name="fk_event_sources_exhibit_id_exhibits"),
        sa.PrimaryKeyConstraint("identity", "exhibit_id", name="pk_event_sources"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_event_sources_exhibit_id", "event_sources", ["exhibit_id"])
    op.create_table(
        "event_attachments",
        sa.Column("identity", sa.LargeBinary(), nullable=False),
        sa.Column("exhibit_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["exhibit_id"], ["exhibits.id"], name="fk_event_attachments_exhibit_id_exhibits"
        ),
        sa.PrimaryKeyConstraint("identity", "exhibit_id", name="pk_event_attachments"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_event_attachments_exhibit_id", "event_attachments", ["exhibit_id"])
    op.create_table(
        "event_flags",
        sa.Column("identity", sa.LargeBinary(), nullable=False),
        sa.Column("flag", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("identity", "flag", name="pk_event_flags"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "event_supersedes",
        sa.Column("identity", sa.LargeBinary(), nullable=False),
        sa.Column("supersedes", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("identity", name="pk_event_supersedes"),
        sa.UniqueConstraint("supersedes", name="uq_event_supersedes_supersedes"),
        sqlite_with_rowid=False,
    )


def _create_0003_tables() -> None:
    """The three tables exactly as revisions 0001-0003 left them (0003 added a column at the end)."""
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
    op.create_index("ix_events_channel_occurred_us", "events", ["channel", "occurred_us"])  # 0002
    op.add_column("events", sa.Column("conversation_id", sa.Integer(), nullable=True))  # 0003
    op.create_index("ix_events_conversation_id_occurred_us", "events", ["conversation_id", "occurred_us"])


# -- shared helpers -------------------------------------------------------------------------------


def _stream(conn: sa.Connection, sql: str) -> Iterator[Any]:
    """Rows straight from the driver, a chunk at a time: a million events never sit in memory."""
    cursor = conn.connection.cursor()
    try:
        cursor.execute(sql)
        while rows := cursor.fetchmany(_CHUNK):
            yield from rows
    finally:
        cursor.close()


class _Batch:
    """Rows for one INSERT, written with executemany a few thousand at a time."""

    def __init__(self, cursor: DBAPICursor, sql: str) -> None:
        self.cursor = cursor
        self.sql = sql
        self.rows: list[tuple[Any, ...]] = []

    def add(self, row: tuple[Any, ...]) -> None:
        self.rows.append(row)
        if len(self.rows) >= _CHUNK:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            self.cursor.executemany(self.sql, self.rows)
            self.rows = []


def _old_unambiguous(*parts: str | None) -> str:
    """Revision 0003's length-prefixed join (importing.unambiguous then), kept here unchanged."""
    return "".join("~" if part is None else f"{len(part)}:{part}" for part in parts)


def _locator_key(key: bytes, exhibit_id: int, scheme: str, value: str, member: str | None) -> str:
    return keyed_hash(key, _old_unambiguous(str(exhibit_id), scheme, value, member).encode())


# -- up: rows to blocks ---------------------------------------------------------------------------


class _EveryTime(IdentityMaker):
    """IdentityMaker that never forgets a time: old events of one chat come from several exports, in
    id order, and their times go back and forth, so only exact counts give every event the occurrence
    number a re-import of its export gives it. Memory grows with the events migrated (acceptable once)."""

    RECENT_TIMES = sys.maxsize


_BlockKey = tuple[int | None, int | None, int | None, str]  # import, exhibit, conversation, channel


class _Block:
    """One block being filled. (No dataclass: Alembic loads revisions outside ``sys.modules``.)"""

    __slots__ = ("first_us", "id", "identities", "key", "last_us", "records", "untimed")

    def __init__(self, block_id: int, key: _BlockKey) -> None:
        self.id = block_id
        self.key = key
        self.identities: list[bytes] = []
        self.records: list[list[Any]] = []
        self.first_us: int | None = None
        self.last_us: int | None = None
        self.untimed = 0


class _Blocks:
    """Fills a block per (import, exhibit, conversation, channel), sealing each when it is full.

    Blocks still open are sealed when the next import's records start: imports never interleave in
    old-id order, so this only keeps memory flat (and block ids follow import order).
    """

    def __init__(self, cursor: DBAPICursor, fields: FieldCipher) -> None:
        self.cursor = cursor
        self.fields = fields
        self.next_id = 1
        self.import_id: int | None = None
        self.open: dict[_BlockKey, _Block] = {}

    def add(
        self,
        key: _BlockKey,
        identity: bytes,
        record: list[Any],
        occurred_us: int | None = None,
    ) -> tuple[int, int]:
        """Put a record in its block; returns the block id and slot."""
        if key[0] != self.import_id:
            self.close()
            self.import_id = key[0]
        block = self.open.get(key)
        if block is None:
            block = self.open[key] = _Block(self.next_id, key)
            self.next_id += 1
        slot = len(block.records)
        block.identities.append(identity)
        block.records.append(record)
        if record[0] == EVENT:
            if occurred_us is None:
                block.untimed += 1
            else:
                block.first_us = occurred_us if block.first_us is None else min(block.first_us, occurred_us)
                block.last_us = occurred_us if block.last_us is None else max(block.last_us, occurred_us)
        if len(block.records) >= BLOCK_SIZE:
            self._seal(self.open.pop(key))
        return block.id, slot

    def close(self) -> None:
        for block in sorted(self.open.values(), key=lambda b: b.id):
            self._seal(block)
        self.open.clear()

    def _seal(self, block: _Block) -> None:
        identities = b"".join(block.identities)
        import_id, exhibit_id, conversation_id, channel = block.key
        sealed = seal_records(self.fields, block.id, identities, block.records)
        self.cursor.execute(
            "INSERT INTO event_blocks (id, import_id, exhibit_id, conversation_id, channel, first_us, "
            "last_us, untimed, identities, records_enc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                *(block.id, import_id, exhibit_id, conversation_id, channel),
                *(block.first_us, block.last_us, block.untimed, identities, sealed),
            ),
        )


# Every old event in id order, with what its identity and block need, and its canonical source: the
# first one in the exhibit it was imported from (normally its first source of all). There is none when
# that exhibit was expunged, or when an export read twice gave an event a place the first read had.
_OLD_EVENTS = """
SELECT e.id, e.uid, e.occurred_us, e.channel, e.kind, e.direction, e.flags, e.import_id,
       e.conversation_id, c.conversation_key, e.payload_enc, i.exhibit_id, s.locator_key, s.locator_enc
FROM events_0003 AS e
LEFT JOIN conversations AS c ON c.id = e.conversation_id
LEFT JOIN imports AS i ON i.id = e.import_id
LEFT JOIN event_sources_0003 AS s ON s.id = (
    SELECT min(f.id) FROM event_sources_0003 AS f WHERE f.event_id = e.id AND f.exhibit_id = i.exhibit_id
)
ORDER BY e.id
"""
# Every further source, one per event and exhibit (the first), in id order (so in import order).
_OLD_SOURCES = """
SELECT s.import_id, s.exhibit_id, s.locator_key, s.locator_enc, m.identity, e.conversation_id, e.channel
FROM event_sources_0003 AS s
JOIN temp.migration_0004 AS m ON m.id = s.event_id
JOIN events_0003 AS e ON e.id = s.event_id
WHERE s.exhibit_id IS NOT m.exhibit_id
  AND s.id = (
    SELECT min(f.id) FROM event_sources_0003 AS f
    WHERE f.event_id = s.event_id AND f.exhibit_id = s.exhibit_id
  )
ORDER BY s.id
"""
_UP_LINKS = (
    "INSERT INTO event_attachments (identity, exhibit_id) SELECT m.identity, a.exhibit_id "
    "FROM event_attachments_0003 AS a JOIN temp.migration_0004 AS m ON m.id = a.event_id",
    "INSERT INTO event_supersedes (identity, supersedes) SELECT m.identity, o.identity FROM events_0003 AS e "
    "JOIN temp.migration_0004 AS m ON m.id = e.id JOIN temp.migration_0004 AS o ON o.id = e.supersedes_id",
)


class _Up:
    """Revision 0003 rows to blocks. Old ids map to identities in a temporary table while it runs."""

    def __init__(self, conn: sa.Connection, case: Case) -> None:
        self.conn = conn
        self.key = case.keys.index
        self.fields = case.fields
        self.cursor = conn.connection.cursor()
        self.blocks = _Blocks(self.cursor, self.fields)
        self.makers: dict[tuple[str | None, str], IdentityMaker] = {}

    def run(self) -> None:
        self.cursor.execute(
            "CREATE TEMP TABLE migration_0004 "
            "(id INTEGER PRIMARY KEY, identity BLOB NOT NULL, exhibit_id INTEGER)"
        )
        self._events(_tombstones(self.conn, self.key))
        self._sources()
        for sql in _UP_LINKS:
            self.cursor.execute(sql)
        self.cursor.execute("DROP TABLE temp.migration_0004")
        self.cursor.close()

    def _events(self, expunged: set[int]) -> None:
        events = _Batch(
            self.cursor, "INSERT INTO events (identity, block_id, slot, kind) VALUES (?, ?, ?, ?)"
        )
        ids = _Batch(
            self.cursor, "INSERT INTO temp.migration_0004 (id, identity, exhibit_id) VALUES (?, ?, ?)"
        )
        flags = _Batch(self.cursor, "INSERT INTO event_flags (identity, flag) VALUES (?, ?)")
        for row in _stream(self.conn, _OLD_EVENTS):
            event_id, occurred_us, channel, kind = row[0], row[2], row[3], row[4]
            import_id, conversation_id, conversation_key, origin = row[7], row[8], row[9], row[11]
            old_flags = [flag for flag in row[6].split(",") if flag]
            event = self._parsed(row, [flag for flag in old_flags if flag != MISSING])
            maker = self.makers.get((conversation_key, channel))
            if maker is None:
                maker = self.makers[conversation_key, channel] = _EveryTime(
                    self.key, conversation_key, channel
                )
            record = event_record(event)
            if event.locator is _NOWHERE:
                record[1:4] = [None, None, None]  # as event_blocks.locator_of reads it: no locator
            identity = maker.identity(record)
            exhibit = None if origin in expunged else origin
            block_id, slot = self.blocks.add(
                (import_id, exhibit, conversation_id, channel), identity, record, occurred_us
            )
            events.add((identity, block_id, slot, kind))
            ids.add((event_id, identity, exhibit))
            if MISSING in old_flags:
                flags.add((identity, MISSING))
        self.blocks.close()
        for batch in (events, ids, flags):
            batch.flush()

    def _parsed(self, row: Any, own_flags: list[str]) -> ParsedEvent:
        """The old event as an importer would have read it (what IdentityMaker and event_record take)."""
        payload: dict[str, Any] = self.fields.open_json(row[10], f"events.payload:{row[1]}")
        locator = _NOWHERE
        if row[12] is not None:
            place: dict[str, Any] = self.fields.open_json(row[13], f"event_sources.locator:{row[12]}")
            locator = Locator(place["scheme"], place["value"], place.get("member"))
        return ParsedEvent(
            occurred_at=from_micros(row[2]),
            local_time=payload.get("local_time", ""),
            channel=cast(Channel, row[3]),  # the stored text: a value an importer of the time wrote
            kind=cast(Kind, row[4]),
            direction=cast(Direction, row[5]),
            sender=payload.get("sender"),
            recipients=tuple(payload.get("recipients", ())),
            text=payload.get("text", ""),
            locator=locator,
            attachments=tuple(payload.get("attachments", ())),
            flags=tuple(own_flags),
            details=dict(payload.get("details", {})),
        )

    def _sources(self) -> None:
        sources = _Batch(
            self.cursor,
            "INSERT INTO event_sources (identity, exhibit_id, block_id, slot) VALUES (?, ?, ?, ?)",
        )
        for import_id, exhibit_id, locator_key, locator_enc, identity, conversation_id, channel in _stream(
            self.conn, _OLD_SOURCES
        ):
            place = self.fields.open_json(locator_enc, f"event_sources.locator:{locator_key}")
            # event_blocks.source_record's layout (it takes an event record, which a source has not)
            record = [SOURCE, place["scheme"], place["value"], place.get("member")]
            block_id, slot = self.blocks.add(
                (import_id, exhibit_id, conversation_id, channel), identity, record
            )
            sources.add((identity, exhibit_id, block_id, slot))
        self.blocks.close()
        sources.flush()


def _tombstones(conn: sa.Connection, key: bytes) -> set[int]:
    """Expunged exhibits: their content key is the tombstone's (store/expunge.py)."""
    rows = conn.exec_driver_sql("SELECT id, number, content_key FROM exhibits").all()
    return {row[0] for row in rows if row[2] == keyed_hash(key, f"expunged|{row[1]}".encode())}


# -- down: blocks to rows -------------------------------------------------------------------------


class _OldKeys:
    """Revision 0003's dedup keys (importing._Deduper then), counting occurrences exactly in the order
    the events get their old ids. Memory grows with the events migrated (acceptable once)."""

    def __init__(self, key: bytes) -> None:
        self.key = key
        self.counts: dict[str, int] = {}
        self.by_id: dict[str, int] = {}

    def dedup_key(self, conversation_key: str | None, channel: str, kind: str, event: dict[str, Any]) -> str:
        source_id = event["details"].get("source_id")
        if source_id:
            basis = json.dumps([channel, kind, "id", source_id])
            # Revision 0003 kept one event per source id; blocks may hold two (the same entry read at
            # two times): the later ones get keys of their own rather than being lost.
            repeat = self.by_id.get(basis, 0)
            self.by_id[basis] = repeat + 1
            return keyed_hash(self.key, (f"{basis}#{repeat}" if repeat else basis).encode())
        occurred = from_micros(event["occurred_us"])
        when = occurred.isoformat() if occurred is not None else event["local_time"]
        base = _old_unambiguous(
            conversation_key, channel, kind, event["sender"], when, event["text"], *event["attachments"]
        )
        occurrence = self.counts.get(base, 0)
        self.counts[base] = occurrence + 1
        return keyed_hash(self.key, f"{base}#{occurrence}".encode())


_BLOCKS = (
    "SELECT id, import_id, exhibit_id, conversation_id, channel, identities, records_enc "
    "FROM event_blocks ORDER BY id"
)
_POSITIONS = "SELECT block_id, slot, identity FROM events_0004 ORDER BY block_id, slot"
_OLD_EVENT_INSERT = (
    "INSERT INTO events (id, uid, occurred_us, channel, kind, direction, flags, dedup_key, supersedes_id, "
    "import_id, payload_enc, conversation_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?)"
)
# Each event's own place (unless its exhibit was expunged), then its further sources, in event order.
_NEW_SOURCES = """
SELECT m.id, 0, b.exhibit_id, b.import_id, l.scheme, l.value, l.member, e.block_id, e.slot
FROM events_0004 AS e
JOIN temp.migration_0004_ids AS m ON m.identity = e.identity
JOIN event_blocks AS b ON b.id = e.block_id
JOIN temp.migration_0004_places AS l ON l.block_id = e.block_id AND l.slot = e.slot
WHERE b.exhibit_id IS NOT NULL
UNION ALL
SELECT m.id, 1, s.exhibit_id, b.import_id, l.scheme, l.value, l.member, s.block_id, s.slot
FROM event_sources_0004 AS s
JOIN temp.migration_0004_ids AS m ON m.identity = s.identity
JOIN event_blocks AS b ON b.id = s.block_id
JOIN temp.migration_0004_places AS l
  ON l.block_id = s.block_id AND l.slot = s.slot AND l.identity = s.identity
ORDER BY 1, 2, 8, 9
"""
_DOWN_SUPERSEDES = (
    "SELECT n.id, o.id FROM event_supersedes AS s "
    "JOIN temp.migration_0004_ids AS n ON n.identity = s.identity "
    "JOIN temp.migration_0004_ids AS o ON o.identity = s.supersedes"
)
_DOWN_ATTACHMENTS = (
    "INSERT INTO event_attachments (event_id, exhibit_id) SELECT m.id, a.exhibit_id "
    "FROM event_attachments_0004 AS a JOIN temp.migration_0004_ids AS m ON m.identity = a.identity "
    "ORDER BY m.id, a.exhibit_id"
)


def _with_positions(blocks: Iterator[Any], positions: Iterator[Any]) -> Iterator[tuple[Any, list[Any]]]:
    """Each block with the (block_id, slot, identity) rows of the events it holds."""
    pending = next(positions, None)
    for block in blocks:
        here = []
        while pending is not None and pending[0] == block[0]:
            here.append(pending)
            pending = next(positions, None)
        yield block, here
    if pending is not None:
        raise RuntimeError(f"event {bytes(pending[2]).hex()} points at a block that is not there")


class _Down:
    """Blocks back to revision 0003 rows: old ids follow (block, slot), so import order."""

    def __init__(self, conn: sa.Connection, case: Case) -> None:
        self.conn = conn
        self.key = case.keys.index
        self.fields = case.fields
        self.cursor = conn.connection.cursor()
        self.old_keys = _OldKeys(self.key)
        self.conversations: dict[int, str] = {
            row[0]: row[1] for row in conn.exec_driver_sql("SELECT id, conversation_key FROM conversations")
        }
        self.flags: dict[bytes, list[str]] = {}
        for identity, flag in conn.exec_driver_sql("SELECT identity, flag FROM event_flags ORDER BY flag"):
            self.flags.setdefault(bytes(identity), []).append(flag)

    def run(self) -> None:
        self.cursor.execute(
            "CREATE TEMP TABLE migration_0004_ids (identity BLOB PRIMARY KEY, id INTEGER NOT NULL)"
        )
        self.cursor.execute(
            "CREATE TEMP TABLE migration_0004_places (block_id INTEGER, slot INTEGER, identity BLOB, "
            "scheme TEXT, value TEXT, member TEXT, PRIMARY KEY (block_id, slot))"
        )
        self._events()
        self._sources()
        self.cursor.execute(_DOWN_ATTACHMENTS)
        pairs = [(row[1], row[0]) for row in self.conn.exec_driver_sql(_DOWN_SUPERSEDES)]
        self.cursor.executemany("UPDATE events SET supersedes_id = ? WHERE id = ?", pairs)
        self.cursor.execute("DROP TABLE temp.migration_0004_ids")
        self.cursor.execute("DROP TABLE temp.migration_0004_places")
        self.cursor.close()

    def _events(self) -> None:
        events = _Batch(self.cursor, _OLD_EVENT_INSERT)
        ids = _Batch(self.cursor, "INSERT INTO temp.migration_0004_ids (identity, id) VALUES (?, ?)")
        places = _Batch(
            self.cursor,
            "INSERT INTO temp.migration_0004_places (block_id, slot, identity, scheme, value, member) "
            "VALUES (?, ?, ?, ?, ?, ?)",
        )
        next_id = 1
        for block, positions in _with_positions(_stream(self.conn, _BLOCKS), _stream(self.conn, _POSITIONS)):
            block_id, identities = block[0], bytes(block[5])
            records = open_records(self.fields, block_id, identities, bytes(block[6]))
            for slot, record in enumerate(records):
                if record is not None and record[1] is not None:
                    at = identities[slot * IDENTITY_SIZE : (slot + 1) * IDENTITY_SIZE]
                    places.add((block_id, slot, at, record[1], record[2], record[3]))
            for _block_id, slot, identity in positions:
                identity = bytes(identity)
                record = records[slot] if slot < len(records) else None
                at = identities[slot * IDENTITY_SIZE : (slot + 1) * IDENTITY_SIZE]
                if record is None or record[0] != EVENT or at != identity:
                    raise RuntimeError(f"event {identity.hex()} is not in block {block_id} slot {slot}")
                events.add(self._old_row(next_id, block, stored_event(identity, block_id, slot, record)))
                ids.add((identity, next_id))
                next_id += 1
        for batch in (events, ids, places):
            batch.flush()

    def _old_row(self, event_id: int, block: Any, stored: StoredEvent) -> tuple[Any, ...]:
        """The revision 0003 events row of one event record (a fresh uid, so a fresh seal)."""
        import_id, conversation_id, channel = block[1], block[3], block[4]
        payload = {
            "sender": stored.sender,
            "recipients": stored.recipients,
            "text": stored.text,
            "local_time": stored.local_time,
            "attachments": stored.attachments,
            "details": stored.details,
        }
        dedup_key = self.old_keys.dedup_key(
            self.conversations.get(conversation_id),
            channel,
            stored.kind,
            {**payload, "occurred_us": stored.occurred_us},
        )
        uid = str(uuid.uuid4())
        flags = ",".join([*stored.flags, *self.flags.get(stored.identity, [])])
        sealed = self.fields.seal_json(payload, f"events.payload:{uid}")
        return (
            *(event_id, uid, stored.occurred_us, channel, stored.kind, stored.direction, flags, dedup_key),
            *(import_id, sealed, conversation_id),
        )

    def _sources(self) -> None:
        # OR IGNORE: two blocks may place two events at one spot of an exhibit (an export read twice in
        # different ways); revision 0003 kept the first only. Ignored rows take no id.
        sources = _Batch(
            self.cursor,
            "INSERT OR IGNORE INTO event_sources (event_id, exhibit_id, import_id, locator_key, locator_enc) "
            "VALUES (?, ?, ?, ?, ?)",
        )
        for event_id, _extra, exhibit_id, import_id, scheme, value, member, *_ in _stream(
            self.conn, _NEW_SOURCES
        ):
            locator_key = _locator_key(self.key, exhibit_id, scheme, value, member)
            place = {"scheme": scheme, "value": value, "member": member}
            sealed = self.fields.seal_json(place, f"event_sources.locator:{locator_key}")
            sources.add((event_id, exhibit_id, import_id, locator_key, sealed))
        sources.flush()
