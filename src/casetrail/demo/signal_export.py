"""Fictional Signal exports: signal-export's folder of chats (zipped), and the plain-text chat format.

signal-export (github.com/carderne/signal-export) writes one folder per chat, named after the chat
with only letters and digits kept (``CaseyMarsh``), holding ``chat.md`` (``[2025-03-02 19:04:11] Casey
Marsh: text``, two spaces ending the text, a blank line after each message, reactions as
``(- Name: emoji -)``, a quoted reply as ``> text`` lines, attachments as Markdown links), ``data.json``
(the same messages as JSON lines) and ``media/``. The owner of the account is written ``Me``. The
plain-text format is its older shape: ``[2025-03-02, 19:04] Casey Marsh: text``.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from casetrail.demo.cast import EX_PARTNER, FRIEND
from casetrail.demo.whatsapp_export import ZIP_TIME, tiny_jpeg

ROOT = "signal-export"
OWNER = "Me"


@dataclass(frozen=True)
class SignalMessage:
    at: datetime
    sender: str
    body: str
    quote: str = ""
    reactions: tuple[tuple[str, str], ...] = ()
    photo: str | None = None
    deleted: bool = False


@dataclass(frozen=True)
class SignalChat:
    folder: str
    messages: tuple[SignalMessage, ...]


@dataclass(frozen=True)
class SignalExport:
    """What a writer wrote, and the number of events an import of it must give."""

    path: Path
    events: int
    chats: tuple[str, ...] = ()
    photos: tuple[str, ...] = field(default_factory=tuple)


def _photo_name(at: datetime) -> str:
    return f"{at:%Y-%m-%dT%H-%M-%S}.000_00_signal-{at:%Y-%m-%d-%H%M%S}.jpg"


def demo_chats() -> tuple[SignalChat, ...]:
    """Casey's messages to Robin after being blocked elsewhere, and a friend checking in."""
    casey, sam = EX_PARTNER.name, FRIEND.name
    seen = datetime(2025, 3, 3, 7, 12, 55)
    return (
        SignalChat(
            "CaseyMarsh",
            (
                SignalMessage(datetime(2025, 3, 2, 19, 4, 11), casey, "Why did you block me on WhatsApp?"),
                SignalMessage(datetime(2025, 3, 2, 19, 5, 40), OWNER, "Please stop contacting me."),
                SignalMessage(
                    datetime(2025, 3, 2, 19, 30, 2),
                    casey,
                    "I just want to talk. I'll keep trying until you answer.",
                ),
                SignalMessage(
                    seen, casey, "Saw your car outside the gym this morning", photo=_photo_name(seen)
                ),
                SignalMessage(
                    datetime(2025, 3, 3, 7, 15, 20),
                    casey,
                    "You don't get to decide that.",
                    quote="Please stop contacting me.",
                ),
                SignalMessage(datetime(2025, 3, 3, 22, 48, 9), casey, "", deleted=True),
                SignalMessage(
                    datetime(2025, 3, 4, 23, 59, 30), casey, "Answer me.\nI know where you are tonight."
                ),
            ),
        ),
        SignalChat(
            "SamOkafor",
            (
                SignalMessage(
                    datetime(2025, 3, 3, 8, 1, 0), sam, "Are you OK? Casey posted about you again."
                ),
                SignalMessage(
                    datetime(2025, 3, 3, 8, 3, 12),
                    OWNER,
                    "Not really. Keeping everything for the police.",
                    reactions=((sam, "❤️"),),
                ),
            ),
        ),
    )


def markdown(message: SignalMessage) -> str:
    """One message as signal-export's ``chat.md`` writes it (the blank line after it included)."""
    stamp = f"{message.at:%Y-%m-%d %H:%M:%S}"
    if message.deleted:
        return f"[{stamp}] {message.sender}: (This message was deleted)\n\n"
    quote = f"\n\n> {message.quote}\n\n" if message.quote else ""
    body = message.body + "  "
    if message.reactions:
        body += "\n(- " + ", ".join(f"{name}: {emoji}" for name, emoji in message.reactions) + " -)"
    if message.photo:
        body += f"![{message.photo}](./media/{message.photo})  "
    return f"[{stamp}] {message.sender}: {quote}{body}\n\n"


def json_line(message: SignalMessage) -> str:
    """One message as signal-export's ``data.json`` writes it: a JSON object on a line."""
    record = {
        "date": message.at.isoformat(),
        "sender": message.sender,
        "body": "" if message.deleted else message.body + "  ",
        "quote": f"\n\n> {message.quote}\n\n" if message.quote else "",
        "sticker": None,
        "reactions": [list(pair) for pair in message.reactions],
        "attachments": [{"name": message.photo, "path": f"media/{message.photo}"}] if message.photo else [],
        "deleted": message.deleted,
        "call": False,
        "missed": False,
    }
    return json.dumps(record, ensure_ascii=False) + "\n"


def _info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def write_signal_export_zip(path: Path, *, with_json: bool = True) -> SignalExport:
    """signal-export's output folder, zipped: two chats, one photo; 9 events either way."""
    chats = demo_chats()
    photos: list[str] = []
    with zipfile.ZipFile(path, "w") as archive:
        for chat in chats:
            base = f"{ROOT}/{chat.folder}"
            archive.writestr(_info(f"{base}/chat.md"), "".join(markdown(m) for m in chat.messages))
            if with_json:
                archive.writestr(_info(f"{base}/data.json"), "".join(json_line(m) for m in chat.messages))
            for message in chat.messages:
                if message.photo:
                    member = f"{base}/media/{message.photo}"
                    archive.writestr(_info(member), tiny_jpeg((120, 110, 100), "fictional demo photo"))
                    photos.append(member)
    count = sum(len(chat.messages) for chat in chats)
    return SignalExport(path, count, tuple(chat.folder for chat in chats), tuple(photos))


PLAIN_TEXT = (
    (datetime(2025, 2, 27, 21, 14), EX_PARTNER.name, "New number. Don't block this one."),
    (datetime(2025, 2, 27, 21, 20), "Robin Hale", "Please leave me alone."),
    (datetime(2025, 2, 27, 23, 2), EX_PARTNER.name, "You can't just disappear.\nI'll find you."),
    (datetime(2025, 2, 28, 6, 45), EX_PARTNER.name, "Good morning 🙂"),
)


def write_signal_text(path: Path) -> SignalExport:
    """The plain-text chat format (``[YYYY-MM-DD, HH:MM] Name: text``): 4 messages, one multi-line."""
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for at, sender, text in PLAIN_TEXT:
            out.write(f"[{at:%Y-%m-%d, %H:%M}] {sender}: {text}\n")
    return SignalExport(path, len(PLAIN_TEXT))


def write_large_signal_text(path: Path, count: int) -> SignalExport:
    """``count`` messages in the plain-text format, written line by line (flat memory)."""
    start = datetime(2024, 1, 1, 8, 0)
    senders = (EX_PARTNER.name, "Robin Hale")
    with path.open("w", encoding="utf-8", newline="\n", buffering=1 << 20) as out:
        for number in range(count):
            at = start + timedelta(minutes=3 * number)
            text = f"message {number} about the same things again"
            if number % 13 == 4:
                text += "\nand another line after it"
            out.write(f"[{at:%Y-%m-%d, %H:%M}] {senders[number % 3 == 0]}: {text}\n")
    return SignalExport(path, count)
