"""One message object of a thread file turned into an event.

Every field is checked for its type before use: a field of the wrong type is left out and named in
``details["unreadable_fields"]`` (flagged ``field-unreadable``), so one damaged message still shows up.
Text fields are repaired from Meta's byte-per-character form (see ``mojibake``).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from casetrail.importers.meta.mojibake import repair
from casetrail.model.event import Channel, Direction, Kind, Locator, ParsedEvent

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
EARLIEST_MS = 1_072_915_200_000  # 2004-01-01T00:00:00Z: Facebook did not exist before
WRITTEN_KEPT = 64  # characters of an unreadable ``timestamp_ms`` kept as the local time
MEDIA = (  # field, how a message holding only that is shown
    ("photos", "photo"),
    ("videos", "video"),
    ("audio_files", "audio"),
    ("files", "file"),
    ("gifs", "GIF"),
)
MEDIA_FIELDS = frozenset({*(key for key, _ in MEDIA), "sticker"})
OPTIONAL = frozenset(
    {*MEDIA_FIELDS, "share", "reactions", "is_unsent", "call_duration", "is_geoblocked_for_viewer", "users"}
    | {"type", "ip"}
)
SYSTEM_TYPES = frozenset({"Subscribe", "Unsubscribe"})
# The English wording Meta writes for an unsent message when the export has no ``is_unsent`` field.
_UNSENT = re.compile(r"(?:You|.{1,200}) unsent an? (?:message|attachment)\.?", re.DOTALL)
_UNSENT_LONGEST = 240
_KEPT = ("type", "ip")  # plain fields kept in details as written


@dataclass(frozen=True, slots=True)
class Thread:
    """What every event of one thread file shares."""

    channel: Channel
    conversation: str | None
    participants: tuple[str, ...]
    owner: str | None
    member: str | None
    find_media: Callable[[str], str | None]


def timestamp(raw: Any) -> tuple[datetime | None, str]:
    """UTC time of ``timestamp_ms`` and the value as written; None when it cannot be a real time."""
    if isinstance(raw, bool):
        return None, str(raw).lower()
    if not isinstance(raw, int | Decimal | str):
        return None, ""
    written = str(raw)[:WRITTEN_KEPT]
    if not isinstance(raw, int) or raw < EARLIEST_MS:
        return None, written
    try:
        return _EPOCH + timedelta(milliseconds=raw), written
    except OverflowError:
        return None, written


class _Reader:
    """Typed access to one message's fields, remembering which had the wrong type."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw
        self.present = raw.keys() & OPTIONAL  # most messages hold few of them: skip the rest cheaply
        self.unreadable: list[str] = []

    def get(self, key: str, kind: type | tuple[type, ...]) -> Any:
        value = self.raw.get(key)
        if value is None:
            return None
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            self.unreadable.append(key)
            return None
        return value

    def text(self, key: str) -> str | None:
        value = self.get(key, str)
        return None if value is None else repair(value)


def _media(reader: _Reader, thread: Thread) -> tuple[list[str], list[str], list[str], list[str]]:
    """Members found, uris not found, how media are shown when the message has no text, every uri."""
    uris: list[str] = []
    found: list[str] = []
    missing: list[str] = []
    shown: list[str] = []
    entries: list[tuple[str, Any]] = []
    for key, label in MEDIA:
        items = reader.get(key, list)
        entries.extend((label, item) for item in items or [])
    sticker = reader.get("sticker", dict)
    if sticker is not None:
        entries.append(("sticker", sticker))
    for label, item in entries:
        uri = item.get("uri") if isinstance(item, dict) else None
        if not isinstance(uri, str):
            reader.unreadable.append(f"{label} uri")
            continue
        uris.append(uri)
        member = thread.find_media(uri)
        if member is None:
            missing.append(uri)
        elif member not in found:
            found.append(member)
        shown.append(f"[{label}: {uri.rsplit('/', 1)[-1]}]")
    return found, missing, shown, uris


def _reactions(reader: _Reader) -> str | None:
    items = reader.get("reactions", list)
    if not items:
        return None
    readable = []
    for item in items:
        if not isinstance(item, dict):
            reader.unreadable.append("reactions")
            continue
        reaction, actor = item.get("reaction"), item.get("actor")
        reaction = repair(reaction) if isinstance(reaction, str) else "?"
        actor = repair(actor) if isinstance(actor, str) else "someone"
        readable.append(f"{reaction} {actor}")
    return "; ".join(readable) or None


