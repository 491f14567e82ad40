"""Streaming reads of an archive's ``data/*.js`` files: JavaScript assignments holding one JSON array.

Each file starts ``window.YTD.<name>.part<N> = [`` and the rest is JSON. :class:`YtdStream` checks that
prefix and hands the parser only what follows the ``=``, so ``direct-messages.js`` (hundreds of
megabytes) is never held whole. :func:`walk` follows the parser's events with a key path kept by hand
(ijson's own dotted prefixes cost memory growing with the square of the depth, and a hostile key with
dots in it could imitate one) and builds only the objects asked for, one at a time. Once such a walk has
checked a file's depth and shape and counted its lists, :func:`read_listed` reads the objects of those
lists again with ijson's C item builder, much faster. The guards against ijson's C parser (long digit
runs, deep nesting) are the Messenger importer's, reused.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import IO, Any, cast

from casetrail.importers.meta.reading import (
    MAX_DEPTH,
    LongDigits,
    Place,
    Stream,
    json_errors,
    parser,
)

PREFIX_BYTES = 4096  # the prefix is about 40 bytes; whitespace beyond this is not an archive's
PREFIX = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*window\.YTD\.([A-Za-z0-9_]{1,64})\.part([0-9]{1,6})\s*=")
Path = tuple[str | int, ...]
#: Which values a walk builds and hands back: given the path and the parser event that starts a value.
Wanted = Callable[[list[str | int], str], bool]
#: ``(depth, keys)``: a promise that ``wanted`` refuses every value deeper than ``depth`` steps and every
#: value ``depth`` steps deep whose key is not in ``keys``, so the walk need not ask it about them.
Zone = tuple[int, frozenset[str | int]]
_STARTS = {"start_map": dict, "start_array": list}
_UNPRINTABLE = re.compile(r"[^\x20-\x7e]")
_ENDS = frozenset({"end_map", "end_array"})


class YtdStream:
    """A binary stream of the JSON after ``window.YTD.<name>.part<N> =``; ``name`` and ``part`` say
    what the prefix named. Raises InputError (through ``place``) when the file does not start so."""

    def __init__(self, raw: IO[bytes], place: Place) -> None:
        self._raw = raw
        head = raw.read(PREFIX_BYTES)
        found = PREFIX.match(head)
        if found is None:
            problem = "not an X archive data file (it does not start 'window.YTD.<name>.part<N> =')"
            raise place.error(None, problem)
        self.name = found.group(1).decode("ascii")
        self.part = int(found.group(2))
        self._pending = head[found.end() :]

    def read(self, size: int = -1) -> bytes:
        if self._pending:
            data, self._pending = self._pending, b""
            return data
        return self._raw.read(size)


def prefix_of(head: bytes) -> tuple[str, int] | None:
    """The ``<name>`` and part number a file's first bytes assign to, or None when they do not."""
    found = PREFIX.match(head)
    return (found.group(1).decode("ascii"), int(found.group(2))) if found else None


def pointer(path: Path) -> str:
    """A JSON pointer (RFC 6901) into the array after the prefix: ``/3/dmConversation/messages/17``."""
    plain = "/".join(map(str, path))
    if "~" not in plain and plain.count("/") == len(path) - 1:  # no step holds a ``~`` or a ``/``
        return "/" + plain
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in path)


def spot(path: Path) -> str:
    """Where an error happened, for its message (keys are hostile text: shortened, printable only)."""
    return f"json-pointer {_UNPRINTABLE.sub('?', pointer(tuple(str(p)[:40] for p in path)))}"


def _build(events: Iterator[tuple[str, Any]], first: str, room: int, place: Place, here: Path) -> Any:
    """The value the event ``first`` starts at ``here``, built from the events up to its end (at most
    ``room`` levels deep)."""
    root = _STARTS[first]()
    stack: list[Any] = [root]
    keys: list[Any] = [None]
    for event, value in events:
        if event == "map_key":
            keys[-1] = value
            continue
        if event in _ENDS:
            done = stack.pop()
            keys.pop()
            if not stack:
                return done
            continue
        maker = _STARTS.get(event)
        new = maker() if maker else value
        parent = stack[-1]
        if isinstance(parent, list):
            parent.append(new)
        else:
            parent[keys[-1]] = new
        if maker:
            if len(stack) >= room:
                raise place.error(spot(here), f"nested more than {MAX_DEPTH} levels deep")
            stack.append(new)
            keys.append(None)
    raise place.error(spot(here), "the file ends inside a record; perhaps cut off while copying")


