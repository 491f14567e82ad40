"""Mailboxes in mbox format (``.mbox``), such as Google Takeout's Gmail export: one event per message.

A Takeout mailbox can be tens of gigabytes, so it is read as a stream of lines and only one message is
held at a time. ``mailbox.mbox`` is not used: it opens the file for writing and indexes it whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

from casetrail.errors import InputError
from casetrail.importers.base import ImportContext, Importer, Sniff
from casetrail.importers.email.message import MAX_MESSAGE_BYTES, Place, read_message
from casetrail.importers.email.recognise import HEADER_LINE, is_separator
from casetrail.ingest.source import Source
from casetrail.model.event import Locator, ParsedEvent

READ_BYTES = 1 << 20  # a line longer than this is read in pieces, so no line can exhaust memory
_QUOTED = re.compile(rb">+From ")  # mboxrd: one ">" was added in front of these when writing
_BLANK = (b"\n", b"\r\n")


@dataclass
class _Message:
    """The message being collected: its number, first and last line, and its lines (no separator)."""

    number: int
    first: int
    last: int
    lines: list[bytes] = field(default_factory=list)
    size: int = 0
    ends_blank: bool = False  # its last line is an empty line (the one before the next separator)

    def place(self) -> tuple[bytes, Place]:
        """Its bytes and place; the empty line that separates it from the next message is not its own."""
        last = self.last
        if self.ends_blank:
            self.lines.pop()
            last -= 1
        locator = Locator("line", f"{self.first}-{max(last, self.first)}")
        return b"".join(self.lines), Place(self.number, locator, mailbox=True)


def split(handle: IO[bytes], file: str) -> Iterator[tuple[bytes, Place]]:
    """Each message's bytes (mboxrd quoting undone) and place, in file order."""
    current: _Message | None = None
    line = 0
    starts_line = True  # the next piece read begins a line (pieces of a long line do not)
    after_blank = True  # the previous line was empty, or this is the start of the file
    waiting = b""  # a line read ahead to confirm a separator, handled next
    while piece := waiting or handle.readline(READ_BYTES):
        waiting = b""
        begins, starts_line = starts_line, piece.endswith(b"\n")
        line += begins
        if begins and after_blank and is_separator(piece.rstrip(b"\r\n")):
            waiting = handle.readline(READ_BYTES)
            if current is None or HEADER_LINE.match(waiting):
                if current is not None:
                    yield current.place()
                number = current.number + 1 if current else 1
                current = _Message(number, line, line)
                after_blank = False
                continue
        if current is None:
            if begins and not piece.strip():
                continue  # blank lines before the first message
            problem = "this is not an mbox mailbox: a message must start with a 'From ' line here"
            raise InputError(file, f"line {line}", problem)
        if begins and piece[:1] == b">" and _QUOTED.match(piece):
            piece = piece[1:]
        current.lines.append(piece)
        current.size += len(piece)
        current.last = line
        after_blank = current.ends_blank = begins and piece in _BLANK
        if current.size > MAX_MESSAGE_BYTES:
            limit = MAX_MESSAGE_BYTES // (1 << 20)
            problem = f"the message starting at this line is larger than {limit} MiB, the most read"
            raise InputError(file, f"line {current.first}", problem)
    if current is not None:
        yield current.place()


class MboxImporter(Importer):
    name = "mbox"
    version = "1"
    description = "Mailbox in mbox format (.mbox), e.g. a Google Takeout Gmail export"

    def sniff(self, source: Source) -> Sniff:
        head = source.head(4096)
        named = source.name.lower().endswith(".mbox")
        if not head.strip():
            return Sniff(0.3, "an empty file named .mbox") if named else Sniff.no("empty file")
        lines = head.lstrip(b"\r\n").split(b"\n", 2)
        if not is_separator(lines[0].rstrip(b"\r")):
            return Sniff.no("does not start with an mbox 'From ' line")
        if len(lines) > 1 and lines[1] and HEADER_LINE.match(lines[1]) is None:
            return Sniff.no("the 'From ' line is not followed by e-mail headers")
        if named:
            return Sniff(0.97, "starts with an mbox 'From ' line and is named .mbox")
        return Sniff(0.9, "starts with an mbox 'From ' line followed by headers")

    def events(self, source: Source, context: ImportContext) -> Iterator[ParsedEvent]:
        """One event per message, locator ``line A-B`` (its separator line to its last line)."""
        with source.open() as handle:
            for data, place in split(handle, source.name):
                yield read_message(data, place)
