"""An X (Twitter) "Download an archive of your data" zip for Robin, written the way X writes it.

No genuine direct-message or tweet file could be used as a sample (the public ones hold real people's
private messages), so the structure follows the genuine ``account.js`` and ``follower.js`` samples in
the shared corpus (``window.YTD.<name>.part0 = [ … ]``, two-space indents, ``" : "`` separators) and
the fields X's archive README describes for ``direct-messages.js``, ``direct-messages-group.js``,
``tweets.js`` and the ``direct_messages_media`` folder. Every person, id and handle is fictional.
"""

from __future__ import annotations

import json
import random
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from casetrail.demo.cast import NEW_ACCOUNTS, PLACES
from casetrail.demo.whatsapp_export import ZIP_TIME, tiny_jpeg

ROBIN_ID = "1100000000000000142"
CASEY_ID = "1100000000000000587"
SAM_ID = "1100000000000000274"
PRIYA_ID = "1100000000000000481"
ROBIN_HANDLE = "robin_hale_demo"
CASEY_HANDLE = NEW_ACCOUNTS[0].removeprefix("@")  # casey_m_demo2
SAM_HANDLE = "sam_okafor_demo"
ONE_TO_ONE = f"{ROBIN_ID}-{CASEY_ID}"
GROUP_ID = "1700000000000000333"
GROUP_NAME = "Café crew ☕"
PHOTO_MESSAGE = "1910000000000000004"
PHOTO_NAME = "Xq3vZ8kPa1.jpg"
_FIRST_MESSAGE = 1_910_000_000_000_000_001


@dataclass(frozen=True, slots=True)
class XExport:
    """What :func:`write_x_archive` wrote, and what an import of it must give."""

    path: Path
    events: int  # direct-message entries plus the tweets that reply to or mention someone
    skipped_tweets: int
    media: tuple[str, ...]


def ytd(name: str, records: list[Any]) -> str:
    """A data file as X writes it: a JavaScript assignment of a JSON array."""
    body = json.dumps(records, indent=2, separators=(",", " : "), ensure_ascii=False)
    return f"window.YTD.{name}.part0 = {body}"


def iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def api(at: datetime) -> str:
    """Twitter's old API time, with English names whatever the locale."""
    utc = at.astimezone(UTC)
    day = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][utc.weekday()]
    month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][
        utc.month - 1
    ]
    return f"{day} {month} {utc:%d %H:%M:%S} +0000 {utc.year}"


def message(
    number: int, sender: str, at: datetime, text: str, recipient: str | None = None, **extra: Any
) -> dict[str, Any]:
    """A ``messageCreate`` entry (``recipient`` None: a group message, which names none)."""
    body: dict[str, Any] = {
        "recipientId": recipient,
        "reactions": extra.pop("reactions", []),
        "urls": extra.pop("urls", []),
        "text": text,
        "mediaUrls": extra.pop("media", []),
        "senderId": sender,
        "id": str(_FIRST_MESSAGE + number),
        "createdAt": iso(at),
        "editHistory": [],
        **extra,
    }
    if recipient is None:
        del body["recipientId"]
    return {"messageCreate": body}


