"""WhatsApp chat exports: a ``.txt`` file, or the ``.zip`` that "Export chat" with media produces.

The chat text is read twice, streaming: the first pass only collects the distinct date tokens (and sender
names) so the date order is decided for the whole file; the second pass yields one event per header
line. Neither pass holds more than one message in memory, so million-message exports stay cheap.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import IO, ClassVar

from casetrail.errors import ArchiveTooLarge, InputError, UnsafeArchiveMember
from casetrail.importers.base import ImportContext, Importer, Sniff
from casetrail.importers.whatsapp.dates import DateFormat, DateReader, decide_format
from casetrail.importers.whatsapp.grammar import (
    Header,
    attached_name,
    drop_marker_mark,
    is_attributed_notice,
    layout_of,
    omitted_media,
    parse_header,
    strip_marks,
    unusual_sender,
)
from casetrail.ingest.archive import SafeZip, is_metadata_member
from casetrail.ingest.source import Source
from casetrail.ingest.text import iter_lines
from casetrail.model.event import Channel, Direction, Kind, Locator, ParsedEvent

CHAT_MEMBER = "_chat.txt"
_SNIFF_BYTES = 4096
_SNIFF_LINES = 5
_MAX_TEXTS = 8


@dataclass
class _Scan:
    """What the first pass learns: the header layout, distinct date tokens and sender names."""

    layout: re.Pattern[str]
    dates: set[str] = field(default_factory=set)
    senders: set[str] = field(default_factory=set)
    twelve_hour: bool = False


def _place(member: str | None, number: int) -> str:
    return f"{member}:line {number}" if member else f"line {number}"


def first_header_index(head: bytes) -> int | None:
    """Among the first non-empty lines of ``head``, the index of the first WhatsApp header (or None)."""
    seen = 0
    for line in iter_lines(io.BytesIO(head)):
        if not strip_marks(line.text).strip():
            continue
        if layout_of(line.text) is not None:
            return seen
        seen += 1
        if seen >= _SNIFF_LINES:
            break
    return None


def chat_member(archive: SafeZip) -> str | None:
    """The chat text in an export zip: ``_chat.txt``, else the one top-level ``.txt`` that reads as a chat."""
    names = [name for name in archive.names() if not is_metadata_member(name)]
    if CHAT_MEMBER in names:
        return CHAT_MEMBER
    nested = [name for name in names if name.rsplit("/", 1)[-1] == CHAT_MEMBER]
    if len(nested) == 1:
        return nested[0]
    texts = [name for name in names if "/" not in name and name.lower().endswith(".txt")]
    if len(texts) > _MAX_TEXTS:
        return None  # not an export; and reading every head would make sniffing expensive
    if len(texts) > 1:
        texts = [name for name in texts if first_header_index(_member_head(archive, name)) == 0]
    return texts[0] if len(texts) == 1 else None


def _member_head(archive: SafeZip, name: str) -> bytes:
    with archive.open_member(name) as stream:
        return stream.read(_SNIFF_BYTES)


class WhatsAppImporter(Importer):
    """Android and iOS chat exports, as ``.txt`` or as the ``.zip`` with media."""

    name: ClassVar[str] = "whatsapp"
    version: ClassVar[str] = "1"
    description: ClassVar[str] = "WhatsApp chat export (.txt, or .zip with media), Android and iOS"

    def sniff(self, source: Source) -> Sniff:
        try:
            if source.is_zip():
                return self._sniff_zip(source.archive())
            found = first_header_index(source.head(_SNIFF_BYTES))
        except (UnsafeArchiveMember, ArchiveTooLarge):
            raise
        except InputError as exc:
            return Sniff.no(exc.problem)
        except (OSError, ValueError, EOFError) as exc:
            return Sniff.no(f"cannot be read ({exc})")
        if found is None:
            return Sniff.no("no WhatsApp message header in the first lines")
        is_txt = source.name.lower().endswith(".txt")
        if found == 0:
            return Sniff(0.95 if is_txt else 0.5, "starts with a WhatsApp message header")
        return Sniff(0.5 if is_txt else 0.3, "a WhatsApp message header follows a few other lines")

    def _sniff_zip(self, archive: SafeZip) -> Sniff:
        member = chat_member(archive)
        if member is None:
            return Sniff.no("no chat text (_chat.txt or a single .txt) in the archive")
        if first_header_index(_member_head(archive, member)) is None:
            return Sniff(0.3, f"has {member} but its first lines are not WhatsApp headers")
        return Sniff(0.95, f"{member} starts with WhatsApp message headers")

    def events(self, source: Source, context: ImportContext) -> Iterator[ParsedEvent]:
        member: str | None = None
        members: frozenset[str] = frozenset()
        opener: Callable[[], IO[bytes]] = source.open
        if source.is_zip():
            archive = source.archive()
            member = chat_member(archive)
            if member is None:
                raise InputError(source.name, None, "the archive holds no WhatsApp chat text (_chat.txt)")
            members = frozenset(archive.names())
            opener = partial(archive.open_member, member)
        with opener() as stream:
            scan = _scan(stream, source.name, member)
        fmt = decide_format(scan.dates, context.timezone, scan.twelve_hour)
        if fmt.ambiguous:
            where = f"{source.name}:{member}" if member else source.name
            context.note(
                f"{where}: dates read {fmt.order} because {fmt.reason}; every event from it is flagged "
                "date-order-ambiguous. Check one message whose date you know."
            )
        builder = _Builder(fmt, DateReader(fmt, context.timezone), scan, member, members)
        with opener() as stream:
            yield from builder.run(stream)


def _scan(stream: IO[bytes], file: str, member: str | None) -> _Scan:
    """First pass: refuse text before the first header, and gather what the date decision needs."""
    scan: _Scan | None = None
    count = 0
    raw_senders: set[str] = set()
    for line in iter_lines(stream):
        count = line.number
        if scan is None:
            if not strip_marks(line.text).strip():
                continue
            layout = layout_of(line.text)
            if layout is None:
                problem = "text comes before the first WhatsApp message header; is this a chat export?"
                raise InputError(file, _place(member, line.number), problem)
            scan = _Scan(layout)
        match = scan.layout.match(line.text)
        if match is None:
            continue
        scan.dates.add(match["date"])
        if match["ampm"] is not None:
            scan.twelve_hour = True
        rest = match["rest"]
        cut = rest.find(": ")
        if cut > 0:
            raw_senders.add(rest[:cut])
    if scan is None:
        problem = "the file is empty" if count == 0 else "no WhatsApp message header found (only blank lines)"
        raise InputError(file, _place(member, max(count, 1)), problem)
    scan.senders = {strip_marks(name) for name in raw_senders}
    return scan


class _Builder:
    """Second pass: groups continuation lines under their header and turns each group into an event."""

    def __init__(
        self, fmt: DateFormat, reader: DateReader, scan: _Scan, member: str | None, members: frozenset[str]
    ) -> None:
        self.file_flags = ("date-order-ambiguous",) if fmt.ambiguous else ()
        self.reader = reader
        self.scan = scan
        self.member = member
        self.members = members
        self.folder = member.rsplit("/", 1)[0] + "/" if member and "/" in member else ""

    def run(self, stream: IO[bytes]) -> Iterator[ParsedEvent]:
        layout = self.scan.layout
        header: Header | None = None
        first = last = 0
        extra: list[str] = []
        damaged = False
        for line in iter_lines(stream):
            parsed = parse_header(line.text, layout)
            if parsed is None:
                if header is not None:
                    extra.append(line.text)
                    last = line.number
                    damaged = damaged or line.damaged
                continue
            if header is not None:
                yield self.event(header, first, last, extra, damaged)
            header, first, last, extra, damaged = parsed, line.number, line.number, [], line.damaged
        if header is not None:
            yield self.event(header, first, last, extra, damaged)

    def event(self, header: Header, first: int, last: int, extra: list[str], damaged: bool) -> ParsedEvent:
        occurred, time_flag = self.reader.read(header.date, header.time)
        flags = list(self.file_flags)
        if time_flag:
            flags.append(time_flag)
        sender, opening = header.sender, header.text
        if sender is None and ":" in opening:
            unusual = unusual_sender(opening, self.scan.senders)
            if unusual is not None:
                sender, opening = unusual
                flags.append("unusual-header")
        details: dict[str, str] = {}
        attachments: tuple[str, ...] = ()
        if sender is not None and is_attributed_notice(opening):
            details["attributed_to"] = sender
            sender = None
        if sender is not None:
            opening, attachments = self._media(opening, details)
        if damaged:
            flags.append("undecodable-bytes")
        span = str(first) if first == last else f"{first}-{last}"
        return ParsedEvent(
            occurred_at=occurred,
            local_time=header.stamp,
            channel=Channel.WHATSAPP,
            kind=Kind.SYSTEM if sender is None else Kind.MESSAGE,
            direction=Direction.NOT_APPLICABLE if sender is None else Direction.UNKNOWN,
            sender=sender,
            recipients=(),
            text="\n".join([opening, *extra]) if extra else opening,
            locator=Locator("line", span, self.member),
            attachments=attachments,
            flags=tuple(flags),
            details=details,
        )

    def _media(self, opening: str, details: dict[str, str]) -> tuple[str, tuple[str, ...]]:
        """Resolve an attachment marker to an archive member, or note omitted media."""
        name = attached_name(opening)
        if name is not None:
            path = self.folder + name
            if path in self.members:
                return drop_marker_mark(opening), (path,)
            details["missing_attachment"] = name
            return drop_marker_mark(opening), ()
        media = omitted_media(opening)
        if media is not None:
            details["media"] = "omitted"
            details["media_type"] = media
            return drop_marker_mark(opening), ()
        return opening, ()