class Walk:
    """Follows the parser's events; ``path`` is where it is (kept for error messages)."""

    def __init__(self, wanted: Wanted, place: Place, zone: Zone | None = None) -> None:
        self.wanted = wanted
        self.place = place
        self.path: list[str | int] = []
        self.zone = zone

    def where(self) -> str | None:
        """The record being read: the path's first four steps (``/3/dmConversation/messages/17``)."""
        steps = [step for step in self.path[:4] if step != -1 and step != ""]
        return spot(tuple(steps)) if steps else None

    def values(self, events: Iterator[tuple[str, Any]]) -> Iterator[tuple[Path, Any]]:
        """Each value ``wanted`` accepts, with its path, in file order; everything else is only
        stepped over. The top level must be an array."""
        path, place, wanted, ends = self.path, self.place, self.wanted, _ENDS
        deep, keys = self.zone or (MAX_DEPTH + 1, frozenset())
        arrays: list[bool] = []
        for event, value in events:
            if event == "map_key":
                path[-1] = value
                continue
            if event in ends:
                path.pop()
                arrays.pop()
                continue
            if arrays and arrays[-1]:
                path[-1] += 1  # type: ignore[operator]  # an array's step is always a number
            elif not arrays and event != "start_array":
                raise place.error(None, "the data after '=' is not a JSON array")
            starts = event in _STARTS
            depth = len(path)
            if (depth < deep or (depth == deep and path[-1] in keys)) and wanted(path, event):
                here = tuple(path)
                if starts:
                    value = _build(events, event, MAX_DEPTH - len(path), place, here)
                yield here, value
            elif starts:
                if len(path) >= MAX_DEPTH:
                    raise place.error(self.where(), f"nested more than {MAX_DEPTH} levels deep")
                array = event == "start_array"
                path.append(-1 if array else "")
                arrays.append(array)


def read_values(
    opener: Callable[[], IO[bytes]], place: Place, wanted: Wanted, zone: Zone | None = None
) -> Iterator[tuple[str, Path, Any]]:
    """``(prefix name, path, value)`` for each wanted value of a data file, streamed.

    A file holding a run of digits long enough to crash ijson's C parser is read from the start
    again with its pure-Python parser, which reports an over-long number as an error; values already
    handed out are not handed out twice.
    """
    given = 0
    for careful in (False, True):
        count = 0
        try:
            with opener() as raw:
                ytd = YtdStream(raw, place)
                stream = Stream(cast(IO[bytes], ytd), guard=not careful)
                walker = Walk(wanted, place, zone)
                with json_errors(place, stream, walker.where):
                    for path, value in walker.values(parser(careful).basic_parse(stream)):
                        count += 1
                        if count > given:
                            given = count
                            yield ytd.name, path, value
            return
        except LongDigits:
            continue


class _Changed(Exception):
    """The lists did not hold what the first pass counted: the file changed between the passes."""


def read_listed(
    opener: Callable[[], IO[bytes]],
    place: Place,
    keys: tuple[str, str],
    lists: list[tuple[int, int]],
    wanted: Wanted,
) -> Iterator[tuple[str, Path, Any]]:
    """What :func:`read_values` hands out for ``wanted`` (the objects in the lists at
    ``/<i>/<keys[0]>/<keys[1]>/<j>``), built by ijson's C item builder rather than event by event.

    ``lists`` is the first pass's count of each such list, ``(i, entries)`` in file order (empty
    lists left out). The first pass must have read the whole file with the fast parser, checked its
    nesting depth and every entry's type, and found no key with a dot that ijson's dotted prefix
    could mistake for these lists. A run of long digits or a file changed since the first pass
    falls back to :func:`read_values`, which carries on from the last value handed out.
    """
    given = 0
    lists = [(index, count) for index, count in lists if count > 0]
    at = [0, 0]  # the list being read, the entry in it

    def where() -> str | None:
        if at[0] >= len(lists):
            return None
        return spot((lists[at[0]][0], *keys, at[1]))

    try:
        with opener() as raw:
            ytd = YtdStream(raw, place)
            stream = Stream(cast(IO[bytes], ytd), guard=True)
            with json_errors(place, stream, where):
                for value in parser(False).items(stream, f"item.{keys[0]}.{keys[1]}.item"):
                    number, entry = at
                    if number >= len(lists) or not isinstance(value, dict):
                        raise _Changed
                    given += 1
                    yield ytd.name, (lists[number][0], *keys, entry), value
                    entry += 1
                    at[0], at[1] = (number + 1, 0) if entry >= lists[number][1] else (number, entry)
            if at[0] != len(lists):
                raise _Changed
        return
    except (LongDigits, _Changed):
        pass
    for count, found in enumerate(read_values(opener, place, wanted), 1):
        if count > given:
            yield found
