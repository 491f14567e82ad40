"""Streaming reads of one thread file (``message_1.json``) with ijson, never the whole file at once.

Exports reach hundreds of megabytes, so a thread is read twice as a stream: a first pass collects what
every event needs (participants, title, ``thread_path``, which may come after the messages) and checks
the shape; the second builds one message at a time. The first pass keeps its own key path: ijson's
dotted prefixes cost memory growing with the square of the nesting depth, and a hostile key such as
``"messages.item"`` could imitate one (so such keys are refused before the second pass relies on them).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Any

import ijson

from casetrail.errors import InputError

BOM = b"\xef\xbb\xbf"
SENDERS_KEPT = 256  # names kept from ``sender_name`` when a file has no participants list
PARTICIPANTS_KEPT = 1000  # Messenger and Instagram groups hold at most 250 people
MAX_DEPTH = 32  # thread files nest about 5 deep; ijson's dotted prefixes grow with the square of depth
# ijson's C backend crashes the process on an integer longer than Python converts (4300 digits by
# default, 640 at the lowest setting), so any file holding a run of digits this long, even inside a
# message's text, is read with ijson's slower pure-Python backend, which reports it as an error.
LONG_DIGITS = 600
_DIGITS_AS_ZERO = bytes(48 if 48 <= byte <= 57 else 32 for byte in range(256))
_DIGIT_RUN = b"0" * LONG_DIGITS
ITEM = object()  # stands for an array position in a key path (unlike any text, no key can equal it)
_UNPRINTABLE = re.compile(r"[^\x20-\x7e]")
_TOP_KEYS = ("messages", "participants", "title", "thread_path")


class LongDigits(Exception):
    """A run of digits long enough to crash the C parser: read this file with the careful backend."""


class Stream:
    """A binary stream without a leading UTF-8 byte order mark, counting the bytes read.

    With ``guard`` it raises :class:`LongDigits` before handing the parser a chunk holding a long
    run of digits (the tail of the previous chunk is searched with it, so a run cannot hide across
    the boundary).
    """

    def __init__(self, raw: IO[bytes], *, guard: bool) -> None:
        self._raw = raw
        self._guard = guard
        self._tail = b""
        head = raw.read(len(BOM))
        self._pending = head[len(BOM) :] if head.startswith(BOM) else head
        self.offset = len(head) - len(self._pending)

    def read(self, size: int = -1) -> bytes:
        if size == 0:
            return b""
        if self._pending:
            data, self._pending = self._pending, b""
        else:
            data = self._raw.read(size)
        if self._guard:
            joined = self._tail + data
            if _DIGIT_RUN in joined.translate(_DIGITS_AS_ZERO):  # C speed, unlike a regex here
                raise LongDigits
            self._tail = joined[-LONG_DIGITS:]
        self.offset += len(data)
        return data


def parser(careful: bool) -> Any:
    """ijson's fast C backend, or its pure-Python one for files the C one cannot read safely."""
    return ijson.get_backend("python") if careful else ijson


@dataclass
class ThreadHead:
    """What the first pass found: the thread's metadata and how many messages it holds."""

    participants: list[str] = field(default_factory=list)
    title: str | None = None
    thread_path: str | None = None
    senders: dict[str, None] = field(default_factory=dict)  # ordered, distinct
    messages: int = 0


@dataclass(frozen=True, slots=True)
class Place:
    """How an error names where it happened: the file, and the zip member when there is one."""

    file: str
    member: str | None

    def at(self, where: str | None) -> str | None:
        if self.member is None:
            return where
        return f"entry {self.member!r}" + (f", {where}" if where else "")

    def error(self, where: str | None, problem: str) -> InputError:
        return InputError(self.file, self.at(where), problem)


def _parser_problem(error: Exception) -> str:
    """The parser's own first line, shortened and printable (its later lines quote hostile text)."""
    lines = str(error).strip().splitlines()
    first = lines[0].removeprefix("b'").removeprefix('b"') if lines else "unreadable"
    return _UNPRINTABLE.sub("?", first[:60])


@contextmanager
def json_errors(place: Place, stream: Stream, where: Callable[[], str | None]) -> Iterator[None]:
    """Turn the parser's errors into an InputError naming the file, the member and the place."""
    try:
        yield
    except ijson.JSONError as error:
        spot = where() or f"before byte {stream.offset}"
        problem = f"not complete or valid JSON ({_parser_problem(error)}); perhaps cut off while copying"
        raise place.error(spot, problem) from None
    except (ValueError, RecursionError) as error:  # a number too long to convert, bad UTF-8
        spot = where() or f"before byte {stream.offset}"
        problem = f"cannot be read as JSON ({error.__class__.__name__}: {_parser_problem(error)})"
        raise place.error(spot, problem) from None


