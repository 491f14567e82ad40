"""One import = one transaction: exhibits, events, sources and audit entries land together or not at all.

De-duplication happens here, not in importers: an event's identity is a keyed hash of what it says
(channel, kind, sender, time, text, attachments) plus its occurrence number among identical events
at that time, so re-importing an export, or an overlapping later export, adds sources, not events.
"""

from __future__ import annotations

import json
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Table, func, select, text

from casetrail.crypto.keys import keyed_hash
from casetrail.importers.base import ImportContext
from casetrail.importers.registry import LoadedImporter, choose, discover
from casetrail.ingest.source import Source
from casetrail.model.event import ParsedEvent
from casetrail.model.timestamps import to_micros
from casetrail.store.audit_log import utc_now
from casetrail.store.blobs import file_chunks, hash_chunks
from casetrail.store.case import Case
from casetrail.store.exhibits import ExhibitRow, add_exhibit, inserted_id
from casetrail.store.tables import conversations, event_attachments, event_sources, events, imports
from casetrail.testing.crash import crash_point

BATCH = 2000
FLAGGED_REPORT_LIMIT = 200


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
            "newly_flagged_missing": self.missing_flagged,
        }


def unambiguous(*parts: str | None) -> str:
    """Join fields so that no two different field lists give the same string (length-prefixed)."""
    return "".join("~" if part is None else f"{len(part)}:{part}" for part in parts)


class _Deduper:
    """Keyed identities with an occurrence number among identical events at the same time.

    Counters are kept for the most recent ``RECENT_TIMES`` distinct times only, so memory stays flat
    on huge files while a line that is slightly out of order still continues its time's count.
    """

    RECENT_TIMES = 512

    def __init__(self, key: bytes, conversation: str | None = None) -> None:
        self.key = key
        self.conversation = conversation
        self.seen: OrderedDict[str, dict[str, int]] = OrderedDict()

    def identity(self, event: ParsedEvent) -> str:
        source_id = event.details.get("source_id")
        if source_id:
            basis: list[Any] = [event.channel, event.kind, "id", source_id]
            return keyed_hash(self.key, json.dumps(basis).encode())
        when = event.occurred_at.isoformat() if event.occurred_at else event.local_time
        counts = self.seen.get(when)
        if counts is None:
            counts = self.seen[when] = {}
            if len(self.seen) > self.RECENT_TIMES:
                self.seen.popitem(last=False)
        else:
            self.seen.move_to_end(when)
        base = unambiguous(
            self.conversation, event.channel, event.kind, event.sender, when, event.text, *event.attachments
        )
        occurrence = counts.get(base, 0)
        counts[base] = occurrence + 1
        return keyed_hash(self.key, f"{base}#{occurrence}".encode())


