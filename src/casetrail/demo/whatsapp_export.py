"""Writers for WhatsApp chat exports in the layouts real phones produce, one line at a time.

Android: ``03/02/2025, 21:14 - Name: text`` in UTF-8 with LF. iOS "export with media": a zip holding
``_chat.txt`` (``[03/02/2025, 21:14:05] Name: text``, CRLF, U+200E marks) and the attached photos. The
demo photos are tiny but valid JPEGs built here from bytes, so no imaging library is needed.
"""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal, TextIO

MessageKind = Literal["text", "media", "deleted", "system"]
LRM = "\u200e"
ZIP_TIME = (2025, 6, 16, 9, 0, 0)
_PHOTO_COLOURS = ((96, 125, 139), (141, 110, 99), (85, 139, 47), (176, 190, 197), (121, 85, 72))


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """One message as a writer needs it; ``sender`` None is a system line, ``filename`` a document."""

    at: datetime
    sender: str | None
    text: str
    kind: MessageKind = "text"
    filename: str | None = None


@dataclass(frozen=True, slots=True)
class ExportStats:
    """What a writer wrote: one header line per message, plus continuation lines of multi-line ones."""

    header_lines: int
    system_lines: int
    continuation_lines: int
    attachments: tuple[str, ...] = ()


class _Tally:
    def __init__(self) -> None:
        self.headers = 0
        self.system = 0
        self.continuations = 0
        self.attachments: list[str] = []

    def count(self, message: ChatMessage, body: str) -> None:
        self.headers += 1
        self.system += message.sender is None
        self.continuations += body.count("\n")

    def stats(self) -> ExportStats:
        return ExportStats(self.headers, self.system, self.continuations, tuple(self.attachments))


def _android_body(message: ChatMessage) -> str:
    if message.kind == "deleted":
        return "This message was deleted"
    if message.kind == "media":
        return f"<Media omitted>\n{message.text}" if message.text else "<Media omitted>"
    return message.text


def _write_android(out: TextIO, messages: Iterable[ChatMessage]) -> ExportStats:
    tally = _Tally()
    for message in messages:
        at, body = message.at, _android_body(message)
        stamp = f"{at.day:02d}/{at.month:02d}/{at.year}, {at.hour:02d}:{at.minute:02d} - "
        who = "" if message.sender is None else f"{message.sender}: "
        out.write(f"{stamp}{who}{body}\n")
        tally.count(message, body)
    return tally.stats()


def write_android_txt(path: Path, messages: Iterable[ChatMessage]) -> ExportStats:
    """An Android "export without media" .txt: UTF-8, LF, DD/MM/YYYY and 24-hour minutes."""
    with path.open("w", encoding="utf-8", newline="\n", buffering=1 << 20) as out:
        return _write_android(out, messages)


def attachment_name(index: int, message: ChatMessage) -> str:
    """The member name iOS gives an attachment: running number, then PHOTO and time or the file name."""
    if message.filename:
        return f"{index:08d}-{message.filename}"
    return f"{index:08d}-PHOTO-{message.at:%Y-%m-%d-%H-%M-%S}.jpg"


def _ios_line(message: ChatMessage, chat_name: str, attachment: str | None) -> tuple[str, str]:
    at = message.at
    stamp = f"[{at.day:02d}/{at.month:02d}/{at.year}, {at.hour:02d}:{at.minute:02d}:{at.second:02d}]"
    if message.sender is None:  # iOS files the notice under the chat's name, marked left-to-right
        return f"{LRM}{stamp} {chat_name}: {LRM}{message.text}", message.text
    if attachment is not None:
        return f"{LRM}{stamp} {message.sender}: {LRM}<attached: {attachment}>", ""
    body = "This message was deleted." if message.kind == "deleted" else message.text
    return f"{stamp} {message.sender}: {body}", body


def _write_ios(out: TextIO, messages: Iterable[ChatMessage], chat_name: str, with_media: bool) -> ExportStats:
    tally = _Tally()
    for message in messages:
        attachment = None
        if with_media and message.kind == "media":
            attachment = attachment_name(tally.headers + 1, message)
            tally.attachments.append(attachment)
        line, body = _ios_line(message, chat_name, attachment)
        out.write(line.replace("\n", "\r\n") + "\r\n")
        tally.count(message, body)
    return tally.stats()


