"""Header values as people read them: unfolded, 8-bit bytes and encoded words decoded, never failing.

The ``email`` package is used with its fast ``compat32`` policy, which keeps header values as written;
decoding is done here so every odd case (raw bytes, broken encoded words, unknown charsets) ends in
readable text plus a report of the damage instead of an exception.
"""

from __future__ import annotations

import binascii
import re
from datetime import UTC, datetime
from email.errors import MessageError
from email.header import Header
from email.policy import Compat32
from email.utils import getaddresses, parsedate_to_datetime

from casetrail.importers.email.charsets import decode, from_surrogates

# What the ``email`` package may raise on malformed input (besides its own MessageError).
EMAIL_ERRORS: tuple[type[BaseException], ...] = (
    ValueError,
    IndexError,
    LookupError,
    AttributeError,
    TypeError,
    AssertionError,
    RecursionError,
    MessageError,
)

DATE_ERRORS: tuple[type[BaseException], ...] = (*EMAIL_ERRORS, OverflowError)

# Years outside this range cannot be a real sending time; such a Date is read as unusable.
EARLIEST_YEAR, LATEST_YEAR = 1971, 2100
_CHARSET = r"[\x21-\x3e\x40-\x7e]{1,75}"  # printable ASCII except "?"
_WORD = rf"=\?({_CHARSET})\?([bBqQ])\?([\x21-\x3e\x40-\x7e]*)\?="
_ENCODED = re.compile(_WORD)
_GAP = re.compile(rf"(?<=\?=)[ \t\r\n]+(?={_WORD})")  # white space between two encoded words
_FOLD = re.compile(r"\r?\n")
_ZERO_YEAR = re.compile(r"(?<![\d:+-])0\d{3}(?![\d:])")  # "0001": parsedate would read it as 2001
_IN_NAME = re.compile(r"[^\s@<>\"',;:()\[\]]+@[^\s@<>\"',;:()\[\]]+\.[A-Za-z]{2,}")
_NAMED = re.compile(r"([^<>]*)<([^<>]*)>\s*")
_BRACKETED = re.compile(r"<\s*([^<>\s@]+@[^<>\s]+)\s*>")
_BARE = re.compile(r"[^\s<>\"',;:()\[\]]+@[^\s<>\"',;:()\[\]]+")


class RawHeaders(Compat32):
    """``compat32``, but header values with 8-bit bytes come back as text too, never ``Header`` objects.

    Those bytes stay as surrogate escapes until ``from_surrogates`` reads them as UTF-8.
    """

    def header_fetch_parse(self, name: str, value: str) -> str:
        return value


POLICY = RawHeaders()


def unfolded(value: str | Header) -> tuple[str, bool]:
    """A raw header value on one line, 8-bit bytes read as UTF-8 (damage reported), ends trimmed."""
    text, damaged = from_surrogates(str(value))
    return _FOLD.sub("", text).strip(), damaged


def decode_words(text: str) -> tuple[str, bool]:
    """RFC 2047 encoded words (``=?utf-8?b?…?=``) decoded; a broken one is left as written, flagged."""
    if "=?" not in text:
        return text, False
    damaged: list[bool] = []

    def word(match: re.Match[str]) -> str:
        charset, kind, payload = match.groups()
        try:
            if kind in "bB":
                data = binascii.a2b_base64(payload + "=" * (-len(payload) % 4))
            else:
                data = binascii.a2b_qp(payload.encode("ascii"), header=True)
        except (binascii.Error, ValueError):
            damaged.append(True)
            return match.group(0)
        decoded, bad = decode(data, charset.split("*", 1)[0])
        if bad:
            damaged.append(True)
        return decoded

    return _ENCODED.sub(word, _GAP.sub("", text)), bool(damaged)


def readable(value: str | Header | None) -> tuple[str, bool]:
    """A header value as a person reads it: unfolded, bytes and encoded words decoded."""
    if value is None:
        return "", False
    text, damaged = unfolded(value)
    decoded, bad = decode_words(text)
    return decoded, damaged or bad


def normal_address(address: str) -> str:
    """An addr-spec as written, with only the domain in lower case (domains are case-insensitive)."""
    address = address.strip().strip("<>").strip()
    local, at, domain = address.rpartition("@")
    return f"{local}@{domain.lower()}" if at else address


def addresses(value: str) -> tuple[list[tuple[str, str]], bool]:
    """(display name, address) pairs of an address header, and whether it had to be guessed at.

    ``value`` is the unfolded raw header: encoded words are decoded in display names only after the
    addresses are split, so a name cannot smuggle in extra addresses. When the parser finds nothing
    usable, addresses are picked out of the text by their shape and the header counts as damaged.
    """
    try:
        pairs = getaddresses([value])
    except EMAIL_ERRORS:
        pairs = []
    found: list[tuple[str, str]] = []
    damaged = False
    for name, address in pairs:
        address = normal_address(address)
        if not address:
            continue
        display, bad = decode_words(name.strip())
        damaged = damaged or bad
        found.append((display.strip(), address))
    if not found and "@" in value:
        guessed = _BRACKETED.findall(value) or _BARE.findall(value)
        found = [("", normal_address(address)) for address in guessed]
        damaged = True
    return found, damaged


def sender(value: str) -> tuple[tuple[str, str] | None, bool]:
    """The From header's (display name, address), and whether it had to be guessed at.

    ``Name <address>`` is read the way mail programs show it, whatever the name holds: a name with an
    unquoted ``@`` (or an encoded word hiding one) would otherwise be split into two addresses.
    """
    found = _NAMED.fullmatch(value)
    if found is not None:
        name, address = found.group(1).strip(), normal_address(found.group(2))
        if len(name) >= 2 and name[0] == name[-1] == '"':
            name = name[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        display, damaged = decode_words(name)
        return ((display.strip(), address) if address else None), damaged
    pairs, damaged = addresses(value)
    return (pairs[0] if pairs else None), damaged


def name_is_another_address(name: str, address: str) -> bool:
    """Whether a display name shows an e-mail address other than the real one (a spoofing trick)."""
    if "@" not in name:
        return False
    real = address.casefold()
    return any(shown.casefold() != real for shown in _IN_NAME.findall(name))


def parse_date(text: str) -> datetime | None:
    """A Date header's time in UTC, or None when it cannot be read or is absurd (year 0001).

    A date without a zone (``-0000``, or none written) is read as UTC.
    """
    if not text or len(text) > 300 or _ZERO_YEAR.search(text):
        return None
    try:
        when = parsedate_to_datetime(text)
        when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    except DATE_ERRORS:
        return None
    return when if EARLIEST_YEAR <= when.year < LATEST_YEAR else None


def received_time(values: list[str]) -> tuple[datetime, str] | None:
    """The time of the top-most (newest) ``Received:`` header that has a readable one, and its text.

    A relay writes its time after the last semicolon of the header it adds on top.
    """
    for value in values:
        text, _ = unfolded(value)
        _, semicolon, when = text.rpartition(";")
        if not semicolon:
            continue
        parsed = parse_date(when.strip())
        if parsed is not None:
            return parsed, when.strip()
    return None
