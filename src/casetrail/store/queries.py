"""Reading a case: the timeline (filtered, paged), exhibits, and summary counts.

Channels are filtered in SQL, by block; times, kinds, people and words after a block is opened,
because what an event says is sealed and never indexed in the clear.
"""

from __future__ import annotations

import heapq
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from casetrail.model.accounts import event_accounts
from casetrail.model.event import NOTICE_KINDS
from casetrail.model.timestamps import from_micros, to_micros
from casetrail.store.case import Case
from casetrail.store.event_blocks import (
    EVENT,
    StoredEvent,
    identity_range,
    identity_time,
    locator_of,
    open_records,
    split_identities,
    stored_event,
)
from casetrail.store.exhibits import exhibit_meta
from casetrail.store.tables import (
    event_attachments,
    event_blocks,
    event_flags,
    event_sources,
    event_supersedes,
    events,
    exhibits,
)

_CHUNK = 500


@dataclass
class TimelineFilter:
    since: datetime | None = None
    until: datetime | None = None
    channels: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    person: str | None = None
    text: str | None = None
    all_versions: bool = False
    accounts: frozenset[str] | None = None  # a linked person's accounts (store/people.py)
    region: str | None = None  # where national numbers are read, for matching ``accounts``
    with_diary: bool = False  # with ``accounts``: the victim's diary entries are kept too


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
    conversation: int | None = None  # the chat it belongs to, within the case (for grouping)

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


