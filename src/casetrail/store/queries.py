"""Reading a case: the timeline (filtered, paged), exhibits, and summary counts.

Times, channels and kinds are filtered in SQL; people and words are filtered after decryption,
because evidence text is sealed and never indexed in the clear.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import aliased

from casetrail.model.timestamps import from_micros, to_micros
from casetrail.store.case import Case
from casetrail.store.exhibits import exhibit_meta
from casetrail.store.tables import event_attachments, event_sources, events, exhibits


@dataclass
class TimelineFilter:
    since: datetime | None = None
    until: datetime | None = None
    channels: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    person: str | None = None
    text: str | None = None
    all_versions: bool = False


@dataclass
class TimelineEvent:
    uid: str
    occurred_at: datetime | None
    local_time: str
    channel: str
    kind: str
    direction: str
    sender: str | None
    recipients: list[str]
    text: str
    flags: list[str]
    details: dict[str, str]
    attachments: list[str] = field(default_factory=list)
    sources: list[dict[str, Any]] = field(default_factory=list)
    supersedes: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "uid": self.uid,
            "occurred_at_utc": self.occurred_at.isoformat().replace("+00:00", "Z")
            if self.occurred_at
            else None,
            "local_time": self.local_time,
            "channel": self.channel,
            "kind": self.kind,
            "direction": self.direction,
            "sender": self.sender,
            "recipients": self.recipients,
            "text": self.text,
            "flags": self.flags,
            "details": self.details,
            "attachments": self.attachments,
            "sources": self.sources,
            "supersedes": self.supersedes,
        }


def _query(filt: TimelineFilter) -> Select[Any]:
    older = aliased(events)
    newer = aliased(events)
    query = (
        select(events, older.c.uid.label("supersedes_uid"))
        .outerjoin(older, events.c.supersedes_id == older.c.id)
        .order_by(events.c.occurred_us.is_(None), events.c.occurred_us, events.c.id)
    )
    if filt.since:
        query = query.where(events.c.occurred_us >= to_micros(filt.since))
    if filt.until:
        query = query.where(events.c.occurred_us < to_micros(filt.until))
    if filt.channels:
        query = query.where(events.c.channel.in_(filt.channels))
    if filt.kinds:
        query = query.where(events.c.kind.in_(filt.kinds))
    if not filt.all_versions:
        query = query.where(~select(newer.c.id).where(newer.c.supersedes_id == events.c.id).exists())
    return query


def _matches(filt: TimelineFilter, payload: dict[str, Any]) -> bool:
    if filt.person:
        wanted = filt.person.casefold()
        people = [payload.get("sender") or "", *payload.get("recipients", [])]
        people += [payload.get("details", {}).get("people", "")]
        if not any(wanted in p.casefold() for p in people):
            return False
    if filt.text:
        return filt.text.casefold() in (payload.get("text") or "").casefold()
    return True


def timeline(
    case: Case, filt: TimelineFilter, offset: int = 0, limit: int | None = 50
) -> list[TimelineEvent]:
    """One page of the timeline, oldest first."""
    page: list[TimelineEvent] = []
    skipped = 0
    with case.reader.connect() as conn:
        for row in conn.execution_options(stream_results=True).execute(_query(filt)):
            payload = case.fields.open_json(row.payload_enc, f"events.payload:{row.uid}")
            if not _matches(filt, payload):
                continue
            if skipped < offset:
                skipped += 1
                continue
            page.append(_event(row, payload))
            if limit is not None and len(page) >= limit:
                break
        _attach_sources(case, conn, page)
    return page


def _event(row: Any, payload: dict[str, Any]) -> TimelineEvent:
    return TimelineEvent(
        uid=row.uid,
        occurred_at=from_micros(row.occurred_us),
        local_time=payload.get("local_time", ""),
        channel=row.channel,
        kind=row.kind,
        direction=row.direction,
        sender=payload.get("sender"),
        recipients=list(payload.get("recipients", [])),
        text=payload.get("text", ""),
        flags=[f for f in row.flags.split(",") if f],
        details=dict(payload.get("details", {})),
        supersedes=row.supersedes_uid,
    )


def _attach_sources(case: Case, conn: Any, page: list[TimelineEvent]) -> None:
    if not page:
        return
    uids = {e.uid: e for e in page}
    ids = dict(conn.execute(select(events.c.id, events.c.uid).where(events.c.uid.in_(list(uids)))).all())
    source_rows = conn.execute(
        select(
            event_sources.c.event_id, event_sources.c.locator_key, event_sources.c.locator_enc, exhibits.c.ref
        )
        .join(exhibits, exhibits.c.id == event_sources.c.exhibit_id)
        .where(event_sources.c.event_id.in_(list(ids)))
        .order_by(event_sources.c.id)
    )
    for row in source_rows:
        locator = case.fields.open_json(row.locator_enc, f"event_sources.locator:{row.locator_key}")
        uids[ids[row.event_id]].sources.append({"exhibit": row.ref, **locator})
    attach_rows = conn.execute(
        select(event_attachments.c.event_id, exhibits.c.ref)
        .join(exhibits, exhibits.c.id == event_attachments.c.exhibit_id)
        .where(event_attachments.c.event_id.in_(list(ids)))
        .order_by(exhibits.c.number)
    )
    for row in attach_rows:
        uids[ids[row.event_id]].attachments.append(row.ref)


@dataclass
class ExhibitInfo:
    ref: str
    sha256: str
    size: int
    original_name: str
    inside: str | None
    added_at: str
    details: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "sha256": self.sha256,
            "size": self.size,
            "original_name": self.original_name,
            "inside": self.inside,
            "added_at": self.added_at,
        }


def list_exhibits(case: Case) -> Iterator[ExhibitInfo]:
    with case.reader.connect() as conn:
        rows = conn.execute(select(exhibits).order_by(exhibits.c.number)).all()
    for row in rows:
        meta = exhibit_meta(case, row)
        yield ExhibitInfo(
            row.ref,
            meta["sha256"],
            row.size,
            meta.get("original_name", ""),
            meta.get("inside"),
            row.added_at,
            meta,
        )


def summary(case: Case) -> dict[str, Any]:
    with case.reader.connect() as conn:
        by_channel: dict[str, int] = dict(
            conn.execute(select(events.c.channel, func.count()).group_by(events.c.channel)).all()
        )
        by_kind: dict[str, int] = dict(
            conn.execute(select(events.c.kind, func.count()).group_by(events.c.kind)).all()
        )
        span = conn.execute(select(func.min(events.c.occurred_us), func.max(events.c.occurred_us))).one()
        exhibit_count = conn.execute(select(func.count()).select_from(exhibits)).scalar_one()
    first, last = from_micros(span[0]), from_micros(span[1])
    return {
        "events": sum(by_channel.values()),
        "by_channel": by_channel,
        "by_kind": by_kind,
        "first": first.isoformat() if first else None,
        "last": last.isoformat() if last else None,
        "exhibits": exhibit_count,
    }
