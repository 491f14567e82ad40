"""WhatsApp chat exports: a ``.txt`` file, or the ``.zip`` that "Export chat" with media produces.

The chat text is read twice, streaming: the first pass (``scan``) only collects the distinct date tokens
so the date order is decided for the whole file; the second (``builder``) yields one event per header
line. Both read about a mebibyte of lines at a time and hold no more than that and one message, so
million-message exports stay cheap.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from functools import partial
from typing import IO, ClassVar

from casetrail.errors import ArchiveTooLarge, InputError, UnsafeArchiveMember
from casetrail.importers.base import ImportContext, Importer, Sniff
from casetrail.importers.whatsapp.builder import EventBuilder
from casetrail.importers.whatsapp.dates import (
    DateFormat,
    DateOrder,
    DateReader,
    contradicts,
    decide_format,
    spoken,
    to_date,
)
from casetrail.importers.whatsapp.grammar import layout_of, strip_marks
from casetrail.importers.whatsapp.naming import conversation_from_filename
from casetrail.importers.whatsapp.scan import Scan, place, scan, senders
from casetrail.ingest.archive import SafeZip, is_metadata_member
from casetrail.ingest.source import Source
from casetrail.ingest.text import iter_blocks, iter_lines
from casetrail.model.event import ParsedEvent

CHAT_MEMBER = "_chat.txt"
_SNIFF_BYTES = 4096
_SNIFF_LINES = 5
_MAX_TEXTS = 8
_ASK_EXAMPLES = 2


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
            found = scan(stream, source.name, member)
        fmt = _settle_order(
            decide_format(found.dates, context.timezone, found.twelve_hour),
            found,
            context,
            source.name,
            member,
        )
        builder = EventBuilder(
            fmt,
            DateReader(fmt, context.timezone),
            found.layout,
            member,
            members,
            partial(_senders, opener, found),
        )
        with opener() as stream:
            yield from builder.run(iter_blocks(stream))


def _senders(opener: Callable[[], IO[bytes]], found: Scan) -> set[str]:
    """The file's sender names, read once more only if a ``Name:text`` header needs them."""
    with opener() as stream:
        return senders(stream, found.layout)


def _settle_order(
    fmt: DateFormat, found: Scan, context: ImportContext, file: str, member: str | None
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
        for token, number in sorted(found.dates.items(), key=lambda item: item[1]):
            if contradicts(token, wanted):
                problem = (
                    f"the date {strip_marks(token)} cannot be read {wanted}, which was asked for; "
                    "check the date order, or leave it out to let the file decide"
                )
                raise InputError(file, place(member, number), problem)
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
    examples = _two_readings(found)
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


def _two_readings(found: Scan) -> list[str]:
    """Up to two dates from the file (earliest lines first) read both ways, for the date-order question."""
    examples: list[str] = []
    for token, _number in sorted(found.dates.items(), key=lambda item: item[1]):
        day_first, month_first = to_date(token, DateOrder.DAY_FIRST), to_date(token, DateOrder.MONTH_FIRST)
        if day_first is None or month_first is None or day_first == month_first:
            continue
        examples.append(f"{strip_marks(token)} could be {spoken(day_first)} or {spoken(month_first)}")
        if len(examples) == _ASK_EXAMPLES:
            break
    return examples
