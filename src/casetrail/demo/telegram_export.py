"""Telegram Desktop "Export Telegram data" (machine-readable JSON), written the way Telegram writes it.

The structure follows the genuine samples in the shared corpus (``result.json`` with
``personal_information`` and ``chats.list``; chats with ``name``, ``type`` and ``id`` before
``messages``; ``date`` as local wall-clock time beside ``date_unixtime``; ``text`` as a string or a list
of strings and entities, mirrored in ``text_entities``; service entries with ``actor`` and ``action``;
media as paths relative to the export folder). Everyone here is from the fictional demo cast, and the
ids are made up.
"""

from __future__ import annotations

import json
import random
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from casetrail.demo.cast import EX_PARTNER, FRIEND, NEIGHBOUR, PLACES, VICTIM
from casetrail.demo.whatsapp_export import ZIP_TIME, tiny_jpeg

ZONE = ZoneInfo("Europe/London")  # the clock of the computer the export was made on
ROBIN_ID = 5550142
CASEY_ID = 5550587
SAM_ID = 5550274
PRIYA_ID = 5550481
GROUP_ID = 4400911
FOLDER = "Telegram Desktop/DataExport_2025-06-16"
PHOTO = "photos/photo_1@20-04-2025_21-14-03.jpg"
GROUP_NAME = "Café crew ☕"


@dataclass(frozen=True, slots=True)
class TelegramExport:
    """What :func:`write_account_zip` wrote: the zip, its ``result.json`` member, the photo member,
    and how many events an import of it must give."""

    path: Path
    result_member: str
    photo_member: str
    events: int


def _when(at: datetime) -> dict[str, str]:
    """``date`` (local, as the exporting computer showed it) and ``date_unixtime`` (UTC seconds)."""
    return {
        "date": at.astimezone(ZONE).strftime("%Y-%m-%dT%H:%M:%S"),
        "date_unixtime": str(int(at.timestamp())),
    }


def _entities(text: str | list[Any]) -> list[dict[str, str]]:
    """``text_entities``: the same text as a list of entities, plain strings as ``plain``."""
    parts = [text] if isinstance(text, str) else text
    return [{"type": "plain", "text": p} if isinstance(p, str) else p for p in parts if p != ""]


def _message(
    number: int, at: datetime, who: tuple[str, int], text: str | list[Any], **more: Any
) -> dict[str, Any]:
    row: dict[str, Any] = {"id": number, "type": "message", **_when(at)}
    edited = more.pop("edited_at", None)
    if edited is not None:
        row["edited"] = edited.astimezone(ZONE).strftime("%Y-%m-%dT%H:%M:%S")
        row["edited_unixtime"] = str(int(edited.timestamp()))
    row["from"], row["from_id"] = who[0], f"user{who[1]}"
    row.update(more)
    row["text"] = text
    row["text_entities"] = _entities(text)
    return row


def _service(number: int, at: datetime, who: tuple[str, int], action: str, **more: Any) -> dict[str, Any]:
    row: dict[str, Any] = {"id": number, "type": "service", **_when(at)}
    row.update({"actor": who[0], "actor_id": f"user{who[1]}", "action": action, **more})
    row.update({"text": "", "text_entities": []})
    return row


CASEY = (EX_PARTNER.name, CASEY_ID)
ROBIN = (VICTIM.name, ROBIN_ID)
SAM = (FRIEND.name, SAM_ID)
PRIYA = (NEIGHBOUR.name, PRIYA_ID)


def casey_chat() -> dict[str, Any]:
    """Casey writes to Robin on Telegram after being blocked elsewhere: an edit, a forward, a link,
    a photo and a missed call."""
    start = datetime(2025, 4, 20, 20, 5, tzinfo=UTC)
    minute = timedelta(minutes=1)
    link = [
        "Everyone can read about you here: ",
        {"type": "text_link", "text": "your new job", "href": "https://example.org/robin-hale-new-job"},
        " 🙄",
    ]
    messages = [
        _message(101, start, CASEY, "You blocked me on WhatsApp so I'm here now. Don't ignore me."),
        _message(102, start + minute, ROBIN, "Please stop contacting me. On any app."),
        _message(
            103,
            start + 3 * minute,
            CASEY,
            f"I know you were at {PLACES[5]} today",
            edited_at=start + 9 * minute,
        ),
        _message(
            104,
            start + 5 * minute,
            CASEY,
            "Ask her if you don't believe me",
            forwarded_from=FRIEND.name,
            reply_to_message_id=102,
        ),
        _message(105, start + 7 * minute, CASEY, link),
        _message(
            106,
            start + 9 * minute,
            CASEY,
            "",
            photo=PHOTO,
            width=32,
            height=24,
        ),
        _service(107, start + 12 * minute, CASEY, "phone_call", discard_reason="missed"),
    ]
    return {"name": EX_PARTNER.name, "type": "personal_chat", "id": CASEY_ID, "messages": messages}


