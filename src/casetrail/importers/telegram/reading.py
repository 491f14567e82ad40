"""Streaming reads of a ``result.json`` with ijson: never the whole file, never a whole chat.

A whole account's export can run to gigabytes and one chat's ``messages`` list to most of that, so
the file is read twice as a stream. The first pass (:func:`scan_export`) checks the shape and
collects what every event needs wherever it is written: the owner (``personal_information``), each
chat's ``id``, ``name`` and ``type`` (Telegram writes them before ``messages``, but a file that does
not still reads), and how many messages each chat holds. The second pass (:func:`iter_messages`)
hands over one message object at a time, using ijson's fast item builder; the counts of the first
pass say which chat each message belongs to.

The first pass keeps its own key path (ijson's dotted prefixes cost memory growing with the square
of the nesting depth) and refuses keys such as ``"messages.item"`` that would imitate the second
pass's prefixes. The guards against ijson's crash on very long integers come from the Messenger
reader (:mod:`casetrail.importers.meta.reading`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from casetrail.importers.meta.reading import (
    ITEM,
    MAX_DEPTH,
    LongDigits,
    Place,
    Stream,
    json_errors,
    parser,
)

SECTIONS = ("chats", "left_chats")  # a whole account's export: {"chats": {"list": [chat, ...]}, ...}
SENDERS_KEPT = 4  # distinct ``from`` names kept per chat: only personal chats (two people) use them
NAME_KEPT = 4096  # characters of a chat's name or the owner's name kept
_OWNER_KEYS = ("user_id", "first_name", "last_name")
_CHAT_KEYS = ("id", "name", "type")
_TOP_DOTTED = ("messages.", "chats.", "left_chats.")
_NO_MESSAGE = 1 << 30  # ``fast`` when no message is open: deeper than any file is allowed to nest


@dataclass
class ChatHead:
    """One chat as the first pass found it: ``where`` is its JSON pointer (``/chats/list/3``)."""

    where: str
    fields: dict[str, Any] = field(default_factory=dict)  # ``id``, ``name``, ``type`` as written
    messages: int = 0
    senders: dict[str, None] = field(default_factory=dict)  # ordered, distinct


@dataclass
class ExportHead:
    """The whole file: a single chat's export (``single``) or a whole account's, and its chats."""

    single: bool = False
    owner: dict[str, Any] = field(default_factory=dict)  # ``personal_information``: ``user_id``, names
    sections: list[tuple[str, list[ChatHead]]] = field(default_factory=list)  # in file order

    @property
    def chats(self) -> Iterator[ChatHead]:
        for _, chats in self.sections:
            yield from chats


class _Scan:
    """The first pass's state: a key path kept by hand, one entry per open container."""

    def __init__(self, place: Place) -> None:
        self.place = place
        self.head = ExportHead()
        self.path: list[object] = []
        self.top_keys: set[str] = set()
        self.section_keys: set[str] = set()
        self.chat_keys: set[str] = set()
        self.chat: ChatHead | None = None
        self.top: dict[str, Any] = {}  # a single chat's id, name and type, wherever written
        self.owner: dict[str, Any] = {}
        self.chats: list[ChatHead] | None = None  # the list of the section being read
        self.fast = _NO_MESSAGE  # the depth from which events are inside a message

    def where(self) -> str | None:
        """The message (or chat) being read when the file broke off."""
        chat = self.chat
        if chat is None:
            return None
        if self.fast != _NO_MESSAGE:
            return f"json-pointer {chat.where}/messages/{chat.messages - 1}"
        return f"json-pointer {chat.where}" if chat.where else None

    def error(self, problem: str) -> Exception:
        return self.place.error(self.where(), problem)

    def run(self, events: Iterator[tuple[str, Any]]) -> None:
        """Walk the parser's events; those inside a message (nearly all of them) take the short way."""
        path = self.path
        for event, value in events:
            depth = len(path)
            if depth < self.fast:
                self.feed(event, value)
            elif event == "map_key":
                path[-1] = value
            elif event == "end_map" or event == "end_array":
                path.pop()
                if depth == self.fast:
                    self.fast = _NO_MESSAGE
            elif event == "start_map" or event == "start_array":
                if depth >= MAX_DEPTH:
                    raise self.error(f"nested more than {MAX_DEPTH} levels deep")
                path.append(None if event == "start_map" else ITEM)
            elif depth == self.fast and event == "string" and path[-1] == "from":
                senders = self.chat.senders if self.chat is not None else None
                if senders is not None and len(senders) < SENDERS_KEPT:
                    senders[value[:NAME_KEPT]] = None

    def feed(self, event: str, value: Any) -> None:
        """An event outside every message: the file's, a section's or a chat's own keys."""
        path = self.path
        if event == "map_key":
            self._key(value)
            path[-1] = value
        elif event in ("end_map", "end_array"):
            self._end()
            path.pop()
        else:
            self._value(event, value)
            if event in ("start_map", "start_array"):
                if len(path) >= MAX_DEPTH:
                    raise self.error(f"nested more than {MAX_DEPTH} levels deep")
                path.append(None if event == "start_map" else ITEM)

    def _key(self, key: str) -> None:
        """Refuse repeated structural keys and keys the second pass's dotted prefixes would misread."""
        path = self.path
        depth = len(path)
        structural: tuple[str, ...]
        dotted: tuple[str, ...]
        if depth == 1:
            seen, structural, dotted = self.top_keys, ("messages", *SECTIONS), _TOP_DOTTED
        elif depth == 2 and path[0] in SECTIONS:
            seen, structural, dotted = self.section_keys, ("list",), ("list.",)
        elif depth == 4 and self._in_chat():
            seen, structural, dotted = self.chat_keys, ("messages",), ("messages.",)
        else:
            return
        if key in structural and key in seen:
            raise self.error(f"the key {key!r} appears twice")
        if key.startswith(dotted):
            raise self.error(f"unexpected key {key[:40]!r} (it would read as part of a list of messages)")
        seen.add(key)

    def _in_chat(self) -> bool:
        """Whether the path runs through a chat of an account's export (``/chats/list/N/…``)."""
        path = self.path
        return len(path) >= 4 and path[0] in SECTIONS and path[1] == "list"

    def _value(self, event: str, value: Any) -> None:
        path = self.path
        depth = len(path)
        if depth == 0:
            if event != "start_map":
                raise self.error("not a Telegram export (the file is not a JSON object)")
        elif depth == 1:
            self._top(path[0], event, value)
        elif depth == 2:
            self._second(path[0], path[1], event, value)
        elif depth == 3 and path[0] in SECTIONS and path[1] == "list":
            if event != "start_map":
                raise self.place.error(f"json-pointer /{path[0]}/list", "a chat is not a JSON object")
            self._new_chat(f"/{path[0]}/list/{len(self.chats or [])}")
        elif depth == 4 and self._in_chat():
            self._chat_value(path[3], event, value)
        elif depth == 5 and self._in_chat() and path[3] == "messages":
            self._message_start(event)

    def _end(self) -> None:
        """A container closes: a chat of an account's export is no longer the one being read."""
        if len(self.path) == 4 and self._in_chat():
            self.chat = None

    def _top(self, key: object, event: str, value: Any) -> None:
        head = self.head
        if key == "messages":
            if self.top_keys & set(SECTIONS):
                raise self.error("the file holds both one chat's 'messages' and an account's 'chats'")
            if event != "start_array":
                raise self.place.error("json-pointer /messages", "'messages' is not a list")
            head.single = True
            self.chat = ChatHead("")
            head.sections.append(("messages", [self.chat]))
        elif key in SECTIONS:
            if head.single:
                raise self.error("the file holds both one chat's 'messages' and an account's 'chats'")
            if event != "start_map":
                raise self.place.error(f"json-pointer /{key}", f"'{key}' is not a JSON object")
            self.section_keys = set()
        elif key in _CHAT_KEYS and _scalar(event):
            self.top.setdefault(str(key), value)

    def _second(self, outer: object, key: object, event: str, value: Any) -> None:
        head = self.head
        if outer == "messages":
            self._message_start(event)
        elif outer in SECTIONS and key == "list":
            if event != "start_array":
                raise self.place.error(f"json-pointer /{outer}/list", "the list of chats is not a list")
            self.chats = []
            head.sections.append((str(outer), self.chats))
        elif outer == "personal_information" and key in _OWNER_KEYS and _scalar(event):
            self.owner.setdefault(str(key), value)

    def _new_chat(self, where: str) -> None:
        self.chat = ChatHead(where)
        self.chat_keys = set()
        if self.chats is not None:
            self.chats.append(self.chat)

    def _chat_value(self, key: object, event: str, value: Any) -> None:
        chat = self.chat
        if chat is None:
            return
        if key == "messages":
            if event != "start_array":
                raise self.place.error(f"json-pointer {chat.where}/messages", "'messages' is not a list")
        elif key in _CHAT_KEYS and _scalar(event):
            chat.fields.setdefault(str(key), value)

    def _message_start(self, event: str) -> None:
        chat = self.chat
        if chat is None:
            return
        if event != "start_map":
            where = f"json-pointer {chat.where}/messages/{chat.messages}"
            raise self.place.error(where, "a message is not a JSON object")
        chat.messages += 1
        self.fast = len(self.path) + 1

    def finish(self) -> ExportHead:
        """The head, with the fields that may have come after the lists put in place."""
        head = self.head
        if head.single:
            head.sections[0][1][0].fields.update(self.top)
        head.owner = dict(self.owner)
        return head


