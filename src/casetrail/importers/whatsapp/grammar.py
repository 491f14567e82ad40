"""The shape of WhatsApp export lines, as pure functions over text.

A chat export is a list of *header lines* (date, time, then ``Sender: text`` or a system notice) followed
by any number of continuation lines. One precompiled regular expression per layout recognises every
date and time style; the layout is chosen once per file, so the importer pays for a single match per line
and continuation lines fail on their first character.
All quantifiers that could meet long runs of marks or spaces are possessive, so hostile lines cannot
make the match backtrack.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Invisible direction marks WhatsApp writes around timestamps, names and attachment markers.
MARKS = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"
_STRIP_MARKS = str.maketrans(dict.fromkeys(MARKS))

_MK = f"[{MARKS}]*+"
_SP = "[ \u00a0\u202f]"  # plain, no-break and narrow no-break spaces (newer Android puts U+202F before AM/PM)
# The last field may carry a Japanese era letter (``R4``) or the Buddhist-era suffix (``2565 BE``).
_DATE = (
    rf"\d{{1,4}}+{_MK}(?P<sep>[./-]){_MK}\d{{1,2}}+{_MK}(?P=sep){_MK}"
    rf"(?:[MTSHR]\d{{1,2}}+|\d{{1,4}}+(?:{_SP}BE)?+)"
)
_GAP = rf"{_MK}(?:[,،]{_SP}*+|{_SP}++){_MK}"
_AMPM = rf"(?P<ampm>{_SP}?+(?:[AaPp]\.?{_SP}?[Mm]\.?|م|ص))"
_TIME = rf"\d{{1,2}}+[:.]\d{{2}}(?:[:.]\d{{2}})?+{_AMPM}?"


def _header_pattern(time_first: bool) -> re.Pattern[str]:
    """Header regex; when the opening bracket is present (iOS) the stamp must close with "]", else " - "."""
    date, time = f"(?P<date>{_DATE})", f"(?P<time>{_TIME})"
    stamp = f"{time}{_GAP}{date}" if time_first else f"{date}{_GAP}{time}"
    return re.compile(
        rf"{_MK}(?P<open>\[{_MK})?+(?P<stamp>{stamp})"
        rf"(?(open){_MK}\]{_SP}?+|{_MK}{_SP}++[-–](?:{_SP}|$))(?P<rest>.*)"
    )


#: Date first (nearly every locale), then time first (Vietnamese iOS: ``[14:56:01, 3/18/22]``).
HEADER = _header_pattern(time_first=False)
HEADER_TIME_FIRST = _header_pattern(time_first=True)
LAYOUTS = (HEADER, HEADER_TIME_FIRST)

_ATTACHED_IOS = re.compile(r"<attached: ([^<>]+)>")
_ATTACHED_ANDROID = re.compile(r"^(.+?) \(file attached\)")
_OMITTED_ANDROID = re.compile(rf"{_MK}<media omitted>", re.IGNORECASE)
# iOS writes the placeholder alone, except documents, which follow their file name.
_OMITTED_IOS = re.compile(
    rf"(?:{_MK}(image|video|audio|sticker|GIF|Contact card|vCard)|(?:.*[\s{MARKS}])?(document)) omitted",
    re.IGNORECASE,
)


_NOTICES = (
    "Messages and calls are end-to-end encrypted",
    "Messages to this group are now secured with end-to-end encryption",
)


@dataclass(frozen=True, slots=True)
class Header:
    """A recognised header line, split into its parts (marks removed from all but ``text``)."""

    stamp: str
    date: str
    time: str
    sender: str | None
    text: str
    twelve_hour: bool


def trim_name(name: str) -> str:
    """Drop the marks WhatsApp puts around a name (``\u202a+44 7700 900123\u202c``), keep any inside it.

    A mark in the middle of a name is not WhatsApp's doing: it can disguise one account as another,
    so it stays in the evidence and is shown as a visible marker wherever the name is displayed.
    """
    return name.strip(MARKS)


def strip_marks(text: str) -> str:
    """Remove invisible direction marks, which are formatting, not content."""
    return text.translate(_STRIP_MARKS)


def layout_of(line: str) -> re.Pattern[str] | None:
    """The header layout a line is written in (decided once per file, from its first header)."""
    return next((pattern for pattern in LAYOUTS if pattern.match(line)), None)


def parse_header(line: str, layout: re.Pattern[str] = HEADER) -> Header | None:
    """Split a header line, or return None for a continuation line."""
    match = layout.match(line)
    if match is None:
        return None
    sender, text = split_sender(match["rest"])
    return Header(
        stamp=strip_marks(match["stamp"]),
        date=strip_marks(match["date"]),
        time=strip_marks(match["time"]),
        sender=sender,
        text=text,
        twelve_hour=match["ampm"] is not None,
    )


def split_sender(rest: str) -> tuple[str | None, str]:
    """Split ``Sender: text``; a line without ``": "`` (or with an empty name) is a system line."""
    cut = rest.find(": ")
    if cut < 0:
        return None, rest
    sender = trim_name(rest[:cut])
    if not strip_marks(sender).strip():
        return None, rest
    return sender, rest[cut + 2 :]


def is_system(line: str) -> bool:
    """True for a header line that carries no ``Sender: `` part (group notices, encryption notice)."""
    layout = layout_of(line)
    header = parse_header(line, layout) if layout else None
    return header is not None and header.sender is None


def unusual_sender(rest: str, known: set[str] | frozenset[str]) -> tuple[str, str] | None:
    """Read ``Name:text`` (no space after the colon) as a message, but only from a name seen elsewhere.

    Requiring a known sender keeps notices such as ``... link http://x`` from turning into messages.
    """
    cut = rest.find(":")
    if cut <= 0:
        return None
    name = trim_name(rest[:cut])
    if name not in known:
        return None
    return name, rest[cut + 1 :]


def is_attributed_notice(text: str) -> bool:
    """iOS files its encryption notice under the chat's name (``Name: <U+200E>Messages and calls...``).

    Only the English wording is known; the leading mark is required, so a person typing the same words
    is still a message.
    """
    return bool(text) and text[0] in MARKS and strip_marks(text).startswith(_NOTICES)


def attached_name(first_line: str) -> str | None:
    """The file an attachment marker names: iOS ``<attached: NAME>``, Android ``NAME (file attached)``."""
    if "attached" not in first_line:
        return None
    match = _ATTACHED_IOS.search(first_line) or _ATTACHED_ANDROID.match(strip_marks(first_line))
    if match is None:
        return None
    return strip_marks(match[1]).strip() or None


def omitted_media(first_line: str) -> str | None:
    """The kind of media an "... omitted" placeholder stands for (``media`` when Android does not say)."""
    text = first_line.rstrip()
    if "omitted" not in text[-8:].lower():
        return None
    if _OMITTED_ANDROID.fullmatch(text):
        return "media"
    match = _OMITTED_IOS.fullmatch(text)
    return (match[1] or match[2]).lower() if match else None


def drop_marker_mark(text: str) -> str:
    """Remove the mark WhatsApp puts before an attachment or omitted-media marker (not part of the text)."""
    return text[1:] if text and text[0] in MARKS else text
