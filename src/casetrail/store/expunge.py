"""Expunge: remove an exhibit the person explicitly wants gone, and everything only it supports (G-46).

The exhibit's row becomes a *tombstone* (same number and reference, no content, pointing at the empty
blob) instead of being deleted. So exhibit numbering, which takes the highest number + 1, can never
hand the reference out again, other references never change (G-12), rows of earlier imports keep a
valid target, and `casetrail exhibits` shows the gap as expunged rather than leaving it unexplained.
Blob files are deleted only after the commit: a crash in between leaves an orphan blob that
`verify --repair` removes, never a row without its blob. Afterwards the WAL is checkpointed and
truncated, so with ``secure_delete`` no copy of a deleted page stays behind.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select

from casetrail.crypto.keys import keyed_hash
from casetrail.errors import CasetrailError
from casetrail.store.audit_log import utc_now
from casetrail.store.case import Case
from casetrail.store.event_blocks import EVENT, REMOVED, open_records, seal_records, split_identities
from casetrail.store.exhibits import exhibit_meta
from casetrail.store.layout import fsync_dir
from casetrail.store.tables import (
    analysis_runs,
    event_attachments,
    event_blocks,
    event_flags,
    event_keys,
    event_links,
    event_sources,
    event_supersedes,
    events,
    exhibits,
    imports,
    label_decisions,
)
from casetrail.testing.crash import crash_point

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
EXPUNGED_NAME = "(expunged)"
_CHUNK = 500


@dataclass
class ExpungePlan:
    """What one expunge removes; computed the same way for the preview and inside the transaction."""

    ref: str
    exhibit_id: int
    sha256: str
    size: int
    original_name: str
    members: list[Any] = field(default_factory=list)  # member rows that go with it
    kept_members: list[str] = field(default_factory=list)  # members other exports still use
    dropped: set[bytes] = field(default_factory=set)  # identities of the events removed
    wal_cleared: bool = False  # False only if another command kept reading during the checkpoint

    def to_json(self) -> dict[str, Any]:
        return {
            "expunged": self.ref,
            "sha256": self.sha256,
            "members_expunged": [m.ref for m in self.members],
            "members_kept": self.kept_members,
            "events_removed": len(self.dropped),
            "wal_cleared": self.wal_cleared,
        }


def _is_tombstone(case: Case, row: Any) -> bool:
    return bool(exhibit_meta(case, row).get("expunged"))


def _target(case: Case, conn: Connection, ref: str) -> Any:
    wanted = ref.strip().upper()
    row = conn.execute(select(exhibits).where(exhibits.c.ref == wanted)).first()
    if row is None:
        raise CasetrailError(
            f"There is no exhibit {wanted} in this case ('casetrail exhibits' lists them). "
            "Nothing was changed."
        )
    if _is_tombstone(case, row):
        raise CasetrailError(f"{wanted} has already been expunged. Nothing was changed.")
    if row.parent_id is not None:
        parent = conn.execute(select(exhibits.c.ref).where(exhibits.c.id == row.parent_id)).scalar_one()
        raise CasetrailError(
            f"{wanted} is a file inside {parent}, and {parent} still holds it. "
            f"To remove it, expunge {parent}. Nothing was changed."
        )
    return row


def _event_sources(conn: Connection) -> dict[bytes, set[int]]:
    """Every event's source exhibits (the one its record was read from, and any further ones)."""
    found: dict[bytes, set[int]] = {}
    first = select(events.c.identity, event_blocks.c.exhibit_id).join(
        event_blocks, event_blocks.c.id == events.c.block_id
    )
    for identity, exhibit_id in conn.execute(first):
        found[bytes(identity)] = {exhibit_id} if exhibit_id is not None else set()
    for identity, exhibit_id in conn.execute(select(event_sources.c.identity, event_sources.c.exhibit_id)):
        found.setdefault(bytes(identity), set()).add(exhibit_id)
    return found


