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
from casetrail.importers.whatsapp.dates import (
    DateFormat,
    DateOrder,
    DateReader,
    contradicts,
    decide_format,
    spoken,
    to_date,
)
from casetrail.importers.whatsapp.grammar import (
    EDITED_MARKERS,
    Header,
    attached_name,
    drop_marker_mark,
    edited_marker,
    is_attributed_notice,
    is_contact_card,
    layout_of,
    omitted_media,
    parse_header,
    special_message,
    strip_marks,
    unusual_sender,
)
from casetrail.importers.whatsapp.naming import conversation_from_filename
from casetrail.ingest.archive import SafeZip, is_metadata_member
from casetrail.ingest.source import Source
from casetrail.ingest.text import iter_lines
from casetrail.model.event import Channel, Direction, Kind, Locator, ParsedEvent

CHAT_MEMBER = "_chat.txt"
_SNIFF_BYTES = 4096
_SNIFF_LINES = 5
_MAX_TEXTS = 8
_ASK_EXAMPLES = 2
_SPECIAL_KINDS = {"deleted": Kind.DELETED, "call": Kind.CALL, "location": Kind.LOCATION}
_CONTACT_MEDIA = frozenset({"contact card", "vcard"})
# Enum members bound once: looking one up on its class costs more than the rest of the check.
_MESSAGE, _SYSTEM, _DELETED, _CONTACT_CARD = Kind.MESSAGE, Kind.SYSTEM, Kind.DELETED, Kind.CONTACT_CARD


@dataclass
class _Scan:
    """What the first pass learns: the header layout, distinct date tokens (each with the first line
    that has it) and sender names."""

    layout: re.Pattern[str]
    dates: dict[str, int] = field(default_factory=dict)
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
    version: ClassVar[str] = "2"
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

    def conversation(self, source: Source) -> str | None:
        return conversation_from_filename(source.name)

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
        fmt = _settle_order(
            decide_format(scan.dates, context.timezone, scan.twelve_hour), scan, context, source.name, member
        )
        builder = _Builder(fmt, DateReader(fmt, context.timezone), scan, member, members)
        with opener() as stream:
            yield from builder.run(stream)


def _settle_order(
    fmt: DateFormat, scan: _Scan, context: ImportContext, file: str, member: str | None
) -> DateFormat:
    """The date order to use: as the person asked, as they answer when asked, or the flagged default.

    An order the person gives is refused (InputError naming the line) when a date in the file cannot be
    read that way but can another way: the file proves them wrong, and guessing either way would be worse.
    """
    where = f"{file}:{member}" if member else file
    if context.date_order is not None:
        try:
            wanted = DateOrder(context.date_order)
        except ValueError:
            known = ", ".join(DateOrder)
            raise InputError(file, None, f"unknown date order {context.date_order!r} (use {known})") from None
        for token, number in sorted(scan.dates.items(), key=lambda item: item[1]):
            if contradicts(token, wanted):
                problem = (
                    f"the date {strip_marks(token)} cannot be read {wanted}, which was asked for; "
                    "check the date order, or leave it out to let the file decide"
                )
                raise InputError(file, _place(member, number), problem)
        if fmt.ambiguous or fmt.order is not wanted:
            context.note(f"{where}: dates read as {wanted} as you asked.")
        return DateFormat(wanted, False, fmt.twelve_hour, "the person importing gave the date order")
    if not fmt.ambiguous or fmt.contradictory or context.ask is None:
        if fmt.ambiguous:
            context.note(
                f"{where}: dates read {fmt.order} because {fmt.reason}; every event from it is flagged "
                "date-order-ambiguous. Check one message whose date you know."
            )
        return fmt
    examples = _two_readings(scan)
    if not examples:  # every date reads the same both ways (01/01/21): nothing to ask
        context.note(
            f"{where}: dates read {fmt.order} because {fmt.reason}; every event from it is flagged "
            "date-order-ambiguous, though every date in it reads the same either way."
        )
        return fmt
    choices = [str(DateOrder.DAY_FIRST), str(DateOrder.MONTH_FIRST)]
    question = (
        f"{where}: the dates in this file do not show whether the day or the month comes first. "
        f"For example, {'; '.join(examples)}. How are its dates written?"
    )
    answer = context.ask(question, list(choices))
    if answer not in choices:
        raise InputError(file, None, f"date order answer {answer!r} is not one of {', '.join(choices)}")
    context.note(f"{where}: dates read as {answer} as you answered.")
    return DateFormat(DateOrder(answer), False, fmt.twelve_hour, "the person importing chose the date order")


def _two_readings(scan: _Scan) -> list[str]:
    """Up to two dates from the file (earliest lines first) read both ways, for the date-order question."""
    examples: list[str] = []
    for token, _number in sorted(scan.dates.items(), key=lambda item: item[1]):
        day_first, month_first = to_date(token, DateOrder.DAY_FIRST), to_date(token, DateOrder.MONTH_FIRST)
        if day_first is None or month_first is None or day_first == month_first:
            continue
        examples.append(f"{strip_marks(token)} could be {spoken(day_first)} or {spoken(month_first)}")
        if len(examples) == _ASK_EXAMPLES:
            break
    return examples


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
        scan.dates.setdefault(match["date"], line.number)
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
        kind = _SYSTEM
        if sender is not None:
            opening, attachments, kind = self._media(opening, details)
            if kind is _MESSAGE:
                special = special_message(opening, extra)
                if special is not None:
                    kind = _SPECIAL_KINDS[special.kind]
                    details.update(special.details)
            final = extra[-1] if extra else opening
            if final.endswith(EDITED_MARKERS) and kind is not _DELETED:
                flags.append("edited")
                details["edited"] = edited_marker(final) or ""
        if damaged:
            flags.append("undecodable-bytes")
        span = str(first) if first == last else f"{first}-{last}"
        return ParsedEvent(
            occurred_at=occurred,
            local_time=header.stamp,
            channel=Channel.WHATSAPP,
            kind=kind,
            direction=Direction.NOT_APPLICABLE if sender is None else Direction.UNKNOWN,
            sender=sender,
            recipients=(),
            text="\n".join([opening, *extra]) if extra else opening,
            locator=Locator("line", span, self.member),
            attachments=attachments,
            flags=tuple(flags),
            details=details,
        )

    def _media(self, opening: str, details: dict[str, str]) -> tuple[str, tuple[str, ...], Kind]:
        """Resolve an attachment marker to an archive member, or note omitted media; a ``.vcf`` (or an
        omitted contact card) makes the event a contact card."""
        name = attached_name(opening)
        if name is not None:
            kind = _CONTACT_CARD if is_contact_card(name) else _MESSAGE
            path = self.folder + name
            if path in self.members:
                return drop_marker_mark(opening), (path,), kind
            details["missing_attachment"] = name
            return drop_marker_mark(opening), (), kind
        media = omitted_media(opening)
        if media is not None:
            details["media"] = "omitted"
            details["media_type"] = media
            kind = _CONTACT_CARD if media in _CONTACT_MEDIA else _MESSAGE
            return drop_marker_mark(opening), (), kind
        return opening, (), _MESSAGE
