"""The MIME parts of one message: which are the body, which are attachments, and their decoded bytes.

Parts are numbered as IMAP and most mail tools number them (``1``, ``2.1``, …), so an officer can find
"part 2.1" with any of them. A forwarded message (``message/rfc822``) is one attachment and is not
opened: what it says is kept, but it is not presented as something this message's sender wrote.
"""

from __future__ import annotations

import binascii
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.generator import BytesGenerator
from email.message import Message
from io import BytesIO
from typing import TypeVar

from casetrail.importers.email.charsets import decode, from_surrogates
from casetrail.importers.email.headers import EMAIL_ERRORS, POLICY, decode_words

MAX_DEPTH = 32  # nested multiparts deeper than this are not looked into (their bytes stay in the file)
BODY_TYPES = frozenset(("text/plain", "text/html"))
T = TypeVar("T")
FLATTEN_ERRORS: tuple[type[BaseException], ...] = (*EMAIL_ERRORS, UnicodeError)


@dataclass(slots=True)
class Part:
    """One leaf part, decoded. ``raw`` is True when its transfer encoding could not be undone."""

    section: str
    content_type: str
    charset: str | None
    name: str
    data: bytes
    attachment: bool
    raw: bool

    def text(self) -> tuple[str, bool]:
        """The part as text with LF line endings, and whether any of it could not be read."""
        text, damaged = decode(self.data, self.charset)
        return text.replace("\r\n", "\n"), damaged or self.raw

    def digest(self) -> str:
        """SHA-256 of the content, text read with LF endings and no trailing blank space.

        So the same message gives the same digest whether it was stored with CRLF (a loose .eml) or
        LF (a mailbox), and however many blank lines a mailbox left after it.
        """
        data = self.data
        if self.content_type.startswith("text/"):
            data = data.replace(b"\r\n", b"\n").rstrip()
        return hashlib.sha256(data).hexdigest()


def _call(default: T, function: Callable[[], T | None]) -> T:
    """``function()``, or ``default`` when the ``email`` package fails on a malformed header."""
    try:
        result = function()
    except EMAIL_ERRORS:
        return default
    return default if result is None else result


def walk(message: Message) -> Iterator[tuple[str, Message]]:
    """Leaf parts with their section numbers, in file order; multiparts are opened, up to MAX_DEPTH."""
    stack: list[tuple[str, Message]] = [("", message)]
    while stack:
        section, part = stack.pop()
        payload = _payload(part)
        maintype = _call("text", part.get_content_maintype)
        if isinstance(payload, list) and maintype == "multipart" and section.count(".") < MAX_DEPTH:
            prefix = f"{section}." if section else ""
            children = [(f"{prefix}{i}", child) for i, child in enumerate(payload, 1)]
            stack.extend(child for child in reversed(children) if isinstance(child[1], Message))
            continue
        yield section or "1", part


def _filename(part: Message) -> str:
    name = _call("", part.get_filename)
    if not isinstance(name, str):
        return ""
    text, _ = from_surrogates(name)
    return decode_words(text)[0].strip()


def _base64(raw: bytes, strict: bool) -> bytes | None:
    """Base64 decoded; missing padding is forgiven, anything else is refused unless not ``strict``."""
    compact = raw.translate(None, b" \t\r\n")
    padded = compact + b"=" * (-len(compact) % 4)
    for attempt in (compact, padded):
        try:
            return binascii.a2b_base64(attempt, strict_mode=True)
        except binascii.Error:
            continue
    if strict:
        return None
    try:
        return binascii.a2b_base64(padded)
    except binascii.Error:
        return None


def _flattened(message: Message) -> bytes:
    """A forwarded message's bytes, written back by the ``email`` package as it read them."""
    out = BytesIO()
    BytesGenerator(out, mangle_from_=False, policy=POLICY).flatten(message)
    return out.getvalue()


def _payload(part: Message) -> object:
    """The payload exactly as parsed: ``get_payload()`` would re-decode 8-bit bytes by the declared
    charset (losing the bytes) and ``get_payload(decode=True)`` forgives broken base64 silently."""
    return part.__dict__.get("_payload", "")


def _decoded(part: Message, body: bool) -> tuple[bytes, bool]:
    """The part's bytes with its transfer encoding undone, and whether that failed (raw bytes kept)."""
    payload = _payload(part)
    if isinstance(payload, list):  # message/rfc822 and friends: one message inside
        inner = [item for item in payload if isinstance(item, Message)]
        try:
            return b"".join(_flattened(item) for item in inner), False
        except FLATTEN_ERRORS:
            return b"", True
    try:
        raw = str(payload).encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        raw = str(payload).encode("utf-8", "replace")
    encoding = str(part.get("content-transfer-encoding", "")).strip().lower()
    if encoding == "base64":
        data = _base64(raw, strict=not body)
        return (raw, True) if data is None else (data, False)
    if encoding == "quoted-printable":
        try:
            return binascii.a2b_qp(raw), False
        except (binascii.Error, ValueError):
            return raw, True
    return raw, False


def read_parts(message: Message) -> Iterator[Part]:
    """Every leaf part, decoded, marked as body (text/plain, text/html inline) or attachment."""
    for section, part in walk(message):
        content_type = str(_call("text/plain", part.get_content_type))
        name = _filename(part)
        disposition = _call("", part.get_content_disposition)
        attachment = disposition == "attachment" or bool(name)
        attachment = attachment or content_type not in BODY_TYPES
        if content_type.startswith("multipart/"):  # a multipart with no readable parts: read as text
            attachment = disposition == "attachment" or bool(name)
        data, raw = _decoded(part, body=not attachment)
        charset: str | None = _call(None, part.get_content_charset)
        yield Part(section, content_type, charset, name, data, attachment, raw)
