"""The victim's own diary / incident log, in casetrail's diary JSON format (docs/importers/diary.md).

Entries typed with ``casetrail log`` are kept in the same shape, so a diary kept elsewhere (by an
advocate's form, say) and one typed here read the same way.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from casetrail.errors import InputError
from casetrail.importers.base import ImportContext, Importer, Sniff
from casetrail.ingest.localtime import to_utc
from casetrail.ingest.source import Source
from casetrail.model.event import Channel, Direction, Kind, Locator, ParsedEvent

FORMAT = "casetrail-diary"
MAX_BYTES = 64 * 1024 * 1024
KINDS = {
    "in-person-incident": Kind.IN_PERSON_INCIDENT,
    "diary-entry": Kind.DIARY_ENTRY,
    "call": Kind.CALL,
    "login-alert": Kind.LOGIN_ALERT,
    "follow-request": Kind.FOLLOW_REQUEST,
    "friend-request": Kind.FRIEND_REQUEST,
    "message": Kind.MESSAGE,
    "post": Kind.POST,
    "comment": Kind.COMMENT,
    "email": Kind.EMAIL,
}
TEXT_FIELDS = ("where", "what_happened", "how_it_made_me_feel", "impact", "recorded_at")
LIST_FIELDS = ("people", "witnesses")


def _when(
    entry: dict[str, Any], zone: ZoneInfo, bad: Callable[[str], InputError]
) -> tuple[datetime, tuple[str, ...]]:
    when = entry.get("occurred_at")
    try:
        local = datetime.fromisoformat(str(when))
    except ValueError:
        raise bad(f"'occurred_at' is not a date and time like 2025-03-14T18:40 (got {when!r})") from None
    if local.tzinfo is not None:
        return local.astimezone(ZoneInfo("UTC")), ()
    occurred, flags = to_utc(local, zone)
    if len(str(when)) == 10:  # a date alone: the person did not give a time
        flags = (*flags, "time-not-given")
    return occurred, flags


def _details(entry: dict[str, Any], bad: Callable[[str], InputError]) -> dict[str, str]:
    entry_id = entry.get("id")
    if not isinstance(entry_id, str) or not entry_id:
        raise bad("missing 'id'")
    version = entry.get("version", 1)
    if not isinstance(version, int) or version < 1:
        raise bad("'version' must be a whole number from 1")
    details: dict[str, str] = {"source_id": entry_id if version == 1 else f"{entry_id}#v{version}"}
    if version > 1:
        details["version"] = str(version)
    for name in TEXT_FIELDS:
        value = entry.get(name, "")
        if not isinstance(value, str):
            raise bad(f"'{name}' must be text")
        if value:
            details[name] = value
    for name in LIST_FIELDS:
        items = entry.get(name, [])
        if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
            raise bad(f"'{name}' must be a list of text")
        if items:
            details[name] = "; ".join(items)
    return details


def entry_to_event(entry: Any, pointer: str, zone: ZoneInfo, file: str) -> ParsedEvent:
    """Check one diary entry and turn it into an event; InputError names the entry on any problem."""

    def bad(problem: str) -> InputError:
        return InputError(file, f"entry {pointer}", problem)

    if not isinstance(entry, dict):
        raise bad("each entry must be an object")
    occurred, flags = _when(entry, zone, bad)
    kind = KINDS.get(str(entry.get("kind", "diary-entry")))
    if kind is None:
        raise bad(f"unknown kind {entry.get('kind')!r}")
    try:
        channel = Channel(str(entry.get("channel", "other")))
    except ValueError:
        raise bad(f"unknown channel {entry.get('channel')!r}") from None
    details = _details(entry, bad)
    text = entry.get("what_happened", "")
    if not isinstance(text, str) or not text.strip():
        raise bad("'what_happened' is empty")
    return ParsedEvent(
        occurred_at=occurred,
        local_time=str(entry.get("occurred_at")),
        channel=channel,
        kind=kind,
        direction=Direction.NOT_APPLICABLE,
        sender=None,
        recipients=(),
        text=text,
        locator=Locator("json-pointer", pointer),
        flags=flags,
        details=details,
    )


def _line_column(raw: bytes, offset: int) -> str:
    """Where byte ``offset`` is, as a text editor shows it (the bytes before it are valid UTF-8)."""
    line = raw.count(b"\n", 0, offset) + 1
    column = len(raw[raw.rfind(b"\n", 0, offset) + 1 : offset].decode("utf-8", "replace")) + 1
    return f"line {line} column {column}"


class DiaryImporter(Importer):
    name = "diary"
    version = "1"
    description = "casetrail diary / incident log (JSON)"

    def sniff(self, source: Source) -> Sniff:
        head = source.head(4096)
        if b'"casetrail-diary"' in head and head.lstrip().startswith(b"{"):
            return Sniff(0.95, "casetrail diary JSON")
        return Sniff.no()

    def events(self, source: Source, context: ImportContext) -> Iterator[ParsedEvent]:
        if source.path.stat().st_size > MAX_BYTES:
            raise InputError(source.name, None, f"diary file is larger than {MAX_BYTES} bytes")
        with source.open() as handle:
            raw = handle.read().removeprefix(codecs.BOM_UTF8)
            try:
                data = json.loads(raw.decode("utf-8"))
            except UnicodeDecodeError as exc:
                place = _line_column(raw, exc.start)
                raise InputError(source.name, place, "diary is not UTF-8 text") from None
            except json.JSONDecodeError as exc:
                raise InputError(source.name, f"line {exc.lineno} column {exc.colno}", exc.msg) from None
        if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("version") != 1:
            raise InputError(source.name, None, "not a casetrail diary (format version 1)")
        zone = context.timezone
        if data.get("timezone"):
            try:
                zone = ZoneInfo(str(data["timezone"]))
            except (ZoneInfoNotFoundError, ValueError):
                raise InputError(
                    source.name, "/timezone", f"unknown time zone {data['timezone']!r}"
                ) from None
        entries = data.get("entries")
        if not isinstance(entries, list):
            raise InputError(source.name, "/entries", "'entries' must be a list")
        for index, entry in enumerate(entries):
            yield entry_to_event(entry, f"/entries/{index}", zone, source.name)
