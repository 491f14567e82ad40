"""What both Discord formats share: times, message ids (snowflakes), how a user is shown, identities.

A Discord id is a "snowflake": its top bits are the milliseconds since 2015-01-01 when the message was
made. Both formats write the time as text too; the id lets the importer check that text, and stands in
for it when it cannot be read.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

DISCORD_EPOCH = datetime(2015, 1, 1, tzinfo=UTC)
FIRST_MESSAGE = datetime(2015, 3, 1, tzinfo=UTC)  # ids making earlier times are not real snowflakes
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
WRITTEN_KEPT = 64  # characters of a time kept as the local time (hostile files can write anything)
NAME_KEPT = 200  # characters of a user or channel name kept (Discord allows 32 and 100)
_SNOWFLAKE = re.compile(r"[0-9]{1,20}")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
AGREE = timedelta(seconds=1)  # a written time without milliseconds still agrees with its id


def text_of(value: Any) -> str | None:
    """A JSON value that should be text, as text: ids may be numbers in hand-made files."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    return None


def short(value: str, limit: int = NAME_KEPT) -> str:
    """A name or id kept for display: control characters replaced, cut to a sane length."""
    cleaned = _CONTROL.sub("?", value)
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def snowflake_time(raw: str | None) -> datetime | None:
    """When a message with this id was made, or None when the id is not a plausible snowflake."""
    if raw is None or not _SNOWFLAKE.fullmatch(raw):
        return None
    at = DISCORD_EPOCH + timedelta(milliseconds=int(raw) >> 22)
    return at if FIRST_MESSAGE <= at < LATEST else None


def parse_time(raw: Any, zone: ZoneInfo) -> tuple[datetime | None, str, bool]:
    """UTC time of an ISO 8601 text, the text as written, and whether its zone had to be assumed.

    A time written without an offset is read in ``zone``; one that cannot be read gives None.
    """
    written = text_of(raw)
    if written is None:
        return None, "", False
    written = written[:WRITTEN_KEPT]
    try:
        parsed = datetime.fromisoformat(written.strip())
    except ValueError:
        return None, written, False
    assumed = parsed.tzinfo is None
    if assumed:
        parsed = parsed.replace(tzinfo=zone)
    try:
        at = parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        return None, written, assumed
    return (at if DISCORD_EPOCH - timedelta(days=1) <= at < LATEST else None), written, assumed


def settle_time(
    written: datetime | None, message_id: str | None, flags: list[str], details: dict[str, str]
) -> datetime | None:
    """The event's time: as written, else from the id (flagged); a disagreement between them is flagged.

    When the written time has no milliseconds but agrees with the id to the second, the id's time is
    used, so one message read from both formats gets the same time (and so the same identity).
    """
    from_id = snowflake_time(message_id)
    if written is None:
        if from_id is None:
            flags.append("time-unreadable")
            return None
        flags.append("time-from-id")
        details["time_from_id"] = from_id.isoformat()
        return from_id
    if from_id is None:
        return written
    if abs(written - from_id) < AGREE:
        return from_id if written.microsecond == 0 else written
    flags.append("time-disagrees-with-id")
    details["time_from_id"] = from_id.isoformat()
    return written


def display_name(name: str | None, discriminator: str | None) -> str | None:
    """``name#1234``, or the bare name for accounts on Discord's newer unique usernames (``0``)."""
    if not name:
        return None
    name = short(name)
    if discriminator and discriminator.strip("0") and len(discriminator) <= 8:
        return f"{name}#{short(discriminator, 8)}"
    return name


def source_id(channel_id: str, message_id: str | None, content: str) -> str | None:
    """The identity both formats give one message: ``discord|<channel>|<message id>|<words hash>``.

    What the message says is part of it, so an export taken after an edit gives a second reading
    that the store keeps beside the first (and flags), instead of one silently standing for both.
    """
    if not message_id:
        return None
    digest = hashlib.sha256(content.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"discord|{channel_id}|{short(message_id, 40)}|{digest}"
