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
_MARK_RUN = re.compile(f"[{MARKS}]+")

_MK = f"[{MARKS}]*+"
_SP = "[ \u00a0\u202f]"  # plain, no-break and narrow no-break spaces (newer Android puts U+202F before AM/PM)
# The last field may carry a Japanese era letter (``R4``) or the Buddhist-era suffix (``2565 BE``).
_YEAR = rf"(?:[MTSHR]\d{{1,2}}+|\d{{1,4}}+(?:{_SP}BE)?+)"
_DATE = rf"\d{{1,4}}+{_MK}(?P<sep>[./-]){_MK}\d{{1,2}}+{_MK}(?P=sep){_MK}{_YEAR}"
#: The same dates with each separator spelled out instead of captured and referred back to, so block
#: patterns capture only the groups their callers read.
_DATE_SPELLED = (
    rf"\d{{1,4}}+{_MK}(?:"
    + "|".join(rf"{sep}{_MK}\d{{1,2}}+{_MK}{sep}" for sep in (r"\.", "/", "-"))
    + rf"){_MK}{_YEAR}"
)
_GAP = rf"{_MK}(?:[,،]{_SP}*+|{_SP}++){_MK}"
_AMPM_TEXT = rf"{_SP}?+(?:[AaPp]\.?{_SP}?[Mm]\.?|م|ص)"
_CLOCK = r"\d{1,2}+[:.]\d{2}(?:[:.]\d{2})?+"
_TIME = rf"{_CLOCK}(?P<ampm>{_AMPM_TEXT})?"
_TIME_UNMARKED = rf"{_CLOCK}(?:{_AMPM_TEXT})?"
#: ``Sender: `` cut at the first ": ", as ``str.find`` would; possessive, so a long line cannot backtrack.
_SENDER = r"(?:(?P<sender>(?:[^:\n]++|:(?! ))*+): )?+"


def _stamped(date: str, time: str, time_first: bool, stamp: str = "(?P<stamp>{})") -> str:
    """A line's start through its stamp; with the opening bracket (iOS) the stamp must close with "]",
    else with " - "."""
    inner = f"{time}{_GAP}{date}" if time_first else f"{date}{_GAP}{time}"
    return (
        rf"{_MK}(?P<open>\[{_MK})?+{stamp.format(inner)}"
        rf"(?(open){_MK}\]{_SP}?+|{_MK}{_SP}++[-–](?:{_SP}|$))"
    )


def _header_pattern(time_first: bool) -> re.Pattern[str]:
    """Header regex, for one line at a time."""
    return re.compile(_stamped(f"(?P<date>{_DATE})", f"(?P<time>{_TIME})", time_first) + "(?P<rest>.*)")


#: Date first (nearly every locale), then time first (Vietnamese iOS: ``[14:56:01, 3/18/22]``).
HEADER = _header_pattern(time_first=False)
HEADER_TIME_FIRST = _header_pattern(time_first=True)
LAYOUTS = (HEADER, HEADER_TIME_FIRST)


@dataclass(frozen=True, slots=True)
class BlockLayout:
    """A header layout compiled for a block of lines at once, written ``"\\n" + line + "\\n" + line ...``:
    each pattern starts at the newline before a header, so the regex engine jumps from newline to
    newline in C. Every pattern finds exactly the header lines (with the same stamp, date and time)
    that ``line`` finds one line at a time.

    ``runs`` (finditer) matches a header and every following line up to the next header whose date or
    whose use of AM/PM differs, giving that first header's ``date`` and ``ampm``: the date tokens of a
    whole file cost a few thousand matches, and later lines are compared with the first date as text
    instead of being parsed. ``senders`` (findall) gives ``(open, sender)`` per header line.
    ``headers`` (split) gives ``open, stamp, first, second, sender, text`` per header line and then the
    text up to the next header, where ``first`` and ``second`` are the date and the time in the order
    the layout writes them.
    """

    line: re.Pattern[str]
    runs: re.Pattern[str]
    senders: re.Pattern[str]
    headers: re.Pattern[str]
    date_first: bool


def _renamed(pattern: str, old: str, new: str) -> str:
    """The pattern with group ``old`` (and the conditional that tests it) renamed, to use it twice."""
    return pattern.replace(f"(?P<{old}>", f"(?P<{new}>").replace(f"(?({old})", f"(?({new})")


def _block_layout(time_first: bool) -> BlockLayout:
    def compiled(pattern: str) -> re.Pattern[str]:
        return re.compile("\n" + pattern, re.MULTILINE)

    date, time = f"(?P<date>{_DATE_SPELLED})", f"(?P<time>{_TIME_UNMARKED})"
    plain = _stamped(_DATE_SPELLED, _TIME_UNMARKED, time_first, "(?:{})")
    first = _stamped(date, _TIME, time_first, "(?:{})")
    # The same date (as text), and AM/PM exactly when the first header has it. AM/PM never fits where
    # what follows a time does (the closing, or the gap before the date), so whether a header line has
    # one is decided by the line alone.
    same = _stamped("(?P=date)", f"{_CLOCK}(?(ampm){_AMPM_TEXT}|)", time_first, "(?:{})")
    other = rf"(?!{_renamed(plain, 'open', 'open_any')})"
    return BlockLayout(
        line=HEADER_TIME_FIRST if time_first else HEADER,
        runs=compiled(rf"{first}[^\n]*+(?:\n(?:{_renamed(same, 'open', 'open_same')}|{other})[^\n]*+)*+"),
        senders=compiled(plain + _SENDER),
        headers=compiled(_stamped(date, time, time_first) + rf"{_SENDER}(?P<text>.*)"),
        date_first=not time_first,
    )


