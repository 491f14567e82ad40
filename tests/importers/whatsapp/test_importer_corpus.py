"""The importer against real exports from peer projects (read from ../shared/corpus, never copied).

Expected values come from the corpus MANIFEST.md and whatsapp/SOURCE.md; chat-miner's own expected
output (target.json) is read directly.
"""

from __future__ import annotations

import json
import zipfile
from collections import Counter
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from casetrail.importers.base import ImportContext
from casetrail.importers.whatsapp.importer import WhatsAppImporter
from casetrail.ingest.source import Source
from casetrail.model.event import Channel, Direction, Kind, ParsedEvent
from tests.importers.whatsapp.support import read_events

LONDON = ZoneInfo("Europe/London")
IMPORTER = WhatsAppImporter()

CHAT_MINER = [
    "test_[mmddyy]_24hrs.txt",
    "test_ddmmyy_24hrs.txt",
    "test_mmddyy_24hrs.txt",
    "test_mmddyyyy_12hrs.txt",
    "test_yyyymmdd_24hrs.txt",
]
PARSER_EXAMPLE = "whatsapp/whatsapp-chat-parser-website/whatsapp-chat-parser-example.zip"


def run(path: Path, zone: ZoneInfo = LONDON) -> tuple[list[ParsedEvent], ImportContext]:
    context = ImportContext(zone)
    return read_events(path, context), context


def local(event: ParsedEvent, zone: ZoneInfo = LONDON) -> datetime:
    assert event.occurred_at is not None
    return event.occurred_at.astimezone(zone).replace(tzinfo=None)


def senders(events: list[ParsedEvent]) -> Counter[str]:
    """Who sent what (messages, deleted messages, calls, locations, contact cards: not system lines)."""
    return Counter(e.sender for e in events if e.sender is not None)


def is_multi_line(event: ParsedEvent) -> bool:
    return "-" in event.locator.value


# --- chat-miner: one conversation, five date formats -------------------------------------------------


@pytest.mark.parametrize("name", CHAT_MINER)
def test_chat_miner_files_give_nine_events(corpus, name):
    path = corpus(f"whatsapp/chat-miner/{name}")
    assert IMPORTER.sniff(Source(path)).confidence >= 0.9
    events, context = run(path)
    assert len(events) == 9
    assert Counter(e.kind for e in events) == {Kind.MESSAGE: 7, Kind.SYSTEM: 2}
    assert senders(events) == {"John Doe": 3, "Jahn Doe": 1, "John-John Doe": 1, "John Doe 🤓": 1, "🤓": 1}
    assert [e.text for e in events if e.kind is Kind.SYSTEM] == [
        '+12 345 578 created group "Groupname"',
        "You were added",
    ]
    assert min(map(local, events)) == datetime(2019, 1, 1, 11, 25)
    assert max(map(local, events)) == datetime(2021, 12, 30, 22, 1)
    assert sum(map(is_multi_line, events)) == 2
    assert context.notes == []
    malformed = events[1]
    assert (malformed.sender, malformed.text, malformed.flags) == ("John Doe", ".", ("unusual-header",))
    for event in events:
        assert event.channel is Channel.WHATSAPP
        assert event.recipients == ()
        assert event.locator.member is None
        if event.kind is Kind.MESSAGE:
            assert event.direction is Direction.UNKNOWN
        else:
            assert (event.direction, event.sender) == (Direction.NOT_APPLICABLE, None)
    assert [e.locator.value for e in events] == ["1", "2", "3-4", "5", "6", "7", "8", "9", "10-11"]


def test_chat_miner_files_agree_with_each_other(corpus):
    runs = [run(corpus(f"whatsapp/chat-miner/{name}"))[0] for name in CHAT_MINER]
    first = runs[0]
    for events in runs[1:]:
        assert [(e.kind, e.sender, e.text, e.occurred_at, e.flags) for e in events] == [
            (e.kind, e.sender, e.text, e.occurred_at, e.flags) for e in first
        ]


