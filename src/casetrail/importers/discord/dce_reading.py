"""Streaming reads of one DiscordChatExporter JSON file, in two passes, never the whole file at once.

The first pass walks the parser's events by hand (no ijson prefixes: their memory grows with the
square of the nesting depth) to check the shape, refuse deep nesting, and pick up what every event
needs: ``guild`` and ``channel`` (DiscordChatExporter writes them before the messages, but a file
rewritten by another tool may not) and the authors seen, which are a direct chat's participants. The
second pass hands over one message object at a time. The parser guards (long digit runs, errors
naming the place) are the Messenger importer's, shared.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from casetrail.importers.discord.common import short, text_of
from casetrail.importers.meta.reading import (
    ITEM,
    MAX_DEPTH,
    Place,
    Stream,
    json_errors,
    parser,
)

AUTHORS_KEPT = 256  # distinct authors kept as a direct chat's participants (group DMs hold at most 10)
FIELD_KEPT = 1000  # characters of a guild or channel field kept (a topic may hold 1024)
_HEAD_KEYS = ("guild", "channel", "messages", "messageCount")
_AUTHOR_FIELDS = ("id", "name", "discriminator")


@dataclass
class ChatHead:
    """What the first pass found: the guild and channel fields, the authors, the number of messages."""

    guild: dict[str, str] = field(default_factory=dict)
    channel: dict[str, str] = field(default_factory=dict)
    authors: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)  # key → name, discr.
    messages: int = 0
    message_count: str | None = None  # ``messageCount`` as written


class _Scan:
    """The first pass's state: a key path kept by hand, one entry per open container."""

    def __init__(self, place: Place) -> None:
        self.place = place
        self.head = ChatHead()
        self.path: list[object] = []
        self.top_keys: set[str] = set()
        self.messages_seen = False
        self.author: dict[str, str] = {}

    def where(self) -> str | None:
        path = self.path
        if not path or path[0] != "messages":
            return None
        inside = len(path) >= 3 and self.head.messages > 0
        return f"json-pointer /messages/{self.head.messages - 1 if inside else self.head.messages}"

    def run(self, events: Iterator[tuple[str, Any]]) -> None:
        """Walk the parser's events; those inside a message (most of them) take the short way."""
        path, feed, deepest = self.path, self.feed, MAX_DEPTH
        author = self.author
        for event, value in events:
            depth = len(path)
            if depth < 3:
                feed(event, value)
            elif event == "map_key":
                path[-1] = value
            elif event == "end_map" or event == "end_array":
                path.pop()
                if depth == 3 and path[0] == "messages":
                    self._commit_author()
            elif event == "start_map" or event == "start_array":
                if depth >= deepest:
                    raise self.place.error(self.where(), f"nested more than {MAX_DEPTH} levels deep")
                path.append(None if event == "start_map" else ITEM)
            elif depth == 4 and path[2] == "author" and path[0] == "messages":
                key = path[3]
                if key in _AUTHOR_FIELDS:
                    written = text_of(value)
                    if written is not None:
                        author[key] = written

    def feed(self, event: str, value: Any) -> None:
        path = self.path
        if event == "map_key":
            if len(path) == 1:
                self._top_key(value)
            path[-1] = value
        elif event in ("end_map", "end_array"):
            path.pop()
        else:
            self._value(event, value)
            if event in ("start_map", "start_array"):
                path.append(None if event == "start_map" else ITEM)

    def _top_key(self, key: str) -> None:
        if key in self.top_keys and key in _HEAD_KEYS:
            raise self.place.error(None, f"the key {key!r} appears twice in the export")
        if key.startswith("messages."):  # would read as part of the messages list in the second pass
            raise self.place.error(None, f"unexpected key {short(key, 40)!r} beside the export's own keys")
        self.top_keys.add(key)

    def _value(self, event: str, value: Any) -> None:
        path = self.path
        depth = len(path)
        if depth == 0:
            if event != "start_map":
                raise self.place.error(
                    None, "not a DiscordChatExporter export (the file is not a JSON object)"
                )
        elif depth == 1:
            key = path[0]
            if key == "messages":
                self.messages_seen = True
                if event != "start_array":
                    raise self.place.error("json-pointer /messages", "'messages' is not a list")
            elif key == "messageCount":
                self.head.message_count = short(str(value), 40) if event in ("number", "string") else None
        elif depth == 2:
            key = path[0]
            if key == "messages":
                if event != "start_map":
                    raise self.place.error(self.where(), "a message is not a JSON object")
                self.head.messages += 1
                self.author.clear()
            elif key in ("guild", "channel") and isinstance(path[1], str):
                written = text_of(value) if event in ("string", "number") else None
                if written is not None:
                    kept = self.head.guild if key == "guild" else self.head.channel
                    kept[path[1]] = short(written, FIELD_KEPT)

    def _commit_author(self) -> None:
        """At the end of a message: remember its author, keyed by id (else by name)."""
        author, authors = self.author, self.head.authors
        key = author.get("id") or author.get("name")
        if key and key not in authors and len(authors) < AUTHORS_KEPT:
            authors[key] = (author.get("name"), author.get("discriminator"))


def scan_chat(raw: IO[bytes], place: Place, careful: bool) -> ChatHead:
    """First pass: guild, channel, authors and shape. Raises InputError when the file is not an
    export, and :class:`LongDigits` when it must be read again with the careful parser."""
    stream = Stream(raw, guard=not careful)
    state = _Scan(place)
    with json_errors(place, stream, state.where):
        state.run(parser(careful).basic_parse(stream))
    if not state.messages_seen:
        raise place.error(None, "not a DiscordChatExporter export (it has no 'messages' list)")
    return state.head
