"""Events from one Signal chat: its ``chat.md`` messages or its ``data.json`` records.

signal-export writes ``data.json`` as JSON lines, one message object a line (``date``, ``sender``,
``body``, ``quote``, ``sticker``, ``reactions``, ``attachments``, ``deleted``, ``call``), beside the same
messages in ``chat.md``. The JSON is preferred: text typed to look like a header line or a reaction
cannot pass for one there.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any
from urllib.parse import unquote
from zoneinfo import ZoneInfo

from casetrail.errors import InputError
from casetrail.importers.signal_text import (
    DELETED_TEXT,
    OWNER_NAMES,
    TextMessage,
    iter_lines,
    local_time,
    read_messages,
    split_parts,
)
from casetrail.ingest.localtime import to_utc
from casetrail.model.event import Channel, Direction, Kind, Locator, ParsedEvent


def _signal_channel() -> Channel:
    """Channel ``signal`` once the model has it; until then ``other`` (the app is named in details)."""
    try:
        return Channel("signal")
    except ValueError:
        return Channel.OTHER


SIGNAL = _signal_channel()


@dataclass(frozen=True)
class Chat:
    """Where one chat's file is and what surrounds it: the zip member, its folder, the zip's members."""

    file: str
    member: str | None
    folder: str  # the chat's folder inside the zip ("" at the top or for a lone file)
    members: frozenset[str]
    conversation: str | None
    zone: ZoneInfo

    def where(self, line: int) -> str:
        return f"entry {self.member!r}, line {line}" if self.member else f"line {line}"

    def resolve(self, target: str) -> str | None:
        """The zip member a link names, relative to the chat's folder; None when it is not there."""
        for written in dict.fromkeys((target, unquote(target))):
            joined = posixpath.normpath(posixpath.join(self.folder, written.replace("\\", "/")))
            if not joined.startswith(("../", "/")) and joined in self.members:
                return joined
        return None


def _span(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}-{last}"


def _direction(sender: str | None) -> Direction:
    return Direction.OUTGOING if sender in OWNER_NAMES else Direction.UNKNOWN


def _attach(chat: Chat, targets: list[str], details: dict[str, str], flags: list[str]) -> tuple[str, ...]:
    found: list[str] = []
    missing: list[str] = []
    for target in targets:
        member = chat.resolve(target)
        (found if member is not None else missing).append(member or target)
    if missing:
        details["missing_media"] = "; ".join(missing)
        flags.append("attachment-missing")
    return tuple(found)


def _base_details() -> dict[str, str]:
    return {} if SIGNAL is not Channel.OTHER else {"app": "signal"}


def text_events(stream: IO[bytes], chat: Chat) -> Iterator[ParsedEvent]:
    """One event per message of a ``chat.md`` or plain-text chat."""
    for message in read_messages(stream, chat.file, chat.member):
        yield _text_event(message, chat)


def _text_event(message: TextMessage, chat: Chat) -> ParsedEvent:
    occurred, time_flags = local_time(message.stamp, chat.zone)
    flags = list(time_flags)
    if message.damaged:
        flags.append("undecodable-bytes")
    parts = split_parts(message.lines)
    details = _base_details()
    for key, value in (("quote", parts.quote), ("reactions", parts.reactions), ("sticker", parts.sticker)):
        if value is not None:
            details[key] = value
    attachments = _attach(chat, [target for _name, target in parts.links], details, flags)
    if parts.links:
        details["attachment_names"] = "; ".join(name for name, _target in parts.links)
    kind = Kind.MESSAGE if message.sender is not None else Kind.SYSTEM
    if message.sender is not None and parts.text == DELETED_TEXT:
        kind = Kind.DELETED
    return ParsedEvent(
        occurred_at=occurred,
        local_time=message.stamp,
        channel=SIGNAL,
        kind=kind,
        direction=_direction(message.sender),
        sender=message.sender,
        recipients=(),
        text=parts.text,
        locator=Locator("line", _span(message.first, message.last), chat.member),
        attachments=attachments,
        flags=tuple(dict.fromkeys(flags)),
        details=details,
        conversation=chat.conversation,
    )


def json_events(stream: IO[bytes], chat: Chat) -> Iterator[ParsedEvent]:
    """One event per line of a ``data.json`` (JSON lines); blank lines are skipped."""
    for line in iter_lines(stream):
        if not line.text.strip():
            continue
        try:
            record = json.loads(line.text)
        except (ValueError, RecursionError) as error:
            problem = f"not a JSON message ({error.__class__.__name__}); perhaps cut off while copying"
            raise InputError(chat.file, chat.where(line.number), problem) from None
        if not isinstance(record, dict):
            raise InputError(chat.file, chat.where(line.number), "the line is not a JSON object")
        yield _json_event(record, line.number, line.damaged, chat)