BLOCK_LAYOUTS = {HEADER: _block_layout(time_first=False), HEADER_TIME_FIRST: _block_layout(time_first=True)}

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
    return text if text.isascii() else _MARK_RUN.sub("", text)


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


# --- Wording tables -----------------------------------------------------------------------------------
# Everything WhatsApp writes in its own words for special messages, in one place, as data. English is
# always recognised; other languages only where the sample corpus shows the exact wording (the iOS and
# Android strings of whats_json). Anything not listed here stays an ordinary message with its text as
# written, so a gap in these tables loses a label, never evidence.

#: Placeholders left where a message was deleted (by its sender, or by the person exporting: "You ...").
DELETED_WORDING: tuple[str, ...] = (
    # English (Android without a full stop, iOS with one; both are accepted for every language)
    "This message was deleted",
    "You deleted this message",
    # Czech
    "Tato zpráva byla odstraněna",
    "Tuto zprávu jste odstranil/a",
    "Tato zpráva byla smazána",
    "Tuto zprávu jste smazal/a",
    # Dutch
    "Dit bericht is verwijderd",
    "U hebt dit bericht verwijderd",
    # French
    "Ce message a été supprimé",
    "Vous avez supprimé ce message",
    # German
    "Diese Nachricht wurde gelöscht",
    "Du hast diese Nachricht gelöscht",
    # Indonesian
    "Pesan ini dihapus",
    "Anda menghapus pesan ini",
    # Italian
    "Questo messaggio è stato eliminato",
    "Hai eliminato questo messaggio",
    # Portuguese
    "Esta mensagem foi apagada",
    "Apagou esta mensagem",
    # Russian
    "Данное сообщение удалено",
    "Вы удалили данное сообщение",
    # Spanish
    "Se eliminó este mensaje",
    "Eliminaste este mensaje",
    # Ukrainian
    "Це повідомлення було видалено",
    "Ви видалили це повідомлення",
    # Vietnamese
    "Tin nhắn này đã bị xóa",
    "Bạn đã xoá tin nhắn này",
    # Hindi
    "यह मैसेज डिलीट कर दिया गया है",
    "आपने यह मैसेज डिलीट किया",
    # Thai
    "ข้อความนี้ถูกลบแล้ว",
    "คุณได้ลบข้อความนี้",
    # Japanese
    "このメッセージは削除されました",
    "このメッセージを削除しました",
    # Arabic
    "تم حذف هذه الرسالة",
    "أنت حذفت هذه الرسالة",
    "لقد حذَفت هذه الرسالة",
)

#: Call lines, as WhatsApp writes them under the caller's name → ``details["call"]``.
CALL_WORDING: dict[str, str] = {
    "Missed voice call": "missed-voice",
    "Missed video call": "missed-video",
    "Voice call": "voice",
    "Video call": "video",
    "Zmeškaný hovor": "missed-voice",  # Czech Android, where English writes "Missed voice call"
    "Gemiste spraakoproep": "missed-voice",  # Dutch Android
    "Пропущенный аудиозвонок": "missed-voice",  # Russian Android
}
#: What may follow a call line after a comma, full stop or bullet (English only): a duration or a hint.
_CALL_TAIL = (
    r"(?:\d{1,4} ?(?:hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)\.?(?:,? )?){1,3}"
    r"|\d{1,2}:\d{2}(?::\d{2})?"
    r"|(?:Tap|Click) to call back|No answer|Answered on other device"
)

#: Labels before a shared Google Maps pin (``location: https://maps.google.com/?q=…``), any letter case.
LOCATION_LABELS: tuple[str, ...] = (
    "location",  # English (Android lower case, iOS "Location")
    "poloha",  # Czech
    "locatie",  # Dutch
    "localisation",  # French
    "standort",  # German
    "lokasi",  # Indonesian
    "posizione",  # Italian
    "localização",  # Portuguese
    "местоположение",  # Russian
    "ubicación",  # Spanish
    "розташування",  # Ukrainian
    "vị trí",  # Vietnamese
    "लोकेशन",  # Hindi
    "ตำแหน่งที่ตั้ง",  # Thai
    "位置情報",  # Japanese
    "موقع",  # Arabic
)
#: A live location share (English; the export says only that it was shared, not where).
LIVE_LOCATION_WORDING: tuple[str, ...] = ("live location shared", "Live location shared")

#: The suffix WhatsApp adds to an edited message (kept in the text, recorded in details).
EDITED_MARKERS: tuple[str, ...] = ("<This message was edited>",)


