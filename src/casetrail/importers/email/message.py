"""One e-mail message (its bytes) turned into one event; shared by the .eml and mbox importers.

Everything in a message was written by whoever sent it, so nothing here trusts it: headers that cannot
be parsed are kept as written and flagged, HTML is reduced to text, attachments are kept as bytes and
never opened, and no failure of the ``email`` package stops the import (docs/importers/email.md).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from email.message import Message
from email.parser import BytesParser

from casetrail.importers.email import headers as h
from casetrail.importers.email.html_text import html_to_text
from casetrail.importers.email.parts import Part, read_parts
from casetrail.model.event import Channel, Direction, EmbeddedFile, Kind, Locator, ParsedEvent

MAX_MESSAGE_BYTES = 64 << 20  # one message larger than this is refused, not read into memory
_PARSER = BytesParser(policy=h.POLICY)
_SPACE = re.compile(r"\s+")
_RECIPIENT_HEADERS = ("to", "cc", "bcc")
_SENT_LABELS = frozenset(("sent",))
_DRAFT_LABELS = frozenset(("draft", "drafts"))
_DETAIL_HEADERS = (
    ("in-reply-to", "in_reply_to"),
    ("reply-to", "reply_to"),
    ("return-path", "return_path"),
    ("x-gmail-labels", "gmail_labels"),
    ("x-gm-thrid", "gmail_thread"),
)


@dataclass(frozen=True, slots=True)
class Place:
    """Where a message is in its file: its number (1-based), its lines, and whether the file is a mailbox."""

    number: int
    locator: Locator
    mailbox: bool

    def part(self, section: str) -> str:
        return f"message {self.number}, part {section}" if self.mailbox else f"part {section}"


class _Flags:
    """Flags in the order first raised, each once."""

    def __init__(self) -> None:
        self.items: dict[str, None] = {}

    def add(self, flag: str, when: bool = True) -> None:
        if when:
            self.items[flag] = None


def _parse(data: bytes, flags: _Flags) -> Message:
    """The message; one whose structure defeats the parser is read as headers and one text body."""
    try:
        return _PARSER.parsebytes(data)
    except h.EMAIL_ERRORS:
        flags.add("mime-unreadable")
        return _PARSER.parsebytes(data, headersonly=True)


class _Headers:
    """The top-level headers by lower-case name, read once (``Message.get`` scans them every time)."""

    def __init__(self, message: Message, flags: _Flags) -> None:
        self.flags = flags
        self.values: dict[str, list[str]] = {}
        try:
            items = message.items()
        except h.EMAIL_ERRORS:
            flags.add("header-unreadable")
            items = []
        for name, value in items:
            self.values.setdefault(str(name).lower(), []).append(str(value))

    def all(self, name: str) -> list[str]:
        return self.values.get(name, [])

    def text(self, name: str) -> str:
        """The first value of a header, readable; "" when absent."""
        values = self.values.get(name)
        if not values:
            return ""
        text, damaged = h.readable(values[0])
        self.flags.add("undecodable-bytes", damaged)
        return text


def message_id(raw: str) -> str:
    """A Message-ID for comparing copies: white space and the angle brackets removed."""
    return _SPACE.sub("", raw).strip("<>")


def _people(headers: _Headers, flags: _Flags) -> tuple[tuple[str, str] | None, tuple[str, ...]]:
    """The From (display name, address), and every To/Cc/Bcc address once, in order."""
    froms = headers.all("from")
    flags.add("from-header-repeated", len(froms) > 1)
    sender = None
    if froms:
        text, damaged = h.unfolded(froms[0])
        sender, guessed = h.sender(text)
        flags.add("undecodable-bytes", damaged)
        flags.add("header-unreadable", guessed)
    recipients: dict[str, None] = {}
    for name in _RECIPIENT_HEADERS:
        for value in headers.all(name):
            text, damaged = h.unfolded(value)
            found, guessed = h.addresses(text)
            flags.add("undecodable-bytes", damaged)
            flags.add("header-unreadable", guessed)
            recipients.update((address, None) for _, address in found)
    return sender, tuple(recipients)


def _time(headers: _Headers, flags: _Flags) -> tuple[datetime | None, str, str]:
    """The time (UTC), the text it was read from, and the Date header as written ("" if none).

    The Date header is the sender's claim; when it is missing or unusable the newest ``Received:``
    header (written by the receiving server) stands in, flagged.
    """
    raw = headers.text("date") or headers.text("orig-date")
    when = h.parse_date(raw)
    if when is not None:
        return when, raw, raw
    received = h.received_time(headers.all("received"))
    if received is not None:
        flags.add("time-from-received-header")
        return received[0], received[1], raw
    flags.add("time-unreadable")
    return None, raw, raw


def _direction(labels: str, flags: _Flags) -> Direction:
    """Gmail's labels say whether the mailbox owner sent or received a message; no labels: unknown."""
    names = {label.strip().strip('"').casefold() for label in labels.split(",")} - {""}
    if names & _SENT_LABELS:
        return Direction.OUTGOING
    if names & _DRAFT_LABELS:
        flags.add("email-draft")
        return Direction.OUTGOING
    return Direction.INCOMING if names else Direction.UNKNOWN


