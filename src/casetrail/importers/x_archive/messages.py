"""Direct messages: one entry of a conversation's ``messages`` list turned into an event.

An entry is an object with one key saying what happened: ``messageCreate`` (a message),
``reactionCreate`` (a reaction on its own), or a group event (``joinConversation``,
``participantsJoin``, ``participantsLeave``, ``conversationNameUpdate``), which becomes a system event.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from casetrail.importers.x_archive.fields import Fields, iso_time, links
from casetrail.importers.x_archive.layout import MediaIndex
from casetrail.importers.x_archive.people import People
from casetrail.model.event import Channel, Direction, Kind, Locator, ParsedEvent

MESSAGE = "messageCreate"
REACTION = "reactionCreate"
SYSTEM_EVENTS = ("joinConversation", "participantsJoin", "participantsLeave", "conversationNameUpdate")
_TYPE_KEPT = 64  # characters of an unknown entry type kept


@dataclass(frozen=True, slots=True)
class Conversation:
    """What every entry of one conversation shares."""

    name: str  # the conversationId, or a stand-in when it is missing
    participants: tuple[str, ...]  # user ids, in the order first seen
    group: bool
    member: str | None


@dataclass(frozen=True, slots=True)
class Shared:
    """What every entry of the import shares."""

    people: People
    media: MediaIndex


def direction(people: People, sender: str | None) -> Direction:
    if people.owner_id is None or sender is None:
        return Direction.UNKNOWN
    return Direction.OUTGOING if sender == people.owner_id else Direction.INCOMING


def _reactions(fields: Fields, people: People) -> str | None:
    readable = []
    for item in fields.dicts("reactions"):
        sender = Fields(item).id("senderId")
        key, at = item.get("reactionKey"), item.get("createdAt")
        shown = key if isinstance(key, str) and key else "?"
        by = people.who(sender) if sender else "someone"
        readable.append(f"{shown} by {by}" + (f" at {at[:40]}" if isinstance(at, str) else ""))
    return "; ".join(readable) or None


def _edits(fields: Fields, details: dict[str, str], flags: list[str]) -> None:
    """``editHistory``: earlier versions, kept as written when they are objects with text."""
    history = fields.get("editHistory", list)
    if not history:
        return
    flags.append("edited")
    details["edit_count"] = str(len(history))
    texts = []
    for item in history:
        if isinstance(item, dict):
            text, at = item.get("text"), item.get("createdAt")
            if isinstance(text, str):
                texts.append((f"[{at[:40]}] " if isinstance(at, str) else "") + text)
    if texts:
        details["edit_history"] = "\n".join(texts)


def _message(
    fields: Fields, conversation: Conversation, shared: Shared, details: dict[str, str], flags: list[str]
) -> tuple[str | None, tuple[str, ...], str, tuple[str, ...]]:
    """A ``messageCreate``: sender, recipients, text and attachments."""
    people = shared.people
    message_id, sender = fields.id("id"), fields.id("senderId")
    recipient = fields.id("recipientId")
    # A group message names no recipient: everyone else seen in the conversation.
    to = [recipient] if recipient is not None else [p for p in conversation.participants if p != sender]
    details["recipient_ids"] = ", ".join(to)
    text = fields.text("text")
    urls = fields.strings("mediaUrls")
    found: list[str] = []
    if urls or shared.media:
        found, missing = shared.media.find(message_id, urls) if message_id else ([], urls)
        if missing:
            details["missing_media"] = "\n".join(missing)
            flags.append("attachment-missing")
    if urls:
        details["media_urls"] = "\n".join(urls)
        if not text:
            text = " ".join(f"[media: {url.split('?', 1)[0].rsplit('/', 1)[-1]}]" for url in urls)
    shown = links(fields.dicts("urls"), "expanded")
    if shown:
        details["links"] = shown
    reactions = _reactions(fields, people)
    if reactions:
        details["reactions"] = reactions
    _edits(fields, details, flags)
    if message_id:
        details["message_id"] = message_id
        # The id and what the message says: an export taken after an edit gives a second reading,
        # kept beside the first and flagged by the store (docs/importers/x-archive.md).
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]
        details["source_id"] = f"x|dm|{message_id}|{digest}"
        details["message_key"] = f"x|dm|{message_id}"
    return sender, tuple(people.who(p) for p in to), text, tuple(found)


def _named(people: People, ids: list[str]) -> str:
    return ", ".join(people.who(p) for p in ids) or "someone"


def _system(kind: str, fields: Fields, people: People, details: dict[str, str]) -> tuple[str | None, str]:
    """A group event: who did it and what it says."""
    initiator = fields.id("initiatingUserId")
    by = people.who(initiator) if initiator else "someone"
    if kind == "joinConversation":
        members = fields.ids("participantsSnapshot")
        details["participant_ids"] = ", ".join(members)
        return (
            initiator,
            f"[{by} added the account's owner to the group; members then: {_named(people, members)}]",
        )
    if kind == "participantsJoin":
        joined = fields.ids("userIds")
        details["user_ids"] = ", ".join(joined)
        return initiator, f"[{by} added {_named(people, joined)}]"
    if kind == "participantsLeave":
        left = fields.ids("userIds")
        details["user_ids"] = ", ".join(left)
        return (left[0] if len(left) == 1 else None), f"[{_named(people, left)} left the group]"
    name = fields.text("name")
    details["group_name"] = name
    return initiator, f"[{by} named the group: {name}]"


def _reaction(fields: Fields, people: People, details: dict[str, str]) -> tuple[str | None, str]:
    sender = fields.id("senderId")
    key = fields.text("reactionKey") or "?"
    target = fields.id("messageId")
    if target:
        details["reacted_to"] = target
    event_id = fields.id("eventId")
    if event_id:
        details["source_id"] = f"x|dm|reaction-{event_id}"
    return sender, f"[reaction: {key}]"


def _entry_type(entry: dict[str, Any]) -> tuple[str, dict[str, Any] | None]:
    """The entry's one key and its object (None when it is not an object)."""
    for key, value in entry.items():
        return key, value if isinstance(value, dict) else None
    return "", None


