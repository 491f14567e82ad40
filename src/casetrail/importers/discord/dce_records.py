"""One DiscordChatExporter message object turned into an event.

Every field is checked for its type before use: a field of the wrong type is left out and named in
``details["unreadable_fields"]`` (flagged ``field-unreadable``), so one damaged message still shows up.
Attachment addresses are only looked up among the zip's member names, never fetched or opened.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from casetrail.importers.discord.common import (
    display_name,
    parse_time,
    settle_time,
    short,
    source_id,
    text_of,
)
from casetrail.model.event import Channel, Direction, Kind, Locator, ParsedEvent

MESSAGE_TYPES = frozenset(
    {"Default", "Reply", "ChatInputCommand", "ContextMenuCommand", "ThreadStarterMessage"}
)
SYSTEM_TYPES = frozenset(
    {
        "RecipientAdd",
        "RecipientRemove",
        "ChannelNameChange",
        "ChannelIconChange",
        "ChannelPinnedMessage",
        "GuildMemberJoin",
        "ThreadCreated",
        "ChannelFollowAdd",
        "GuildBoost",
        "GuildBoostTier1",
        "GuildBoostTier2",
        "GuildBoostTier3",
        "AutoModerationAction",
    }
)
DIRECT_CHATS = frozenset({"DirectTextChat", "DirectGroupTextChat"})
ITEMS_KEPT = 100  # reactions, mentions, stickers or embeds shown per message (the rest are counted)
EMBED_KEPT = 500  # characters of an embed's title, description or address kept


@dataclass(frozen=True, slots=True)
class ChatInfo:
    """What every event of one exported channel shares."""

    channel_id: str
    direct: bool
    participants: tuple[tuple[str, str], ...]  # (author key, display) of everyone who wrote
    shared: dict[str, str]  # channel and guild names for every event's details
    member: str | None
    find_media: Callable[[str], str | None]
    zone: ZoneInfo


class _Reader:
    """Typed access to one message's fields, remembering which had the wrong type."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw
        self.unreadable: list[str] = []

    def get(self, key: str, kind: type | tuple[type, ...], raw: dict[str, Any] | None = None) -> Any:
        value = (self.raw if raw is None else raw).get(key)
        if value is None:
            return None
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            self.unreadable.append(key)
            return None
        return value

    def items(self, key: str) -> list[dict[str, Any]]:
        """A list of objects; entries that are not objects are noted as unreadable."""
        values = self.get(key, list) or []
        found = [value for value in values if isinstance(value, dict)]
        if len(found) != len(values):
            self.unreadable.append(key)
        return found


def _user(raw: dict[str, Any]) -> str | None:
    return display_name(text_of(raw.get("name")), text_of(raw.get("discriminator")))


def _listed(parts: list[str], total: int) -> str:
    shown = "; ".join(parts[:ITEMS_KEPT])
    return shown + (f"; … {total - ITEMS_KEPT} more" if total > ITEMS_KEPT else "")


def _author(reader: _Reader, details: dict[str, str]) -> tuple[str | None, str | None]:
    """The sender as shown (``name#1234`` or ``name``) and the author's platform id."""
    author = reader.get("author", dict)
    if author is None:
        return None, None
    author_id = text_of(author.get("id"))
    if author_id:
        details["author_id"] = short(author_id, 40)
    nickname = text_of(author.get("nickname"))
    name = text_of(author.get("name"))
    if nickname and nickname != name:
        details["nickname"] = short(nickname)
    if author.get("isBot") is True:
        details["bot"] = "true"
    return _user(author), author_id


def _reactions(reader: _Reader) -> str | None:
    items = reader.items("reactions")
    readable = []
    for item in items[:ITEMS_KEPT]:
        emoji = item.get("emoji")
        emoji = emoji if isinstance(emoji, dict) else {}
        name = text_of(emoji.get("name")) or "?"
        shown = f":{short(name, 64)}:" if text_of(emoji.get("id")) else short(name, 64)
        count = item.get("count")
        if isinstance(count, int) and not isinstance(count, bool):
            shown += f" ×{count}"
        users = item.get("users")
        if isinstance(users, list):
            names = [_user(user) for user in users[:ITEMS_KEPT] if isinstance(user, dict)]
            shown += f" ({', '.join(n for n in names if n)})" if any(names) else ""
        readable.append(shown)
    return _listed(readable, len(items)) if readable else None


def _attachments(
    reader: _Reader, chat: ChatInfo, details: dict[str, str], flags: list[str]
) -> tuple[list[str], list[str]]:
    """Members found in the zip, and how each attachment is shown when the message has no text."""
    found: list[str] = []
    shown: list[str] = []
    not_kept: list[str] = []
    for item in reader.items("attachments"):
        url = text_of(item.get("url"))
        name = text_of(item.get("fileName")) or (url or "").replace("\\", "/").rsplit("/", 1)[-1]
        shown.append(f"[attachment: {short(name)}]")
        member = chat.find_media(url) if url else None
        if member is not None:
            if member not in found:
                found.append(member)
            continue
        size = item.get("fileSizeBytes")
        sized = f" ({size} bytes)" if isinstance(size, int) and not isinstance(size, bool) else ""
        not_kept.append(f"{short(name)}{sized}: {url or '(no address)'}")
    if not_kept:
        details["attachments_not_kept"] = "\n".join(not_kept)
        flags.append("attachment-not-kept")
    return found, shown


