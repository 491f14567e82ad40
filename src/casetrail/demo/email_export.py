"""E-mails from the demo cast, as a loose ``.eml`` and as a Google Takeout style ``.mbox``.

Takeout writes each Gmail message after a ``From <id>@xxx <date>`` line with ``X-GM-THRID`` and
``X-Gmail-Labels`` headers first; messages are usually ``multipart/alternative`` (plain text and HTML),
non-ASCII subjects are RFC 2047 encoded words, and a body line starting with ``From `` is written as
``>From `` (mboxrd). Only the fictional cast (example.org / example.com) appears.
"""

from __future__ import annotations

import hashlib
import html
import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from casetrail.demo.cast import EX_PARTNER, FRIEND, VICTIM, Person

_LF = policy.default.clone(linesep="\n")
_CRLF = policy.default.clone(linesep="\r\n")
_MBOXRD = (b"From ", b">From ")


@dataclass(frozen=True, slots=True)
class DemoEmail:
    """One fictional e-mail. ``at`` is timezone-aware; ``labels`` are Gmail's (``Sent`` for Robin's)."""

    at: datetime
    sender: Person
    to: tuple[Person, ...]
    subject: str
    text: str
    labels: tuple[str, ...] = ("Inbox",)
    html: bool = True
    attachment: tuple[str, bytes, str] | None = None  # file name, data, content type
    in_reply_to: str | None = None

    @property
    def message_id(self) -> str:
        digest = hashlib.sha256(f"{self.at.isoformat()}|{self.sender.email}|{self.subject}".encode())
        return f"<{digest.hexdigest()[:24]}@mail.example.com>"

    @property
    def thread(self) -> int:
        root = self.subject.removeprefix("Re: ")
        return 1_700_000_000_000_000_000 + int(hashlib.sha256(root.encode()).hexdigest()[:12], 16)


def _address(person: Person) -> str:
    return f"{person.name} <{person.email}>"