def _share(reader: _Reader, details: dict[str, str]) -> str | None:
    share = reader.get("share", dict)
    if share is None:
        return None
    link, text = share.get("link"), share.get("share_text")
    if isinstance(text, str) and text:
        details["share_text"] = repair(text)
    if isinstance(link, str) and link:
        details["share_link"] = link
        return f"[shared link: {link}]"
    return None


def _kind(reader: _Reader, content: str, details: dict[str, str], flags: list[str]) -> Kind:
    present = reader.present
    unsent = reader.get("is_unsent", bool) if "is_unsent" in present else None
    worded = len(content) < _UNSENT_LONGEST and _UNSENT.fullmatch(content) is not None
    if unsent or (unsent is None and worded):
        flags.append("unsent-by-sender")
        return Kind.DELETED
    duration = reader.get("call_duration", int) if "call_duration" in present else None
    if duration is not None or details.get("type") == "Call":
        if duration is not None:
            details["call_duration_s"] = str(duration)
            details["call"] = "missed" if duration == 0 else "answered"
        return Kind.CALL
    return Kind.SYSTEM if details.get("type") in SYSTEM_TYPES else Kind.MESSAGE


def _direction(sender: str | None, owner: str | None) -> Direction:
    if owner is None or sender is None:
        return Direction.UNKNOWN
    return Direction.OUTGOING if sender == owner else Direction.INCOMING


def _extras(reader: _Reader, details: dict[str, str], flags: list[str]) -> str | None:
    """Shares, reactions, geoblocking and joins: rarer fields, looked at only when present."""
    present = reader.present
    shared = _share(reader, details) if "share" in present else None
    reactions = _reactions(reader) if "reactions" in present else None
    if reactions:
        details["reactions"] = reactions
    if "is_geoblocked_for_viewer" in present and reader.get("is_geoblocked_for_viewer", bool):
        details["geoblocked_for_viewer"] = "true"
        flags.append("geoblocked-for-viewer")
    users = reader.get("users", list) if "users" in present else None
    if users:
        names = [repair(u["name"]) for u in users if isinstance(u, dict) and isinstance(u.get("name"), str)]
        details["users"] = ", ".join(names)
    return shared


def message_event(raw: dict[str, Any], index: int, thread: Thread) -> ParsedEvent:
    """The event for message ``index`` (0-based, as in the file's ``messages`` list)."""
    reader = _Reader(raw)
    occurred, written = timestamp(raw.get("timestamp_ms"))
    flags: list[str] = [] if occurred is not None else ["time-unreadable"]
    details: dict[str, str] = {}
    for key in _KEPT:
        value = reader.get(key, str) if key in reader.present else None
        if value and value != "Generic":  # "Generic", an ordinary message, is left out
            details[key] = value
    sender = reader.text("sender_name")
    content = reader.text("content") or ""
    kind = _kind(reader, content, details, flags)
    found: list[str] = []
    uris: list[str] = []
    parts = [content] if content else []
    if not reader.present.isdisjoint(MEDIA_FIELDS):
        found, missing, shown, uris = _media(reader, thread)
        parts = parts or shown
        if missing:
            details["missing_media"] = "\n".join(missing)
            flags.append("attachment-missing")
    shared = _extras(reader, details, flags)
    if shared:
        parts.append(shared)
    if reader.unreadable:
        details["unreadable_fields"] = ", ".join(dict.fromkeys(reader.unreadable))
        flags.append("field-unreadable")
    # The identity rule (docs/importers/messenger-instagram.md): media by their uri, which every
    # export writes the same, not by the member found (a lone message_1.json has none).
    said = [thread.conversation, str(kind), sender, written, "\n".join(parts), *uris]
    basis = json.dumps(said, ensure_ascii=False)
    details["source_id"] = "meta|" + hashlib.sha256(basis.encode()).hexdigest()[:32]  # 128 bits: compact
    return ParsedEvent(
        occurred_at=occurred,
        local_time=written,
        channel=thread.channel,
        kind=kind,
        direction=_direction(sender, thread.owner),
        sender=sender,
        recipients=tuple(p for p in thread.participants if p != sender),
        text="\n".join(parts),
        locator=Locator("json-pointer", f"/messages/{index}", thread.member),
        attachments=tuple(found),
        flags=tuple(flags),
        details=details,
        conversation=thread.conversation,
    )