def write_ios_txt(path: Path, messages: Iterable[ChatMessage], *, chat_name: str) -> ExportStats:
    """An iOS ``_chat.txt`` on its own (no media): CRLF, seconds, U+200E before system text."""
    with path.open("w", encoding="utf-8", newline="", buffering=1 << 20) as out:
        return _write_ios(out, messages, chat_name, with_media=False)


def _member(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)  # fixed, so the same seed gives the same bytes
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3
    info.external_attr = 0o644 << 16
    return info


def write_ios_zip(
    path: Path, messages: Iterable[ChatMessage], *, chat_name: str, photo_comment: str
) -> ExportStats:
    """An iOS "export with media" zip: ``_chat.txt`` first, then every attached photo it names."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with (
            archive.open(_member("_chat.txt"), "w") as raw,
            io.TextIOWrapper(raw, encoding="utf-8", newline="") as out,
        ):
            stats = _write_ios(out, messages, chat_name, with_media=True)
        for number, name in enumerate(stats.attachments):
            colour = _PHOTO_COLOURS[number % len(_PHOTO_COLOURS)]
            archive.writestr(_member(name), tiny_jpeg(colour, f"{photo_comment} ({name})"))
    return stats


def _segment(marker: int, payload: bytes) -> bytes:
    return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload


def _dc_code(category: int) -> tuple[int, int]:
    """Our DC Huffman table: category 0 is "0", categories 1-8 are "10000" to "10111"."""
    return (0, 1) if category == 0 else (0b10000 + category - 1, 5)


def _scan(levels: tuple[int, int, int], blocks: int) -> bytes:
    """Entropy-coded data for flat colour: the first MCU sets each DC level, every AC run is just EOB."""
    bits, length = 0, 0
    for mcu in range(blocks):
        for level in levels:
            diff = level if mcu == 0 else 0
            category = abs(diff).bit_length()
            code, size = _dc_code(category)
            extra = diff if diff >= 0 else diff + (1 << category) - 1
            bits = (((bits << size) | code) << category) | extra
            bits, length = (bits << 1), length + size + category + 1  # the trailing "0" is AC end-of-block
    pad = -length % 8
    data = ((bits << pad) | ((1 << pad) - 1)).to_bytes((length + pad) // 8, "big")
    return data.replace(b"\xff", b"\xff\x00")


def tiny_jpeg(rgb: tuple[int, int, int], comment: str, width: int = 32, height: int = 24) -> bytes:
    """A valid baseline JPEG of one flat colour with ``comment`` in a COM segment."""
    r, g, b = rgb
    ycbcr = (
        0.299 * r + 0.587 * g + 0.114 * b,
        128 - 0.168736 * r - 0.331264 * g + 0.5 * b,
        128 + 0.5 * r - 0.418688 * g - 0.081312 * b,
    )
    levels = tuple(max(-127, min(127, round(value) - 128)) for value in ycbcr)
    huffman = b"\x00" + bytes([1, 0, 0, 0, 8] + [0] * 11) + bytes(range(9))  # DC table 0
    huffman += b"\x10" + bytes([1] + [0] * 15) + b"\x00"  # AC table 0: only end-of-block
    frame = struct.pack(">BHHB", 8, height, width, 3) + b"\x01\x11\x00\x02\x11\x00\x03\x11\x00"
    blocks = -(-width // 8) * -(-height // 8)
    return b"".join(
        (
            b"\xff\xd8",
            _segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"),
            _segment(0xFE, comment.encode("utf-8")),
            _segment(0xDB, b"\x00" + bytes([8] * 64)),  # DC step 8 makes a coefficient equal level - 128
            _segment(0xC0, frame),
            _segment(0xC4, huffman),
            _segment(0xDA, b"\x03\x01\x00\x02\x00\x03\x00\x00\x3f\x00"),
            _scan((levels[0], levels[1], levels[2]), blocks),
            b"\xff\xd9",
        )
    )