# --- Recognising them (exact lookups first, so an ordinary message costs one set lookup) -------------

_ENDINGS = ("", ".", "。")
_LEADS = ("", "\u200e", "\u200f")


def _variants(phrases: tuple[str, ...]) -> frozenset[str]:
    """Each phrase as WhatsApp may write it: with or without a leading mark and a closing full stop."""
    return frozenset(lead + phrase + end for phrase in phrases for lead in _LEADS for end in _ENDINGS)


_CALL_STARTS = tuple(lead + phrase for phrase in CALL_WORDING for lead in _LEADS)
_CALL_FIRST = frozenset(start[0] for start in _CALL_STARTS)
_CALL = re.compile(
    rf"(?P<call>{'|'.join(map(re.escape, CALL_WORDING))})"
    rf"(?:{_SP}?+[,.•·]{_SP}*+(?P<tail>{_CALL_TAIL}))?+\.?"
)
_MAPS = re.compile(
    rf"{_MK}(?:{'|'.join(map(re.escape, LOCATION_LABELS))}){_MK}:{_SP}*+{_MK}"
    r"(?P<url>https://maps\.google\.com/\?q=-?[0-9.]++,-?[0-9.]++)",
    re.IGNORECASE,
)
_VENUE_URL = r"https://foursquare\.com/v/[0-9A-Za-z]++"
# Possessive and without overlap (the place name holds no brackets), so a hostile line cannot backtrack.
_VENUE_ONE_LINE = re.compile(rf"{_MK}[^()\n]++\([^()\n]*+\): (?P<url>{_VENUE_URL})")
_VENUE_LAST_LINE = re.compile(rf"{_MK}(?P<url>{_VENUE_URL})")


@dataclass(frozen=True, slots=True)
class Special:
    """A message that is really something else: ``kind`` is ``deleted``, ``call`` or ``location``."""

    kind: str
    details: tuple[tuple[str, str], ...] = ()


#: Whole-message wordings (each with or without a leading mark and a closing full stop), looked up at once.
_EXACT: dict[str, Special] = {
    **dict.fromkeys(_variants(DELETED_WORDING), Special("deleted")),
    **dict.fromkeys(_variants(LIVE_LOCATION_WORDING), Special("location", (("location", "live"),))),
    **{
        lead + phrase + end: Special("call", (("call", call),))
        for phrase, call in CALL_WORDING.items()
        for lead in _LEADS
        for end in _ENDINGS
    },
}

#: A one-line opening that ``special_message`` or ``is_attributed_notice`` could recognise is one of
#: these exact texts, starts with one of ``ODD_STARTS`` (whose first characters are
#: ``ODD_FIRST_CHARACTERS``, a cheaper first test), or contains "https://"; a parser may skip both for
#: anything else.
EXACT_OPENINGS = frozenset(_EXACT)
ODD_STARTS = (*MARKS, *_CALL_STARTS)
ODD_FIRST_CHARACTERS = frozenset(start[0] for start in ODD_STARTS)


def special_message(opening: str, extra: list[str]) -> Special | None:
    """Recognise a deleted-message placeholder, a call line or a location share from its wording.

    ``opening`` is the text after ``Sender: ``; ``extra`` the continuation lines. Cheap for ordinary
    messages: one dictionary lookup, one first-character test and one substring test.
    """
    if extra:
        return _venue_lines(opening, extra) if len(extra) <= 2 else None
    found = _EXACT.get(opening)
    if found is not None:
        return found
    if opening[:1] in _CALL_FIRST and opening.startswith(_CALL_STARTS):
        call = _CALL.fullmatch(strip_marks(opening))
        if call is None:
            return None
        details = [("call", CALL_WORDING[call["call"]])]
        if call["tail"]:
            details.append(("call_info", call["tail"]))
        return Special("call", tuple(details))
    if "https://" not in opening:
        return None
    pin = _MAPS.fullmatch(opening)
    if pin is not None:
        return Special("location", (("location", "pin"), ("location_url", pin["url"])))
    venue = _VENUE_ONE_LINE.fullmatch(opening)
    if venue is not None:
        return Special("location", (("location", "venue"), ("location_url", venue["url"])))
    return None


def _venue_lines(opening: str, extra: list[str]) -> Special | None:
    """Android writes a shared place over lines: its name, then (usually) the address, then the link."""
    if not opening.strip() or "foursquare" not in extra[-1]:
        return None
    venue = _VENUE_LAST_LINE.fullmatch(extra[-1].rstrip())
    if venue is None:
        return None
    return Special("location", (("location", "venue"), ("location_url", venue["url"])))


def edited_marker(last_line: str) -> str | None:
    """The "<This message was edited>" marker a message's last line ends with, or None."""
    if not last_line.endswith(EDITED_MARKERS):
        return None
    return next(marker for marker in EDITED_MARKERS if last_line.endswith(marker))


def is_contact_card(file_name: str) -> bool:
    """A shared contact is a ``.vcf`` file (``NAME.vcf (file attached)``, ``<attached: ....vcf>``)."""
    return file_name.lower().endswith(".vcf")