def _text_field(record: dict[str, Any], key: str, unreadable: list[str]) -> str | None:
    value = record.get(key)
    if value is None or isinstance(value, str):
        return value
    unreadable.append(key)
    return None


def _json_time(written: str | None, zone: ZoneInfo) -> tuple[datetime | None, tuple[str, ...]]:
    if not written:
        return None, ("time-unreadable",)
    try:
        parsed = datetime.fromisoformat(written)
        if parsed.tzinfo is None:
            return to_utc(parsed, zone)
        return parsed.astimezone(UTC), ()
    except (ValueError, OverflowError):
        return None, ("time-unreadable",)


def _reactions(value: Any, unreadable: list[str]) -> str | None:
    """``[[name, emoji], …]`` (or ``{"name", "emoji"}`` objects) as ``"👍 Robin Hale; ❤ Sam Okafor"``."""
    if value in (None, []):
        return None
    shown: list[str] = []
    if isinstance(value, list):
        for item in value:
            if isinstance(item, dict):
                item = [item.get("name"), item.get("emoji")]
            if isinstance(item, list) and len(item) == 2 and all(isinstance(x, str) for x in item):
                shown.append(f"{item[1]} {item[0]}")
            else:
                unreadable.append("reactions")
                break
    else:
        unreadable.append("reactions")
    return "; ".join(shown) or None


def _attachment_targets(value: Any, unreadable: list[str]) -> list[tuple[str, str]]:
    if value in (None, []):
        return []
    found: list[tuple[str, str]] = []
    if isinstance(value, list):
        for item in value:
            if isinstance(item, dict) and isinstance(item.get("path"), str):
                name = item.get("name")
                found.append((name if isinstance(name, str) else "", item["path"]))
            else:
                unreadable.append("attachments")
                break
    else:
        unreadable.append("attachments")
    return found


def _sticker(value: Any, unreadable: list[str]) -> str | None:
    if value in (None, "", {}):
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("emoji", ""), str):
        return value.get("emoji") or "sticker"
    unreadable.append("sticker")
    return None


def _quote(value: str | None) -> str | None:
    """signal-export stores the quote as Markdown (``"\\n\\n> text\\n\\n"``): back to its words."""
    if not value or not value.strip():
        return None
    lines = value.strip("\n").split("\n")
    return "\n".join(line[1:].removeprefix(" ") if line.startswith(">") else line for line in lines)


def _json_event(record: dict[str, Any], number: int, damaged: bool, chat: Chat) -> ParsedEvent:
    unreadable: list[str] = []
    written = _text_field(record, "date", unreadable)
    occurred, time_flags = _json_time(written, chat.zone)
    flags = list(time_flags)
    if damaged:
        flags.append("undecodable-bytes")
    sender = _text_field(record, "sender", unreadable)
    body = (_text_field(record, "body", unreadable) or "").removesuffix("  ")
    details = _base_details()
    quote = _quote(_text_field(record, "quote", unreadable))
    reactions = _reactions(record.get("reactions"), unreadable)
    sticker = _sticker(record.get("sticker"), unreadable)
    for key, value in (("quote", quote), ("reactions", reactions), ("sticker", sticker)):
        if value is not None:
            details[key] = value
    links = _attachment_targets(record.get("attachments"), unreadable)
    attachments = _attach(chat, [target for _name, target in links], details, flags)
    if links:
        details["attachment_names"] = "; ".join(name for name, _target in links)
    kind = Kind.MESSAGE
    if record.get("deleted") is True:
        kind = Kind.DELETED
    elif record.get("call") is True:
        kind = Kind.CALL
        details["call"] = "missed" if record.get("missed") is True else "answered"
    if unreadable:
        details["unreadable_fields"] = ", ".join(dict.fromkeys(unreadable))
        flags.append("field-unreadable")
    return ParsedEvent(
        occurred_at=occurred,
        local_time=written or "",
        channel=SIGNAL,
        kind=kind,
        direction=_direction(sender),
        sender=sender,
        recipients=(),
        text=body,
        locator=Locator("line", str(number), chat.member),
        attachments=attachments,
        flags=tuple(dict.fromkeys(flags)),
        details=details,
        conversation=chat.conversation,
    )