def test_chat_miner_twelve_hour_file_keeps_the_local_time_as_written(corpus):
    events, _ = run(corpus("whatsapp/chat-miner/test_mmddyyyy_12hrs.txt"))
    assert events[0].local_time == "01/01/2019, 11:25 a. m."
    assert events[4].local_time == "06/20/2020, 00:08 a. m."
    assert local(events[4]) == datetime(2020, 6, 20, 0, 8)
    assert events[-1].local_time == "12/30/2021, 10:01 p. m."


@pytest.mark.parametrize("name", CHAT_MINER)
def test_chat_miner_messages_match_the_peer_target(corpus, name):
    target = json.loads(corpus("whatsapp/chat-miner/target.json").read_text(encoding="utf-8"))
    events, _ = run(corpus(f"whatsapp/chat-miner/{name}"))
    ours = [
        {"timestamp": local(e).isoformat(), "author": e.sender, "message": e.text.replace("\n", " ")}
        for e in events
        if e.kind is Kind.MESSAGE and "unusual-header" not in e.flags
    ]
    assert len(target) == 6
    assert list(reversed(ours)) == target


# --- whatsapp-chat-parser-website: iOS export zip with media ------------------------------------------


def test_parser_example_zip(corpus):
    path = corpus(PARSER_EXAMPLE)
    assert IMPORTER.sniff(Source(path)).confidence >= 0.9
    events, context = run(path)
    assert len(events) == 52
    assert Counter(e.kind for e in events) == {Kind.MESSAGE: 48, Kind.SYSTEM: 4}
    assert senders(events) == {"Loris": 29, "John": 12, "Emily": 7}
    assert local(events[0]) == datetime(2019, 6, 20, 15, 58, 47)
    assert local(events[-1]) == datetime(2019, 6, 20, 16, 45, 28)
    assert events[0].local_time == "20.06.19, 15:58:47"
    assert [e.locator.value for e in events if is_multi_line(e)] == ["24-25", "30-31", "48-54", "60-62"]
    assert all(e.locator.member == "_chat.txt" for e in events)
    assert context.notes == []
    with zipfile.ZipFile(path) as archive:
        members = set(archive.namelist())
    attached = [name for e in events for name in e.attachments]
    assert attached == [
        "00000001-PHOTO-2019-06-20-16-00-15.jpg",
        "00000002-VIDEO-2019-06-20-16-01-42.mp4",
        "00000003-AUDIO-2019-06-20-16-03-55.mp3",
        "00000004-whatsapp-chat-parser-example.zip",
    ]
    assert set(attached) <= members
    assert not any("missing_attachment" in e.details for e in events)
    (poll,) = [e for e in events if e.locator.value == "48-54"]
    assert poll.text.startswith("POLL:\nWhen can we meet?\nOPTION: Thursday 15 evening (2 votes)")
    assert poll.text.count("\n") == 6


def test_parser_example_nested_older_zip(corpus, tmp_path):
    with zipfile.ZipFile(corpus(PARSER_EXAMPLE)) as archive:
        nested = tmp_path / "older.zip"
        nested.write_bytes(archive.read("00000004-whatsapp-chat-parser-example.zip"))
    events, _ = run(nested)
    assert len(events) == 100
    assert Counter(e.kind for e in events) == {Kind.MESSAGE: 97, Kind.SYSTEM: 3}
    assert senders(events) == {"Loris": 51, "Emily": 36, "John": 10}
    assert sum(e.text.startswith("\u200e") for e in events if e.kind is Kind.SYSTEM) == 1
    assert local(events[0]) == datetime(2019, 6, 20, 15, 58, 47)
    assert local(events[-1]) == datetime(2019, 6, 20, 19, 54, 58)


# --- chat-analytics: small Android exports ------------------------------------------------------------


