"""The first pass over a chat export: the header layout and every distinct date token, so the date order
can be decided for the whole file before any event is made.

It reads the text a block of lines at a time, and one regular-expression match covers a whole run of
headers that share a date (each later date is compared with the first as text, not parsed), so a file's
dates cost a few thousand matches and the pass costs little more than decoding the file. Sender names
are only needed for the rare header written ``Name:text``; ``senders`` reads them when asked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import chain
from typing import IO

from casetrail.errors import InputError
from casetrail.importers.whatsapp.grammar import BLOCK_LAYOUTS, BlockLayout, layout_of, strip_marks
from casetrail.ingest.text import Block, iter_blocks


@dataclass
class Scan:
    """What the first pass learns: the header layout and the distinct date tokens (as written), each
    with the number of the first header line that has it, in the order they first appear."""

    layout: BlockLayout
    dates: dict[str, int] = field(default_factory=dict)
    twelve_hour: bool = False


def place(member: str | None, number: int) -> str:
    """Where a line is, for messages: ``line 12``, or ``MEMBER:line 12`` inside an archive."""
    return f"{member}:line {number}" if member else f"line {number}"


def scan(stream: IO[bytes], file: str, member: str | None) -> Scan:
    """Refuse text before the first header, and gather what the date decision needs."""
    blocks = iter_blocks(stream)
    layout, first, number = _first_header(blocks, file, member)
    found = Scan(BLOCK_LAYOUTS[layout])
    for text in chain([first], (block.text for block in blocks)):
        number += _gather(found, text, number)
    return found


def senders(stream: IO[bytes], layout: BlockLayout) -> set[str]:
    """Every name written before ``": "`` on a header line, without marks (a reading of its own)."""
    raw: set[str] = set()
    for block in iter_blocks(stream):
        raw.update(name for _open, name in layout.senders.findall(block.text))
    raw.discard("")  # ": text" has no name
    return {strip_marks(name) for name in raw}


def _first_header(blocks: Iterator[Block], file: str, member: str | None) -> tuple[re.Pattern[str], str, int]:
    """The layout of the first non-blank line, the block's text from that line on, and its number.

    Raises InputError when that line is not a header, or when there is no such line.
    """
    count = 0
    for block in blocks:
        text = block.text
        start = 0  # the newline that opens the line
        while start < len(text):
            end = text.find("\n", start + 1)
            end = len(text) if end < 0 else end
            count += 1
            line = text[start + 1 : end]
            if strip_marks(line).strip():
                layout = layout_of(line)
                if layout is None:
                    problem = "text comes before the first WhatsApp message header; is this a chat export?"
                    raise InputError(file, place(member, count), problem)
                return layout, text[start:], count
            start = end
    problem = "the file is empty" if count == 0 else "no WhatsApp message header found (only blank lines)"
    raise InputError(file, place(member, max(count, 1)), problem)


def _gather(found: Scan, text: str, number: int) -> int:
    """Add the date tokens of one block's text, whose first line is numbered ``number``; returns the
    number of lines in it. Runs of headers with one date come as one match, so this loop is short."""
    position = newlines = 0  # newlines in text[:position]
    for run in found.layout.runs.finditer(text):
        date, ampm = run.group("date", "ampm")
        if ampm is not None:
            found.twelve_hour = True
        if date not in found.dates:
            newlines += text.count("\n", position, run.start())
            position = run.start()
            found.dates[date] = number + newlines
    return newlines + text.count("\n", position)
