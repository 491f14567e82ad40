"""One import = one transaction: exhibits, events, sources and audit entries land together or not at all.

De-duplication happens here, not in importers: an event's identity is a keyed hash of what it says
(channel, kind, sender, time, text, attachments) plus its occurrence number among identical events
at that time, so re-importing an export, or an overlapping later export, adds sources, not events.
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from itertools import groupby, islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, select, text

from casetrail.crypto.keys import keyed_hash
from casetrail.importers.base import ImportContext, Importer
from casetrail.importers.registry import LoadedImporter, choose, discover
from casetrail.ingest.source import Source
from casetrail.model.event import EmbeddedFile, ParsedEvent
from casetrail.model.timestamps import from_micros
from casetrail.store.audit_log import utc_now
from casetrail.store.blobs import file_chunks, hash_chunks
from casetrail.store.case import Case
from casetrail.store.event_blocks import (
    BLOCK_SIZE,
    EVENT,
    IdentityMaker,
    event_record,
    identity_range,
    open_records,
    seal_records,
    source_record,
    unambiguous,
)
from casetrail.store.exhibits import ExhibitRow, add_exhibit, inserted_id
from casetrail.store.feed import FLAGGED_REPORT_LIMIT, Feed, note_flags, use_child
from casetrail.store.tables import conversations, event_blocks, imports
from casetrail.testing.crash import crash_point

if TYPE_CHECKING:
    from casetrail.safety.matching import Indicators

BATCH = 2000


def _lane(event: ParsedEvent) -> tuple[str | None, str]:
    return event.conversation, event.channel


_LOOKUP_CHUNK = 500  # identities per IN (...) query, well under SQLite's parameter limit
#: Distinct senders and recipients an import report lists (a hostile file could hold millions).
ACCOUNTS_LIMIT = 1000


@dataclass
class ImportResult:
    file: str
    importer: str
    exhibit: str
    new_exhibits: list[str] = field(default_factory=list)
    events_added: int = 0
    duplicates: int = 0
    flagged: list[dict[str, Any]] = field(default_factory=list)
    flagged_total: int = 0
    notes: list[str] = field(default_factory=list)
    conversation: str | None = None
    missing_flagged: int = 0
    first: datetime | None = None  # the earliest and latest event time in the file (UTC)
    last: datetime | None = None
    accounts: list[str] = field(default_factory=list)  # senders and recipients, as written
    accounts_capped: bool = False  # more than ACCOUNTS_LIMIT distinct: only that many are listed
    conversations: int = 0  # chats the file holds, when the format names them
    changed_flagged: int = 0  # events newly paired as two readings of one message (CHANGED)
    reread_flagged: int = 0  # events newly found under a message id another reading has (REREAD)

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "importer": self.importer,
            "exhibit": self.exhibit,
            "new_exhibits": self.new_exhibits,
            "events_added": self.events_added,
            "duplicates_skipped": self.duplicates,
            "flagged_records": self.flagged,
            "flagged_total": self.flagged_total,
            "notes": self.notes,
            "conversation": self.conversation,
            "conversations": self.conversations,
            "newly_flagged_missing": self.missing_flagged,
            "newly_flagged_changed": self.changed_flagged,
            "newly_flagged_same_id": self.reread_flagged,
            "time_span": {"first": _utc(self.first), "last": _utc(self.last)},
            "accounts_seen": self.accounts,
            "accounts_capped": self.accounts_capped,
        }


def _utc(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


@dataclass
class _Thread:
    """One conversation of an import (most files hold one): its ``imports`` row and identity space.

    A whole-account export holds many chats; each gets an ``imports`` row of its own, so each chat's
    time span is known and a later export of it can be compared message by message.
    """

    name: str | None
    conversation_id: int | None
    key: str | None  # the keyed conversation name identities are scoped by
    import_id: int
    fresh: bool  # the conversation had no events before this import (no lookups needed)
    first_us: int | None = None
    last_us: int | None = None
    added: int = 0
    duplicates: int = 0

    def widen(self, low: int, high: int) -> None:
        self.first_us = low if self.first_us is None else min(low, self.first_us)
        self.last_us = high if self.last_us is None else max(high, self.last_us)


@dataclass
class _Pending:
    """Records waiting to be sealed as one block (one channel and conversation per block)."""

    thread: _Thread
    channel: str
    maker: IdentityMaker
    identities: list[bytes] = field(default_factory=list)
    records: list[list[Any]] = field(default_factory=list)


@dataclass
class _Block:
    """One block being assembled: its records and the rows that point into it."""

    id: int
    records: list[list[Any]] = field(default_factory=list)
    identities: list[bytes] = field(default_factory=list)
    event_rows: list[tuple[bytes, int, int, str]] = field(default_factory=list)
    source_rows: list[tuple[bytes, int, int, int]] = field(default_factory=list)
    attach_rows: list[tuple[bytes, int]] = field(default_factory=list)
    untimed: int = 0

    @property
    def span(self) -> tuple[int | None, int | None]:
        timed = [record[4] for record in self.records if record[0] == EVENT and record[4] is not None]
        return (min(timed), max(timed)) if timed else (None, None)

    def add_event(self, identity: bytes, record: list[Any]) -> None:
        self.event_rows.append((identity, self.id, len(self.records), record[6]))
        self.identities.append(identity)
        self.records.append(record)
        if record[4] is None:
            self.untimed += 1

    def add_source(self, identity: bytes, record: list[Any], exhibit_id: int) -> None:
        self.source_rows.append((identity, exhibit_id, self.id, len(self.records)))
        self.identities.append(identity)
        self.records.append(source_record(record))


class EventWriter:
    """De-duplicates, seals and stores the events of one import, a block at a time.

    While a conversation has no events yet (a first import), nothing can be a duplicate except by
    an identity collision inside the file itself, so blocks are inserted without looking anything
    up; if the database refuses one (a collision), it is rolled back to its savepoint and the writer
    looks every identity up from then on, as it does from the start for a conversation it knows.
    """

    def __init__(
        self,
        case: Case,
        conn: Connection,
        import_id: int,
        exhibit: ExhibitRow,
        result: ImportResult,
        conversation: str | None = None,
        *,
        importer: tuple[str, str] = ("", ""),
        members: dict[str, int] | None = None,
        actor: str | None = None,
    ):
        self.case = case
        self.conn = conn
        self.cursor = conn.connection.cursor()  # the driver itself: the hot path of large imports
        self.exhibit = exhibit
        self.result = result
        self.importer = importer  # name and version, for the imports rows of further conversations
        self.actor = actor or case.producer.name
        self.members: dict[str, int] = {} if members is None else members
        self.pending: dict[tuple[str | None, str], _Pending] = {}
        self.makers: dict[tuple[str | None, str], IdentityMaker] = {}
        self.accounts: set[str] = set()
        self.default = conversation
        self.threads: dict[str | None, _Thread] = {conversation: self._thread(conversation, import_id)}
        self.next_block_id = (
            int(conn.execute(select(func.coalesce(func.max(event_blocks.c.id), 0))).scalar_one()) + 1
        )
        self._key_hash = hashlib.blake2b(key=case.keys.index, digest_size=16)

    @property
    def first_us(self) -> int | None:
        return min((t.first_us for t in self.threads.values() if t.first_us is not None), default=None)

    @property
    def last_us(self) -> int | None:
        return max((t.last_us for t in self.threads.values() if t.last_us is not None), default=None)

    def _thread(self, name: str | None, import_id: int | None = None) -> _Thread:
        """A conversation's state, created the first time this import meets it."""
        key = conversation_id = None
        if name is not None:
            basis = unambiguous("conversation", self.result.importer, name)
            key = keyed_hash(self.case.keys.index, basis.encode())
            conversation_id = conversation_row(self.conn, key)
        if import_id is None:
            import_id = start_import(self.conn, *self.importer, self.exhibit.id)
        blocks = select(event_blocks.c.id).limit(1)
        if conversation_id is None:
            blocks = blocks.where(event_blocks.c.conversation_id.is_(None))
        else:
            blocks = blocks.where(event_blocks.c.conversation_id == conversation_id)
        fresh = self.conn.execute(blocks).first() is None
        return _Thread(name, conversation_id, key, import_id, fresh)

    def _message_key(self, channel: str, key: str) -> bytes:
        """The keyed hash a platform's message id is filed under (``details["message_key"]``)."""
        digest = self._key_hash.copy()
        digest.update(unambiguous("message-key", channel, key).encode())
        return digest.digest()

    def keep_embedded(self, event: ParsedEvent) -> None:
        """Store the files an event carries, and drop them from it (only the keys stay)."""
        for file in event.embedded:
            self.store_embedded(file)
        event.embedded = ()

    def store_embedded(self, file: EmbeddedFile) -> None:
        """Keep a file carried inside the original as an exhibit within it, before its event."""
        data = file.data
        meta = {
            "original_name": file.name,
            "inside": self.exhibit.ref,
            "place": file.place,
            "content_type": file.content_type,
            "acquired_by": self.actor,
        }
        row = add_exhibit(
            self.case,
            self.conn,
            hashlib.sha256(data).hexdigest(),
            len(data),
            lambda: [data],
            meta,
            parent_id=self.exhibit.id,
            actor=self.actor,
        )
        self.members[file.key] = row.id
        if row.created:
            self.result.new_exhibits.append(row.ref)

    def write(self, batch: list[ParsedEvent]) -> list[bytes]:
        """Queue events (sealed when a block fills; call :meth:`finish` at the end); returns identities."""
        for event in [event for event in batch if event.flags or event.embedded]:
            if event.flags:
                note_flags(self.result, event)
            self.keep_embedded(event)
        landed: list[bytes] = []
        for (conversation, channel), run in groupby(batch, key=_lane):  # usually one run per file
            records = [event_record(event) for event in run]
            identities = self.maker(channel, conversation).identities(records)
            self.write_records(str(channel), records, identities, conversation)
            landed.extend(identities)
        return landed

    def write_records(
        self,
        channel: str,
        records: list[list[Any]],
        identities: list[bytes],
        conversation: str | None = None,
    ) -> None:
        """Queue records and their identities (in file order), flushing a block whenever one fills.

        ``conversation`` is the chat they belong to when the file holds many (None: the file's own).
        """
        if conversation is None:
            conversation = self.default
        if len(self.accounts) < ACCOUNTS_LIMIT:
            self.accounts.update([r[8] for r in records if r[8] is not None])
            self.accounts.update([person for r in records if r[9] for person in r[9]])
        pending = self._pending(channel, conversation)
        pending.identities.extend(identities)
        pending.records.extend(records)
        while len(pending.records) >= BLOCK_SIZE:
            rest = _Pending(
                pending.thread,
                channel,
                pending.maker,
                pending.identities[BLOCK_SIZE:],
                pending.records[BLOCK_SIZE:],
            )
            del pending.identities[BLOCK_SIZE:], pending.records[BLOCK_SIZE:]
            self._flush(pending)
            self.pending[(conversation, channel)] = pending = rest

    def maker(self, channel: str, conversation: str | None = None) -> IdentityMaker:
        """The identity maker for a channel of a conversation (identities depend on earlier records)."""
        return self._pending(channel, self.default if conversation is None else conversation).maker

    def _pending(self, channel: str, conversation: str | None) -> _Pending:
        lane = (conversation, channel)
        pending = self.pending.get(lane)
        if pending is None:
            thread = self.threads.get(conversation)
            if thread is None:
                thread = self.threads[conversation] = self._thread(conversation)
            maker = self.makers.get(lane)
            if maker is None:
                maker = self.makers[lane] = IdentityMaker(self.case.keys.index, thread.key, channel)
            pending = self.pending[lane] = _Pending(thread, channel, maker)
        return pending

    def finish(self) -> None:
        for pending in list(self.pending.values()):
            self._flush(pending)
        self.cursor.close()
        for thread in self.threads.values():
            self.conn.execute(
                imports.update()
                .where(imports.c.id == thread.import_id)
                .values(
                    conversation_id=thread.conversation_id,
                    first_us=thread.first_us,
                    last_us=thread.last_us,
                    events_added=thread.added,
                    duplicates=thread.duplicates,
                )
            )

    def _flush(self, pending: _Pending) -> None:
        thread = pending.thread
        del self.pending[(thread.name, pending.channel)]
        if not pending.records:
            return
        timed = [record[4] for record in pending.records if record[4] is not None]
        if timed:
            thread.widen(min(timed), max(timed))
        if thread.fresh:
            self.cursor.execute("SAVEPOINT casetrail_block")
            try:
                self._store_all_new(pending)
            except self.conn.dialect.loaded_dbapi.IntegrityError as error:
                if "UNIQUE" not in str(error):
                    raise
                self.cursor.execute("ROLLBACK TO casetrail_block")
                self.cursor.execute("RELEASE casetrail_block")
                thread.fresh = False
            else:
                self.cursor.execute("RELEASE casetrail_block")
                return
        known, sourced = self._lookup(pending.identities)
        self._store(pending, known, sourced)

    def _lookup(self, identities: list[bytes]) -> tuple[dict[bytes, int | None], set[bytes]]:
        """Which identities the case holds already (with the exhibit each was first read from), and
        which of them this exhibit is already a source of."""
        known: dict[bytes, int | None] = {}
        sourced: set[bytes] = set()
        unique = list(dict.fromkeys(identities))
        for start in range(0, len(unique), _LOOKUP_CHUNK):
            chunk = unique[start : start + _LOOKUP_CHUNK]
            marks = ",".join("?" * len(chunk))
            rows = self.cursor.execute(
                "SELECT events.identity, event_blocks.exhibit_id FROM events "  # noqa: S608 (marks only)
                f"JOIN event_blocks ON event_blocks.id = events.block_id WHERE events.identity IN ({marks})",
                chunk,
            ).fetchall()
            known.update((bytes(identity), exhibit) for identity, exhibit in rows)
            rows = self.cursor.execute(
                f"SELECT identity FROM event_sources WHERE exhibit_id = ? AND identity IN ({marks})",  # noqa: S608
                [self.exhibit.id, *chunk],
            ).fetchall()
            sourced.update(bytes(identity) for (identity,) in rows)
        return known, sourced

    def _store_all_new(self, pending: _Pending) -> None:
        """The first import of a conversation: every record is a new event (the database refuses a
        repeated identity, which sends the block down the looked-up path instead)."""
        block = _Block(self.next_block_id, pending.records, pending.identities)
        count = len(pending.records)
        block.event_rows = list(
            zip(
                pending.identities,
                [block.id] * count,
                range(count),
                [r[6] for r in pending.records],
                strict=True,
            )
        )
        block.untimed = sum(1 for r in pending.records if r[4] is None)
        if any(r[13] for r in pending.records):
            members = self.members
            block.attach_rows = [
                (identity, members[name])
                for identity, record in zip(pending.identities, pending.records, strict=True)
                for name in record[13]
                if name in members
            ]
        self._insert(pending, block)
        self.result.events_added += count
        pending.thread.added += count

    def _store(self, pending: _Pending, known: dict[bytes, int | None], sourced: set[bytes]) -> None:
        """Seal one block: a record per new event, a source record per event found again."""
        block = _Block(self.next_block_id)
        exhibit_id = self.exhibit.id
        members = self.members
        add_event, add_source = block.add_event, block.add_source
        for identity, record in zip(pending.identities, pending.records, strict=True):
            if identity not in known:
                known[identity] = exhibit_id
                add_event(identity, record)
                if record[13]:
                    block.attach_rows.extend((identity, members[n]) for n in record[13] if n in members)
            elif known[identity] != exhibit_id and identity not in sourced:
                sourced.add(identity)
                add_source(identity, record, exhibit_id)
                if record[13]:  # a later export may carry a file an earlier one lacked
                    block.attach_rows.extend((identity, members[n]) for n in record[13] if n in members)
        added = len(block.event_rows)
        self.result.events_added += added
        self.result.duplicates += len(pending.records) - added
        pending.thread.added += added
        pending.thread.duplicates += len(pending.records) - added
        if block.records:
            self._insert(pending, block)

    def _insert(self, pending: _Pending, block: _Block) -> None:
        block_id, exhibit_id, thread = block.id, self.exhibit.id, pending.thread
        records, untimed = block.records, block.untimed
        first, last = block.span
        event_rows, source_rows, attach_rows = block.event_rows, block.source_rows, block.attach_rows
        key_rows = [  # filed by time first (as identities are), so large imports insert in order
            (identity[:8] + self._message_key(pending.channel, record[12]["message_key"]), identity)
            for identity, record in zip(block.identities, records, strict=True)
            if record[0] == EVENT and record[12] and record[12].get("message_key")
        ]
        joined = b"".join(block.identities)
        sealed = seal_records(self.case.fields, block_id, joined, records)
        self.cursor.execute(
            "INSERT INTO event_blocks (id, import_id, exhibit_id, conversation_id, channel, first_us, "
            "last_us, untimed, identities, records_enc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                block_id,
                thread.import_id,
                exhibit_id,
                thread.conversation_id,
                pending.channel,
                first,
                last,
                untimed,
                joined,
                sealed,
            ),
        )
        self.next_block_id += 1
        if event_rows:
            self.cursor.executemany(
                "INSERT INTO events (identity, block_id, slot, kind) VALUES (?, ?, ?, ?)", event_rows
            )
        if source_rows:
            self.cursor.executemany(
                "INSERT INTO event_sources (identity, exhibit_id, block_id, slot) VALUES (?, ?, ?, ?)",
                source_rows,
            )
        if attach_rows:
            self.cursor.executemany(
                "INSERT OR IGNORE INTO event_attachments (identity, exhibit_id) VALUES (?, ?)", attach_rows
            )
        if key_rows:
            self.cursor.executemany(
                "INSERT OR IGNORE INTO event_keys (key_hash, identity) VALUES (?, ?)", key_rows
            )
        crash_point("batch-written")