def dm_event(entry: dict[str, Any], pointer: str, conversation: Conversation, shared: Shared) -> ParsedEvent:
    """The event for one entry of a conversation's ``messages`` list."""
    kind_name, body = _entry_type(entry)
    fields = Fields(body or {})
    if body is None:
        fields.unreadable.append(kind_name[:_TYPE_KEPT] or "entry")
    occurred, written = iso_time(fields.raw.get("createdAt"))
    flags: list[str] = [] if occurred is not None else ["time-unreadable"]
    details: dict[str, str] = {"conversation_id": conversation.name}
    people = shared.people
    recipients: tuple[str, ...] = ()
    attachments: tuple[str, ...] = ()
    kind = Kind.SYSTEM
    if kind_name == MESSAGE:
        kind = Kind.MESSAGE
        sender, recipients, text, attachments = _message(fields, conversation, shared, details, flags)
    elif kind_name == REACTION:
        kind = Kind.MESSAGE
        sender, text = _reaction(fields, people, details)
        recipients = tuple(people.who(p) for p in conversation.participants if p != sender)
    elif kind_name in SYSTEM_EVENTS:
        sender, text = _system(kind_name, fields, people, details)
    else:
        sender, text = None, f"[{kind_name[:_TYPE_KEPT]}]"
    details["entry_type"] = kind_name[:_TYPE_KEPT]
    if sender:
        details["sender_id"] = sender
    fields.finish(details, flags)
    return ParsedEvent(
        occurred_at=occurred,
        local_time=written,
        channel=Channel.X,
        kind=kind,
        direction=direction(people, sender),
        sender=people.who(sender) if sender else None,
        recipients=recipients,
        text=text,
        locator=Locator("json-pointer", pointer, conversation.member),
        attachments=attachments,
        flags=tuple(flags),
        details=details,
        conversation=conversation.name,
    )
