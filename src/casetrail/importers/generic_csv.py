"""The CSV form of the generic format: an optional marker line, a header row, then one event a row.

Rows are read one at a time with the standard ``csv`` module in strict mode, so a stray quote is an
error naming its line rather than a silently merged row. Line numbers are physical lines of the file:
a cell holding line breaks makes its row span several.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import IO

from casetrail.errors import InputError
from casetrail.importers.generic_fields import COLUMNS, Origin, Value, build_event
from casetrail.model.event import Locator, ParsedEvent

MARKER = re.compile(r'\s*"?\s*#\s*casetrail\s+generic\s+v(?P<version>\d{1,6})\s*"?\s*', re.IGNORECASE)
VERSION = "1"
_ESCAPED = re.compile("[\udc80-\udcff]")


def marker_version(cells: list[str]) -> str | None:
    """The version a marker row states (``# casetrail generic v1``, trailing empty cells allowed)."""
    if not cells or any(cell.strip() for cell in cells[1:]):
        return None
    match = MARKER.fullmatch(cells[0])
    return match["version"] if match else None


def _span(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}-{last}"


class _Rows:
    """Rows with the physical lines they span; malformed CSV becomes an InputError naming the line."""

    def __init__(self, stream: IO[bytes], origin: Origin) -> None:
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="surrogateescape", newline="")
        self._reader = csv.reader(text, strict=True)
        self._origin = origin
        self._last = 0

    def __iter__(self) -> Iterator[tuple[int, int, list[str]]]:
        reader = self._reader
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                where = self._origin.place(f"line {self._last + 1}")
                problem = f"not valid CSV ({str(error)[:80]}); check the quotes in this row"
                raise InputError(self._origin.file, where, problem) from None
            first, self._last = self._last + 1, reader.line_num
            yield first, self._last, row


def _header(cells: list[str], origin: Origin, line: int) -> list[str]:
    """Column names: the format's own in lower case, others as written; ``time`` is required."""
    names: list[str] = []
    for number, cell in enumerate(cells, start=1):
        name = cell.strip()
        name = name.lower() if name.lower() in COLUMNS else name
        name = name or f"column {number}"
        if name in names:
            raise InputError(
                origin.file, origin.place(f"line {line}"), f"the column {name[:40]!r} appears twice"
            )
        names.append(name)
    if "time" not in names:
        problem = "the header row has no 'time' column (the first row after the marker must name the columns)"
        raise InputError(origin.file, origin.place(f"line {line}"), problem)
    return names


def csv_events(stream: IO[bytes], origin: Origin) -> Iterator[ParsedEvent]:
    """Every event of a generic CSV, in file order."""
    names: list[str] | None = None
    for first, last, row in _Rows(stream, origin):
        if not any(cell.strip() for cell in row):
            continue  # blank lines, and the empty rows spreadsheets leave
        if names is None:
            version = marker_version(row)
            if version is None:
                names = _header(row, origin, first)
            elif version != VERSION:
                problem = f"generic format version {version} is not known (this casetrail reads v{VERSION})"
                raise InputError(origin.file, origin.place(f"line {first}"), problem)
            continue
        yield _row_event(row, names, Locator("line", _span(first, last), origin.member), origin)
    if names is None:
        raise InputError(origin.file, origin.place("line 1"), "no header row: the file holds no columns")


def _row_event(row: list[str], names: list[str], locator: Locator, origin: Origin) -> ParsedEvent:
    flags: list[str] = []
    joined = "".join(row)
    if not joined.isascii() and _ESCAPED.search(joined):
        row = [_ESCAPED.sub("\ufffd", cell) for cell in row]
        flags.append("undecodable-bytes")
    values: dict[str, Value] = {}
    extra: dict[str, str] = {}
    for name, cell in zip(names, row, strict=False):
        if name in COLUMNS:
            values[name] = cell
        else:
            extra[name] = cell
    own: dict[str, str] = {}
    if len(row) > len(names):
        surplus = [cell for cell in row[len(names) :] if cell.strip()]
        if surplus:
            own["extra_cells"] = " | ".join(surplus)
            flags.append("extra-cells")
    return build_event(values, extra, locator, origin, [], flags, own)