@contextmanager
def without_cycle_collection() -> Iterator[None]:
    """Pause Python's cycle collector while events stream through.

    Millions of short-lived lists and tuples would trigger thousands of collections, each walking
    every live object, for nothing: the import path builds no reference cycles, so reference counting
    frees all of it. Memory stays flat; the collector runs again afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def start_import(conn: Connection, importer: str, version: str, exhibit_id: int) -> int:
    """The row every event and source of one import points back to."""
    row = imports.insert().values(
        started_at=utc_now(),
        importer=importer,
        importer_version=version,
        exhibit_id=exhibit_id,
        events_added=0,
        duplicates=0,
    )
    return inserted_id(conn.execute(row))


def import_file(
    case: Case,
    path: Path,
    *,
    importers: list[LoadedImporter] | None = None,
    progress: Callable[[int], None] | None = None,
    actor: str | None = None,
    date_order: str | None = None,
    ask: Callable[[str, list[str]], str] | None = None,
    conversation: str | None = None,
    indicators: Indicators | None = None,
) -> ImportResult:
    """Import one original file atomically; raises InputError (and changes nothing) on bad input.

    ``date_order``, ``ask`` and ``indicators`` (a safety scan's) reach the importer through its
    ImportContext (see there).
    ``conversation`` names the chat the file belongs to, when the importer cannot tell (a renamed
    export); events of one conversation de-duplicate against each other across exports.
    """
    if importers is None:
        importers, _broken = discover()
    source = Source(path)
    try:
        chosen, _sniff = choose(source, importers)
        context = ImportContext(
            timezone=case.timezone,
            date_order=date_order,
            ask=ask,
            indicators=indicators,
            scratch=case.layout.tmp,
        )
        conversation = conversation or chosen.importer.conversation(source)
        return _run(case, source, chosen, progress, actor or case.producer.name, context, conversation)
    finally:
        source.close()


def _run(
    case: Case,
    source: Source,
    chosen: LoadedImporter,
    progress: Callable[[int], None] | None,
    actor: str,
    context: ImportContext,
    conversation: str | None,
) -> ImportResult:
    importer = chosen.importer
    conversation = conversation or None
    sha256, size = hash_chunks(file_chunks(source.path))
    with case.write() as conn:
        top = add_exhibit(
            case,
            conn,
            sha256,
            size,
            lambda: file_chunks(source.path),
            {"original_name": source.name, "acquired_by": actor, "importer": importer.name},
            actor=actor,
        )
        result = ImportResult(source.name, importer.name, top.ref, conversation=conversation)
        if top.created:
            result.new_exhibits.append(top.ref)
        members = _store_members(case, conn, source, importer.archive_members(source), top, result, actor)
        import_id = start_import(conn, importer.name, importer.version, top.id)
        writer = EventWriter(
            case,
            conn,
            import_id,
            top,
            result,
            conversation,
            importer=(importer.name, importer.version),
            members=members,
            actor=actor,
        )
        with without_cycle_collection():
            if use_child(source):
                _write_from_child(writer, importer, source, context, progress)
            else:
                for batch in _batches(_keeping_embedded(writer, importer.events(source, context))):
                    writer.write(batch)
                    if progress:
                        progress(len(batch))
            writer.finish()
        result.first, result.last = from_micros(writer.first_us), from_micros(writer.last_us)
        result.accounts = sorted(writer.accounts)[:ACCOUNTS_LIMIT]
        result.accounts_capped = len(writer.accounts) > ACCOUNTS_LIMIT
        chats = [t.conversation_id for t in writer.threads.values() if t.conversation_id is not None]
        result.conversations = len(chats)
        result.reread_flagged = flag_rereadings(conn, [t.import_id for t in writer.threads.values()])
        if result.reread_flagged:
            context.note(
                f"{result.reread_flagged} event(s) share the platform's message id with another reading that "
                "says something else (edited between exports, or one e-mail Message-ID with other content). "
                "Every reading is kept, flagged 'same-id-other-content'."
            )
        result.missing_flagged = sum(flag_missing(conn, chat) for chat in chats)
        if result.missing_flagged:
            context.note(
                f"{result.missing_flagged} message(s) of this chat are not in every export that covers their "
                "time (perhaps deleted on the phone). They are kept, flagged 'missing-from-an-export'."
            )
            result.changed_flagged = sum(flag_changed(case, conn, chat) for chat in chats)
        if result.changed_flagged:
            context.note(
                f"{result.changed_flagged} message(s) read differently in two exports of this chat, at the "
                "same time and from the same sender (perhaps edited or deleted on the phone). Both versions "
                "are kept, flagged 'changed-between-exports'."
            )
        result.notes = list(context.notes)
        origin = f"{chosen.origin.distribution} {chosen.origin.version} {chosen.origin.entry_point}"
        case.audit.append(
            conn,
            "events imported",
            actor,
            {
                "exhibit": top.ref,
                "importer": importer.name,
                "importer_version": importer.version,
                "importer_origin": origin,
                "events_added": result.events_added,
                "duplicates_skipped": result.duplicates,
                "flagged_records": result.flagged_total,
                "conversation": conversation,
                "newly_flagged_missing": result.missing_flagged,
                "newly_flagged_changed": result.changed_flagged,
                "newly_flagged_same_id": result.reread_flagged,
                "notes": result.notes,
            },
        )
        crash_point("before-commit")
    return result


MISSING = "missing-from-an-export"
CHANGED = "changed-between-exports"
_MISSING_IN = text(
    """
    SELECT events.identity, events.block_id, events.slot, event_blocks.exhibit_id
    FROM event_flags
    JOIN events ON events.identity = event_flags.identity
    JOIN event_blocks ON event_blocks.id = events.block_id
    WHERE event_flags.flag = :flag AND event_blocks.conversation_id = :conversation
    ORDER BY events.identity
    """
)
_FLAG_MISSING = text(
    """
    INSERT OR IGNORE INTO event_flags (identity, flag)
    SELECT events.identity, :flag
    FROM imports
    JOIN events ON events.identity >= :low AND events.identity < :high
    JOIN event_blocks ON event_blocks.id = events.block_id
    WHERE imports.id = :import_id
      AND event_blocks.conversation_id = :conversation
      AND (event_blocks.exhibit_id IS NULL OR event_blocks.exhibit_id != imports.exhibit_id)
      AND NOT EXISTS (
        SELECT 1 FROM event_sources
        WHERE event_sources.identity = events.identity AND event_sources.exhibit_id = imports.exhibit_id
      )
    """
)
_SPANS = text(
    """
    SELECT id, first_us, last_us FROM imports
    WHERE conversation_id = :conversation AND first_us IS NOT NULL
      AND (SELECT count(DISTINCT exhibit_id) FROM imports WHERE conversation_id = :conversation) > 1
    """
)


def conversation_row(conn: Connection, conversation_key: str) -> int:
    """The id of a conversation, created on first sight (events carry the small id, not the key)."""
    found = conn.execute(
        select(conversations.c.id).where(conversations.c.conversation_key == conversation_key)
    ).scalar()
    if found is not None:
        return int(found)
    return inserted_id(conn.execute(conversations.insert().values(conversation_key=conversation_key)))


def flag_missing(conn: Connection, conversation_id: int) -> int:
    """Flag events of a chat that some export of it lacks, though the export spans their time.

    An export that starts later or ends earlier is not a deletion: only the strict inside of each
    export's time span counts (its first and last minute may be cut off mid-way). Works whichever
    order the exports are imported in; a chat with a single export has nothing to compare, so it
    costs one small query. Returns how many events were newly flagged.
    """
    flagged = 0
    for import_id, first_us, last_us in conn.execute(_SPANS, {"conversation": conversation_id}).all():
        low, high = identity_range(first_us + 1, last_us)
        outcome = conn.execute(
            _FLAG_MISSING,
            {
                "flag": MISSING,
                "conversation": conversation_id,
                "import_id": import_id,
                "low": low,
                "high": high,
            },
        )
        flagged += int(outcome.rowcount or 0)
    return flagged


REREAD = "same-id-other-content"
_REREAD_OTHERS = text(
    """
    INSERT OR IGNORE INTO event_flags (identity, flag)
    SELECT DISTINCT other.identity, :flag
    FROM event_blocks
    JOIN events AS mine ON mine.block_id = event_blocks.id
    JOIN event_keys AS held ON held.identity = mine.identity
    JOIN event_keys AS other ON other.key_hash = held.key_hash AND other.identity != held.identity
    WHERE event_blocks.import_id = :import_id
    """
)
_REREAD_MINE = text(
    """
    INSERT OR IGNORE INTO event_flags (identity, flag)
    SELECT DISTINCT mine.identity, :flag
    FROM event_blocks
    JOIN events AS mine ON mine.block_id = event_blocks.id
    JOIN event_keys AS held ON held.identity = mine.identity
    WHERE event_blocks.import_id = :import_id
      AND EXISTS (
        SELECT 1 FROM event_keys AS other
        WHERE other.key_hash = held.key_hash AND other.identity != held.identity
      )
    """
)


def flag_rereadings(conn: Connection, import_ids: list[int]) -> int:
    """Flag every reading of a message whose platform id another, different reading also has.

    Formats with message ids identify an event by that id and a hash of its words, so an edit
    between exports (or one e-mail Message-ID on two different messages) gives two events; both
    are kept, and here both are flagged. Only events this import brought are looked at, against
    the whole case. Returns how many events were newly flagged.
    """
    flagged = 0
    for import_id in import_ids:
        for statement in (_REREAD_OTHERS, _REREAD_MINE):
            outcome = conn.execute(statement, {"flag": REREAD, "import_id": import_id})
            flagged += int(outcome.rowcount or 0)
    return flagged


def flag_changed(case: Case, conn: Connection, conversation_id: int) -> int:
    """Pair up the two readings of a message that two exports of a chat give differently.

    A message edited or deleted on the phone after one export shows in the next at the same time,
    from the same sender, with other words (or as "This message was deleted"). Each export then
    lacks the other's version, so both were flagged missing; when such a pair shares its time and
    sender and comes from different exports, both are kept and flagged ``changed-between-exports``.
    Returns how many events were newly flagged.
    """
    rows = conn.execute(_MISSING_IN, {"flag": MISSING, "conversation": conversation_id}).all()
    by_time: dict[bytes, list[Any]] = {}
    for row in rows:
        by_time.setdefault(bytes(row.identity)[:8], []).append(row)
    candidates = [group for prefix, group in by_time.items() if len(group) > 1 and prefix != bytes(8)]
    if not candidates:
        return 0
    senders = _senders(case, conn, {row.block_id for group in candidates for row in group})
    changed: set[bytes] = set()
    for group in candidates:
        for first in group:
            for second in group:
                if first.exhibit_id != second.exhibit_id and (
                    senders[(first.block_id, first.slot)] == senders[(second.block_id, second.slot)]
                ):
                    changed.update((bytes(first.identity), bytes(second.identity)))
    flagged = 0
    for identity in sorted(changed):
        outcome = conn.execute(
            text("INSERT OR IGNORE INTO event_flags (identity, flag) VALUES (:identity, :flag)"),
            {"identity": identity, "flag": CHANGED},
        )
        flagged += int(outcome.rowcount or 0)
    return flagged


def _senders(case: Case, conn: Connection, block_ids: set[int]) -> dict[tuple[int, int], str | None]:
    """The sender of every event record in the given blocks, by (block, slot)."""
    found: dict[tuple[int, int], str | None] = {}
    rows = conn.execute(
        select(event_blocks.c.id, event_blocks.c.identities, event_blocks.c.records_enc).where(
            event_blocks.c.id.in_(sorted(block_ids))
        )
    ).all()
    for block_id, identities, sealed in rows:
        for slot, record in enumerate(open_records(case.fields, block_id, identities, sealed)):
            if record is not None and record[0] == EVENT:
                found[(block_id, slot)] = record[8]
    return found


def _store_members(
    case: Case,
    conn: Connection,
    source: Source,
    names: list[str],
    parent: ExhibitRow,
    result: ImportResult,
    actor: str,
) -> dict[str, int]:
    """Each archive member becomes an exhibit of its own, streamed straight into the blob store."""
    stored: dict[str, int] = {}
    if not names:
        return stored
    archive = source.archive()
    for name in names:
        sha256, size = hash_chunks(archive.read_chunks(name))
        meta = {
            "original_name": name.rsplit("/", 1)[-1],
            "member": name,
            "inside": parent.ref,
            "acquired_by": actor,
        }
        row = add_exhibit(
            case,
            conn,
            sha256,
            size,
            partial(archive.read_chunks, name),
            meta,
            parent_id=parent.id,
            actor=actor,
        )
        stored[name] = row.id
        if row.created:
            result.new_exhibits.append(row.ref)
    return stored


def _write_from_child(
    writer: EventWriter,
    importer: Importer,
    source: Source,
    context: ImportContext,
    progress: Callable[[int], None] | None,
) -> None:
    """Store what a child process reads (store/feed.py); its notes and doubts join this import's."""
    with Feed(importer, source, context, writer.store_embedded) as feed:
        for channel, conversation, records in feed:
            identities = writer.maker(channel, conversation).identities(records)
            writer.write_records(channel, records, identities, conversation)
            if progress:
                progress(len(records))
    for note in feed.report.notes:
        context.note(note)
    result = writer.result
    room = FLAGGED_REPORT_LIMIT - len(result.flagged)
    result.flagged.extend(feed.report.flagged[: max(room, 0)])
    result.flagged_total += feed.report.flagged_total


def _keeping_embedded(writer: EventWriter, stream: Iterator[ParsedEvent]) -> Iterator[ParsedEvent]:
    """Store each embedded file as soon as its event is read, so a batch never holds file contents."""
    for event in stream:
        if event.embedded:
            writer.keep_embedded(event)
        yield event


def _batches(stream: Iterator[ParsedEvent]) -> Iterator[list[ParsedEvent]]:
    while batch := list(islice(stream, BATCH)):
        yield batch
