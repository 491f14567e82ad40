"""Diary entries typed in casetrail: each saved version is kept as an exhibit of its own.

An entry is never edited in place. Amending saves a new version that supersedes the old one; both
stay in the record and in the audit log, as a court would expect of a contemporaneous note.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from casetrail.errors import CasetrailError
from casetrail.importers.diary import FORMAT, KINDS, entry_to_event
from casetrail.store.audit_log import utc_now
from casetrail.store.case import Case
from casetrail.store.event_blocks import stored_event
from casetrail.store.exhibits import add_exhibit
from casetrail.store.importing import EventWriter, ImportResult, start_import
from casetrail.store.queries import BlockReader
from casetrail.store.tables import event_blocks, event_supersedes, events, imports

IMPORTER = "diary"


@dataclass(frozen=True)
class SavedEntry:
    uid: str
    exhibit: str
    entry_id: str
    version: int


def latest_version(case: Case, uid: str) -> tuple[bytes, dict[str, Any]]:
    """The identity and content (with its channel and kind) of the diary entry with ``uid``.

    The entry must be its newest version.
    """
    try:
        identity = bytes.fromhex(uid)
    except ValueError:
        raise CasetrailError(f"No diary entry has the id {uid}.") from None
    with case.reader.connect() as conn:
        row = conn.execute(
            select(events, event_blocks.c.channel, imports.c.importer)
            .join(event_blocks, event_blocks.c.id == events.c.block_id)
            .join(imports, imports.c.id == event_blocks.c.import_id)
            .where(events.c.identity == identity)
        ).first()
        if row is None or row.kind not in _DIARY_KINDS or row.importer != IMPORTER:
            raise CasetrailError(f"No diary entry has the id {uid}.")
        newer = conn.execute(
            select(event_supersedes.c.identity).where(event_supersedes.c.supersedes == identity)
        ).scalar()
        if newer is not None:
            raise CasetrailError(
                f"Entry {uid} has already been amended; amend the newest version, {bytes(newer).hex()}."
            )
        identities, records = BlockReader(case, conn).block(row.block_id)
        event = stored_event(identities[row.slot], row.block_id, row.slot, records[row.slot])
    content = {"details": event.details, "text": event.text, "local_time": event.local_time}
    return identity, {**content, "channel": row.channel, "kind": row.kind}


_DIARY_KINDS = set(KINDS.values())


def save_entry(
    case: Case, entry: dict[str, Any], *, supersedes: str | None = None, actor: str | None = None
) -> SavedEntry:
    """Store one diary entry (or a new version of one) in a single transaction."""
    actor = actor or case.producer.name
    entry = dict(entry)
    entry.setdefault("id", str(uuid.uuid4()))
    entry.setdefault("recorded_at", utc_now())
    previous: bytes | None = None
    if supersedes:
        previous, payload = latest_version(case, supersedes)
        details = payload.get("details", {})
        entry["id"] = details.get("source_id", "").split("#v")[0] or entry["id"]
        entry["version"] = int(details.get("version", "1")) + 1
    document = {"format": FORMAT, "version": 1, "timezone": str(case.timezone.key), "entries": [entry]}
    data = json.dumps(document, ensure_ascii=False, indent=2).encode()
    event = entry_to_event(entry, "/entries/0", case.timezone, "diary entry")
    version = int(entry.get("version", 1))
    with case.write() as conn:
        meta = {
            "original_name": f"diary-entry-{entry['id']}-v{version}.json",
            "typed_in": "casetrail log",
            "acquired_by": actor,
        }
        exhibit = add_exhibit(
            case, conn, hashlib.sha256(data).hexdigest(), len(data), lambda: [data], meta, actor=actor
        )
        import_id = start_import(conn, IMPORTER, "1", exhibit.id)
        writer = EventWriter(
            case, conn, import_id, exhibit, ImportResult("diary entry", IMPORTER, exhibit.ref)
        )
        [identity] = writer.write([event])
        writer.finish()
        if previous is not None:
            conn.execute(event_supersedes.insert().values(identity=identity, supersedes=previous))
        uid = identity.hex()
        details = {
            "exhibit": exhibit.ref,
            "entry_id": entry["id"],
            "version": version,
            "supersedes": supersedes,
        }
        case.audit.append(conn, "diary entry", actor, details)
    return SavedEntry(uid, exhibit.ref, str(entry["id"]), version)
