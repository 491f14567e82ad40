"""One entry of a chat's ``messages`` list turned into an event.

Every field is checked for its type before use: a field of the wrong type is left out and named in
``details["unreadable_fields"]`` (flagged ``field-unreadable``), so one damaged entry still shows up.
The text is evidence written by someone else and is kept as text, never interpreted.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from casetrail.importers.telegram.reading import plain_id
from casetrail.ingest.localtime import to_utc
from casetrail.model.event import Channel, Direction, Kind, Locator, ParsedEvent

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
EARLIEST = 1_364_774_400  # 2013-04-01T00:00:00Z: Telegram did not exist before
LATEST = 32_503_680_000  # 3000-01-01: anything later is not a time
WRITTEN_KEPT = 64  # characters of a time field kept as written
_SECONDS = re.compile(r"-?[0-9]{1,15}")
_LOCAL = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}")
_NOT_EXPORTED = re.compile(r"\(File .{0,200}\)", re.DOTALL)  # "(File not included. Change data …)"
MEDIA_KEYS = ("photo", "file", "thumbnail", "contact_vcard")
CHANNELS = frozenset({"public_channel", "private_channel"})
PERSONAL = frozenset({"personal_chat", "bot_chat"})
CALLS = frozenset({"phone_call", "group_call"})
_PLAIN_KEPT = (  # scalar fields kept in details as written, under the same name
    "media_type",
    "mime_type",
    "file_name",
    "sticker_emoji",
    "author",
    "via_bot",
    "forwarded_from",
    "saved_from",
    "reply_to_message_id",
    "reply_to_peer_id",
    "discard_reason",
    "title",
    "new_title",
    "inviter",
    "message_id",
    "reason_domain",
    "emoticon",
    "live_location_period_seconds",
    "self_destruct_period_seconds",
)
_LISTED_KEPT = ("members",)  # lists of names kept in details, joined


@dataclass(frozen=True, slots=True)
class Chat:
    """What every entry of one chat shares.

    ``conversation`` is the chat's id as text (or a stand-in when the file gives none); ``owner_id``
    is the export owner's ``from_id`` (``user123``) when a whole account's export names them;
    ``find_media`` maps a path the file writes to a zip member (None for a lone ``result.json``).
    """

    conversation: str | None
    chat_id: str | None
    name: str | None
    type: str | None
    where: str
    member: str | None
    owner_id: str | None
    owner_name: str | None
    zone: ZoneInfo
    find_media: Callable[[str], str | None] | None


class _Reader:
    """Typed access to one entry's fields, remembering which had the wrong type."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw
        self.unreadable: list[str] = []

    def get(self, key: str, kind: type | tuple[type, ...]) -> Any:
        value = self.raw.get(key)
        if value is None:
            return None
        if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _types(kind)):
            self.unreadable.append(key)
            return None
        return value

    def text(self, key: str) -> str | None:
        return self.get(key, str)  # type: ignore[no-any-return]

    def number(self, key: str) -> str | None:
        """A whole number, written as a number or as text, as text."""
        value = self.raw.get(key)
        if value is None:
            return None
        found = plain_id(value)
        if found is None:
            self.unreadable.append(key)
        return found