def _referenced(conn: Connection, exhibit_id: int, kept: dict[bytes, set[int]]) -> bool:
    """Whether anything that stays (another export's events, an import) still uses this exhibit."""
    attached = conn.execute(
        select(event_attachments.c.identity).where(event_attachments.c.exhibit_id == exhibit_id)
    ).scalars()
    if any(bytes(identity) in kept for identity in attached):
        return True
    if any(exhibit_id in sources for sources in kept.values()):
        return True
    imported = conn.execute(select(imports.c.id).where(imports.c.exhibit_id == exhibit_id)).first()
    return imported is not None


def plan_expunge(case: Case, conn: Connection, ref: str) -> ExpungePlan:
    top = _target(case, conn, ref)
    meta = exhibit_meta(case, top)
    plan = ExpungePlan(
        top.ref, top.id, str(meta["sha256"]), int(top.size), str(meta.get("original_name", ""))
    )
    children = conn.execute(select(exhibits).where(exhibits.c.parent_id == top.id)).all()
    group = {top.id, *(c.id for c in children)}
    sources = _event_sources(conn)
    plan.dropped = {identity for identity, held in sources.items() if held and held <= group}
    kept = {identity: held for identity, held in sources.items() if identity not in plan.dropped}
    for child in children:
        if _is_tombstone(case, child):
            continue
        if _referenced(conn, child.id, kept):
            plan.kept_members.append(child.ref)
        else:
            plan.members.append(child)
    _check_no_later_version(conn, plan)
    return plan


def _check_no_later_version(conn: Connection, plan: ExpungePlan) -> None:
    for newer, older in conn.execute(select(event_supersedes.c.identity, event_supersedes.c.supersedes)):
        if bytes(older) in plan.dropped and bytes(newer) not in plan.dropped:
            raise CasetrailError(
                f"A later version of a diary entry in {plan.ref} is kept in another exhibit. "
                "Expunge that later version first. Nothing was changed."
            )


def _delete_events(case: Case, conn: Connection, plan: ExpungePlan, gone: set[int]) -> None:
    """Remove dropped events and every trace of the gone exhibits from rows and sealed blocks."""
    dropped = list(plan.dropped)
    touched = set(
        conn.execute(select(event_blocks.c.id).where(event_blocks.c.exhibit_id.in_(gone))).scalars()
    )
    for start in range(0, len(dropped), _CHUNK):
        chunk = dropped[start : start + _CHUNK]
        for table in (events, event_sources):  # the blocks holding their records and source records
            touched.update(
                conn.execute(select(table.c.block_id).where(table.c.identity.in_(chunk))).scalars()
            )
        for table in (events, event_attachments, event_flags, event_sources, event_keys):
            conn.execute(table.delete().where(table.c.identity.in_(chunk)))
        conn.execute(event_supersedes.delete().where(event_supersedes.c.identity.in_(chunk)))
        conn.execute(label_decisions.delete().where(label_decisions.c.identity.in_(chunk)))
        either_end = event_links.c.diary.in_(chunk) | event_links.c.cause.in_(chunk)
        conn.execute(event_links.delete().where(either_end))
    if dropped:  # stored results may quote what was removed; they are recomputed on the next run
        conn.execute(analysis_runs.delete())
    conn.execute(event_sources.delete().where(event_sources.c.exhibit_id.in_(gone)))
    conn.execute(event_attachments.delete().where(event_attachments.c.exhibit_id.in_(gone)))
    for block_id in sorted(touched):  # one block at a time: memory does not grow with the case
        exhibit_id, identities, sealed = conn.execute(
            select(event_blocks.c.exhibit_id, event_blocks.c.identities, event_blocks.c.records_enc).where(
                event_blocks.c.id == block_id
            )
        ).one()
        slots = split_identities(identities)
        from_gone = exhibit_id in gone
        records = open_records(case.fields, block_id, identities, sealed)
        for slot, (identity, record) in enumerate(zip(slots, records, strict=True)):
            if record is None:
                continue
            if identity in plan.dropped or (from_gone and record[0] != EVENT):
                records[slot], slots[slot] = None, REMOVED
            elif from_gone:
                records[slot] = [EVENT, None, None, None, *record[4:]]  # kept, but not from here
        _reseal(case, conn, block_id, None if from_gone else exhibit_id, slots, records)


