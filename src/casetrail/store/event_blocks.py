"""Events are stored sealed in blocks of about a thousand, each found again by a short keyed identity.

One AEAD seal per event cost more than everything else an import does, so an import seals its
events a block at a time: the block holds, in slot order, a *record* per event it brought (what it
says and where in the original it was read) and a *source record* per event it found again that an
earlier export had brought. The ``events`` table keeps one small row per event: its identity, its
block and slot, and its kind.

An identity is 24 bytes: the event's time as 8 sortable bytes (zero when the source gives no time)
followed by 16 bytes of keyed BLAKE2b over what the event says and its occurrence number among
identical events at that time. Sorting by identity therefore sorts by time, and time ranges are
identity ranges.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import orjson

from casetrail.crypto.fields import FieldCipher, storable
from casetrail.model.event import Direction, Kind, ParsedEvent
from casetrail.model.timestamps import EPOCH

IDENTITY_SIZE = 24
_HASH_SIZE = 16
_TIME_OFFSET = 1 << 62  # keeps every real time (back to 146,000 BC) above the untimed prefix 0
UNTIMED = bytes(8)
REMOVED = bytes(IDENTITY_SIZE)  # an expunged slot's identity
BLOCK_SIZE = 1000
_ZLIB_JSON = b"\x01"  # the format byte of a block's sealed records: zlib-compressed JSON
_SUFFIX_COUNT = 64
_SUFFIXES = [b"#%d" % n for n in range(_SUFFIX_COUNT)]  # "#<occurrence>", ready-made for the common ones

#: Record types, the first item of every record (a removed slot is ``null``).
EVENT, SOURCE = 0, 1
_MICROSECOND = timedelta(microseconds=1)
#: Enum members to their plain text: the driver and pipes take exact ``str`` fast, subclasses slowly.
_PLAIN: dict[str, str] = {str(member): str(member) for member in (*Kind, *Direction)}


def time_prefix(occurred_us: int | None) -> bytes:
    return UNTIMED if occurred_us is None else (occurred_us + _TIME_OFFSET).to_bytes(8, "big")


def identity_time(identity: bytes) -> int | None:
    """The event time an identity starts with (None for an event without a usable time)."""
    prefix = identity[:8]
    return None if prefix == UNTIMED else int.from_bytes(prefix, "big") - _TIME_OFFSET


def identity_range(since_us: int | None, until_us: int | None) -> tuple[bytes, bytes]:
    """Identities of timed events with ``since_us <= time < until_us`` (either bound may be open)."""
    low = time_prefix(since_us) if since_us is not None else (1).to_bytes(8, "big")
    high = time_prefix(until_us) if until_us is not None else b"\xff" * 8
    return low, high


def unambiguous(*parts: str | None) -> str:
    """Join fields so that no two different field lists give the same string (length-prefixed)."""
    return "".join("~" if part is None else f"{len(part)}:{part}" for part in parts)


def _unambiguous(parts: tuple[str | None, ...]) -> str:
    """An identity basis in the length-prefixed encoding (the "L" keeps it apart from the joined one)."""
    return "L" + unambiguous(*parts)


class IdentityMaker:
    """Identities with an occurrence number among identical events at the same time.

    Counters are kept for at least the ``RECENT_TIMES`` most recent distinct times (at most twice as
    many), so memory stays flat on huge files while a line that is slightly out of order still
    continues its time's count.
    The common case (a sender and a text, neither holding the separator, no attachments) joins
    with a separator, which is cheaper than length prefixes; the two encodings start with different
    letters, so they can never produce the same text.
    """

    RECENT_TIMES = 512
    _SEP = "\x1f"

    def __init__(self, key: bytes, conversation: str | None, channel: str) -> None:
        self.key = key
        self.scope = (conversation or "~", str(channel))
        self.seen: dict[int | str, dict[str, int]] = {}
        self._heads: dict[str, str] = {}  # per kind: "S" + scope and kind, joined
        self._keyed = hashlib.blake2b(key=key, digest_size=_HASH_SIZE)  # copied per event: cheaper

    def identity(self, record: list[Any]) -> bytes:
        """The identity of an event record (see :func:`event_record`)."""
        return self.identities([record])[0]

    def identities(self, records: list[list[Any]]) -> list[bytes]:
        """Identities of records in file order; the hot path of large imports, so written flat."""
        found: list[bytes] = []
        seen, heads, sep = self.seen, self._heads, self._SEP
        keyed = self._keyed.copy
        last_when: int | str | None = None
        counts: dict[str, int] = {}
        for record in records:
            occurred_us: int | None = record[4]
            prefix = UNTIMED if occurred_us is None else (occurred_us + _TIME_OFFSET).to_bytes(8, "big")
            if record[12] and record[12].get("source_id"):
                # A platform's own id names a message wherever it is found: outside any one
                # conversation's space, so two views of one chat (a data package, an export) agree.
                basis = _unambiguous(("id", "~", self.scope[1], record[6], record[12]["source_id"]))
                digest = keyed()
                digest.update(basis.encode())
                found.append(prefix + digest.digest())
                continue
            when: int | str = record[5] if occurred_us is None else occurred_us
            if when != last_when:
                last_when = when
                found_counts = seen.get(when)
                if found_counts is None:
                    found_counts = seen[when] = {}
                    if len(seen) > 2 * self.RECENT_TIMES:
                        self._forget()
                counts = found_counts
            kind, sender, text = record[6], record[8], record[10]
            if sender is None or occurred_us is None or record[13] or sep in sender or sep in text:
                parts = (*self.scope, kind, sender, text, *record[13])
                basis = _unambiguous((*parts, record[5]) if occurred_us is None else parts)
            else:
                head = heads.get(kind)
                if head is None:
                    head = heads[kind] = "S" + sep.join((*self.scope, kind)) + sep
                basis = head + sender + sep + text
            occurrence = counts.get(basis, 0)
            counts[basis] = occurrence + 1
            digest = keyed()
            digest.update(basis.encode())
            digest.update(_SUFFIXES[occurrence] if occurrence < _SUFFIX_COUNT else b"#%d" % occurrence)
            found.append(prefix + digest.digest())
        return found

    def _forget(self) -> None:
        """Keep the counters of the ``RECENT_TIMES`` most recent times (pruned in bulk: cheaper)."""
        recent = list(self.seen.items())[-self.RECENT_TIMES :]
        self.seen.clear()
        self.seen.update(recent)


def event_record(event: ParsedEvent) -> list[Any]:
    """What is sealed for a new event: its locator, then what it says (a list, not a dict: compact).

    Only plain values (str, int, None, tuples, a dict of str), so it can also cross a process pipe.
    """
    locator = event.locator
    occurred = event.occurred_at
    return [
        EVENT,
        locator.scheme,
        locator.value,
        locator.member,
        None if occurred is None else (occurred - EPOCH) // _MICROSECOND,
        event.local_time,
        _PLAIN.get(event.kind) or str(event.kind),
        _PLAIN.get(event.direction) or str(event.direction),
        event.sender,
        event.recipients,  # tuples: JSON writes them as arrays
        event.text,
        event.flags,
        event.details,
        event.attachments,
    ]


def source_record(record: list[Any]) -> list[Any]:
    """What is sealed when an export holds an event another export brought: only where it is."""
    return [SOURCE, record[1], record[2], record[3]]


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """An event record read back from its block."""

    identity: bytes
    block_id: int
    slot: int
    locator: dict[str, Any] | None  # None once the exhibit it was read from was expunged
    occurred_us: int | None
    local_time: str
    kind: str
    direction: str
    sender: str | None
    recipients: list[str]
    text: str
    flags: list[str]
    details: dict[str, str]
    attachments: list[str]


def locator_of(record: list[Any]) -> dict[str, Any] | None:
    if record[1] is None:
        return None
    return {"scheme": record[1], "value": record[2], "member": record[3]}


def locator_text(locator: Mapping[str, Any]) -> str:
    """A stored locator (or an event source, which carries one) as people read it: ``member:line 12``,
    the same form as ``Locator.__str__``."""
    inside = f"{locator['member']}:" if locator.get("member") else ""
    return f"{inside}{locator.get('scheme')} {locator.get('value')}"


def stored_event(identity: bytes, block_id: int, slot: int, record: list[Any]) -> StoredEvent:
    return StoredEvent(
        identity,
        block_id,
        slot,
        locator_of(record),
        record[4],
        record[5],
        record[6],
        record[7],
        record[8],
        record[9],
        record[10],
        record[11],
        record[12],
        record[13],
    )


def block_place(block_id: int, identities: bytes) -> str:
    """Associated data: the block's id and a hash of its identity list, so neither can be swapped."""
    return f"event_blocks.records:{block_id}:{hashlib.sha256(identities).hexdigest()}"


def seal_records(fields: FieldCipher, block_id: int, identities: bytes, records: list[Any]) -> bytes:
    """Seal a block's records: JSON (orjson: a dozen times faster than the standard encoder here),
    compressed (zlib, fastest level: chat text shrinks about threefold, and writing less is faster),
    behind a format byte."""
    try:
        encoded = orjson.dumps(records)
    except TypeError:  # a string holding bytes that were not text (crypto.fields.storable)
        encoded = orjson.dumps(storable(records))
    packed = _ZLIB_JSON + zlib.compress(encoded, 1)
    return fields.seal(packed, block_place(block_id, identities))


def open_records(fields: FieldCipher, block_id: int, identities: bytes, sealed: bytes) -> list[Any]:
    packed = fields.open(sealed, block_place(block_id, identities))
    if packed[:1] != _ZLIB_JSON:
        raise ValueError(f"event block {block_id}: unknown record format {packed[:1]!r}")
    records: list[Any] = orjson.loads(zlib.decompress(packed[1:]))
    return records


def split_identities(identities: bytes) -> list[bytes]:
    return [identities[i : i + IDENTITY_SIZE] for i in range(0, len(identities), IDENTITY_SIZE)]