def _stickers(reader: _Reader, details: dict[str, str]) -> list[str]:
    items = reader.items("stickers")
    names = [short(text_of(item.get("name")) or "?", 64) for item in items]
    if names:
        details["stickers"] = _listed(names, len(names))
    return [f"[sticker: {name}]" for name in names[:ITEMS_KEPT]]


def _embeds(reader: _Reader, details: dict[str, str]) -> None:
    items = reader.items("embeds")
    readable = []
    for item in items[:ITEMS_KEPT]:
        parts = [text_of(item.get(key)) for key in ("title", "url", "description")]
        readable.append(" — ".join(short(part, EMBED_KEPT) for part in parts if part) or "(embed)")
    if readable:
        details["embeds"] = _listed(readable, len(items))


def _mentions(reader: _Reader, details: dict[str, str]) -> None:
    items = reader.items("mentions")
    names = [name for name in (_user(item) for item in items) if name]
    if names:
        details["mentions"] = ", ".join(names[:ITEMS_KEPT]) + (" …" if len(names) > ITEMS_KEPT else "")


def _links(reader: _Reader, chat: ChatInfo, details: dict[str, str]) -> None:
    """Replies and slash commands: what the message answers, and who used the command."""
    reference = reader.get("reference", dict)
    if reference is not None:
        replied = text_of(reference.get("messageId"))
        if replied:
            details["reply_to"] = short(replied, 40)
        elsewhere = text_of(reference.get("channelId"))
        if elsewhere and elsewhere != chat.channel_id:
            details["reply_to_channel"] = short(elsewhere, 40)
    interaction = reader.get("interaction", dict)
    if interaction is not None:
        name = text_of(interaction.get("name")) or "?"
        user = interaction.get("user")
        who = _user(user) if isinstance(user, dict) else None
        details["interaction"] = f"/{short(name, 64)}" + (f" used by {who}" if who else "")


def _times(
    reader: _Reader,
    kind: Kind,
    chat: ChatInfo,
    message_id: str | None,
    flags: list[str],
    details: dict[str, str],
) -> tuple[datetime | None, str]:
    written_at, written, assumed = parse_time(reader.raw.get("timestamp"), chat.zone)
    if assumed:
        flags.append("timezone-assumed")
    occurred = settle_time(written_at, message_id, flags, details)
    edited = text_of(reader.raw.get("timestampEdited"))
    if edited:
        flags.append("edited")
        details["edited_at"] = short(edited, 64)
    ended = reader.raw.get("callEndedTimestamp")
    if kind is Kind.CALL and ended is not None:
        ended_at, ended_written, _ = parse_time(ended, chat.zone)
        details["call_ended_at"] = ended_written
        if ended_at is not None and written_at is not None and ended_at >= written_at:
            details["call_duration_s"] = str(int((ended_at - written_at).total_seconds()))
    return occurred, written


def _kind(message_type: str | None) -> Kind:
    if message_type == "Call":
        return Kind.CALL
    return Kind.SYSTEM if message_type in SYSTEM_TYPES else Kind.MESSAGE


def message_event(raw: dict[str, Any], index: int, chat: ChatInfo) -> ParsedEvent:
    """The event for message ``index`` (0-based, as in the file's ``messages`` list)."""
    reader = _Reader(raw)
    flags: list[str] = []
    details: dict[str, str] = dict(chat.shared)
    message_id = text_of(raw.get("id"))
    message_type = reader.get("type", str)
    if message_type and message_type != "Default":
        details["type"] = short(message_type, 64)
    kind = _kind(message_type)
    occurred, written = _times(reader, kind, chat, message_id, flags, details)
    sender, author_id = _author(reader, details)
    content = reader.get("content", str) or ""
    found, shown = _attachments(reader, chat, details, flags)
    shown += _stickers(reader, details)
    _embeds(reader, details)
    _mentions(reader, details)
    _links(reader, chat, details)
    reactions = _reactions(reader)
    if reactions:
        details["reactions"] = reactions
    if reader.get("isPinned", bool):
        details["pinned"] = "true"
    if reader.unreadable:
        details["unreadable_fields"] = ", ".join(dict.fromkeys(reader.unreadable))
        flags.append("field-unreadable")
    identity = source_id(chat.channel_id, message_id, content)
    if identity:
        details["source_id"] = identity
        details["message_key"] = identity.rsplit("|", 1)[0]  # the id without the hash of the words
    return ParsedEvent(
        occurred_at=occurred,
        local_time=written,
        channel=Channel.DISCORD,
        kind=kind,
        direction=Direction.UNKNOWN,
        sender=sender,
        recipients=_recipients(chat, sender, author_id),
        text=content or "\n".join(shown),
        locator=Locator("json-pointer", f"/messages/{index}", chat.member),
        attachments=tuple(found),
        flags=tuple(dict.fromkeys(flags)),
        details=details,
        conversation=chat.channel_id,
    )


def _recipients(chat: ChatInfo, sender: str | None, author_id: str | None) -> tuple[str, ...]:
    """In a direct chat, everyone else seen writing in it; in a server channel, no one in particular."""
    if not chat.direct:
        return ()
    return tuple(
        dict.fromkeys(shown for key, shown in chat.participants if key != author_id and shown != sender)
    )