def _reseal(
    case: Case,
    conn: Connection,
    block_id: int,
    exhibit_id: int | None,
    slots: list[bytes],
    records: list[Any],
) -> None:
    """Write a block back without what was removed (or delete it when nothing is left)."""
    if all(record is None for record in records):
        conn.execute(event_blocks.delete().where(event_blocks.c.id == block_id))
        return
    joined = b"".join(slots)
    timed = [r[4] for r in records if r is not None and r[0] == EVENT and r[4] is not None]
    untimed = sum(1 for r in records if r is not None and r[0] == EVENT and r[4] is None)
    conn.execute(
        event_blocks.update()
        .where(event_blocks.c.id == block_id)
        .values(
            exhibit_id=exhibit_id,
            first_us=min(timed, default=None),
            last_us=max(timed, default=None),
            untimed=untimed,
            identities=joined,
            records_enc=seal_records(case.fields, block_id, joined, records),
        )
    )


def _tombstone(case: Case, conn: Connection, row: Any, inside: str | None) -> None:
    """Keep the number and reference; drop the content key, size, name and hash."""
    key = keyed_hash(case.keys.index, f"expunged|{row.number}".encode())
    meta: dict[str, Any] = {"sha256": EMPTY_SHA256, "original_name": EXPUNGED_NAME, "expunged": True}
    if inside:
        meta["inside"] = inside
    sealed = case.fields.seal_json(meta, f"exhibits.meta:{key}")
    conn.execute(
        exhibits.update().where(exhibits.c.id == row.id).values(content_key=key, size=0, meta_enc=sealed)
    )


def expunge(case: Case, ref: str, reason: str, actor: str | None = None) -> ExpungePlan:
    """Remove the exhibit in one transaction, then its blob files, then old page copies in the WAL."""
    reason = reason.strip()
    if not reason:
        raise CasetrailError("Please give a reason for the audit log (it is stored encrypted).")
    with case.write() as conn:
        plan = plan_expunge(case, conn, ref)
        hashes = [plan.sha256] + [str(exhibit_meta(case, m)["sha256"]) for m in plan.members]
        case.blobs.put(EMPTY_SHA256, 0, [])  # what every tombstone points at, so verify still passes
        _delete_events(case, conn, plan, {plan.exhibit_id, *(m.id for m in plan.members)})
        _tombstone(
            case, conn, conn.execute(select(exhibits).where(exhibits.c.id == plan.exhibit_id)).one(), None
        )
        for member in plan.members:
            _tombstone(case, conn, member, plan.ref)
        details = {
            "ref": plan.ref,
            "sha256": plan.sha256,
            "size": plan.size,
            "reason": reason,
            "members": [{"ref": m.ref, "sha256": h} for m, h in zip(plan.members, hashes[1:], strict=True)],
            "members_kept": plan.kept_members,
            "events_removed": len(plan.dropped),
            "expunged_at": utc_now(),
        }
        case.audit.append(conn, "exhibit expunged", actor or case.producer.name, details)
    crash_point("expunge-committed")
    _remove_blobs(case, hashes)
    busy, _log, _done = checkpoint_wal(case)
    plan.wal_cleared = busy == 0
    return plan


def _remove_blobs(case: Case, hashes: list[str]) -> None:
    for sha256 in hashes:
        if sha256 == EMPTY_SHA256:
            continue  # shared with every tombstone, and holds nothing
        path = case.blobs.path_for(sha256)
        path.unlink(missing_ok=True)
        fsync_dir(path.parent)


def checkpoint_wal(case: Case) -> tuple[int, int, int]:
    """Copy the WAL into the database and truncate it, so no old page images remain in it."""
    raw = case.writer.raw_connection()
    try:
        cursor = raw.cursor()
        busy, log, done = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        cursor.close()
    finally:
        raw.close()
    return int(busy), int(log), int(done)
