"""The second pass over a chat export: one event per header line, with the continuation lines under it.

Each block of lines is cut into headers by one ``split`` call (the regex engine does the per-line work
in C). An ordinary message or notice then costs a handful of dictionary and substring tests before its
event is made; anything those tests cannot vouch for (attachments, omitted media, special wording,
edits, ``Name:text`` headers, undecodable bytes, invalid or daylight-saving-edge times) goes through
``event``, the one complete reading, so the fast path never has to know the rare cases.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Set
from datetime import datetime
from typing import Any

from casetrail.importers.whatsapp.dates import DateFormat, DateReader
from casetrail.importers.whatsapp.grammar import (
    EDITED_MARKERS,
    EXACT_OPENINGS,
    ODD_FIRST_CHARACTERS,
    ODD_STARTS,
    BlockLayout,
    attached_name,
    drop_marker_mark,
    edited_marker,
    is_attributed_notice,
    is_contact_card,
    omitted_media,
    special_message,
    split_sender,
    strip_marks,
    trim_name,
    unusual_sender,
)
from casetrail.ingest.text import Block
from casetrail.model.event import Channel, Direction, Kind, Locator, ParsedEvent

_SPECIAL_KINDS = {"deleted": Kind.DELETED, "call": Kind.CALL, "location": Kind.LOCATION}
_CONTACT_MEDIA = frozenset({"contact card", "vcard"})
# Enum members bound once: looking one up on its class costs more than the rest of the check.
_MESSAGE, _SYSTEM, _DELETED, _CONTACT_CARD = Kind.MESSAGE, Kind.SYSTEM, Kind.DELETED, Kind.CONTACT_CARD
_WHATSAPP, _UNKNOWN, _NOT_APPLICABLE = Channel.WHATSAPP, Direction.UNKNOWN, Direction.NOT_APPLICABLE
_NO_DAMAGE: frozenset[int] = frozenset()
_FIELDS = 7  # split items per header: open, stamp, first, second, sender, text, then the lines under it
# Locator is a frozen dataclass, so its __init__ sets each field through object.__setattr__ and costs
# as much as the rest of an ordinary message; the fast path fills the same three slots directly
# (tests/importers/whatsapp/test_block_reading.py checks the result equals Locator("line", ...)).
_NEW_LOCATOR = object.__new__
_SET_SCHEME, _SET_VALUE, _SET_MEMBER = (vars(Locator)[name].__set__ for name in ("scheme", "value", "member"))


class EventBuilder:
    """Turns blocks of a chat's lines into events, carrying a message's lines across block ends."""

    def __init__(
        self,
        fmt: DateFormat,
        reader: DateReader,
        layout: BlockLayout,
        member: str | None,
        members: frozenset[str],
        senders: Callable[[], set[str]],
    ) -> None:
        self.file_flags = ("date-order-ambiguous",) if fmt.ambiguous else ()
        self.reader = reader
        self.layout = layout
        self.member = member
        self.members = members
        self.folder = member.rsplit("/", 1)[0] + "/" if member and "/" in member else ""
        self._read_senders = senders
        self._senders: set[str] | None = None
        self._names: dict[str, str] = {}  # sender as written → name, for names that are valid
        # The stamp's first and second tokens are date and time, or time and date (and
        # ``timedelta + datetime`` is the same instant as ``datetime + timedelta``). Values may be None,
        # and adding None raises the TypeError that sends a header to the full reading.
        caches: tuple[Mapping[str, Any], Mapping[str, Any]] = (reader.midnights, reader.clocks)
        self._firsts, self._seconds = caches if layout.date_first else (caches[1], caches[0])

    def run(self, blocks: Iterable[Block]) -> Iterator[ParsedEvent]:
        """Every event, in file order. The last header of a block is held back until the next block
        shows whether more of its lines follow."""
        split = self.layout.headers.split
        line = 1  # the number of the first line not yet given to an event
        held: list[Any] = []  # the held header's split items, then its lines so far
        bad: set[int] = set()  # numbers of damaged lines, from the held header on
        for block in blocks:
            if block.damaged:
                start = line + (1 + "".join(held[_FIELDS - 1 :]).count("\n") if held else 0)
                bad.update(start + index for index in block.damaged)
            parts = split(block.text)
            if held:
                held.append(parts[0])
            else:
                line += parts[0].count("\n")  # blank lines before the first header
            if len(parts) == 1:
                continue
            if held:
                event, line = self._held_event(held, line, bad)
                yield event
            held = parts[-_FIELDS:]
            del parts[-_FIELDS:]
            if bad:  # rare: read every header of this block in full, then forget damage now behind
                line = yield from self._each_in_full(parts, line, bad)
                bad = {number for number in bad if number >= line}
            else:
                line = yield from self._events(parts, line)
        if held:
            yield self._held_event(held, line, bad)[0]

    def _held_event(self, held: list[Any], line: int, bad: Set[int]) -> tuple[ParsedEvent, int]:
        """The held header's event, and the number of the line after it."""
        _open, stamp, first, second, sender, text, *pieces = held
        lines = "".join(pieces)
        return self.event(stamp, first, second, sender, text, lines, line, bad), line + 1 + lines.count("\n")

    def _each_in_full(self, parts: list[str], line: int, bad: set[int]) -> Generator[ParsedEvent, None, int]:
        """``_events`` for a block with damaged lines: every header through ``event``."""
        items = iter(parts)
        next(items)
        for _open, stamp, first, second, sender, text, lines in zip(
            items, items, items, items, items, items, items, strict=True
        ):
            yield self.event(stamp, first, second, sender, text, lines, line, bad)
            line += 1 + lines.count("\n")
        return line

    def _events(self, parts: list[str], line: int) -> Generator[ParsedEvent, None, int]:
        """Events for the complete headers in ``parts`` (``split`` items after the leading text), the
        first on line ``line``; returns the number of the line after them."""
        firsts, seconds, names, member, flags = (
            self._firsts,
            self._seconds,
            self._names,
            self.member,
            self.file_flags,
        )
        odd_first, odd_starts, exact, edited = (
            ODD_FIRST_CHARACTERS,
            ODD_STARTS,
            EXACT_OPENINGS,
            EDITED_MARKERS,
        )
        new_locator, set_scheme, set_value, set_member = _NEW_LOCATOR, _SET_SCHEME, _SET_VALUE, _SET_MEMBER
        items = iter(parts)
        next(items)
        for _open, stamp, first, second, sender, text, lines in zip(
            items, items, items, items, items, items, items, strict=True
        ):
            if lines:
                last = line + lines.count("\n")
                span, full = f"{line}-{last}", text + lines
            else:
                last, span, full = line, str(line), text
            try:
                occurred: datetime | None = firsts[first] + seconds[second]
            except (KeyError, TypeError):  # a token not seen yet, or one that needs the full reading
                occurred = self._learn(first, second)
            if occurred is None:
                yield self.event(stamp, first, second, sender, text, lines, line, _NO_DAMAGE)
            elif sender is None:
                if ":" in text:  # perhaps ``Name:text``
                    yield self.event(stamp, first, second, sender, text, lines, line, _NO_DAMAGE)
                else:
                    local = stamp if stamp.isascii() else strip_marks(stamp)
                    locator = Locator("line", span, member)
                    yield ParsedEvent(
                        occurred,
                        local,
                        _WHATSAPP,
                        _SYSTEM,
                        _NOT_APPLICABLE,
                        None,
                        (),
                        full,
                        locator,
                        (),
                        flags,
                        {},
                    )
            else:
                name = names.get(sender) or self._name(sender)
                if (
                    name is None
                    or (text[:1] in odd_first and text.startswith(odd_starts))
                    or "attached" in text
                    or "https://" in text
                    or text in exact
                    or "omitted" in text.rstrip()[-8:].lower()
                    or full.endswith(edited)
                    or "foursquare" in lines
                ):
                    yield self.event(stamp, first, second, sender, text, lines, line, _NO_DAMAGE)
                else:
                    local = stamp if stamp.isascii() else strip_marks(stamp)
                    locator = new_locator(Locator)
                    set_scheme(locator, "line")
                    set_value(locator, span)
                    set_member(locator, member)
                    yield ParsedEvent(
                        occurred, local, _WHATSAPP, _MESSAGE, _UNKNOWN, name, (), full, locator, (), flags, {}
                    )
            line = last + 1
        return line

    def _learn(self, first: str, second: str) -> datetime | None:
        """Fill the date caches for these tokens; the instant when the fast reading holds, else None."""
        date, time = (first, second) if self.layout.date_first else (second, first)
        self.reader.learn(date, time)
        midnight, clock = self.reader.midnights[date], self.reader.clocks[time]
        return None if midnight is None or clock is None else midnight + clock

    def _name(self, written: str) -> str | None:
        """The sender's name as ``split_sender`` reads it (None when it is only marks or spaces)."""
        name = trim_name(written)
        if not strip_marks(name).strip():
            return None
        self._names[written] = name
        return name

    @property
    def senders(self) -> set[str]:
        """Every sender name in the file, read on first use (only ``Name:text`` headers need it)."""
        if self._senders is None:
            self._senders = self._read_senders()
        return self._senders

    def event(
        self,
        stamp: str,
        first: str,
        second: str,
        written: str | None,
        text: str,
        lines: str,
        number: int,
        bad: Set[int],
    ) -> ParsedEvent:
        """The complete reading of one header (its split items) and the lines under it."""
        date, time = (first, second) if self.layout.date_first else (second, first)
        sender, opening = split_sender(text if written is None else f"{written}: {text}")
        extra = lines[1:].split("\n") if lines else []
        last = number + len(extra)
        occurred, time_flag = self.reader.read(strip_marks(date), strip_marks(time))
        flags = list(self.file_flags)
        if time_flag:
            flags.append(time_flag)
        if sender is None and ":" in opening:
            unusual = unusual_sender(opening, self.senders)
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
        if bad and not bad.isdisjoint(range(number, last + 1)):
            flags.append("undecodable-bytes")
        span = str(number) if number == last else f"{number}-{last}"
        return ParsedEvent(
            occurred_at=occurred,
            local_time=strip_marks(stamp),
            channel=_WHATSAPP,
            kind=kind,
            direction=_NOT_APPLICABLE if sender is None else _UNKNOWN,
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