def _body(parts: list[Part], flags: _Flags) -> str:
    """The text/plain parts joined; failing those, the HTML ones reduced to text (flagged)."""
    for kind in ("text/plain", "text/html"):
        texts = []
        for part in parts:
            if part.attachment or part.content_type != kind:
                continue
            text, damaged = part.text()
            flags.add("undecodable-bytes", damaged)
            texts.append(text)
        if texts:
            if kind == "text/html":
                flags.add("html-reduced-to-text")
                return "\n\n".join(html_to_text(text) for text in texts)
            return "\n\n".join(texts).strip("\n").rstrip()
    for part in parts:  # a multipart that held no parts (broken boundary): its text as written
        if not part.attachment and part.content_type.startswith("multipart/"):
            flags.add("mime-unreadable")
            return part.text()[0].strip("\n").rstrip()
    return ""


def _attachments(parts: list[Part], place: Place, flags: _Flags) -> tuple[EmbeddedFile, ...]:
    kept = []
    for part in parts:
        if not part.attachment:
            continue
        flags.add("attachment-undecodable", part.raw)
        key = f"{place.number}/{part.section}"
        kept.append(EmbeddedFile(key, part.name, part.data, part.content_type, place.part(part.section)))
    return tuple(kept)


def source_id(message_id_text: str, parts: list[Part], sender: str, date: str, subject: str) -> str:
    """The identity rule of docs/importers/email.md: Message-ID plus content, or headers plus content."""
    content = hashlib.sha256("\n".join(part.digest() for part in parts).encode()).hexdigest()
    if message_id_text:
        return f"email|{message_id_text}|{content[:16]}"
    basis = "\x1f".join((sender, date, subject, content)).encode("utf-8", "replace")
    return f"email-no-id|{hashlib.sha256(basis).hexdigest()[:32]}"


def read_message(data: bytes, place: Place) -> ParsedEvent:
    """The event for one message's bytes (headers, blank line, body)."""
    flags = _Flags()
    message = _parse(data, flags)
    try:
        parts = list(read_parts(message))
    except h.EMAIL_ERRORS:
        flags.add("mime-unreadable")
        parts = list(read_parts(_PARSER.parsebytes(data, headersonly=True)))
    headers = _Headers(message, flags)
    sender, recipients = _people(headers, flags)
    occurred, local, date = _time(headers, flags)
    subject = _SPACE.sub(" ", headers.text("subject")).strip()
    details: dict[str, str] = {}
    if place.mailbox:
        details["message_number"] = str(place.number)
    if sender and sender[0]:
        details["from_name"] = sender[0]
        flags.add("display-name-is-another-address", h.name_is_another_address(*sender))
    raw_id = headers.text("message-id")
    if raw_id:
        details["message_id"] = raw_id
    for header, key in _DETAIL_HEADERS:
        if value := headers.text(header):
            details[key] = value
    if subject:
        details["subject"] = subject
    if date and date != local:
        details["date"] = date
    from_text = h.unfolded(headers.all("from")[0])[0] if headers.all("from") else ""
    details["source_id"] = source_id(message_id(raw_id), parts, from_text, date, subject)
    if message_id(raw_id):  # the store finds other readings under the same Message-ID by it
        details["message_key"] = f"email|{message_id(raw_id)}"
    flags.add("delivery-report", message.get_content_type() == "multipart/report")
    body = _body(parts, flags)
    embedded = _attachments(parts, place, flags)
    direction = _direction(details.get("gmail_labels", ""), flags)
    return ParsedEvent(
        occurred_at=occurred,
        local_time=local,
        channel=Channel.EMAIL,
        kind=Kind.EMAIL,
        direction=direction,
        sender=sender[1] if sender else None,
        recipients=recipients,
        text=f"Subject: {subject}\n\n{body}" if subject else body,
        locator=place.locator,
        attachments=tuple(file.key for file in embedded),
        flags=tuple(flags.items),
        details=details,
        embedded=embedded,
    )
