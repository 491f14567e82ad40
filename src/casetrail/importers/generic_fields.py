"""One row of the generic format (a CSV row or a JSON event) as an event; shared by both readers.

A field that cannot be read never stops the import: the event keeps what could be read, the field is
named in ``unreadable_fields`` and flagged, so whoever typed the file can see and correct it.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from casetrail.ingest.localtime import to_utc
from casetrail.model.event import Channel, Direction, Kind, Locator, ParsedEvent

COLUMNS = (
    "time",
    "channel",
    "kind",
    "direction",
    "from",
    "to",
    "text",
    "attachment",
    "id",
    "conversation",
    "notes",
)
#: Keys the importer writes itself; a column of the same name is kept as ``column <name>``.
RESERVED = frozenset(
    {
        "source_id",
        "notes",
        "channel_written",
        "kind_written",
        "direction_written",
        "missing_attachments",
        "unreadable_fields",
        "extra_cells",
    }
)
LIST_FIELDS = frozenset({"to", "attachment"})
_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")
_CHANNEL_ALIASES = {"twitter": Channel.X, "e-mail": Channel.EMAIL, "text": Channel.SMS, "call": Channel.PHONE}
_KIND_ALIASES = {
    "incident": Kind.IN_PERSON_INCIDENT,
    "in-person": Kind.IN_PERSON_INCIDENT,
    "deleted": Kind.DELETED,
    "diary": Kind.DIARY_ENTRY,
}
_DIRECTION_ALIASES = {
    "in": Direction.INCOMING,
    "received": Direction.INCOMING,
    "out": Direction.OUTGOING,
    "sent": Direction.OUTGOING,
}

Value = str | list[str] | None


@dataclass(frozen=True)
class Origin:
    """Where the rows come from: the file, the zip member and its folder, the zip's members."""

    file: str
    member: str | None
    folder: str
    members: frozenset[str]
    zone: ZoneInfo

    def place(self, where: str) -> str:
        return f"entry {self.member!r}, {where}" if self.member else where

    def find(self, name: str) -> str | None:
        """The member an ``attachment`` names: beside the data file, else from the zip's top."""
        written = name.replace("\\", "/")
        for base in dict.fromkeys((self.folder, "")):
            joined = posixpath.normpath(posixpath.join(base, written))
            if not joined.startswith(("../", "/")) and joined in self.members:
                return joined
        return None


def _word(value: str) -> str:
    return value.strip().lower().replace(" ", "-").replace("_", "-")


def read_time(written: str, zone: ZoneInfo) -> tuple[datetime | None, tuple[str, ...]]:
    """ISO 8601: with an offset it is exact; without, a wall-clock time in the case's zone."""
    text = written.strip()
    if not text:
        return None, ("time-unreadable",)
    try:
        parsed = datetime.fromisoformat(text)
        if parsed.tzinfo is not None:
            return parsed.astimezone(UTC), ()
        occurred, flags = to_utc(parsed, zone)
    except (ValueError, OverflowError):
        return None, ("time-unreadable",)
    date_only = ("time-date-only",) if _DATE_ONLY.fullmatch(text) else ()
    return occurred, (*date_only, "time-from-local-clock", *flags)


def _one(values: Mapping[str, Value], key: str) -> str:
    value = values.get(key)
    return value if isinstance(value, str) else ""


def _many(values: Mapping[str, Value], key: str) -> list[str]:
    value = values.get(key)
    items = value.split(";") if isinstance(value, str) else (value or [])
    return [item.strip() for item in items if item.strip()]


def _channel(written: str, details: dict[str, str]) -> Channel | None:
    if not written.strip():
        return None
    word = _word(written)
    try:
        return Channel(word)
    except ValueError:
        pass
    if word in _CHANNEL_ALIASES:
        return _CHANNEL_ALIASES[word]
    details["channel_written"] = written
    return Channel.OTHER


def _kind(written: str, details: dict[str, str], unreadable: list[str]) -> Kind | None:
    if not written.strip():
        return None
    word = _word(written)
    try:
        return Kind(word)
    except ValueError:
        pass
    if word in _KIND_ALIASES:
        return _KIND_ALIASES[word]
    details["kind_written"] = written
    unreadable.append("kind")
    return None


def _direction(written: str, details: dict[str, str], unreadable: list[str]) -> Direction:
    if not written.strip():
        return Direction.UNKNOWN
    word = _word(written)
    try:
        return Direction(word)
    except ValueError:
        pass
    if word in _DIRECTION_ALIASES:
        return _DIRECTION_ALIASES[word]
    details["direction_written"] = written
    unreadable.append("direction")
    return Direction.UNKNOWN


def build_event(
    values: Mapping[str, Value],
    extra: Mapping[str, str],
    locator: Locator,
    origin: Origin,
    unreadable: list[str],
    flags: list[str],
    own: Mapping[str, str] | None = None,
) -> ParsedEvent:
    """The event a row describes; ``extra`` holds columns the format does not name (kept as details),
    ``own`` details the reader adds itself."""
    details: dict[str, str] = dict(own or {})
    for key, value in extra.items():
        if value:
            details[f"column {key}" if key in RESERVED or key in details else key] = value
    written_time = _one(values, "time")
    occurred, time_flags = read_time(written_time, origin.zone)
    channel = _channel(_one(values, "channel"), details)
    kind = _kind(_one(values, "kind"), details, unreadable)
    if kind is None:
        kind = Kind.IN_PERSON_INCIDENT if channel is Channel.IN_PERSON else Kind.MESSAGE
    if channel is None:
        channel = Channel.IN_PERSON if kind is Kind.IN_PERSON_INCIDENT else Channel.OTHER
    direction = _direction(_one(values, "direction"), details, unreadable)
    found: list[str] = []
    missing: list[str] = []
    for name in _many(values, "attachment"):
        member = origin.find(name)
        (found if member is not None else missing).append(member or name)
    all_flags = [*time_flags, *flags]
    if missing:
        details["missing_attachments"] = "; ".join(missing)
        all_flags.append("attachment-missing")
    identifier = _one(values, "id").strip()
    if identifier:  # ids are the writer's: unique within a conversation, not across the case
        details["source_id"] = f"generic|{_one(values, 'conversation').strip()}|{identifier}"
    notes = _one(values, "notes")
    if notes:
        details["notes"] = notes
    if unreadable:
        details["unreadable_fields"] = ", ".join(dict.fromkeys(unreadable))
        all_flags.append("field-unreadable")
    sender = _one(values, "from").strip()
    return ParsedEvent(
        occurred_at=occurred,
        local_time=written_time,
        channel=channel,
        kind=kind,
        direction=direction,
        sender=sender or None,
        recipients=tuple(_many(values, "to")),
        text=_one(values, "text"),
        locator=locator,
        attachments=tuple(dict.fromkeys(found)),
        flags=tuple(dict.fromkeys(all_flags)),
        details=details,
        conversation=_one(values, "conversation").strip() or None,
    )
