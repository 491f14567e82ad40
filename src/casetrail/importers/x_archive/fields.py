"""Typed access to one record's fields, and the two ways an X archive writes a time.

A field of the wrong type is left out and named in ``details["unreadable_fields"]`` (flagged
``field-unreadable``), so one damaged record still shows up.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from casetrail.importers.x_archive.people import user_id

WRITTEN_KEPT = 64  # characters of a time kept as the local time
_ISO = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?(?:Z|[+-][0-9]{2}:[0-9]{2})"
)
# Tweets keep Twitter's old API form, "Wed Oct 10 20:19:24 +0000 2018", read here without the locale
# (strptime's %a and %b follow it).
_API = re.compile(
    r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([A-Z][a-z]{2}) ([0-9]{2}) ([0-9]{2}):([0-9]{2}):([0-9]{2}) "
    r"([+-][0-9]{4}) ([0-9]{4})"
)
_MONTHS = {
    name: number
    for number, name in enumerate(
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1
    )
}


def iso_time(raw: Any) -> tuple[datetime | None, str]:
    """``2025-04-12T19:05:00.000Z`` (messages, the account) as UTC, and the text as written."""
    if not isinstance(raw, str):
        return None, ""
    written = raw[:WRITTEN_KEPT]
    if not _ISO.fullmatch(raw):
        return None, written
    try:
        return datetime.fromisoformat(raw).astimezone(UTC), written
    except ValueError:
        return None, written


def api_time(raw: Any) -> tuple[datetime | None, str]:
    """``Wed Oct 10 20:19:24 +0000 2018`` (tweets) as UTC, and the text as written."""
    if not isinstance(raw, str):
        return None, ""
    written = raw[:WRITTEN_KEPT]
    found = _API.fullmatch(raw)
    month = _MONTHS.get(found.group(1)) if found else None
    if found is None or month is None:
        return None, written
    day, hour, minute, second, offset, year = found.groups()[1:]
    try:
        local = datetime.fromisoformat(
            f"{year}-{month:02d}-{day}T{hour}:{minute}:{second}{offset[:3]}:{offset[3:]}"
        )
        return local.astimezone(UTC), written
    except ValueError:
        return None, written


class Fields:
    """One record's fields, read with their types checked; remembers which were wrong."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw
        self.unreadable: list[str] = []

    def get(self, key: str, kind: type | tuple[type, ...]) -> Any:
        value = self.raw.get(key)
        if value is None:
            return None
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            self.unreadable.append(key)
            return None
        return value

    def text(self, key: str) -> str:
        value = self.get(key, str)
        return value if value is not None else ""

    def id(self, key: str) -> str | None:
        """An id field (text of digits; a number is taken too), None when absent or unreadable."""
        value = self.raw.get(key)
        if value is None:
            return None
        found = user_id(value)
        if found is None:
            self.unreadable.append(key)
        return found

    def ids(self, key: str) -> list[str]:
        items = self.get(key, list) or []
        found = [user_id(item) for item in items]
        if None in found:
            self.unreadable.append(key)
        return [item for item in found if item is not None]

    def dicts(self, key: str, holder: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """A list of objects (from ``holder`` when given, e.g. a tweet's ``entities``)."""
        value = (self.raw if holder is None else holder).get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.unreadable.append(key)
            return []
        if not value:
            return []
        if not all(isinstance(item, dict) for item in value):
            self.unreadable.append(key)
        return [item for item in value if isinstance(item, dict)]

    def strings(self, key: str) -> list[str]:
        items = self.get(key, list)
        if not items:
            return []
        if not all(isinstance(item, str) for item in items):
            self.unreadable.append(key)
        return [item for item in items if isinstance(item, str)]

    def finish(self, details: dict[str, str], flags: list[str]) -> None:
        if self.unreadable:
            details["unreadable_fields"] = ", ".join(dict.fromkeys(self.unreadable))
            flags.append("field-unreadable")


def links(items: list[dict[str, Any]], expanded_key: str) -> str | None:
    """Short links and where they lead, one per line (``https://t.co/x → https://example.org/a``)."""
    lines = []
    for item in items:
        short, long = item.get("url"), item.get(expanded_key)
        if isinstance(short, str) and isinstance(long, str) and long:
            lines.append(f"{short} → {long}")
    return "\n".join(lines) or None
