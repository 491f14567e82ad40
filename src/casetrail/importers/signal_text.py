"""Signal chats as text: ``[2019-12-24, 12:23] Name: text`` lines, as signal-export writes ``chat.md``.

Older signal-export versions (and tools copying them, such as the sample chat-miner reads) write
``[YYYY-MM-DD, HH:MM]``; newer ones ``[YYYY-MM-DD HH:MM:SS]``, a blank line after each message, two
spaces ending the text (a Markdown line break), then reactions, a sticker and the attachments as
Markdown links. A message runs from its header line to the next header line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO
from zoneinfo import ZoneInfo

from casetrail.errors import InputError
from casetrail.ingest.localtime import to_utc
from casetrail.ingest.text import Line, iter_blocks

#: ``[2019-12-24, 12:23]`` or ``[2023-01-02 10:11:12]`` and the rest of the line.
HEADER = re.compile(
    r"\[(?P<date>\d{4}-\d{2}-\d{2})(?P<comma>,?) (?P<clock>\d{2}:\d{2})(?P<seconds>:\d{2})?\] (?P<rest>.*)",
    re.DOTALL,
)
DELETED_TEXT = "(This message was deleted)"
OWNER_NAMES = frozenset({"Me", "You"})
_REACTIONS = re.compile(r"\(- (?P<inner>.*) -\)")
_STICKER = re.compile(r"\(\( (?P<inner>.*) \)\)")
_LINK_TARGETS = ("./", "../", "media/")  # links signal-export writes; a typed web link stays text
_MAX_LINKS = 64  # attachments taken from the end of one message
_BLOCK = 1 << 18  # bytes of lines decoded at a time: a quarter of the default, for a lower peak


def iter_lines(stream: IO[bytes]) -> Iterator[Line]:
    """Numbered lines, decoded a block at a time (see ``casetrail.ingest.text``)."""
    number = 0
    for block in iter_blocks(stream, _BLOCK):
        lines = block.lines()
        damaged = block.damaged
        for index, text in enumerate(lines):
            yield Line(number + index + 1, text, index in damaged)
        number += len(lines)


@dataclass
class TextMessage:
    """One message as read from the text: its lines and where they are."""

    first: int
    last: int
    stamp: str
    sender: str | None
    lines: list[str]
    damaged: bool


@dataclass
class Parts:
    """A message's text split into what signal-export appended to it."""

    text: str
    quote: str | None = None
    reactions: str | None = None
    sticker: str | None = None
    links: list[tuple[str, str]] = field(default_factory=list)  # (name, target), in written order


def local_time(stamp: str, zone: ZoneInfo) -> tuple[datetime | None, tuple[str, ...]]:
    """A header's stamp (``2019-12-24, 12:23`` or ``2023-01-02 10:11:12``) as UTC, with DST flags."""
    try:
        return to_utc(datetime.fromisoformat(stamp.replace(",", "")), zone)
    except (ValueError, OverflowError):
        return None, ("time-unreadable",)


def header_stamp(match: re.Match[str]) -> str:
    return f"{match['date']}{match['comma']} {match['clock']}{match['seconds'] or ''}"


def _split_sender(rest: str) -> tuple[str | None, str]:
    cut = rest.find(": ")
    if cut < 0:
        return (rest[:-1], "") if rest.endswith(":") and len(rest) > 1 else (None, rest)
    return rest[:cut], rest[cut + 2 :]


def read_messages(stream: IO[bytes], file: str, member: str | None) -> Iterator[TextMessage]:
    """Every message in file order; text before the first header is refused (not a chat)."""
    current: TextMessage | None = None
    for line in iter_lines(stream):
        match = HEADER.match(line.text)
        if match is not None:
            if current is not None:
                yield current
            sender, text = _split_sender(match["rest"])
            current = TextMessage(line.number, line.number, header_stamp(match), sender, [text], line.damaged)
        elif current is not None:
            current.lines.append(line.text)
            current.damaged = current.damaged or line.damaged
            if line.text.strip():
                current.last = line.number
        elif line.text.strip():
            where = f"entry {member!r}, line {line.number}" if member else f"line {line.number}"
            raise InputError(file, where, "text comes before the first Signal message line; is this a chat?")
    if current is not None:
        yield current


def take_link(line: str) -> tuple[str, str, str] | None:
    """The Markdown link ending ``line`` (``![name](./media/x.jpg)  ``): the rest, name, target."""
    stripped = line.rstrip(" ")
    if not stripped.endswith(")"):
        return None
    middle = stripped.rfind("](")
    if middle < 0:
        return None
    target = stripped[middle + 2 : -1]
    if not target.startswith(_LINK_TARGETS) or any(c in target for c in "()[] \t") or "://" in target:
        return None
    opening = stripped.rfind("[", 0, middle)
    if opening < 0:
        return None
    name = stripped[opening + 1 : middle]
    if "]" in name:
        return None
    start = opening - 1 if opening > 0 and stripped[opening - 1] == "!" else opening
    return stripped[:start], name, target


def split_parts(lines: list[str]) -> Parts:
    """Quote, reactions, sticker and attachment links out of a message's lines (in the order written)."""
    lines = list(lines)
    while len(lines) > 1 and not lines[-1].strip():
        lines.pop()
    parts = Parts("")
    links: list[tuple[str, str]] = []
    while len(links) < _MAX_LINKS and (found := take_link(lines[-1])) is not None:
        lines[-1], name, target = found
        links.append((name, target))
    parts.links = links[::-1]
    if len(lines) > 1 and (sticker := _STICKER.fullmatch(lines[-1])) is not None:
        parts.sticker = sticker["inner"]
        lines.pop()
    if len(lines) > 1 and (reactions := _REACTIONS.fullmatch(lines[-1])) is not None:
        parts.reactions = reactions["inner"]
        lines.pop()
    if len(lines) >= 3 and lines[0] == "" and lines[1] == "" and lines[2].startswith(">"):
        end = 2
        while end < len(lines) and lines[end].startswith(">"):
            end += 1
        parts.quote = "\n".join(line[1:].removeprefix(" ") for line in lines[2:end])
        lines = lines[end + 1 :] if end < len(lines) and not lines[end] else lines[end:]
        lines = lines or [""]
    lines[-1] = lines[-1].removesuffix("  ")
    parts.text = "\n".join(lines)
    return parts