def test_chat_analytics_2a_5m(corpus):
    events, context = run(corpus("whatsapp/chat-analytics/2A_5M.txt"))
    assert len(events) == 5
    assert senders(events) == {"A": 3, "B": 2}
    assert min(map(local, events)) == datetime(2021, 1, 1, 12, 0)
    assert max(map(local, events)) == datetime(2021, 1, 1, 12, 3)
    assert [local(e).minute for e in events] == [0, 1, 2, 3, 2]  # file order kept, not re-sorted
    media = events[3]
    assert (media.text, media.details) == ("<media omitted>", {"media": "omitted", "media_type": "media"})
    assert all(e.flags == ("date-order-ambiguous",) for e in events)
    assert len(context.notes) == 1


@pytest.mark.parametrize("name", ["4A_11M.txt", "4A_11M.zip"])
def test_chat_analytics_4a_11m(corpus, name):
    path = corpus(f"whatsapp/chat-analytics/{name}")
    assert IMPORTER.sniff(Source(path)).confidence >= 0.9
    events, context = run(path)
    assert len(events) == 14
    assert Counter(e.kind for e in events) == {Kind.MESSAGE: 11, Kind.SYSTEM: 3}
    assert senders(events) == {"Alice": 3, "Bob": 2, "Eve": 2, "Mallory": 2, "Trent": 2}
    assert {local(e).date() for e in events} == {datetime(2020, 9, 12).date()}
    assert min(map(local, events)) == datetime(2020, 9, 12, 23, 16)
    assert max(map(local, events)) == datetime(2020, 9, 12, 23, 56)
    assert all("date-order-ambiguous" in e.flags for e in events)
    assert len(context.notes) == 1
    assert "day-first" in context.notes[0]


def test_chat_analytics_txt_and_zip_agree(corpus):
    plain, _ = run(corpus("whatsapp/chat-analytics/4A_11M.txt"))
    zipped, _ = run(corpus("whatsapp/chat-analytics/4A_11M.zip"))
    assert [(e.sender, e.text, e.occurred_at, e.locator.value) for e in plain] == [
        (e.sender, e.text, e.occurred_at, e.locator.value) for e in zipped
    ]
    assert {e.locator.member for e in zipped} == {"_chat.txt"}


# --- whats_json: many locales, calendars, iOS and Android ---------------------------------------------

EN_IOS = ("Elon Musk", "Dmitry S")
EN_ANDROID = ("Dmitry S", "Elon")
IOS_SHORT = ("2022-03-18T14:56:00", "2022-03-27T21:56:45")
IOS_SHORT_1 = ("2022-03-18T14:56:01", "2022-03-27T21:56:45")
IOS_LONG = ("2022-03-18T14:56:00", "2023-01-07T23:32:30")
IOS_LONG_1 = ("2022-03-18T14:56:01", "2023-01-07T23:32:30")
ANDROID = ("2022-03-18T14:56:00", "2023-01-07T23:32:00")

