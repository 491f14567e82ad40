"""The WhatsApp importer as it was before it read blocks of lines: one line at a time through a
TextIOWrapper, one header match per line, the date scan and the events built line by line, every
event through the one complete reading. The block reader, the block patterns and the fast paths must
give exactly what this gives; the property tests compare them on generated chats.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, cast

from casetrail.errors import InputError
from casetrail.importers.base import ImportContext
from casetrail.importers.whatsapp.dates import DateReader, decide_format
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
from casetrail.importers.whatsapp.importer import _settle_order
from casetrail.ingest.text import REPLACEMENT, Line, detect_encoding
from casetrail.model.event import Channel, Direction, Kind, Locator, ParsedEvent

_ESCAPED = re.compile("[\udc80-\udcff]")
_SPECIAL_KINDS = {"deleted": Kind.DELETED, "call": Kind.CALL, "location": Kind.LOCATION}


def reference_lines(stream: IO[bytes]) -> Iterator[Line]:
    """Lines as TextIOWrapper splits them (LF only), with a CRLF's CR and escaped bytes handled."""
    buffered: Any = stream if isinstance(stream, io.BufferedReader) else io.BufferedReader(cast(Any, stream))
    encoding = detect_encoding(buffered.peek(4096))
    utf8 = encoding.startswith("utf-8")
    text = io.TextIOWrapper(
        buffered, encoding=encoding, errors="surrogateescape" if utf8 else "replace", newline="\n"
    )
    try:
        for number, raw in enumerate(text, start=1):
            line = raw[:-1] if raw.endswith("\n") else raw
            if line.endswith("\r"):
                line = line[:-1]
            if utf8:
                damaged = bool(_ESCAPED.search(line))
                line = _ESCAPED.sub(REPLACEMENT, line)
            else:
                damaged = REPLACEMENT in line
            yield Line(number, line, damaged)
    finally:
        text.detach()


@dataclass
class ReferenceScan:
    layout: re.Pattern[str]
    dates: dict[str, int] = field(default_factory=dict)
    senders: set[str] = field(default_factory=set)
    twelve_hour: bool = False


def reference_scan(path: Path) -> ReferenceScan:
    """The first pass, one line at a time."""
    scan: ReferenceScan | None = None
    count = 0
    raw_senders: set[str] = set()
    with path.open("rb") as stream:
        for line in reference_lines(stream):
            count = line.number
            if scan is None:
                if not strip_marks(line.text).strip():
                    continue
                layout = layout_of(line.text)
                if layout is None:
                    problem = "text comes before the first WhatsApp message header; is this a chat export?"
                    raise InputError(path.name, f"line {line.number}", problem)
                scan = ReferenceScan(layout)
            match = scan.layout.match(line.text)
            if match is None:
                continue
            scan.dates.setdefault(match["date"], line.number)
            scan.twelve_hour = scan.twelve_hour or match["ampm"] is not None
            cut = match["rest"].find(": ")
            if cut > 0:
                raw_senders.add(match["rest"][:cut])
    if scan is None:
        problem = "the file is empty" if count == 0 else "no WhatsApp message header found (only blank lines)"
        raise InputError(path.name, f"line {max(count, 1)}", problem)
    scan.senders = {strip_marks(name) for name in raw_senders}
    return scan


def reference_events(path: Path, context: ImportContext) -> list[ParsedEvent]:
    """Every event of a ``.txt`` chat, as the line-by-line importer made them."""
    scan = reference_scan(path)
    fmt = decide_format(scan.dates, context.timezone, scan.twelve_hour)
    fmt = _settle_order(fmt, cast(Any, scan), context, path.name, None)
    reader = DateReader(fmt, context.timezone)
    flags = ("date-order-ambiguous",) if fmt.ambiguous else ()
    events: list[ParsedEvent] = []
    header: Header | None = None
    first = last = 0
    extra: list[str] = []
    damaged = False
    with path.open("rb") as stream:
        for line in reference_lines(stream):
            parsed = parse_header(line.text, scan.layout)
            if parsed is None:
                if header is not None:
                    extra.append(line.text)
                    last = line.number
                    damaged = damaged or line.damaged
                continue
            if header is not None:
                events.append(_event(header, first, last, extra, damaged, reader, flags, scan.senders))
            header, first, last, extra, damaged = parsed, line.number, line.number, [], line.damaged
    if header is not None:
        events.append(_event(header, first, last, extra, damaged, reader, flags, scan.senders))
    return events


def _event(
    header: Header,
    first: int,
    last: int,
    extra: list[str],
    damaged: bool,
    reader: DateReader,
    file_flags: tuple[str, ...],
    senders: set[str],
) -> ParsedEvent:
    occurred, time_flag = reader.read(header.date, header.time)
    flags = list(file_flags)
    if time_flag:
        flags.append(time_flag)
    sender, opening = header.sender, header.text
    if sender is None and ":" in opening:
        unusual = unusual_sender(opening, senders)
        if unusual is not None:
            sender, opening = unusual
            flags.append("unusual-header")
    details: dict[str, str] = {}
    attachments: tuple[str, ...] = ()
    if sender is not None and is_attributed_notice(opening):
        details["attributed_to"] = sender
        sender = None
    kind = Kind.SYSTEM
    if sender is not None:
        opening, kind = _media(opening, details)
        if kind is Kind.MESSAGE:
            special = special_message(opening, extra)
            if special is not None:
                kind = _SPECIAL_KINDS[special.kind]
                details.update(special.details)
        final = extra[-1] if extra else opening
        if final.endswith(EDITED_MARKERS) and kind is not Kind.DELETED:
            flags.append("edited")
            details["edited"] = edited_marker(final) or ""
    if damaged:
        flags.append("undecodable-bytes")
    return ParsedEvent(
        occurred_at=occurred,
        local_time=header.stamp,
        channel=Channel.WHATSAPP,
        kind=kind,
        direction=Direction.NOT_APPLICABLE if sender is None else Direction.UNKNOWN,
        sender=sender,
        recipients=(),
        text="\n".join([opening, *extra]) if extra else opening,
        locator=Locator("line", str(first) if first == last else f"{first}-{last}", None),
        attachments=attachments,
        flags=tuple(flags),
        details=details,
    )


def _media(opening: str, details: dict[str, str]) -> tuple[str, Kind]:
    """Attachment markers and omitted media, outside an archive (so no attachment is ever found)."""
    name = attached_name(opening)
    if name is not None:
        details["missing_attachment"] = name
        return drop_marker_mark(opening), Kind.CONTACT_CARD if is_contact_card(name) else Kind.MESSAGE
    media = omitted_media(opening)
    if media is not None:
        details["media"] = "omitted"
        details["media_type"] = media
        kind = Kind.CONTACT_CARD if media in {"contact card", "vcard"} else Kind.MESSAGE
        return drop_marker_mark(opening), kind
    return opening, Kind.MESSAGE
