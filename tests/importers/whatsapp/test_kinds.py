"""Kinds of their own: locations, contact cards, deleted messages, calls, and the edited marker.

Corpus counts are compared with the peer project's own (whats_json languages_test.dart, in MANIFEST.md);
the synthetic lines are tables of wordings that must and must not be recognised. Names are invented.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from time import perf_counter
from zoneinfo import ZoneInfo

import pytest

from casetrail.importers.base import ImportContext
from casetrail.importers.whatsapp.grammar import (
    CALL_WORDING,
    DELETED_WORDING,
    LOCATION_LABELS,
    special_message,
)
from casetrail.importers.whatsapp.importer import WhatsAppImporter
from casetrail.model.event import Direction, Kind, ParsedEvent
from tests.helpers import make_zip
from tests.importers.whatsapp.support import read_events

LONDON = ZoneInfo("Europe/London")
IMPORTER = WhatsAppImporter()
LRM = "\u200e"
PIN = "https://maps.google.com/?q=51.5021456,-0.127397"
VENUE = "https://foursquare.com/v/4e89af95e5fa82ad4c0aa03b"
EDITED = "<This message was edited>"


def run(path: Path) -> list[ParsedEvent]:
    return read_events(path, ImportContext(LONDON))


def android(tmp_path: Path, *texts: str) -> list[ParsedEvent]:
    """One Android message per text (from Casey Marsh), in a day-first file that says so (13/01)."""
    lines = [
        f"13/01/2025, {9 + i // 60:02d}:{i % 60:02d} - Casey Marsh: {text}" for i, text in enumerate(texts)
    ]
    path = tmp_path / "chat.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return run(path)


def ios(tmp_path: Path, *texts: str) -> list[ParsedEvent]:
    lines = [f"[13/01/2025, 09:{i:02d}:00] Casey Marsh: {text}" for i, text in enumerate(texts)]
    path = tmp_path / "_chat.txt"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return run(path)


def one(events: list[ParsedEvent]) -> ParsedEvent:
    assert len(events) == 1
    return events[0]


# --- the peer's counts -----------------------------------------------------------------------------------


def corpus_events(corpus, name: str) -> list[ParsedEvent]:
    return run(corpus(f"whatsapp/whats_json/languages/{name}"))


def test_english_ios_counts_per_kind(corpus):
    events = corpus_events(corpus, "english_ios.txt")
    kinds = Counter(e.kind for e in events)
    assert kinds == {
        Kind.SYSTEM: 1,
        Kind.MESSAGE: 17,
        Kind.LOCATION: 2,
        Kind.DELETED: 2,
        Kind.CONTACT_CARD: 1,
    }
    # peer: 17 system, 4 text, 2 location
    assert kinds[Kind.LOCATION] == 2
    assert sum(e.kind is Kind.MESSAGE and "media" not in e.details for e in events) == 4
    venue, pin = (e for e in events if e.kind is Kind.LOCATION)
    assert venue.text == f"Pimlico Gardens (London, United Kingdom): {VENUE}"
    assert venue.details == {"location": "venue", "location_url": VENUE}
    assert pin.text == f"{LRM}Location: {PIN}"  # kept exactly as written
    assert pin.details == {"location": "pin", "location_url": PIN}
    deleted = [(e.sender, e.text) for e in events if e.kind is Kind.DELETED]
    assert deleted == [
        ("Dmitry S", f"{LRM}You deleted this message."),
        ("Elon Musk", f"{LRM}This message was deleted."),
    ]


def test_english_android_counts_per_kind(corpus):
    events = corpus_events(corpus, "english_android.txt")
    kinds = Counter(e.kind for e in events)
    assert kinds == {
        Kind.SYSTEM: 1,
        Kind.MESSAGE: 44,
        Kind.LOCATION: 3,
        Kind.CONTACT_CARD: 2,
        Kind.DELETED: 8,
        Kind.CALL: 2,
    }
    # peer: 40 system, 15 text, 2 file, 3 location
    assert kinds[Kind.LOCATION] == 3
    assert kinds[Kind.CONTACT_CARD] == 2  # the peer's two files are the two .vcf contact cards
    texts = [e for e in events if e.kind is Kind.MESSAGE and "media" not in e.details]
    assert len([e for e in texts if e.text != "null"]) == 15  # the peer drops view-once "null" lines
    venue = next(e for e in events if e.details.get("location") == "venue")
    assert venue.text == f"Pimlico Gardens\nLondon, United Kingdom\n{VENUE}"
    assert venue.locator.value == "39-41"
    assert [e.details["missing_attachment"] for e in events if e.kind is Kind.CONTACT_CARD] == [
        "Alex.vcf",
        "TR.vcf",
    ]
    calls = [e for e in events if e.kind is Kind.CALL]
    assert [(e.sender, e.text, e.details, e.direction) for e in calls] == [
        ("Dmitry S", "Missed voice call", {"call": "missed-voice"}, Direction.UNKNOWN)
    ] * 2


@pytest.mark.parametrize(
    ("name", "locations"),
    [
        ("czech_android.txt", 3),
        ("russian_android.txt", 3),
        ("deutch_android_media.txt", 3),
        *[(f"{lang}_ios.txt", 2) for lang in ("arabic", "czech", "french", "japanese", "thai", "vietnamese")],
    ],
)
def test_other_languages_give_the_peer_location_count(corpus, name, locations):
    events = corpus_events(corpus, name)
    assert sum(e.kind is Kind.LOCATION for e in events) == locations
    assert sum(e.kind is Kind.DELETED for e in events) >= 2


# --- deleted messages ----------------------------------------------------------------------------------

DELETED = [
    "This message was deleted",
    "You deleted this message",
    f"{LRM}This message was deleted.",
    f"{LRM}You deleted this message.",
    "Tato zpráva byla odstraněna.",  # Czech Android
    f"{LRM}このメッセージは削除されました。",  # Japanese iOS
]
NOT_DELETED = [
    "this message was deleted",  # a person typing, not WhatsApp's wording
    "This message was deleted?",
    "I think this message was deleted",
    "This message was deleted by admin Robin Hale",  # group admin wording is not recognised yet
    "This message was deleted\nno it wasn't",
    "You deleted this message!!",
]


@pytest.mark.parametrize("text", DELETED)
def test_deleted_placeholders(tmp_path, text):
    event = one(android(tmp_path, text))
    assert (event.kind, event.sender, event.text, event.details) == (Kind.DELETED, "Casey Marsh", text, {})
    assert event.direction is Direction.UNKNOWN


@pytest.mark.parametrize("text", NOT_DELETED)
def test_not_deleted_placeholders(tmp_path, text):
    assert one(android(tmp_path, text)).kind is Kind.MESSAGE


def test_a_system_line_with_the_same_words_stays_system(tmp_path):
    path = tmp_path / "chat.txt"
    path.write_text("13/01/2025, 09:00 - This message was deleted\n", encoding="utf-8")
    assert one(run(path)).kind is Kind.SYSTEM


def test_every_deleted_wording_is_recognised_with_and_without_a_full_stop(tmp_path):
    texts = [text + end for text in DELETED_WORDING for end in ("", ".")]
    assert {e.kind for e in android(tmp_path, *texts)} == {Kind.DELETED}


# --- edited messages -----------------------------------------------------------------------------------

EDITED_LINES = [
    (f"See you at 8 {EDITED}", f"See you at 8 {EDITED}"),
    (f"See you at 8 {LRM}{EDITED}", f"See you at 8 {LRM}{EDITED}"),
    (f"first line\nsecond line {EDITED}", f"first line\nsecond line {EDITED}"),
]
NOT_EDITED = [
    "This message was edited",
    f"{EDITED} and more",
    "<This message was edited",
    f"{EDITED}\nbut not at the end",
]


@pytest.mark.parametrize(("written", "text"), EDITED_LINES)
def test_edited_messages_keep_their_kind_and_text(tmp_path, written, text):
    event = one(android(tmp_path, written))
    assert (event.kind, event.text, event.flags) == (Kind.MESSAGE, text, ("edited",))
    assert event.details == {"edited": EDITED}


@pytest.mark.parametrize("written", NOT_EDITED)
def test_not_edited(tmp_path, written):
    event = one(android(tmp_path, written))
    assert (event.kind, event.flags, event.details) == (Kind.MESSAGE, (), {})


def test_an_edited_media_caption_keeps_its_media_kind_and_is_flagged(tmp_path):
    event = one(android(tmp_path, f"TR.vcf (file attached)\nmy new number {EDITED}"))
    assert (event.kind, event.flags) == (Kind.CONTACT_CARD, ("edited",))


# --- calls ---------------------------------------------------------------------------------------------

CALLS = [
    ("Missed voice call", {"call": "missed-voice"}),
    ("Missed video call", {"call": "missed-video"}),
    ("Voice call", {"call": "voice"}),
    ("Video call", {"call": "video"}),
    (f"{LRM}Missed voice call", {"call": "missed-voice"}),
    (
        f"{LRM}Missed voice call, {LRM}Tap to call back",
        {"call": "missed-voice", "call_info": "Tap to call back"},
    ),
    (f"{LRM}Voice call. {LRM}12 min", {"call": "voice", "call_info": "12 min"}),
    ("Video call, 1 hr 5 min", {"call": "video", "call_info": "1 hr 5 min"}),
    ("Voice call, 02:31", {"call": "voice", "call_info": "02:31"}),
    ("Voice call • 45 sec", {"call": "voice", "call_info": "45 sec"}),
    ("Пропущенный аудиозвонок", {"call": "missed-voice"}),  # Russian Android
]
NOT_CALLS = [
    "Voice call me later",
    "voice call",
    "Missed voice call from Robin?",
    "Video call tomorrow, 5 min before school",
    "Voice call, you coward",
    "Missed voice call\nsorry, was driving",
    "I had a missed voice call",
]


@pytest.mark.parametrize(("text", "details"), CALLS)
def test_call_lines(tmp_path, text, details):
    event = one(android(tmp_path, text))
    assert (event.kind, event.sender, event.text, event.details) == (Kind.CALL, "Casey Marsh", text, details)


@pytest.mark.parametrize("text", NOT_CALLS)
def test_not_call_lines(tmp_path, text):
    assert one(android(tmp_path, text)).kind is Kind.MESSAGE


def test_call_table_covers_the_four_english_wordings():
    assert {
        CALL_WORDING[w] for w in ("Missed voice call", "Missed video call", "Voice call", "Video call")
    } == {
        "missed-voice",
        "missed-video",
        "voice",
        "video",
    }


# --- contact cards -------------------------------------------------------------------------------------


def test_android_contact_card(tmp_path):
    event = one(android(tmp_path, "Robin Hale.vcf (file attached)"))
    assert (event.kind, event.text) == (Kind.CONTACT_CARD, "Robin Hale.vcf (file attached)")
    assert event.details == {"missing_attachment": "Robin Hale.vcf"}


def test_ios_contact_card_in_a_zip_points_at_the_file(tmp_path):
    chat = f"[13/01/2025, 09:00:00] Casey Marsh: {LRM}<attached: 00000003-Robin Hale.vcf>\r\n".encode()
    path = make_zip(
        tmp_path / "export.zip",
        [("_chat.txt", chat), ("00000003-Robin Hale.vcf", b"BEGIN:VCARD\r\nEND:VCARD\r\n")],
    )
    event = one(run(path))
    assert (event.kind, event.attachments, event.details) == (
        Kind.CONTACT_CARD,
        ("00000003-Robin Hale.vcf",),
        {},
    )
    assert event.text == "<attached: 00000003-Robin Hale.vcf>"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (f"{LRM}Contact card omitted", Kind.CONTACT_CARD),
        ("Robin.VCF (file attached)", Kind.CONTACT_CARD),
        ("notes.txt (file attached)", Kind.MESSAGE),
        ("my card is Robin.vcf", Kind.MESSAGE),
        ("Robin.vcf", Kind.MESSAGE),
        (f"{LRM}image omitted", Kind.MESSAGE),
    ],
)
def test_contact_card_table(tmp_path, text, kind):
    assert one(ios(tmp_path, text) if "omitted" in text else android(tmp_path, text)).kind is kind


# --- locations -----------------------------------------------------------------------------------------

LOCATIONS = [
    (f"location: {PIN}", {"location": "pin", "location_url": PIN}),
    (f"{LRM}Location: {PIN}", {"location": "pin", "location_url": PIN}),
    (
        "location: https://maps.google.com/?q=-33.86,151.2",
        {"location": "pin", "location_url": "https://maps.google.com/?q=-33.86,151.2"},
    ),
    (f"{LRM}Standort: {PIN}", {"location": "pin", "location_url": PIN}),  # German iOS
    (f"Station Café (High St, Leeds): {VENUE}", {"location": "venue", "location_url": VENUE}),
    (f"Station Café\nHigh St, Leeds\n{VENUE}", {"location": "venue", "location_url": VENUE}),
    (f"Station Café\n{VENUE}", {"location": "venue", "location_url": VENUE}),
    ("live location shared", {"location": "live"}),
    (f"{LRM}Live location shared", {"location": "live"}),
]
NOT_LOCATIONS = [
    f"look: {PIN}",  # a label WhatsApp does not write
    f"location: {PIN} come now",
    f"{PIN}",
    "location: https://maps.example.com/?q=51.5,-0.12",
    f"{VENUE}",
    f"I was here: {VENUE}",
    f"one\ntwo\nthree\n{VENUE}",
    f"Station Café\n{VENUE} tonight",
    "where is your live location shared",
]


@pytest.mark.parametrize(("text", "details"), LOCATIONS)
def test_location_shares(tmp_path, text, details):
    event = one(android(tmp_path, text))
    assert (event.kind, event.sender, event.text, event.details) == (
        Kind.LOCATION,
        "Casey Marsh",
        text,
        details,
    )


@pytest.mark.parametrize("text", NOT_LOCATIONS)
def test_not_location_shares(tmp_path, text):
    assert one(android(tmp_path, text)).kind is Kind.MESSAGE


def test_location_labels_are_lower_case_data():
    assert LOCATION_LABELS[0] == "location"
    assert all(label == label.lower() for label in LOCATION_LABELS)


# --- hostile lines ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "https:// " + " (" * 50_000,
        "https://" + "a (b): " * 30_000 + "x",
        "location: https://maps.google.com/?q=" + "1" * 100_000 + ",x",
        "Voice call, " + "1 min " * 30_000,
        f"{LRM * 50_000}Missed voice call{LRM * 50_000}",
        "x" * 200_000 + EDITED[:-1],
    ],
)
def test_wording_checks_stay_linear_on_hostile_lines(text):
    started = perf_counter()
    assert special_message(text, []) is None
    assert perf_counter() - started < 0.5