def _one_to_one() -> list[dict[str, Any]]:
    """Casey's new account writes to Robin after being blocked elsewhere (oldest first here)."""
    start = datetime(2025, 5, 3, 21, 14, 7, 512000, tzinfo=UTC)
    minute = timedelta(minutes=1)
    photo_url = f"https://ton.twitter.com/dm/{PHOTO_MESSAGE}/1910000000000009999/{PHOTO_NAME}"
    reaction = {"senderId": CASEY_ID, "reactionKey": "funny", "eventId": "1910000000000007001"}
    return [
        message(0, CASEY_ID, start, "Found you on here too 😊", ROBIN_ID),
        message(
            1,
            ROBIN_ID,
            start + 2 * minute,
            "Please stop contacting me. I have blocked your other accounts.",
            CASEY_ID,
            reactions=[{**reaction, "createdAt": iso(start + 3 * minute)}],
        ),
        message(2, CASEY_ID, start + 4 * minute, "You can't block me everywhere", ROBIN_ID),
        message(
            3,
            CASEY_ID,
            start + 9 * minute,
            f"Nice coat at {PLACES[4]} today https://t.co/Xq3vZ8kPa1",
            ROBIN_ID,
            media=[photo_url],
            urls=[
                {
                    "url": "https://t.co/Xq3vZ8kPa1",
                    "expanded": f"https://x.com/messages/media/{PHOTO_MESSAGE}",
                    "display": "pic.x.com/Xq3vZ8kPa1",
                }
            ],
        ),
        message(
            4,
            CASEY_ID,
            start + 15 * minute,
            "Look what I found about you https://t.co/Jb7r2Lm0Qe",
            ROBIN_ID,
            urls=[
                {
                    "url": "https://t.co/Jb7r2Lm0Qe",
                    "expanded": "https://example.org/robin-hale-new-job",
                    "display": "example.org/robin-hale-n…",
                }
            ],
        ),
    ]


def _group() -> list[dict[str, Any]]:
    """Sam's group: Robin is added, Casey is let in by mistake, Robin leaves (oldest first here)."""
    start = datetime(2025, 5, 10, 18, 0, tzinfo=UTC)
    minute = timedelta(minutes=1)
    return [
        {
            "joinConversation": {
                "initiatingUserId": SAM_ID,
                "participantsSnapshot": [SAM_ID, PRIYA_ID, ROBIN_ID],
                "createdAt": iso(start),
            }
        },
        {
            "conversationNameUpdate": {
                "initiatingUserId": SAM_ID,
                "name": GROUP_NAME,
                "createdAt": iso(start + minute),
            }
        },
        message(10, SAM_ID, start + 2 * minute, "Are you ok after last night? ❤️"),
        message(11, ROBIN_ID, start + 5 * minute, "Not really. Casey was outside again."),
        {
            "participantsJoin": {
                "initiatingUserId": PRIYA_ID,
                "userIds": [CASEY_ID],
                "createdAt": iso(start + 30 * minute),
            }
        },
        message(12, CASEY_ID, start + 31 * minute, "Hi everyone 👋 Robin, you can't hide in here"),
        {"participantsLeave": {"userIds": [ROBIN_ID], "createdAt": iso(start + 33 * minute)}},
    ]


def _mention(screen: str, user: str, start: int) -> dict[str, Any]:
    return {
        "name": screen,
        "screen_name": screen,
        "indices": [str(start), str(start + len(screen) + 1)],
        "id_str": user,
        "id": user,
    }


def _tweet(number: int, at: datetime, text: str, **fields: Any) -> dict[str, Any]:
    tweet_id = str(1_920_000_000_000_000_001 + number)
    mentions = fields.pop("mentions", [])
    body = {
        "retweeted": False,
        "source": '<a href="https://example.com/app" rel="nofollow">Demo app</a>',
        "entities": {"hashtags": [], "symbols": [], "user_mentions": mentions, "urls": []},
        "display_text_range": ["0", str(len(text))],
        "favorite_count": "0",
        "id_str": tweet_id,
        "truncated": False,
        "retweet_count": "0",
        "id": tweet_id,
        "created_at": api(at),
        "favorited": False,
        "full_text": text,
        "lang": "en",
        **fields,
    }
    return {"tweet": body}