def _types(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _instant(seconds: str | None) -> datetime | None:
    """UTC time of a count of seconds, None when it cannot be a Telegram time."""
    if seconds is None or not _SECONDS.fullmatch(seconds):
        return None
    value = int(seconds)
    if not EARLIEST <= value < LATEST:
        return None
    return _EPOCH + timedelta(seconds=value)


def _written(value: Any) -> str | None:
    """A time field as written (text or a number), shortened; None when absent or another type."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str | int | Decimal):
        return str(value)[:WRITTEN_KEPT]
    return None


def when(
    reader: _Reader, zone: ZoneInfo, flags: list[str], *, prefix: str = "date"
) -> tuple[datetime | None, str]:
    """The entry's UTC time and its time as written: ``date_unixtime`` first, else ``date`` read in the
    case's time zone (flagged ``time-from-local-clock``)."""
    raw = reader.raw
    seconds = _written(raw.get(f"{prefix}_unixtime"))
    local = _written(raw.get(prefix))
    written = local or seconds or ""
    instant = _instant(seconds)
    if instant is not None:
        return instant, written
    if local is not None and _LOCAL.fullmatch(local):
        try:
            naive = datetime.fromisoformat(local)
        except ValueError:
            naive = None
        if naive is not None:
            moment, doubts = to_utc(naive, zone)
            flags.extend(("time-from-local-clock", *doubts))
            return moment, written
    return None, written


def entity_text(parts: Any, reader: _Reader, key: str) -> str:
    """Plain text from Telegram's list of strings and entities, keeping link targets visible:
    ``text [href]`` for a ``text_link``, ``name [user123]`` for a mention without a username."""
    if isinstance(parts, str):
        return parts
    if not isinstance(parts, list):
        reader.unreadable.append(key)
        return ""
    pieces: list[str] = []
    for part in parts:
        if isinstance(part, str):
            pieces.append(part)
            continue
        shown = part.get("text") if isinstance(part, dict) else None
        if not isinstance(shown, str):
            if key not in reader.unreadable:
                reader.unreadable.append(key)
            continue
        target = part.get("href")
        user = plain_id(part.get("user_id"))
        if isinstance(target, str) and target and target != shown.strip():
            shown = _after(shown, target)
        elif user is not None:
            shown = _after(shown, f"user{user}")
        pieces.append(shown)
    return "".join(pieces)


def _after(shown: str, target: str) -> str:
    """``shown [target]``, before any line breaks that end the shown text."""
    words = shown.rstrip()
    return f"{words} [{target}]{shown[len(words) :]}"


def _media(
    reader: _Reader, chat: Chat, details: dict[str, str], flags: list[str]
) -> tuple[list[str], list[str]]:
    """Members found, and how the media are shown when the entry has no text."""
    found: list[str] = []
    shown: list[str] = []
    missing: list[str] = []
    left_out: list[str] = []
    label = reader.text("media_type") if "media_type" in reader.raw else None
    for key in MEDIA_KEYS:
        path = reader.text(key) if key in reader.raw else None
        if not path:
            continue
        name = label if key == "file" and label else key
        if _NOT_EXPORTED.fullmatch(path):
            left_out.append(key)
            shown.append(f"[{name}: not exported]")
            continue
        member = chat.find_media(path) if chat.find_media is not None else None
        if member is None:
            missing.append(path)
        elif member not in found:
            found.append(member)
        if key != "thumbnail":
            shown.append(f"[{name}: {path.rsplit('/', 1)[-1]}]")
    if missing:
        details["missing_media"] = "\n".join(missing)
        flags.append("attachment-missing")
    if left_out:
        details["not_exported"] = ", ".join(left_out)
        flags.append("attachment-not-exported")
    return found, shown


def _location(reader: _Reader, details: dict[str, str]) -> str | None:
    place = reader.get("location_information", dict) if "location_information" in reader.raw else None
    if place is None:
        return None
    latitude, longitude = place.get("latitude"), place.get("longitude")
    if not all(isinstance(v, int | Decimal) and not isinstance(v, bool) for v in (latitude, longitude)):
        reader.unreadable.append("location_information")
        return None
    details["location"] = f"{latitude},{longitude}"
    return f"[location: {latitude},{longitude}]"


def _contact(reader: _Reader, details: dict[str, str]) -> str | None:
    card = reader.get("contact_information", dict) if "contact_information" in reader.raw else None
    if card is None:
        return None
    parts = [card.get(k) for k in ("first_name", "last_name", "phone_number")]
    name = " ".join(p for p in parts[:2] if isinstance(p, str) and p)
    phone = parts[2] if isinstance(parts[2], str) else ""
    if name:
        details["contact_name"] = name
    if phone:
        details["contact_phone"] = phone
    return f"[contact: {' '.join(p for p in (name, phone) if p)}]"


def _poll(reader: _Reader) -> str | None:
    poll = reader.get("poll", dict) if "poll" in reader.raw else None
    if poll is None:
        return None
    question = poll.get("question")
    lines = [f"[poll] {question if isinstance(question, str) else ''}".rstrip()]
    answers = poll.get("answers")
    for answer in answers if isinstance(answers, list) else []:
        if not isinstance(answer, dict) or not isinstance(answer.get("text"), str):
            continue
        voters = plain_id(answer.get("voters"))
        lines.append(f"- {answer['text']}" + (f" ({voters} votes)" if voters is not None else ""))
    return "\n".join(lines)


def _kept(reader: _Reader, details: dict[str, str]) -> None:
    raw = reader.raw
    for key in _PLAIN_KEPT:
        value = raw.get(key)
        if value is None:
            continue
        if isinstance(value, str | int | Decimal) and not isinstance(value, bool):
            if str(value):
                details[key] = str(value)
        else:
            reader.unreadable.append(key)
    for key in _LISTED_KEPT:
        value = raw.get(key)
        if value is None:
            continue
        if isinstance(value, list):
            details[key] = ", ".join(v if isinstance(v, str) else "(unknown)" for v in value)
        else:
            reader.unreadable.append(key)


def _service(reader: _Reader, action: str | None, details: dict[str, str]) -> tuple[Kind, str]:
    """A service entry: calls are calls, anything else (group created, member added…) a system event."""
    name = action or "unknown"
    details["action"] = name
    duration = reader.number("duration_seconds") if "duration_seconds" in reader.raw else None
    if name in CALLS:
        reason = details.get("discard_reason")
        if duration is not None:
            details["call_duration_s"] = duration
        missed = reason in ("missed", "busy") or (duration is None and reason is not None)
        details["call"] = "missed" if missed else "answered" if duration else "unknown"
        said = [name.replace("_", " ")]
        if duration is not None:
            said.append(f"{duration} s")
        if reason:
            said.append(reason)
        return Kind.CALL, f"[{', '.join(said)}]"
    said = [name.replace("_", " ")]
    for key in ("title", "new_title", "members"):
        if details.get(key):
            said.append(details[key])
    return Kind.SYSTEM, f"[{': '.join(said)}]"


def _people(sender_id: str | None, sender: str | None, chat: Chat) -> tuple[Direction, tuple[str, ...]]:
    """Direction from the owner's id; recipients only for a personal chat (the other person)."""
    if chat.owner_id is None or sender_id is None:
        direction = Direction.UNKNOWN
    else:
        direction = Direction.OUTGOING if sender_id == chat.owner_id else Direction.INCOMING
    if chat.type not in PERSONAL or not chat.name:
        return direction, ()
    from_peer = (sender_id == f"user{chat.chat_id}") if sender_id is not None else sender == chat.name
    if from_peer:
        return direction, (chat.owner_name,) if chat.owner_name else ()
    return direction, (chat.name,)


def _chat_details(chat: Chat) -> dict[str, str]:
    details: dict[str, str] = {}
    if chat.chat_id is not None:
        details["chat_id"] = chat.chat_id
    if chat.name:
        details["chat_name"] = chat.name
    if chat.type:
        details["chat_type"] = chat.type
    return details


def _message_body(
    reader: _Reader, chat: Chat, text: str, shown: list[str], details: dict[str, str]
) -> tuple[Kind, list[str]]:
    """A message's kind and the parts of its text: its words (or its media), then any place, contact
    card or poll it carries."""
    kind = Kind.POST if chat.type in CHANNELS else Kind.MESSAGE
    parts = [text] if text else list(shown)
    if "duration_seconds" in reader.raw:
        duration = reader.number("duration_seconds")
        if duration is not None:
            details["duration_s"] = duration
    extras = [_location(reader, details), _contact(reader, details), _poll(reader)]
    if extras[0] is not None:
        kind = Kind.LOCATION
    elif extras[1] is not None:
        kind = Kind.CONTACT_CARD
    parts.extend(extra for extra in extras if extra)
    return kind, parts


def _text_of(reader: _Reader) -> str:
    """``text``; else, in an export that has only them, ``text_entities``."""
    raw = reader.raw
    if "text" in raw:
        return entity_text(raw["text"], reader, "text")
    if "text_entities" in raw:
        return entity_text(raw["text_entities"], reader, "text_entities")
    return ""


def message_event(raw: dict[str, Any], index: int, chat: Chat) -> ParsedEvent:
    """The event for entry ``index`` (0-based) of the chat's ``messages`` list."""
    reader = _Reader(raw)
    flags: list[str] = []
    occurred, written = when(reader, chat.zone, flags)
    if occurred is None:
        flags.append("time-unreadable")
    details = _chat_details(chat)
    entry_type = reader.text("type")
    service = entry_type == "service"
    if entry_type not in (None, "message", "service"):
        details["type"] = entry_type
    message_id = reader.number("id") if "id" in raw else None
    if message_id is not None:
        details["message_id"] = message_id
    sender_key, id_key = ("actor", "actor_id") if service else ("from", "from_id")
    sender, sender_id = reader.text(sender_key), reader.text(id_key)
    if sender_id:
        details[id_key] = sender_id
    _kept(reader, details)
    if "forwarded_from" in raw:
        flags.append("forwarded")
    _edit(reader, chat.zone, details, flags)
    text = _text_of(reader)
    found, shown = _media(reader, chat, details, flags)
    if service:
        kind, said = _service(reader, reader.text("action"), details)
        parts = [text or said]
    else:
        kind, parts = _message_body(reader, chat, text, shown, details)
    if reader.unreadable:
        details["unreadable_fields"] = ", ".join(dict.fromkeys(reader.unreadable))
        flags.append("field-unreadable")
    said_text = "\n".join(part for part in parts if part)
    if message_id is not None:
        # Telegram's id, and what the message says: an export taken after an edit (or after the text
        # was removed) gives a second reading, kept beside the first and flagged by the store.
        digest = hashlib.sha256(said_text.encode()).hexdigest()[:16]
        details["source_id"] = f"telegram|{chat.conversation}|{message_id}|{digest}"
        details["message_key"] = f"telegram|{chat.conversation}|{message_id}"
    direction, recipients = _people(sender_id, sender, chat)
    return ParsedEvent(
        occurred_at=occurred,
        local_time=written,
        channel=Channel.TELEGRAM,
        kind=kind,
        direction=direction,
        sender=sender or sender_id or None,
        recipients=recipients,
        text=said_text,
        locator=Locator("json-pointer", f"{chat.where}/messages/{index}", chat.member),
        attachments=tuple(found),
        flags=tuple(dict.fromkeys(flags)),
        details=details,
        conversation=chat.conversation,
    )


def _edit(reader: _Reader, zone: ZoneInfo, details: dict[str, str], flags: list[str]) -> None:
    """``edited`` / ``edited_unixtime``: when the sender last changed the message."""
    raw = reader.raw
    if "edited" not in raw and "edited_unixtime" not in raw:
        return
    doubts: list[str] = []
    moment, written = when(reader, zone, doubts, prefix="edited")
    if moment is not None:
        details["edited"] = moment.isoformat().replace("+00:00", "Z")
        if "time-from-local-clock" in doubts:
            details["edited_time_from_local_clock"] = "true"
    if written:
        details["edited_as_written"] = written
    flags.append("edited")
