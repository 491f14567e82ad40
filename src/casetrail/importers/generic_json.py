"""The JSON form of the generic format: ``{"casetrail_generic": 1, "events": [{…}, …]}``, streamed.

One pass over ijson's low-level events builds one event object at a time, so memory does not grow
with the file; nesting is capped (hostile depth) and a file holding a very long run of digits is read
with ijson's pure-Python parser (the C one crashes the process on huge integers), as the Messenger
importer does.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import IO, Any

from casetrail.errors import InputError
from casetrail.importers.generic_fields import COLUMNS, LIST_FIELDS, Origin, Value, build_event
from casetrail.importers.meta.reading import MAX_DEPTH, LongDigits, Place, Stream, json_errors, parser
from casetrail.model.event import Locator, ParsedEvent

MARKER_KEY = "casetrail_generic"
VERSION = 1
_STARTS = ("start_map", "start_array")
_ENDS = ("end_map", "end_array")


def has_long_digits(opener: Callable[[], IO[bytes]]) -> bool:
    """Whether the file holds a run of digits long enough to crash ijson's C parser (a byte scan)."""
    with opener() as raw:
        stream = Stream(raw, guard=True)
        try:
            while stream.read(1 << 20):
                pass
        except LongDigits:
            return True
    return False


class _Walk:
    """The walk over the top-level object; ``index`` is the event being read (for error places)."""

    def __init__(self, place: Place) -> None:
        self.place = place
        self.index = 0
        self.in_events = False
        self.version_seen = False
        self.events_seen = False
        self.depth = 0  # 0 outside, 1 in the top object, 2 in the events list
        self.key: str | None = None
        self.skip = 0  # open containers of a top-level value that is not read

    def where(self) -> str | None:
        return f"json-pointer /events/{self.index}" if self.in_events else None

    def fail(self, problem: str, where: str | None = None) -> InputError:
        return self.place.error(where or self.where(), problem)

    def run(self, events: Iterator[tuple[str, Any]]) -> Iterator[tuple[int, dict[str, Any]]]:
        for event, value in events:
            if self.skip:
                self._skip(event)
            elif self.depth == 2:
                if event == "end_array":
                    self.depth, self.in_events = 1, False
                elif event == "start_map":
                    yield self.index, self._build(events)
                    self.index += 1
                else:
                    raise self.fail("an event is not a JSON object")
            else:
                self._top(event, value)
        if not self.version_seen:
            raise self.fail(f"not the generic format (no {MARKER_KEY!r} key)")
        if not self.events_seen:
            raise self.fail("the file has no 'events' list", "json-pointer /events")

    def _skip(self, event: str) -> None:
        """Step through a top-level value the format does not read (any other key is allowed)."""
        self.skip += 1 if event in _STARTS else -1 if event in _ENDS else 0
        if self.skip > MAX_DEPTH:
            raise self.fail(f"nested more than {MAX_DEPTH} levels deep", "json-pointer /")

    def _top(self, event: str, value: Any) -> None:
        """The top-level object: its marker, its events list, and other keys to step over."""
        if self.depth == 0:
            if event != "start_map":
                raise self.fail("not the generic format (the file is not a JSON object)")
            self.depth = 1
        elif event == "map_key":
            self.key = value
            if (value == MARKER_KEY and self.version_seen) or (value == "events" and self.events_seen):
                raise self.fail(f"the key {value!r} appears twice")
        elif event == "end_map":
            self.depth = 0
        elif self.key == MARKER_KEY:
            self._version(event, value)
        elif self.key == "events":
            self._events_start(event)
            self.depth, self.in_events = 2, True
        elif event in _STARTS:
            self.skip = 1

    def _version(self, event: str, value: Any) -> None:
        self.version_seen = True
        if event != "number" or value != VERSION:
            shown = str(value)[:20] if event in ("number", "string") else event
            raise self.fail(f"generic format version {shown} is not known (this casetrail reads {VERSION})")

    def _events_start(self, event: str) -> None:
        if not self.version_seen:
            raise self.fail(f"{MARKER_KEY!r} must come before 'events'", "json-pointer /events")
        if event != "start_array":
            raise self.fail("'events' is not a list", "json-pointer /events")
        self.events_seen = True

    def _build(self, events: Iterator[tuple[str, Any]]) -> dict[str, Any]:
        """One event object, from just after its ``start_map`` to its ``end_map``."""
        root: dict[str, Any] = {}
        stack: list[Any] = [root]
        keys: list[str | None] = [None]
        for event, value in events:
            if event == "map_key":
                keys[-1] = value
                continue
            if event in _ENDS:
                stack.pop()
                keys.pop()
                if not stack:
                    return root
                continue
            if event in _STARTS:
                if len(stack) >= MAX_DEPTH:
                    raise self.fail(f"nested more than {MAX_DEPTH} levels deep")
                value = {} if event == "start_map" else []
            container = stack[-1]
            if isinstance(container, dict):
                container[keys[-1]] = value
            else:
                container.append(value)
            if event in _STARTS:
                stack.append(value)
                keys.append(None)
        raise self.fail("the file ends inside an event; perhaps cut off while copying")


def _scalar(value: Any) -> str | None:
    """Text, or a number written as text; None for anything else (a list, an object, true)."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return str(value)
    return None


def _fields(item: dict[str, Any], unreadable: list[str]) -> tuple[dict[str, Value], dict[str, str]]:
    values: dict[str, Value] = {}
    extra: dict[str, str] = {}
    for key, value in item.items():
        if value is None:
            continue
        if key in LIST_FIELDS and isinstance(value, list):
            if all(isinstance(part, str) for part in value):
                values[key] = value
            else:
                unreadable.append(key)
            continue
        text = _scalar(value)
        if key in COLUMNS:
            if text is None:
                unreadable.append(key)
            else:
                values[key] = text
        elif text is not None or isinstance(value, bool):
            extra[key] = text if text is not None else json.dumps(value)
        else:
            unreadable.append(key[:40])
    return values, extra


def json_events(opener: Callable[[], IO[bytes]], origin: Origin) -> Iterator[ParsedEvent]:
    """Every event of a generic JSON file, in file order."""
    careful = has_long_digits(opener)
    place = Place(origin.file, origin.member)
    walk = _Walk(place)
    with opener() as raw:
        stream = Stream(raw, guard=False)
        with json_errors(place, stream, walk.where):
            for index, item in walk.run(iter(parser(careful).basic_parse(stream))):
                unreadable: list[str] = []
                values, extra = _fields(item, unreadable)
                locator = Locator("json-pointer", f"/events/{index}", origin.member)
                yield build_event(values, extra, locator, origin, unreadable, [])