def _scalar(event: str) -> bool:
    return event in ("string", "number", "integer", "double", "boolean", "null")


def scan_export(raw: IO[bytes], place: Place, careful: bool) -> ExportHead:
    """First pass: shape, owner, chats. Raises InputError when the file is not a Telegram export, and
    :class:`LongDigits` when it must be read again with the careful parser."""
    stream = Stream(raw, guard=not careful)
    state = _Scan(place)
    with json_errors(place, stream, state.where):
        state.run(parser(careful).basic_parse(stream))
    head = state.finish()
    if not head.sections:
        if state.top_keys & set(SECTIONS):
            return head  # an account's export whose 'chats' has no list: no chats were exported
        problem = "not a Telegram export (no 'messages' list and no 'chats' section)"
        raise place.error(None, problem)
    return head


def iter_messages(
    raw: IO[bytes], place: Place, careful: bool, section: str, chats: list[ChatHead]
) -> Iterator[tuple[ChatHead, int, dict[str, Any]]]:
    """Second pass over one section: each message with its chat and its index in that chat's list."""
    stream = Stream(raw, guard=not careful)
    prefix = "messages.item" if section == "messages" else f"{section}.list.item.messages.item"
    pending = iter([chat for chat in chats if chat.messages])
    chat = next(pending, None)
    index = 0

    def where() -> str | None:
        return None if chat is None else f"json-pointer {chat.where}/messages/{index}"

    changed = "the file changed while it was read"
    with json_errors(place, stream, where):
        try:
            for item in parser(careful).items(stream, prefix):
                if chat is None or not isinstance(item, dict):  # the first pass refuses these
                    raise place.error(where(), changed)
                yield chat, index, item
                index += 1
                if index >= chat.messages:
                    chat, index = next(pending, None), 0
        except LongDigits:
            raise place.error(where(), changed) from None
    if chat is not None:
        raise place.error(where(), changed)


def plain_id(value: Any) -> str | None:
    """A Telegram id (a whole number, or one written as text) as text; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):  # checked before int(): 1e999999999 would fill the memory
        if not value.is_finite() or value.adjusted() > 20 or value != value.to_integral_value():
            return None
        value = int(value)
    if isinstance(value, int):
        return str(value) if abs(value) < 10**20 else None
    if isinstance(value, str) and 0 < len(value) <= 21 and value.lstrip("-").isdigit() and value.isascii():
        return str(int(value))
    return None
