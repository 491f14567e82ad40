"""Messenger and Instagram "Download your information" JSON, written the way Meta writes it.

The structure follows the genuine samples in the shared corpus (``participants``, ``messages`` newest
first, ``title``, ``is_still_participant``, ``thread_path``) and the fields Meta documents and peer
parsers read (``photos``, ``share``, ``reactions``, ``call_duration``, ``is_unsent``). Text is encoded as
Meta does: each UTF-8 byte becomes its own ``\\u00XX`` escape, so "é" is written ``\\u00c3\\u00a9``.
Everyone here is from the fictional demo cast.
"""

from __future__ import annotations

import json
import random
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from casetrail.demo.cast import EX_PARTNER, FRIEND, NEIGHBOUR, PLACES, VICTIM
from casetrail.demo.whatsapp_export import ZIP_TIME, tiny_jpeg

App = Literal["messenger", "instagram"]
ROOTS: dict[App, str] = {"messenger": "your_facebook_activity", "instagram": "your_instagram_activity"}
INSTAGRAM_EX = "Casey ✨ Marsh"  # how the ex-partner's Instagram profile shows their name
GROUP_TITLE = "Café crew ☕"


@dataclass(frozen=True, slots=True)
class MetaMessage:
    """One message as the writer needs it; ``photo`` names a file in the thread's ``photos`` folder."""

    at: datetime
    sender: str
    text: str = ""
    photo: str | None = None
    share: str | None = None
    share_text: str | None = None
    reactions: tuple[tuple[str, str], ...] = ()  # (reaction, who reacted)
    unsent: bool = False
    call_duration: int | None = None


@dataclass(frozen=True, slots=True)
class MetaThread:
    folder: str  # the thread's folder, e.g. ``caseymarsh_1093847562``
    title: str
    participants: tuple[str, ...]
    messages: tuple[MetaMessage, ...]  # oldest first; written newest first


@dataclass(frozen=True, slots=True)
class AccountExport:
    """What :func:`write_account_zip` wrote: the threads, their members and the photos kept."""

    owner: str
    threads: tuple[MetaThread, ...]
    thread_members: tuple[str, ...]
    photos: tuple[str, ...]


def mojibake(text: str) -> str:
    """Text as Meta writes it: the UTF-8 bytes, each read as one latin-1 character."""
    return text.encode("utf-8").decode("latin-1")


def _encoded(value: Any) -> Any:
    if isinstance(value, str):
        return mojibake(value)
    if isinstance(value, list):
        return [_encoded(item) for item in value]
    if isinstance(value, dict):
        return {key: _encoded(item) for key, item in value.items()}
    return value


def meta_json(value: Any) -> str:
    """JSON the way the export writes it: two-space indents, ASCII only, UTF-8 bytes escaped."""
    return json.dumps(_encoded(value), ensure_ascii=True, indent=2)


def _millis(at: datetime) -> int:
    return int(at.astimezone(UTC).timestamp() * 1000)


def _thread_path(thread: MetaThread) -> str:
    return f"inbox/{thread.folder}"


def photo_uri(app: App, thread: MetaThread, name: str) -> str:
    return f"{ROOTS[app]}/messages/{_thread_path(thread)}/photos/{name}"