# File names keep their no-break spaces (U+00A0) as the peer project wrote them.
# (path under whatsapp/whats_json, header lines, (first, last), senders, lines without sender, multi-line)
WHATS_JSON = [
    ("languages/arabic2_ios.txt", 23, IOS_SHORT_1, ("Elon Musk", "Dmitry Starkov"), None, None),
    ("languages/arabic_ios.txt", 23, IOS_SHORT, ("+40 521 028 61 88", "Dmitry S"), None, None),
    ("languages/czech_android.txt", 60, ANDROID, EN_ANDROID, 1, 1),
    ("languages/czech_ios.txt", 23, IOS_SHORT, EN_IOS, None, None),
    ("languages/deutch_android_media.txt", 41, ANDROID, EN_ANDROID, 1, 9),
    ("languages/deutch_ios.txt", 23, IOS_SHORT, EN_IOS, None, None),
    ("languages/english_android.txt", 60, ANDROID, EN_ANDROID, 1, 1),
    ("languages/english_android_media.txt", 60, ANDROID, EN_ANDROID, 1, 12),
    ("languages/english_ios.txt", 23, IOS_SHORT_1, EN_IOS, None, None),
    ("languages/english_ios_media.txt", 25, IOS_LONG_1, EN_IOS, None, None),
    ("languages/french_ios.txt", 23, IOS_SHORT, EN_IOS, None, None),
    ("languages/hindi_ios.txt", 23, IOS_SHORT, EN_IOS, None, None),
    ("languages/indonesian_ios.txt", 23, IOS_SHORT_1, EN_IOS, None, None),
    ("languages/italian_ios.txt", 23, IOS_SHORT, EN_IOS, None, None),
    ("languages/japanese_ios.txt", 23, IOS_SHORT, EN_IOS, None, None),
    ("languages/portugal_ios.txt", 23, IOS_SHORT, EN_IOS, None, None),
    ("languages/russian_android.txt", 60, ANDROID, EN_ANDROID, 1, 1),
    ("languages/russian_ios.txt", 23, IOS_SHORT, EN_IOS, None, None),
    ("languages/spanish_ios.txt", 23, IOS_SHORT, EN_IOS, None, None),
    ("languages/thai_ios.txt", 23, IOS_SHORT_1, EN_IOS, None, None),
    ("languages/ukrainian_ios.txt", 23, IOS_SHORT, EN_IOS, None, None),
    (
        "languages/vietnamese_ios.txt",
        23,
        ("2022-03-18T14:56:01", "2022-03-27T21:56:46"),
        ("Musk Elon", "Dmitry S"),
        None,
        None,
    ),
    ("ios/WhatsApp Chat - Elon Musk (Arabic).txt", 25, IOS_LONG_1, EN_IOS, None, None),
    ("ios/WhatsApp Chat - Elon Musk (CZ).txt", 25, IOS_LONG, EN_IOS, None, None),
    ("ios/WhatsApp Chat - Elon Musk (EN).txt", 25, IOS_LONG_1, EN_IOS, None, None),
    ("ios/WhatsApp Chat - Elon Musk (EN+Media).txt", 25, IOS_LONG_1, EN_IOS, None, None),
    ("ios/WhatsApp Chat - Elon Musk (FR).txt", 25, IOS_LONG, EN_IOS, None, None),
    ("ios/WhatsApp Chat - Elon Musk (German).txt", 25, IOS_LONG, EN_IOS, None, None),
    ("ios/WhatsApp Chat - Elon Musk (IT).txt", 25, IOS_LONG, EN_IOS, None, None),
    ("ios/WhatsApp Chat - Elon Musk (Portugal).txt", 25, IOS_LONG, EN_IOS, None, None),
    ("ios/WhatsApp Chat - Elon Musk (RU).txt", 25, IOS_LONG, EN_IOS, None, None),
    ("ios/WhatsApp Chat - Elon Musk (RU).zip", 25, IOS_LONG, ("Elon Musk", "Dmitry Starkov"), None, None),
    ("ios/WhatsApp Chat - Elon Musk (Spanish).txt", 25, IOS_LONG, EN_IOS, None, None),
    ("ios/WhatsApp Chat - Elon Musk (UKR).txt", 25, IOS_LONG, EN_IOS, None, None),
    ("ios/iOS Hindi.txt", 28, ("2022-03-18T14:56:00", "2023-01-12T15:35:14"), EN_IOS, None, None),
    ("ios/iOS Indonesian.txt", 28, ("2022-03-18T14:56:01", "2023-01-12T15:35:14"), EN_IOS, None, None),
    ("ios/iOS Japanese.txt", 28, ("2022-03-18T14:56:00", "2023-01-12T15:35:14"), EN_IOS, None, None),
    ("ios/iOS Thai.txt", 28, ("2022-03-18T14:56:01", "2023-01-12T15:35:15"), EN_IOS, None, None),
    (
        "ios/iOS Vietnamese.txt",
        28,
        ("2022-03-18T14:56:01", "2023-01-12T15:35:15"),
        ("Musk Elon", "Dmitry S"),
        None,
        None,
    ),
    ("android/Chat WhatsApp s\u00a0uživatelem Dmitry S CZ Android.txt", 60, ANDROID, EN_ANDROID, 1, 1),
    ("android/WhatsApp Chat with Dmitry S EN Android.txt", 60, ANDROID, EN_ANDROID, 1, 1),
    ("android/WhatsApp Chat with Dmitry S EN+Media Android.txt", 60, ANDROID, EN_ANDROID, 1, 12),
    (
        "android/WhatsApp Chat with Group Chat XXX Android.txt",
        20,
        ("2023-01-11T16:11:00", "2023-01-11T16:57:00"),
        ("Dmitry S",),
        16,
        None,
    ),
    ("android/Чат WhatsApp с\u00a0контактом Dmitry S RU Android.txt", 60, ANDROID, EN_ANDROID, 1, 1),
    ("calendars/Buddhist iOS.txt", 28, ("2022-03-18T14:56:01", "2023-01-12T15:35:15"), EN_IOS, None, None),
    ("calendars/Gregorian iOS.txt", 25, IOS_LONG_1, EN_IOS, None, None),
    ("calendars/Japanese iOS.txt", 28, ("2022-03-18T14:56:01", "2023-01-12T15:35:15"), EN_IOS, None, None),
    ("example/_chat.txt", 25, IOS_LONG_1, ("Elon Musk", "Dmirty S"), None, None),
    ("example/_chat_with_media.txt", 25, IOS_LONG_1, ("Elon Musk", "Dmirty S"), None, None),
]