def tweets() -> list[dict[str, Any]]:
    """Robin's tweets, newest first: a reply to Casey, a plain one, and one thanking Sam."""
    start = datetime(2025, 5, 4, 8, 30, tzinfo=UTC)
    reply = f"@{CASEY_HANDLE} Stop posting about me. Everything is being reported."
    return [
        _tweet(
            2,
            start + timedelta(days=2),
            f"Thank you @{SAM_HANDLE} for everything this week",
            mentions=[_mention(SAM_HANDLE, SAM_ID, 9)],
        ),
        _tweet(1, start + timedelta(days=1), "Lovely quiet morning at the library"),
        _tweet(
            0,
            start,
            reply,
            mentions=[_mention(CASEY_HANDLE, CASEY_ID, 0)],
            in_reply_to_status_id_str="1919999999999990001",
            in_reply_to_status_id="1919999999999990001",
            in_reply_to_user_id_str=CASEY_ID,
            in_reply_to_user_id=CASEY_ID,
            in_reply_to_screen_name=CASEY_HANDLE,
        ),
    ]


def _info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def write_x_archive(path: Path, *, leave_out_media: bool = False) -> XExport:
    """Robin's archive: the account, a one-to-one conversation with Casey's new account (with a photo,
    a link and a reaction), a group, three tweets and a followers file. Newest entries first, as X
    writes them."""
    account = {
        "account": {
            "email": "robin.hale@example.org",
            "createdVia": "web",
            "username": ROBIN_HANDLE,
            "accountId": ROBIN_ID,
            "createdAt": "2019-03-02T10:11:12.000Z",
            "accountDisplayName": "Robin Hale",
        }
    }
    direct = [{"dmConversation": {"conversationId": ONE_TO_ONE, "messages": _one_to_one()[::-1]}}]
    group = [{"dmConversation": {"conversationId": GROUP_ID, "messages": _group()[::-1]}}]
    media = f"data/direct_messages_media/{PHOTO_MESSAGE}-{PHOTO_NAME}"
    files = [
        (
            "data/manifest.js",
            'window.__THAR_CONFIG = {\n  "userInfo" : {\n    "userName" : "robin_hale_demo"\n  }\n}',
        ),
        ("data/account.js", ytd("account", [account])),
        ("data/direct-messages.js", ytd("direct_messages", direct)),
        ("data/direct-messages-group.js", ytd("direct_messages_group", group)),
        ("data/tweets.js", ytd("tweets", tweets())),
        ("data/follower.js", ytd("follower", [{"follower": {"accountId": SAM_ID}}])),
    ]
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in files:
            archive.writestr(_info(name), text.encode("utf-8"))
        if not leave_out_media:
            archive.writestr(_info(media), tiny_jpeg((120, 96, 80), "casetrail demo X photo"))
    return XExport(path, 5 + 7 + 2, 1, () if leave_out_media else (media,))


def write_large_x_dms(path: Path, count: int, *, seed: int = 1) -> int:
    """A ``direct-messages.js`` of one long conversation, written one message at a time (newest first)
    so any size fits in memory; returns the number of messages."""
    rng = random.Random(f"casetrail-demo-x:{seed}")  # noqa: S311 - fiction, not secrets
    words = ("where", "are", "you", "café", "tonight", "answer", "me", "😠", "why", "now", "outside", "🙄")
    at = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
    with path.open("w", encoding="utf-8", newline="\n") as out:
        out.write('window.YTD.direct_messages.part0 = [ {\n  "dmConversation" : {\n')
        out.write(f'    "conversationId" : "{ONE_TO_ONE}",\n    "messages" : [ ')
        for number in range(count):
            text = " ".join(rng.choice(words) for _ in range(rng.randint(3, 14)))
            casey = rng.random() < 0.8
            sender, recipient = (CASEY_ID, ROBIN_ID) if casey else (ROBIN_ID, CASEY_ID)
            entry = message(count - number + 100, sender, at, f"{text} #{number}", recipient)
            row = json.dumps(entry, indent=2, separators=(",", " : "), ensure_ascii=False)
            out.write(("" if number == 0 else ", ") + row.replace("\n", "\n    "))
            at -= timedelta(seconds=rng.randint(5, 3600))
        out.write(" ]\n  }\n} ]")
    return count