def tiny_png(red: int, green: int, blue: int) -> bytes:
    """A valid 1×1 PNG of one colour, built from bytes (no imaging library needed)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(bytes((0, red, green, blue)))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def render(message: DemoEmail, crlf: bool = False) -> bytes:
    """The message as a mail program writes it (LF line endings, or CRLF as many .eml files have)."""
    mail = EmailMessage(policy=_CRLF if crlf else _LF)
    mail["X-GM-THRID"] = str(message.thread)
    mail["X-Gmail-Labels"] = ",".join(message.labels)
    mail["Message-ID"] = message.message_id
    mail["Date"] = format_datetime(message.at)
    mail["From"] = _address(message.sender)
    mail["To"] = ", ".join(_address(person) for person in message.to)
    mail["Subject"] = message.subject
    if message.in_reply_to:
        mail["In-Reply-To"] = message.in_reply_to
    mail.set_content(message.text)
    if message.html:
        paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in message.text.split("\n\n"))
        mail.add_alternative(f"<html><body>{paragraphs}</body></html>", subtype="html")
    if message.attachment:
        name, data, content_type = message.attachment
        maintype, subtype = content_type.split("/", 1)
        mail.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    # The email package draws boundaries at random: fixed ones keep the demo files byte-identical.
    for number, part in enumerate(part for part in mail.walk() if part.is_multipart()):
        part.set_boundary(f"=_demo_{message.message_id.strip('<>').split('@')[0]}_{number}")
    return mail.as_bytes()


def _separator(message: DemoEmail) -> bytes:
    at = message.at.astimezone(UTC)
    return f"From {message.thread}@xxx {at:%a %b %d %H:%M:%S} +0000 {at:%Y}\n".encode()


def _mbox_entry(data: bytes) -> bytes:
    """mboxrd quoting: a ">" more in front of every line that starts with (">"s then) "From "."""
    lines = data.split(b"\n")
    quoted = (b">" + line if line.lstrip(b">").startswith(b"From ") else line for line in lines)
    return b"\n".join(quoted).rstrip(b"\n") + b"\n\n"


def write_eml(path: Path, message: DemoEmail, crlf: bool = True) -> Path:
    """Write one message as a loose ``.eml`` file (CRLF line endings by default, as saved by clients)."""
    path.write_bytes(render(message, crlf=crlf))
    return path


def write_mbox(path: Path, messages: Iterable[DemoEmail]) -> int:
    """Write messages as a Takeout-style mbox, one at a time; returns how many were written."""
    written = 0
    with path.open("wb") as out:
        for message in messages:
            out.write(_separator(message))
            out.write(_mbox_entry(render(message)))
            written += 1
    return written


def demo_emails(zone: str = "Europe/London") -> list[DemoEmail]:
    """A short fictional thread: polite at first, then pressure, then a reply from Robin."""
    tz = ZoneInfo(zone)
    start = datetime(2025, 3, 4, 21, 14, tzinfo=tz)
    first = DemoEmail(
        start,
        EX_PARTNER,
        (VICTIM,),
        "Können wir reden? — just five minutes",
        "Robin,\n\nI know you said no contact but I only want five minutes.\n\nCasey",
    )
    return [
        first,
        DemoEmail(
            start + timedelta(days=2, hours=1),
            EX_PARTNER,
            (VICTIM,),
            "Why are you ignoring me 😠",
            "You read my last email. I can see it.\n\nFrom now on I will keep writing until you answer.",
            labels=("Inbox", "Important"),
        ),
        DemoEmail(
            start + timedelta(days=2, hours=3),
            VICTIM,
            (EX_PARTNER,),
            "Re: Können wir reden? — just five minutes",
            "Please stop contacting me. I will not reply again.",
            labels=("Sent",),
            html=False,
            in_reply_to=first.message_id,
        ),
        DemoEmail(
            start + timedelta(days=9, hours=-12),
            EX_PARTNER,
            (VICTIM, FRIEND),
            "Saw you at the gym",
            "You looked tired tonight. I took a picture so you can see.",
            labels=("Inbox", "Opened"),
            attachment=("gym.png", tiny_png(96, 125, 139), "image/png"),
        ),
    ]


def write_large_mbox(path: Path, count: int) -> int:
    """Stream ``count`` short generated e-mails into a Takeout-style mbox (for benchmarks).

    Each message is formatted from a template and written at once, so memory does not grow with
    ``count``; one in ten is plain text plus HTML, one in fifty carries a small base64 attachment.
    """
    start = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)
    picture = tiny_png(141, 110, 99)
    with path.open("wb", buffering=1 << 20) as out:
        for number in range(count):
            at = start + timedelta(minutes=7 * number)
            out.write(_bulk_message(number, at, picture))
    return count


def _bulk_message(number: int, at: datetime, picture: bytes) -> bytes:
    boundary = f"demo-{number:08d}"
    text = f"Message {number} from Casey. Why won't you answer me?\nI am still waiting."
    if number % 50 == 0:
        body = (
            f'Content-Type: multipart/mixed; boundary="{boundary}"\n\n--{boundary}\n'
            f'Content-Type: text/plain; charset="UTF-8"\n\n{text}\n--{boundary}\n'
            f'Content-Type: image/png\nContent-Disposition: attachment; filename="photo-{number}.png"\n'
            f"Content-Transfer-Encoding: base64\n\n{_base64(picture)}\n--{boundary}--\n"
        )
    elif number % 10 == 0:
        body = (
            f'Content-Type: multipart/alternative; boundary="{boundary}"\n\n--{boundary}\n'
            f'Content-Type: text/plain; charset="UTF-8"\n\n{text}\n--{boundary}\n'
            f'Content-Type: text/html; charset="UTF-8"\n\n<p>{html.escape(text)}</p>\n--{boundary}--\n'
        )
    else:
        body = f'Content-Type: text/plain; charset="UTF-8"\nContent-Transfer-Encoding: 7bit\n\n{text}\n'
    sender, receiver, labels = (
        (EX_PARTNER, VICTIM, "Inbox,Unread") if number % 7 else (VICTIM, EX_PARTNER, "Sent")
    )
    head = (
        f"From {1_700_000_000_000_000_000 + number}@xxx {at:%a %b %d %H:%M:%S} +0000 {at:%Y}\n"
        f"X-GM-THRID: {1_700_000_000_000_000_000 + number // 5}\nX-Gmail-Labels: {labels}\n"
        f"Message-ID: <bulk-{number}@mail.example.com>\nDate: {format_datetime(at)}\n"
        f"From: {_address(sender)}\nTo: {_address(receiver)}\nSubject: Message {number}\n"
        "MIME-Version: 1.0\n"
    )
    return (head + body + "\n").encode()


def _base64(data: bytes) -> str:
    import base64

    encoded = base64.b64encode(data).decode()
    return "\n".join(encoded[i : i + 76] for i in range(0, len(encoded), 76))