@pytest.mark.parametrize(
    ("name", "headers", "span", "people", "without_sender", "multi_line"),
    WHATS_JSON,
    ids=[row[0] for row in WHATS_JSON],
)
def test_whats_json(corpus, name, headers, span, people, without_sender, multi_line):
    path = corpus(f"whatsapp/whats_json/{name}")
    assert IMPORTER.sniff(Source(path)).confidence >= 0.9
    events, _ = run(path)
    assert len(events) == headers
    assert min(map(local, events)).isoformat() == span[0]
    assert max(map(local, events)).isoformat() == span[1]
    assert {name.replace("\u00a0", " ") for name in senders(events)} == set(people)
    if without_sender is not None:
        assert sum(e.kind is Kind.SYSTEM for e in events) == without_sender
    if multi_line is not None:
        assert sum(map(is_multi_line, events)) == multi_line
    assert all(e.occurred_at is not None for e in events)


def test_whats_json_english_counts_and_markers(corpus):
    ios, _ = run(corpus("whatsapp/whats_json/languages/english_ios.txt"))
    android, _ = run(corpus("whatsapp/whats_json/languages/english_android.txt"))
    assert (len(ios), len(android)) == (23, 60)
    assert Counter(e.details["media_type"] for e in ios if "media_type" in e.details) == {
        "image": 4,
        "video": 2,
        "audio": 1,
        "contact card": 1,
        "sticker": 2,
        "document": 3,
        "gif": 1,
    }
    notice = ios[0]  # iOS files the encryption notice under the contact's name
    assert (notice.kind, notice.sender, notice.details) == (Kind.SYSTEM, None, {"attributed_to": "Elon Musk"})
    assert notice.text.startswith("\u200eMessages and calls are end-to-end encrypted.")
    assert Counter(e.kind for e in ios) == {
        Kind.SYSTEM: 1,
        Kind.MESSAGE: 17,
        Kind.LOCATION: 2,
        Kind.DELETED: 2,
        Kind.CONTACT_CARD: 1,  # "Contact card omitted"
    }
    assert ios[2].text == "image omitted"  # the mark WhatsApp puts before the placeholder is dropped
    assert android[0].kind is Kind.SYSTEM
    assert local(android[0]) == datetime(2022, 3, 23, 13, 31)  # first line, out of order, kept first
    assert [e.details["missing_attachment"] for e in android if "missing_attachment" in e.details] == [
        "Alex.vcf",
        "TR.vcf",
    ]


def test_whats_json_media_export_refers_to_files_not_in_a_txt(corpus):
    events, _ = run(corpus("whatsapp/whats_json/languages/english_ios_media.txt"))
    missing = [e.details["missing_attachment"] for e in events if "missing_attachment" in e.details]
    assert missing[0] == "00000035-PHOTO-2022-03-27-21-41-55.jpg"
    assert all(e.attachments == () for e in events)