class _Scan:
    """The first pass's state: a key path kept by hand (ijson's own prefixes cost depth squared)."""

    def __init__(self, place: Place) -> None:
        self.place = place
        self.head = ThreadHead()
        self.path: list[object] = []  # per open container: its current key, or ITEM in arrays
        self.top_keys: set[str] = set()
        self.messages_seen = False

    def where(self) -> str | None:
        """The message being read when the file broke off, when it broke inside the messages list."""
        path = self.path
        if not path or path[0] != "messages":
            return None
        inside = len(path) >= 3 and self.head.messages > 0
        return f"json-pointer /messages/{self.head.messages - 1 if inside else self.head.messages}"

    def run(self, events: Iterator[tuple[str, Any]]) -> None:
        """Walk the parser's events; those inside a message (most of them) take the short way."""
        path, feed, deepest = self.path, self.feed, MAX_DEPTH
        for event, value in events:
            depth = len(path)
            if depth < 3:
                feed(event, value)
            elif event == "map_key":
                path[-1] = value
            elif event == "end_map" or event == "end_array":
                path.pop()
            elif event == "start_map" or event == "start_array":
                if depth >= deepest:
                    raise self.place.error(self.where(), f"nested more than {MAX_DEPTH} levels deep")
                path.append(None if event == "start_map" else ITEM)
            elif depth == 3 and event == "string" and path[1] is ITEM:
                self._name(path[0], path[2], value)

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
                if len(path) >= MAX_DEPTH:
                    raise self.place.error(self.where(), f"nested more than {MAX_DEPTH} levels deep")
                path.append(None if event == "start_map" else ITEM)

    def _top_key(self, key: str) -> None:
        if key in self.top_keys and key in _TOP_KEYS:
            raise self.place.error(None, f"the key {key!r} appears twice in the thread")
        if key.startswith("messages."):  # would read as part of the messages list in the second pass
            raise self.place.error(None, f"unexpected key {key[:40]!r} beside the thread's own keys")
        self.top_keys.add(key)

    def _value(self, event: str, value: Any) -> None:
        path = self.path
        depth = len(path)
        if depth == 0:
            if event != "start_map":
                problem = "not a Messenger or Instagram thread (the file is not a JSON object)"
                raise self.place.error(None, problem)
        elif depth == 1:
            self._top_value(path[0], event, value)
        elif depth == 2 and path[0] == "messages":
            if event != "start_map":
                raise self.place.error(self.where(), "a message is not a JSON object")
            self.head.messages += 1
        elif depth == 3 and event == "string" and path[1] is ITEM:
            self._name(path[0], path[2], value)

    def _top_value(self, key: object, event: str, value: Any) -> None:
        head = self.head
        if key == "messages":
            self.messages_seen = True
            if event != "start_array":
                raise self.place.error("json-pointer /messages", "'messages' is not a list")
        elif key == "title" and event == "string":
            head.title = value
        elif key == "thread_path" and event == "string":
            head.thread_path = value

    def _name(self, outer: object, key: object, value: str) -> None:
        head = self.head
        if outer == "messages" and key == "sender_name" and len(head.senders) < SENDERS_KEPT:
            head.senders[value] = None
        elif outer == "participants" and key == "name" and len(head.participants) < PARTICIPANTS_KEPT:
            head.participants.append(value)


def scan_thread(raw: IO[bytes], place: Place, careful: bool) -> ThreadHead:
    """First pass: metadata and shape. Raises InputError when the file is not a thread file, and
    :class:`LongDigits` when it must be read again carefully."""
    stream = Stream(raw, guard=not careful)
    state = _Scan(place)
    with json_errors(place, stream, state.where):
        state.run(parser(careful).basic_parse(stream))
    if not state.messages_seen:
        raise place.error(None, "not a Messenger or Instagram thread (it has no 'messages' list)")
    return state.head


def iter_messages(raw: IO[bytes], place: Place, careful: bool) -> Iterator[tuple[int, dict[str, Any]]]:
    """Second pass: each message object with its index in the ``messages`` list, one at a time."""
    stream = Stream(raw, guard=not careful)
    index = 0
    with json_errors(place, stream, lambda: f"json-pointer /messages/{index}"):
        try:
            for item in parser(careful).items(stream, "messages.item"):
                if not isinstance(item, dict):  # the first pass refuses this: the file has changed
                    raise place.error(f"json-pointer /messages/{index}", "a message is not a JSON object")
                yield index, item
                index += 1
        except LongDigits:  # the first pass found none: the file has changed
            where = f"json-pointer /messages/{index}"
            raise place.error(where, "the file changed while it was read") from None