def group_chat() -> dict[str, Any]:
    """Robin's friends' group, where Robin mentions what happened."""
    start = datetime(2025, 4, 18, 17, 30, tzinfo=UTC)
    messages = [
        _service(1, start, SAM, "create_group", title=GROUP_NAME, members=[FRIEND.name, VICTIM.name]),
        _service(2, start + timedelta(minutes=1), SAM, "invite_members", members=[NEIGHBOUR.name]),
        _message(3, start + timedelta(days=2, hours=3), ROBIN, "Casey found me on Telegram now."),
        _message(4, start + timedelta(days=2, hours=3, minutes=2), SAM, "Screenshot everything ❤️"),
    ]
    return {"name": GROUP_NAME, "type": "private_group", "id": GROUP_ID, "messages": messages}


def account_document() -> dict[str, Any]:
    """A whole account's ``result.json`` (personal information first, then the chats)."""
    first, last = VICTIM.name.split(" ", 1)
    return {
        "about": "Here is the data you requested. Remember: Telegram is ad free.",
        "personal_information": {
            "user_id": ROBIN_ID,
            "first_name": first,
            "last_name": last,
            "phone_number": VICTIM.phone,
            "username": "@robin_hale_demo",
            "bio": "",
        },
        "chats": {"about": "This is the list of all your chats.", "list": [casey_chat(), group_chat()]},
    }


def account_json() -> str:
    """The account's ``result.json`` as Telegram writes it: one-space indents, UTF-8 as is."""
    return json.dumps(account_document(), ensure_ascii=False, indent=1)


def _member(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def write_account_zip(path: Path) -> TelegramExport:
    """The zip of an export folder: ``result.json`` and the one photo it names."""
    result = f"{FOLDER}/result.json"
    photo = f"{FOLDER}/{PHOTO}"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(_member(result), account_json().encode("utf-8"))
        archive.writestr(_member(photo), tiny_jpeg((150, 96, 120), "casetrail demo telegram photo"))
    count = sum(len(chat["messages"]) for chat in account_document()["chats"]["list"])
    return TelegramExport(path, result, photo, count)


def write_large_telegram(path: Path, count: int, *, seed: int = 1) -> int:
    """A whole account's export with one long chat, written one message at a time (flat memory)."""
    rng = random.Random(f"casetrail-demo-telegram:{seed}")  # noqa: S311 - fiction, not secrets
    words = ("where", "are", "you", "café", "tonight", "answer", "me", "😠", "why", "now", "outside", "🙄")
    document = account_document()
    document["chats"]["list"] = []
    head = json.dumps(document, ensure_ascii=False, indent=1)
    opening, _, closing = head.rpartition('"list": []')
    chat = json.dumps({"name": EX_PARTNER.name, "type": "personal_chat", "id": CASEY_ID}, ensure_ascii=False)
    at = datetime(2025, 1, 1, 9, 0, tzinfo=UTC)
    with path.open("w", encoding="utf-8", newline="\n") as out:
        out.write(opening + '"list": [\n  ' + chat[:-1] + ',\n   "messages": [\n')
        for number in range(count):
            text = " ".join(rng.choice(words) for _ in range(rng.randint(3, 14))) + f" #{number}"
            who = ROBIN if rng.random() < 0.2 else CASEY
            row = _message(number + 1, at, who, text)
            out.write(("    " if number == 0 else ",\n    ") + json.dumps(row, ensure_ascii=False))
            at += timedelta(seconds=rng.randint(5, 3600))
        out.write("\n   ]\n  }\n ]" + closing + "\n")
    return count
