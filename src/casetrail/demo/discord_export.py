"""Discord exports of the demo story: a DiscordChatExporter JSON DM, and Robin's own data package.

The DiscordChatExporter file follows the structure of its JSON writer and of the genuine samples in
the shared corpus (``guild``, ``channel``, ``dateRange``, ``exportedAt``, ``messages``,
``messageCount``). The data package follows Discord's description of "Request all of my data"
(a ``README.txt``, ``account/user.json``, ``messages/index.json``, per channel ``messages/c<id>/``
with ``channel.json`` and ``messages.json``, or ``messages.csv`` in older packages) and the layout
peer parsers read; the corpus has no genuine package. Ids are real-looking snowflakes made from each
message's time, so the two exports give Robin's stop request the same id. Everyone is fictional.
"""

from __future__ import annotations

import csv
import io
import json
import random
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from casetrail.demo.cast import FRIEND
from casetrail.demo.whatsapp_export import ZIP_TIME, tiny_jpeg

DISCORD_EPOCH_MS = 1_420_070_400_000
CASEY_NEW = {"id": "1290011122233344455", "name": "casey.m.again", "nickname": "Casey"}
ROBIN = {"id": "1180022233344455566", "name": "robin.hale.demo", "nickname": "Robin Hale"}
SAM = {"id": "1170033344455566677", "name": "sam.okafor.demo", "nickname": FRIEND.name}
CASEY_DM = "1290044455566677788"  # the DM channel Casey's new account opened with Robin
SAM_DM = "1170055566677788899"
SERVER_CHANNEL = "1160066677788899900"
SERVER = {"id": "1160077788899900011", "name": "Café crew ☕"}
MEDIA_FILE = "DM with casey.m.again [1290044455566677788].json"
PHOTO = "car_park-7F3A2.jpg"
Layout = Literal["json", "csv"]


@dataclass(frozen=True, slots=True)
class DiscordFile:
    """A written export and how many events its import must give."""

    path: Path
    events: int


def snowflake(at: datetime, sequence: int = 0) -> str:
    """A Discord id for something made at ``at`` (milliseconds since 2015 in the top bits)."""
    millis = int(at.astimezone(UTC).timestamp() * 1000) - DISCORD_EPOCH_MS
    return str((millis << 22) | (sequence & 0xFFF))


def _when(at: datetime) -> str:
    """DiscordChatExporter's time: local offset, milliseconds."""
    return at.isoformat(timespec="milliseconds")


def _author(user: dict[str, str]) -> dict[str, Any]:
    return {
        "id": user["id"],
        "name": user["name"],
        "discriminator": "0000",
        "nickname": user["nickname"],
        "color": None,
        "isBot": False,
        "roles": [],
        "avatarUrl": "https://media.example.com/embed/avatars/0.png",
    }


def _emoji(name: str) -> dict[str, Any]:
    return {"id": "", "name": name, "code": "", "isAnimated": False, "imageUrl": ""}


def _message(at: datetime, user: dict[str, str], content: str, **fields: Any) -> dict[str, Any]:
    message: dict[str, Any] = {
        "id": snowflake(at),
        "type": "Default",
        "timestamp": _when(at),
        "timestampEdited": None,
        "callEndedTimestamp": None,
        "isPinned": False,
        "content": content,
        "author": _author(user),
        "attachments": [],
        "embeds": [],
        "stickers": [],
        "reactions": [],
        "mentions": [],
    }
    message.update(fields)
    return message


START = datetime(2025, 5, 3, 21, 14, 7, 250000, tzinfo=UTC)


def stop_request_time() -> datetime:
    return START + timedelta(minutes=9, seconds=12, milliseconds=480)


def casey_dm_messages(media: bool = False) -> list[dict[str, Any]]:
    """Casey's new account messaging Robin after being blocked: an edit, a reply, reactions, a photo
    (a CDN address, or with ``media`` the path DiscordChatExporter's ``--media`` writes), and a call."""
    at = START
    first = _message(at, CASEY_NEW, "You blocked me. Did you really think a new account wouldn't find you?")
    edited = _message(
        at + timedelta(minutes=2),
        CASEY_NEW,
        "I know where you'll be on Saturday.",
        timestampEdited=_when(at + timedelta(minutes=3, seconds=41)),
    )
    stop = _message(
        stop_request_time(),
        ROBIN,
        "Please stop contacting me. I have asked you not to, and I am keeping a record of this.",
        type="Reply",
        reference={"messageId": edited["id"], "channelId": CASEY_DM, "guildId": None},
        reactions=[{"emoji": _emoji("😂"), "count": 1, "users": [_author(CASEY_NEW)]}],
    )
    photo_at = at + timedelta(minutes=12)
    url = (
        f"{MEDIA_FILE}_Files/{PHOTO}"
        if media
        else f"https://media.example.com/attachments/{CASEY_DM}/{PHOTO}"
    )
    photo = _message(
        photo_at,
        CASEY_NEW,
        "",
        attachments=[
            {"id": snowflake(photo_at, 1), "url": url, "fileName": "car_park.jpg", "fileSizeBytes": 2143}
        ],
    )
    call_at = at + timedelta(minutes=15)
    call = _message(
        call_at,
        CASEY_NEW,
        "Started a call that lasted 1 minute.",
        type="Call",
        callEndedTimestamp=_when(call_at + timedelta(seconds=64)),
    )
    last = _message(at + timedelta(minutes=17), CASEY_NEW, "Answer me. 👀")
    return [first, edited, stop, photo, call, last]


def _document(messages: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "guild": {
            "id": "0",
            "name": "Direct Messages",
            "iconUrl": "https://media.example.com/embed/avatars/0.png",
        },
        "channel": {
            "id": CASEY_DM,
            "type": "DirectTextChat",
            "categoryId": "0",
            "category": "Private",
            "name": CASEY_NEW["name"],
            "topic": None,
        },
        "dateRange": {"after": None, "before": None},
        "exportedAt": "2025-06-16T09:00:00.000+00:00",
        "messages": messages,
        "messageCount": len(messages),
    }


def dce_json(media: bool = False) -> str:
    return json.dumps(_document(casey_dm_messages(media)), ensure_ascii=False, indent=2)


def write_dce(path: Path) -> DiscordFile:
    """The DM as DiscordChatExporter writes it without ``--media``: attachments are web addresses."""
    path.write_text(dce_json(), encoding="utf-8")
    return DiscordFile(path, len(casey_dm_messages()))


def _member(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def write_dce_zip(path: Path) -> DiscordFile:
    """The DM exported with ``--media`` and zipped with its ``…_Files`` folder: the photo is kept."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(_member(MEDIA_FILE), dce_json(media=True))
        archive.writestr(
            _member(f"{MEDIA_FILE}_Files/{PHOTO}"), tiny_jpeg((121, 85, 72), "casetrail demo photo car park")
        )
    return DiscordFile(path, len(casey_dm_messages()))


# --- Robin's data package ----------------------------------------------------------------------------


def package_channels() -> list[tuple[str, dict[str, Any], str, list[tuple[str, str, str]]]]:
    """Per channel: id, channel.json, index name, and Robin's messages (id, time, contents)."""
    stop_at = stop_request_time()
    sam_at = datetime(2025, 5, 3, 21, 40, 2, 915000, tzinfo=UTC)
    server_at = datetime(2025, 5, 4, 8, 5, 30, 40000, tzinfo=UTC)
    return [
        (
            CASEY_DM,
            {"id": CASEY_DM, "type": 1, "recipients": [ROBIN["id"], CASEY_NEW["id"]]},
            f"Direct Message with {CASEY_NEW['name']}",
            [(snowflake(stop_at), _package_time(stop_at), casey_dm_messages()[2]["content"])],
        ),
        (
            SAM_DM,
            {"id": SAM_DM, "type": 1, "recipients": [SAM["id"], ROBIN["id"]]},
            f"Direct Message with {SAM['name']}",
            [
                (snowflake(sam_at), _package_time(sam_at), "Casey made a new account.\nSame messages again."),
                (
                    snowflake(sam_at + timedelta(minutes=1)),
                    _package_time(sam_at + timedelta(minutes=1)),
                    '+44 7700 900913 keeps calling too, "unknown" number, 3 times tonight',
                ),
            ],
        ),
        (
            SERVER_CHANNEL,
            {"id": SERVER_CHANNEL, "type": 0, "name": "general", "guild": SERVER},
            f"general in {SERVER['name']}",
            [(snowflake(server_at), _package_time(server_at), "Could a mod remove casey.m.again please?")],
        ),
    ]


def _package_time(at: datetime) -> str:
    """Newer packages write seconds only, in UTC, without an offset."""
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _csv_time(at_text: str, message_id: str) -> str:
    """Older packages write microseconds and an offset: taken here from the id's milliseconds."""
    millis = (int(message_id) >> 22) + DISCORD_EPOCH_MS
    at = datetime.fromtimestamp(millis / 1000, UTC)
    return at.isoformat(sep=" ", timespec="microseconds")


def write_data_package(path: Path, layout: Layout = "json", *, capitalised: bool = False) -> DiscordFile:
    """Robin's ``package.zip``: ``messages.json`` per channel (``layout="csv"``: ``messages.csv``, as
    older packages); ``capitalised`` writes ``Messages/`` and ``Account/`` as some versions do."""
    messages_dir = "Messages" if capitalised else "messages"
    account_dir = "Account" if capitalised else "account"
    channels = package_channels()
    count = 0
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(_member("README.txt"), "Welcome to your Discord Data Package! (casetrail demo)\n")
        user = {"id": ROBIN["id"], "username": ROBIN["name"], "discriminator": 0, "global_name": "Robin Hale"}
        archive.writestr(_member(f"{account_dir}/user.json"), json.dumps(user, indent=2))
        index = {channel_id: name for channel_id, _, name, _ in channels}
        archive.writestr(_member(f"{messages_dir}/index.json"), json.dumps(index, ensure_ascii=False))
        for channel_id, meta, _, rows in channels:
            folder = f"{messages_dir}/c{channel_id}"
            archive.writestr(_member(f"{folder}/channel.json"), json.dumps(meta, ensure_ascii=False))
            if layout == "json":
                body = [{"ID": int(i), "Timestamp": t, "Contents": c, "Attachments": ""} for i, t, c in rows]
                archive.writestr(
                    _member(f"{folder}/messages.json"), json.dumps(body, ensure_ascii=False, indent=2)
                )
            else:
                out = io.StringIO(newline="")
                writer = csv.writer(out, lineterminator="\r\n")
                writer.writerow(["ID", "Timestamp", "Contents", "Attachments"])
                writer.writerows([i, _csv_time(t, i), c, ""] for i, t, c in rows)
                archive.writestr(_member(f"{folder}/messages.csv"), out.getvalue())
            count += len(rows)
        archive.writestr(
            _member("activity/analytics/events-2025-00000-of-00001.json"), '{"event_type": "demo"}\n'
        )
    return DiscordFile(path, count)


def write_large_dce(path: Path, count: int, *, seed: int = 1) -> int:
    """A long DiscordChatExporter DM, written one message at a time so any size fits in memory."""
    rng = random.Random(f"casetrail-demo-discord:{seed}")  # noqa: S311 - fiction, not secrets
    words = ("where", "are", "you", "café", "tonight", "answer", "me", "😠", "why", "now", "outside", "🙄")
    head = _document([])
    del head["messages"], head["messageCount"]
    at = START
    with path.open("w", encoding="utf-8", newline="\n") as out:
        out.write(json.dumps(head, ensure_ascii=False, indent=2)[:-2] + ',\n  "messages": [\n')
        for number in range(count):
            text = " ".join(rng.choice(words) for _ in range(rng.randint(3, 14)))
            user = ROBIN if rng.random() < 0.2 else CASEY_NEW
            message = _message(at, user, f"{text} #{number}")
            message["id"] = snowflake(at, number)
            out.write(("    " if number == 0 else ",\n    ") + json.dumps(message, ensure_ascii=False))
            at += timedelta(seconds=rng.randint(5, 3600), milliseconds=rng.randint(0, 999))
        out.write(f'\n  ],\n  "messageCount": {count}\n}}\n')
    return count