def _message(app: App, thread: MetaThread, message: MetaMessage) -> dict[str, Any]:
    """One message object, with the fields in the order Meta writes them."""
    row: dict[str, Any] = {"sender_name": message.sender, "timestamp_ms": _millis(message.at)}
    if message.text:
        row["content"] = message.text
    if message.photo:
        uri = photo_uri(app, thread, message.photo)
        row["photos"] = [{"uri": uri, "creation_timestamp": _millis(message.at) // 1000}]
    if message.share:
        row["share"] = {
            "link": message.share,
            **({"share_text": message.share_text} if message.share_text else {}),
        }
    if message.call_duration is not None:
        row["call_duration"] = message.call_duration
    if message.reactions:
        row["reactions"] = [{"reaction": reaction, "actor": actor} for reaction, actor in message.reactions]
    if app == "messenger":
        kind = "Call" if message.call_duration is not None else "Share" if message.share else "Generic"
        row["type"] = kind
        row["is_unsent"] = message.unsent
        row["is_geoblocked_for_viewer"] = False
    return row


def thread_json(app: App, thread: MetaThread) -> str:
    """A whole ``message_1.json``: messages newest first, as every export has them."""
    newest_first = sorted(thread.messages, key=lambda m: m.at, reverse=True)
    document: dict[str, Any] = {
        "participants": [{"name": name} for name in thread.participants],
        "messages": [_message(app, thread, message) for message in newest_first],
        "title": thread.title,
        "is_still_participant": True,
        "thread_path": _thread_path(thread),
    }
    if app == "messenger":
        document["thread_type"] = "RegularGroup" if len(thread.participants) > 2 else "Regular"
        document["magic_words"] = []
    return meta_json(document)


def write_thread(path: Path, app: App, thread: MetaThread) -> int:
    """Write one thread file; returns how many messages it holds."""
    path.write_text(thread_json(app, thread), encoding="ascii")
    return len(thread.messages)


def ex_partner_thread(app: App) -> MetaThread:
    """Casey's messages to Robin: reactions, a shared link, an unsent message, a call, a photo."""
    casey = EX_PARTNER.name if app == "messenger" else INSTAGRAM_EX
    robin = VICTIM.name
    start = datetime(2025, 4, 12, 19, 5, tzinfo=UTC)
    minute = timedelta(minutes=1)
    messages = (
        MetaMessage(
            start, casey, "Saw you at the café by the park 😊 you looked happy", reactions=(("😠", robin),)
        ),
        MetaMessage(start + minute, robin, "Please stop messaging me. I mean it."),
        MetaMessage(
            start + 2 * minute,
            casey,
            "Sam said you'd be there. Don't ignore me 🙄",
            reactions=(("❤", casey),),
        ),
        MetaMessage(start + 3 * minute, casey, photo="casey_photo_1.jpg"),
        MetaMessage(
            start + 4 * minute,
            casey,
            share="https://example.org/robin-hale-new-job",
            share_text="Look what I found about you",
        ),
        MetaMessage(start + 5 * minute, casey, f"{casey} unsent a message", unsent=True),
        MetaMessage(start + 6 * minute, casey, f"{robin} missed a call from {casey}", call_duration=0),
        MetaMessage(start + 7 * minute, casey, "Ich warte draußen — 犬も見てる 👀"),
    )
    return MetaThread("caseymarsh_1093847562", casey, (casey, robin), messages)


def group_thread(app: App) -> MetaThread:
    """A friends' group where Robin mentions what happened (the owner appears in every thread)."""
    start = datetime(2025, 4, 13, 8, 30, tzinfo=UTC)
    people = (FRIEND.name, NEIGHBOUR.name, VICTIM.name)
    messages = (
        MetaMessage(start, FRIEND.name, "Are you ok after last night? ❤️"),
        MetaMessage(start + timedelta(minutes=2), VICTIM.name, "Not really. Casey was outside again."),
        MetaMessage(
            start + timedelta(minutes=5),
            NEIGHBOUR.name,
            f"I saw a car parked near {PLACES[1]} for an hour",
            photo="car_park.jpg",
            reactions=(("😮", FRIEND.name), ("👍", VICTIM.name)),
        ),
    )
    return MetaThread("cafecrew_2208461937", GROUP_TITLE, people, messages)


def demo_threads(app: App) -> tuple[MetaThread, ...]:
    return ex_partner_thread(app), group_thread(app)


def _member(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def write_account_zip(path: Path, app: App, *, leave_out: Iterable[str] = ()) -> AccountExport:
    """A whole account's export: two threads and their photos (``leave_out`` photo names are skipped,
    as when a download is cut short), inside ``your_facebook_activity`` or ``your_instagram_activity``."""
    skipped = set(leave_out)
    threads = demo_threads(app)
    members: list[str] = []
    photos: list[str] = []
    with zipfile.ZipFile(path, "w") as archive:
        for number, thread in enumerate(threads):
            member = f"{ROOTS[app]}/messages/{_thread_path(thread)}/message_1.json"
            archive.writestr(_member(member), thread_json(app, thread))
            members.append(member)
            for index, photo in enumerate(m.photo for m in thread.messages if m.photo):
                if photo in skipped:
                    continue
                uri = photo_uri(app, thread, photo)
                colour = (96 + 40 * number, 125, 139 - 30 * index)
                archive.writestr(_member(uri), tiny_jpeg(colour, f"casetrail demo photo {photo}"))
                photos.append(uri)
        archive.writestr(
            _member(f"{ROOTS[app]}/personal_information/profile.json"), meta_json({"name": VICTIM.name})
        )
    return AccountExport(VICTIM.name, threads, tuple(members), tuple(photos))


def write_large_thread(path: Path, app: App, messages: int, *, seed: int = 1) -> int:
    """A long two-person thread, written one message at a time (newest first) so any size fits in memory."""
    rng = random.Random(f"casetrail-demo-meta:{seed}")  # noqa: S311 - fiction, not secrets
    casey = EX_PARTNER.name if app == "messenger" else INSTAGRAM_EX
    people = (casey, VICTIM.name)
    thread = MetaThread("caseymarsh_1093847562", casey, people, ())
    newest = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
    words = ("where", "are", "you", "café", "tonight", "answer", "me", "😠", "why", "now", "outside", "🙄")
    with path.open("w", encoding="ascii", newline="\n") as out:
        out.write(
            '{\n  "participants": ' + meta_json([{"name": name} for name in people]) + ',\n  "messages": [\n'
        )
        at = newest
        for number in range(messages):
            text = " ".join(rng.choice(words) for _ in range(rng.randint(3, 14)))
            row = _message(app, thread, MetaMessage(at, people[rng.random() < 0.2], f"{text} #{number}"))
            out.write(("    " if number == 0 else ",\n    ") + meta_json(row).replace("\n", "\n    "))
            at -= timedelta(seconds=rng.randint(5, 3600))
        out.write("\n  ],\n")
        out.write(f'  "title": {meta_json(casey)},\n  "is_still_participant": true,\n')
        out.write(f'  "thread_path": "{_thread_path(thread)}"\n}}\n')
    return messages