class EventWriter:
    def __init__(
        self,
        case: Case,
        conn: Connection,
        import_id: int,
        exhibit: ExhibitRow,
        result: ImportResult,
        conversation_id: int | None = None,
        conversation_key: str | None = None,
    ):
        self.case = case
        self.conn = conn
        self.import_id = import_id
        self.exhibit = exhibit
        self.result = result
        self.conversation_id = conversation_id
        self.dedup = _Deduper(case.keys.index, conversation_key)
        self.first_us: int | None = None
        self.last_us: int | None = None
        self.next_event_id = (
            int(conn.execute(select(func.coalesce(func.max(events.c.id), 0))).scalar_one()) + 1
        )
        self.next_source_id = (
            int(conn.execute(select(func.coalesce(func.max(event_sources.c.id), 0))).scalar_one()) + 1
        )

    def write(self, batch: list[ParsedEvent], members: dict[str, int]) -> list[int]:
        """Insert new events and every source; returns the event id each parsed event landed on."""
        keyed = [(self.dedup.identity(ev), ev) for ev in batch]
        keys = [k for k, _ in keyed]
        existing = dict(
            self.conn.execute(
                select(events.c.dedup_key, events.c.id).where(events.c.dedup_key.in_(keys))
            ).all()
        )
        new_rows: list[dict[str, Any]] = []
        source_rows: list[dict[str, Any]] = []
        attach_rows: list[dict[str, int]] = []
        landed: list[int] = []
        for key, ev in keyed:
            self._note_flags(ev)
            self._note_time(ev)
            event_id = existing.get(key)
            if event_id is None:
                event_id = self.next_event_id
                self.next_event_id += 1
                existing[key] = event_id
                new_rows.append(self._event_row(event_id, key, ev))
                attach_rows.extend(
                    {"event_id": event_id, "exhibit_id": members[name]}
                    for name in ev.attachments
                    if name in members
                )
                self.result.events_added += 1
            else:
                self.result.duplicates += 1
            source_rows.append(self._source_row(event_id, ev))
            landed.append(event_id)
        if new_rows:
            self._bulk_insert(events, new_rows)
        if attach_rows:
            self.conn.execute(event_attachments.insert().prefix_with("OR IGNORE"), attach_rows)
        self._insert_sources(source_rows)
        crash_point("batch-written")
        return landed

    def _insert_sources(self, rows: list[dict[str, Any]]) -> None:
        keys = [r["locator_key"] for r in rows]
        known = set(
            self.conn.execute(
                select(event_sources.c.locator_key).where(event_sources.c.locator_key.in_(keys))
            ).scalars()
        )
        fresh = []
        for row in rows:
            key = row["locator_key"]
            if key in known:
                continue
            known.add(key)
            row["id"] = self.next_source_id
            self.next_source_id += 1
            # Sealed only once we know the source is new: re-imports skip the work.
            place = f"event_sources.locator:{key}"
            row["locator_enc"] = self.case.fields.seal_json(row["locator_enc"], place)
            fresh.append(row)
        if fresh:
            self._bulk_insert(event_sources, fresh)

    def _bulk_insert(self, table: Table, rows: list[dict[str, Any]]) -> None:
        """executemany straight on the driver: the hot path of large imports, same transaction."""
        columns = list(rows[0])
        names, marks = ", ".join(columns), ", ".join("?" * len(columns))
        sql = f"INSERT INTO {table.name} ({names}) VALUES ({marks})"  # noqa: S608  (our own schema's names)
        cursor = self.conn.connection.cursor()
        try:
            cursor.executemany(sql, [tuple(row[c] for c in columns) for row in rows])
        finally:
            cursor.close()

    def _event_row(self, event_id: int, key: str, ev: ParsedEvent) -> dict[str, Any]:
        uid = str(uuid.uuid4())
        payload = {
            "sender": ev.sender,
            "recipients": list(ev.recipients),
            "text": ev.text,
            "local_time": ev.local_time,
            "attachments": list(ev.attachments),
            "details": ev.details,
        }
        return {
            "id": event_id,
            "uid": uid,
            "occurred_us": to_micros(ev.occurred_at) if ev.occurred_at else None,
            "channel": str(ev.channel),
            "kind": str(ev.kind),
            "direction": str(ev.direction),
            "flags": ",".join(ev.flags),
            "dedup_key": key,
            "supersedes_id": None,
            "import_id": self.import_id,
            "payload_enc": self.case.fields.seal_json(payload, f"events.payload:{uid}"),
            "conversation_id": self.conversation_id,
        }

    def _source_row(self, event_id: int, ev: ParsedEvent) -> dict[str, Any]:
        loc = {"scheme": ev.locator.scheme, "value": ev.locator.value, "member": ev.locator.member}
        place = unambiguous(str(self.exhibit.id), ev.locator.scheme, ev.locator.value, ev.locator.member)
        locator_key = keyed_hash(self.case.keys.index, place.encode())
        return {
            "event_id": event_id,
            "exhibit_id": self.exhibit.id,
            "import_id": self.import_id,
            "locator_key": locator_key,
            "locator_enc": loc,  # sealed in _insert_sources, for new sources only
        }

    def _note_time(self, ev: ParsedEvent) -> None:
        if ev.occurred_at is None:
            return
        moment = to_micros(ev.occurred_at)
        if self.first_us is None or moment < self.first_us:
            self.first_us = moment
        if self.last_us is None or moment > self.last_us:
            self.last_us = moment

    def _note_flags(self, ev: ParsedEvent) -> None:
        if ev.flags:
            self.result.flagged_total += 1
            if len(self.result.flagged) < FLAGGED_REPORT_LIMIT:
                self.result.flagged.append({"locator": str(ev.locator), "flags": list(ev.flags)})


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
) -> ImportResult:
    """Import one original file atomically; raises InputError (and changes nothing) on bad input.

    ``date_order`` and ``ask`` reach the importer through its ImportContext (see there).
    ``conversation`` names the chat the file belongs to, when the importer cannot tell (a renamed
    export); events of one conversation de-duplicate against each other across exports.
    """
    if importers is None:
        importers, _broken = discover()
    source = Source(path)
    try:
        chosen, _sniff = choose(source, importers)
        context = ImportContext(timezone=case.timezone, date_order=date_order, ask=ask)
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
    conversation_key = None
    if conversation:
        conversation_key = keyed_hash(
            case.keys.index, unambiguous("conversation", importer.name, conversation).encode()
        )
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
        conversation_id = conversation_row(conn, conversation_key) if conversation_key else None
        writer = EventWriter(case, conn, import_id, top, result, conversation_id, conversation_key)
        for batch in _batches(importer.events(source, context)):
            writer.write(batch, members)
            if progress:
                progress(len(batch))
        conn.execute(
            imports.update()
            .where(imports.c.id == import_id)
            .values(conversation_id=conversation_id, first_us=writer.first_us, last_us=writer.last_us)
        )
        if conversation_id is not None:
            result.missing_flagged = flag_missing(conn, conversation_id)
        if result.missing_flagged:
            context.note(
                f"{result.missing_flagged} message(s) of this chat are not in every export that covers their "
                "time (perhaps deleted on the phone). They are kept, flagged 'missing-from-an-export'."
            )
        result.notes = list(context.notes)
        origin = f"{chosen.origin.distribution} {chosen.origin.version} {chosen.origin.entry_point}"
        conn.execute(
            imports.update()
            .where(imports.c.id == import_id)
            .values(events_added=result.events_added, duplicates=result.duplicates)
        )
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
                "notes": result.notes,
            },
        )
        crash_point("before-commit")
    return result


MISSING = "missing-from-an-export"
_FLAG_MISSING = text(
    """
    UPDATE events SET flags = CASE WHEN flags = '' THEN :flag ELSE flags || ',' || :flag END
    WHERE conversation_id = :conversation
      AND instr(',' || flags || ',', ',' || :flag || ',') = 0
      AND EXISTS (
        SELECT 1 FROM imports
        WHERE imports.conversation_id = :conversation
          AND imports.first_us < events.occurred_us AND events.occurred_us < imports.last_us
          AND NOT EXISTS (
            SELECT 1 FROM event_sources
            WHERE event_sources.event_id = events.id AND event_sources.exhibit_id = imports.exhibit_id
          )
      )
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
    order the exports are imported in. Returns how many events were newly flagged.
    """
    outcome = conn.execute(_FLAG_MISSING, {"flag": MISSING, "conversation": conversation_id})
    return int(outcome.rowcount or 0)


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


def _batches(stream: Iterator[ParsedEvent]) -> Iterator[list[ParsedEvent]]:
    batch: list[ParsedEvent] = []
    for event in stream:
        batch.append(event)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch
