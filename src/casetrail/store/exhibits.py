"""Exhibits: originals kept byte for byte, each with a reference (``RH/1``) that never changes."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, CursorResult, func, select

from casetrail.crypto.keys import keyed_hash
from casetrail.store.audit_log import utc_now
from casetrail.store.case import Case
from casetrail.store.tables import exhibits


@dataclass(frozen=True)
class ExhibitRow:
    id: int
    ref: str
    sha256: str
    size: int
    created: bool


def inserted_id(result: CursorResult[Any]) -> int:
    """The primary key of a single-row insert."""
    key = result.inserted_primary_key
    if key is None:
        raise RuntimeError("insert returned no primary key")
    return int(key[0])


def content_key(case: Case, sha256: str) -> str:
    return keyed_hash(case.keys.index, b"exhibit|" + bytes.fromhex(sha256))


def add_exhibit(
    case: Case,
    conn: Connection,
    sha256: str,
    size: int,
    chunks: Callable[[], Iterable[bytes]],
    meta: dict[str, Any],
    parent_id: int | None = None,
    actor: str | None = None,
) -> ExhibitRow:
    """Return the existing exhibit for identical content, or store the blob, then add its row."""
    key = content_key(case, sha256)
    found = conn.execute(select(exhibits.c.id, exhibits.c.ref).where(exhibits.c.content_key == key)).first()
    if found:
        return ExhibitRow(found.id, found.ref, sha256, size, created=False)
    case.blobs.put(sha256, size, chunks())
    number = int(conn.execute(select(func.coalesce(func.max(exhibits.c.number), 0))).scalar_one()) + 1
    ref = f"{case.producer.initials}/{number}"
    sealed = case.fields.seal_json({**meta, "sha256": sha256}, f"exhibits.meta:{key}")
    result = conn.execute(
        exhibits.insert().values(
            number=number,
            ref=ref,
            content_key=key,
            size=size,
            parent_id=parent_id,
            added_at=utc_now(),
            meta_enc=sealed,
        )
    )
    exhibit_id = inserted_id(result)
    details = {"ref": ref, "sha256": sha256, "size": size, **meta}
    case.audit.append(conn, "exhibit added", actor or case.producer.name, details)
    return ExhibitRow(exhibit_id, ref, sha256, size, created=True)


def exhibit_meta(case: Case, row: Any) -> dict[str, Any]:
    meta: dict[str, Any] = case.fields.open_json(row.meta_enc, f"exhibits.meta:{row.content_key}")
    return meta
