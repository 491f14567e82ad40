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
import json
from collections import OrderedDict
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from casetrail.crypto.fields import FieldCipher
from casetrail.model.event import Direction, Kind, ParsedEvent
from casetrail.model.timestamps import EPOCH

IDENTITY_SIZE = 24
_HASH_SIZE = 16
_TIME_OFFSET = 1 << 62  # keeps every real time (back to 146,000 BC) above the untimed prefix 0
UNTIMED = bytes(8)
REMOVED = bytes(IDENTITY_SIZE)  # an expunged slot's identity
BLOCK_SIZE = 1000

#: Record types, the first item of every record (a removed slot is ``null``).
EVENT, SOURCE = 0, 1
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
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


def _unambiguous(parts: tuple[str | None, ...]) -> str:
    """Length-prefixed join: no two different part lists give the same text."""
    return "L" + "".join("~" if part is None else f"{len(part)}:{part}" for part in parts)


class IdentityMaker:
    """Identities with an occurrence number among identical events at the same time.

    Counters are kept for the most recent ``RECENT_TIMES`` distinct times only, so memory stays flat
    on huge files while a line that is slightly out of order still continues its time's count.
    The common case (a sender and a text, neither holding the separator, no attachments) joins
    with a separator, which is cheaper than length prefixes; the two encodings start with different
    letters, so they can never produce the same text.
    """

    RECENT_TIMES = 512
    _SEP = "\x1f"

    def __init__(self, key: bytes, conversation: str | None, channel: str) -> None:
        self.key = key
        self.scope = (conversation or "~", str(channel))
        self.seen: OrderedDict[int | str, dict[str, int]] = OrderedDict()
        self._heads: dict[str, str] = {}  # per kind: "S" + scope and kind, joined

    def identity(self, record: list[Any]) -> bytes:
        """The identity of an event record (see :func:`event_record`)."""
        occurred_us: int | None = record[4]
        source_id = record[12].get("source_id") if record[12] else None
        if source_id:
            basis = _unambiguous(("id", *self.scope, record[6], source_id))
            return time_prefix(occurred_us) + self._digest(basis)
        when: int | str = record[5] if occurred_us is None else occurred_us
        counts = self.seen.get(when)
        if counts is None:
            counts = self.seen[when] = {}
            if len(self.seen) > self.RECENT_TIMES:
                self.seen.popitem(last=False)
        basis = self._basis(record)
        occurrence = counts.get(basis, 0)
        counts[basis] = occurrence + 1
        return time_prefix(occurred_us) + self._digest(f"{basis}#{occurrence}")

    def _basis(self, record: list[Any]) -> str:
        """What the event says, as one unambiguous text (the common case joined cheaply)."""
        sep, kind, sender, text, attachments = self._SEP, record[6], record[8], record[10], record[13]
        untimed = record[4] is None
        if sender is None or untimed or attachments or sep in sender or sep in text:
            parts = (*self.scope, kind, sender, text, *attachments)
            return _unambiguous((*parts, record[5]) if untimed else parts)
        head = self._heads.get(kind)
        if head is None:
            head = self._heads[kind] = "S" + sep.join((*self.scope, kind)) + sep
        return str(head + sender + sep + text)

    def _digest(self, basis: str) -> bytes:
        return hashlib.blake2b(basis.encode(), key=self.key, digest_size=_HASH_SIZE).digest()


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
    return fields.seal(_JSON.encode(records).encode(), block_place(block_id, identities))


def open_records(fields: FieldCipher, block_id: int, identities: bytes, sealed: bytes) -> list[Any]:
    records: list[Any] = json.loads(fields.open(sealed, block_place(block_id, identities)))
    return records


def split_identities(identities: bytes) -> list[bytes]:
    return [identities[i : i + IDENTITY_SIZE] for i in range(0, len(identities), IDENTITY_SIZE)]