def as_stored(row: TimelineEvent) -> StoredEvent:
    """A timeline row as the analysis reads events (it needs the words and who, not the place)."""
    return StoredEvent(
        bytes.fromhex(row.uid), 0, 0, None, None, row.local_time, row.kind, row.direction, row.sender,
        row.recipients, row.text, row.flags, row.details, row.attachments,
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Block:
    id: int
    exhibit_id: int | None
    channel: str
    first_us: int | None
    last_us: int | None
    untimed: int
    conversation_id: int | None = None


class BlockReader:
    """Opens sealed event blocks on one connection, keeping the most recently opened few."""

    KEEP = 8

    def __init__(self, case: Case, conn: Connection) -> None:
        self.case = case
        self.conn = conn
        self._open: OrderedDict[int, tuple[list[bytes], list[Any]]] = OrderedDict()

    def block(self, block_id: int) -> tuple[list[bytes], list[Any]]:
        """The identities and records of a block, slot by slot."""
        found = self._open.get(block_id)
        if found is not None:
            self._open.move_to_end(block_id)
            return found
        row = self.conn.execute(
            select(event_blocks.c.identities, event_blocks.c.records_enc).where(event_blocks.c.id == block_id)
        ).one()
        records = open_records(self.case.fields, block_id, row.identities, row.records_enc)
        found = self._open[block_id] = (split_identities(row.identities), records)
        if len(self._open) > self.KEEP:
            self._open.popitem(last=False)
        return found

    def events(self, block_id: int) -> Iterator[StoredEvent]:
        """The events whose record lives in this block (not the source records or removed slots)."""
        identities, records = self.block(block_id)
        for slot, record in enumerate(records):
            if record is not None and record[0] == EVENT:
                yield stored_event(identities[slot], block_id, slot, record)


def _blocks(conn: Connection, filt: TimelineFilter) -> list[_Block]:
    query = select(
        event_blocks.c.id,
        event_blocks.c.exhibit_id,
        event_blocks.c.channel,
        event_blocks.c.first_us,
        event_blocks.c.last_us,
        event_blocks.c.untimed,
        event_blocks.c.conversation_id,
    ).order_by(event_blocks.c.id)
    if filt.channels:
        query = query.where(event_blocks.c.channel.in_(filt.channels))
    return [_Block(*row) for row in conn.execute(query)]


def _timed_blocks(blocks: list[_Block], since_us: int | None, until_us: int | None) -> list[_Block]:
    """Blocks holding timed events in the range, in order of their first time."""
    return sorted(
        (
            b
            for b in blocks
            if b.first_us is not None
            and b.last_us is not None
            and (since_us is None or b.last_us >= since_us)
            and (until_us is None or b.first_us < until_us)
        ),
        key=lambda b: (b.first_us, b.id),
    )


def iter_events(
    reader: BlockReader, blocks: list[_Block], since_us: int | None = None, until_us: int | None = None
) -> Iterator[tuple[_Block, StoredEvent]]:
    """Events in time order (events without a time last), across blocks whose times overlap.

    A sweep: blocks are opened in order of their first time, and an event is handed out only once
    no unopened block can hold an earlier one, so memory holds the overlapping blocks, not the case.
    Ties keep the order events were stored in. A time filter leaves out events without a time.
    """
    timed = _timed_blocks(blocks, since_us, until_us)
    low = since_us if since_us is not None else -(1 << 62)
    high = until_us if until_us is not None else 1 << 62
    heap: list[tuple[int, int, int, _Block, StoredEvent]] = []
    position = 0
    while position < len(timed) or heap:
        while position < len(timed) and (not heap or (timed[position].first_us or 0) <= heap[0][0]):
            block = timed[position]
            position += 1
            for event in reader.events(block.id):
                moment = event.occurred_us
                if moment is not None and low <= moment < high:
                    heapq.heappush(heap, (moment, block.id, event.slot, block, event))
        if heap:
            *_order, block, event = heapq.heappop(heap)
            yield block, event
    if since_us is None and until_us is None:
        for block in (b for b in blocks if b.untimed):
            yield from ((block, e) for e in reader.events(block.id) if e.occurred_us is None)


def sourced_events_in_time_order(
    case: Case, filt: TimelineFilter | None = None
) -> Iterator[tuple[str, int | None, str | None, StoredEvent]]:
    """Every timed event of the case (the standing version of an amended diary entry), oldest first,
    streamed, with its channel, conversation and the exhibit it was first read from; ``filt`` keeps
    a part of the case (a pack's dates, channels or people)."""
    filt = filt or TimelineFilter()
    since = to_micros(filt.since) if filt.since else -(1 << 62)
    until = to_micros(filt.until) if filt.until else 1 << 62
    with case.reader.connect() as conn:
        refs = dict(conn.execute(select(exhibits.c.id, exhibits.c.ref)).all())
        superseded = {bytes(old) for (old,) in conn.execute(select(event_supersedes.c.supersedes)).all()}
        reader = BlockReader(case, conn)
        for block, event in iter_events(reader, _blocks(conn, filt), since, until):
            if event.identity in superseded:  # an amended diary entry: its newer version stands
                continue
            if not _matches(filt, event, block.channel):
                continue
            ref = refs.get(block.exhibit_id) if block.exhibit_id is not None else None
            yield block.channel, block.conversation_id, ref, event


def is_diary(event: StoredEvent) -> bool:
    """The victim's own record: no sender, no direction, not an app notice."""
    return event.direction == "n/a" and event.sender is None and event.kind not in NOTICE_KINDS


def _matches(filt: TimelineFilter, event: StoredEvent, channel: str) -> bool:
    if filt.kinds and event.kind not in filt.kinds:
        return False
    if filt.accounts is not None and not (filt.with_diary and is_diary(event)):
        named = event_accounts(channel, event.sender, event.recipients, event.details, filt.region)
        if not any(account.id in filt.accounts for account in named):
            return False
    if filt.person:
        wanted = filt.person.casefold()
        people = [event.sender or "", *event.recipients, event.details.get("people", "")]
        if not any(wanted in p.casefold() for p in people):
            return False
    if filt.text:
        return filt.text.casefold() in (event.text or "").casefold()
    return True


def timeline(
    case: Case, filt: TimelineFilter, offset: int = 0, limit: int | None = 50
) -> list[TimelineEvent]:
    """One page of the timeline, oldest first."""
    page: list[TimelineEvent] = []
    for event in stream_timeline(case, filt, offset):
        page.append(event)
        if limit is not None and len(page) >= limit:
            break
    return page


def stream_timeline(case: Case, filt: TimelineFilter, offset: int = 0) -> Iterator[TimelineEvent]:
    """The timeline, oldest first, streamed a chunk at a time (an export of a million events holds a
    chunk in memory, not the case)."""
    skipped = 0
    since = to_micros(filt.since) if filt.since else None
    until = to_micros(filt.until) if filt.until else None
    with case.reader.connect() as conn:
        reader = BlockReader(case, conn)
        supersedes = {bytes(new): bytes(old) for new, old in conn.execute(select(event_supersedes)).all()}
        superseded = set(supersedes.values())
        refs = dict(conn.execute(select(exhibits.c.id, exhibits.c.ref)).all())
        chunk: list[TimelineEvent] = []
        for block, event in iter_events(reader, _blocks(conn, filt), since, until):
            if not filt.all_versions and event.identity in superseded:
                continue
            if not _matches(filt, event, block.channel):
                continue
            if skipped < offset:
                skipped += 1
                continue
            shown = _event(block, event, supersedes.get(event.identity))
            if event.locator is not None and block.exhibit_id is not None:
                shown.sources.append({"exhibit": refs[block.exhibit_id], **event.locator})
            chunk.append(shown)
            if len(chunk) >= _CHUNK:
                _complete(conn, reader, refs, chunk)
                yield from chunk
                chunk = []
        _complete(conn, reader, refs, chunk)
        yield from chunk


def _event(block: _Block, event: StoredEvent, supersedes: bytes | None) -> TimelineEvent:
    return TimelineEvent(
        uid=event.identity.hex(),
        occurred_at=from_micros(event.occurred_us),
        local_time=event.local_time,
        channel=block.channel,
        kind=event.kind,
        direction=event.direction,
        sender=event.sender,
        recipients=list(event.recipients),
        text=event.text,
        flags=list(event.flags),
        details=dict(event.details),
        supersedes=supersedes.hex() if supersedes else None,
        conversation=block.conversation_id,
    )


def _complete(conn: Connection, reader: BlockReader, refs: dict[int, str], page: list[TimelineEvent]) -> None:
    """Add what lives outside the blocks: flags found later, further sources, attachments."""
    if not page:
        return
    shown = {bytes.fromhex(e.uid): e for e in page}
    wanted = list(shown)
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        flags = conn.execute(
            select(event_flags.c.identity, event_flags.c.flag)
            .where(event_flags.c.identity.in_(chunk))
            .order_by(event_flags.c.identity, event_flags.c.flag)
        )
        for identity, flag in flags:
            if flag not in shown[identity].flags:
                shown[identity].flags.append(flag)
        sources = conn.execute(
            select(event_sources)
            .where(event_sources.c.identity.in_(chunk))
            .order_by(event_sources.c.block_id, event_sources.c.slot)
        )
        for row in sources:
            _identities, records = reader.block(row.block_id)
            locator = locator_of(records[row.slot])
            if locator is not None:
                shown[row.identity].sources.append({"exhibit": refs[row.exhibit_id], **locator})
        attached = conn.execute(
            select(event_attachments.c.identity, exhibits.c.ref)
            .join(exhibits, exhibits.c.id == event_attachments.c.exhibit_id)
            .where(event_attachments.c.identity.in_(chunk))
            .order_by(exhibits.c.number)
        )
        for identity, ref in attached:
            shown[identity].attachments.append(ref)


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
            conn.execute(
                select(event_blocks.c.channel, func.count())
                .select_from(events.join(event_blocks, event_blocks.c.id == events.c.block_id))
                .group_by(event_blocks.c.channel)
            ).all()
        )
        by_kind: dict[str, int] = dict(
            conn.execute(select(events.c.kind, func.count()).group_by(events.c.kind)).all()
        )
        low, high = identity_range(None, None)
        timed = events.c.identity.between(low, high)
        span = conn.execute(
            select(func.min(events.c.identity), func.max(events.c.identity)).where(timed)
        ).one()
        exhibit_count = conn.execute(select(func.count()).select_from(exhibits)).scalar_one()
    first = from_micros(identity_time(span[0])) if span[0] is not None else None
    last = from_micros(identity_time(span[1])) if span[1] is not None else None
    return {
        "events": sum(by_channel.values()),
        "by_channel": by_channel,
        "by_kind": by_kind,
        "first": first.isoformat() if first else None,
        "last": last.isoformat() if last else None,
        "exhibits": exhibit_count,
    }
