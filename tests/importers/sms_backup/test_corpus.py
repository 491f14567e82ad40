"""Every SMS Backup & Restore sample in the shared corpus, against MANIFEST.md and SOURCE.md."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from casetrail.errors import InputError
from casetrail.importers.sms_backup import SmsBackupImporter
from casetrail.ingest.source import Source
from casetrail.model.event import Channel, Direction, Kind, ParsedEvent
from tests.importers.sms_backup.support import read, read_context


@dataclass(frozen=True)
class Expected:
    file: str
    records: dict[str, int]  # element kind → how many
    incoming: int | None
    first: str | None
    last: str | None
    names: frozenset[str]


SAMPLES = [
    Expected(
        "sms-backup-reader-2/sms_small.xml",
        {"sms": 12},
        8,
        "2017-12-02T14:49:27.463+00:00",
        "2017-12-02T18:10:45.524+00:00",
        frozenset({"Contact A", "Contact B", "Contact C"}),
    ),
    Expected(
        "sms-backup-reader-2/e2e/sample_small.xml",
        {"sms": 5, "mms": 2},
        None,
        "2017-12-02T14:49:27.463+00:00",
        "2024-07-14T23:04:03+00:00",
        frozenset({"Contact A", "Contact B"}),
    ),
    Expected(
        "sms-backup-reader-2/e2e/sample_mms.xml",
        {"mms": 4},
        4,
        "2024-07-16T20:29:24+00:00",
        "2024-07-16T20:29:27+00:00",
        frozenset({"Contact C"}),
    ),
    Expected(
        "sms-backup-reader-2/e2e/corrupt_attachments.xml",
        {"mms": 2},
        2,
        "2024-07-16T20:29:28+00:00",
        "2024-07-16T20:29:29+00:00",
        frozenset({"Contact D"}),
    ),
    Expected("sms-backup-reader-2/e2e/empty.xml", {}, 0, None, None, frozenset()),
    Expected(
        "sms-backup-processor/test-smses.xml",
        {"sms": 2, "mms": 2},
        None,
        "2016-09-07T08:08:01.987+00:00",
        "2021-07-03T08:38:30+00:00",
        frozenset({"John Doe"}),
    ),
    Expected(
        "sms-backup-restore-parser/minimal_sms.xml",
        {"sms": 1},
        1,
        "2021-01-01T00:00:00+00:00",
        "2021-01-01T00:00:00+00:00",
        frozenset({"Alice Smith"}),
    ),
    Expected(
        "sms-backup-restore-parser/minimal_mms.xml",
        {"mms": 1},
        1,
        "2021-01-02T00:00:00+00:00",
        "2021-01-02T00:00:00+00:00",
        frozenset({"Alice Smith"}),
    ),
    Expected(
        "sms-backup-restore-parser/mixed.xml",
        {"sms": 3, "mms": 1},
        2,
        "2021-01-01T00:00:00+00:00",
        "2021-01-01T03:00:00+00:00",
        frozenset({"Alice Smith", "Bob Jones"}),
    ),
    Expected(
        "sms-backup-restore-parser/edge_cases.xml",
        {"sms": 3, "mms": 1},
        None,
        "2021-01-01T00:00:00+00:00",
        "2021-01-01T03:00:00+00:00",
        frozenset({"Charlie Unicode", "Dana Empty", "Eve NoParts"}),
    ),
    Expected(
        "python-smsbackuptools/sms.xml",
        {"sms": 9},
        5,
        "2012-04-21T22:10:17.074+00:00",
        "2017-02-01T03:53:33+00:00",
        frozenset({"Robot Dog", "Robot Cat", "Robot Person", "Human Person", "Human Person 2"}),
    ),
    Expected(
        "sms-backup-restore-parser/minimal_calls.xml",
        {"call": 1},
        1,
        "2021-01-03T00:00:00+00:00",
        "2021-01-03T00:00:00+00:00",
        frozenset({"Alice Smith"}),
    ),
]


def _kinds(events: list[ParsedEvent]) -> dict[str, int]:
    return dict(Counter(e.locator.value.split()[0] for e in events))


@pytest.mark.parametrize("expected", SAMPLES, ids=lambda e: e.file)
def test_corpus_sample_matches_manifest(expected: Expected, corpus: Callable[[str], Path]) -> None:
    path = corpus(f"sms-backup/{expected.file}")
    assert SmsBackupImporter().sniff(Source(path)).confidence >= 0.9
    events, _context = read(path)
    assert _kinds(events) == expected.records
    if expected.incoming is not None:
        assert sum(e.direction is Direction.INCOMING for e in events) == expected.incoming
    times = sorted(e.occurred_at for e in events if e.occurred_at is not None)
    assert len(times) == len(events)
    if expected.first is not None:
        assert times[0] == datetime.fromisoformat(expected.first)
        assert times[-1] == datetime.fromisoformat(expected.last or "")
    assert {e.details["contact_name"] for e in events if "contact_name" in e.details} == expected.names
    assert all(e.details["source_id"] for e in events)
    assert len({e.details["source_id"] for e in events}) == len(events)


def test_sms_small_details(corpus: Callable[[str], Path]) -> None:
    events, context = read(corpus("sms-backup/sms-backup-reader-2/sms_small.xml"))
    assert context.notes == []  # count="12" is right
    assert {e.details["address"] for e in events} == {"+15550000001", "+15550000003", "+15550000004"}
    first = events[0]
    assert (first.channel, first.kind, first.direction) == (Channel.SMS, Kind.MESSAGE, Direction.INCOMING)
    assert first.sender == "Contact A (+15550000001)"
    assert first.local_time == "Dec 2, 2017 06:49:27"
    assert str(first.locator) == "element sms 1"
    sent = events[9]
    assert sent.direction is Direction.OUTGOING
    assert sent.sender is None
    assert sent.recipients == ("Contact C (+15550000004)",)
    assert sent.text == "Body text 10\nBody text 11\nBody text 12"
    assert str(sent.locator) == "element sms 10"


def test_contact_a_thread_holds_four_messages(corpus: Callable[[str], Path]) -> None:
    events, _ = read(corpus("sms-backup/sms-backup-reader-2/e2e/sample_small.xml"))
    assert sum(e.details["address"] == "+15550000001" for e in events) == 4
    sent_mms = events[6]
    assert str(sent_mms.locator) == "element mms 2"
    assert sent_mms.direction is Direction.OUTGOING
    assert sent_mms.recipients == ("Contact B (+15550000002)",)
    assert sent_mms.text == "MMS 2 text in Thread 2"


def test_mms_parts_are_described_and_kept(corpus: Callable[[str], Path]) -> None:
    events, _ = read(corpus("sms-backup/sms-backup-reader-2/e2e/sample_mms.xml"))
    types = [e.details["part_1"].split(",")[0] for e in events]
    assert types == ["image/png", "video/mp4", "audio/mp3", "application/pdf"]
    image = events[0]
    assert image.text == "Here is an image attachment"
    assert image.sender == "Contact C (+15550000003)"
    assert "attachment-unreadable" not in image.flags
    digest = "6b7fa434f92a8b80aab02d9bf1a12e49ffcae424e4013a1c4f68b67e3d2bbcd0"
    assert image.details["part_1"] == f"image/png, image.png, 70 bytes, sha256 {digest}"
    assert [(f.name, hashlib.sha256(f.data).hexdigest()) for f in image.embedded] == [("image.png", digest)]
    assert [len(e.embedded) for e in events] == [1, 1, 1, 1]


def test_minimal_mms_text_and_addresses(corpus: Callable[[str], Path]) -> None:
    (event,), _ = read(corpus("sms-backup/sms-backup-restore-parser/minimal_mms.xml"))
    assert event.text == "Hello from MMS!"
    assert event.sender == "+15559876543"  # addr type 137
    assert event.recipients == ("Alice Smith (+15551234567)",)  # addr type 151, named by contact_name
    assert event.details["subject"] == "Test MMS Subject"
    assert event.details["part_1"].startswith("image/jpeg, image.jpg, 70 bytes, sha256 ")
    assert "part_2" not in event.details  # the SMIL layout is not content


def test_corrupt_attachments_are_flagged_not_fatal(corpus: Callable[[str], Path]) -> None:
    events, _ = read(corpus("sms-backup/sms-backup-reader-2/e2e/corrupt_attachments.xml"))
    assert [e.text for e in events] == [
        "MMS with corrupted base64 image data",
        "MMS with unsupported attachment type",
    ]
    for event in events:
        assert "attachment-unreadable" in event.flags
        assert "not valid base64" in event.details["part_1"]
        assert event.embedded == () and event.attachments == ()


def test_draft_is_not_a_sent_message(corpus: Callable[[str], Path]) -> None:
    events, _ = read(corpus("sms-backup/sms-backup-restore-parser/mixed.xml"))
    draft = events[3]
    assert draft.flags == ("sms-draft",)
    assert draft.recipients == ("Bob Jones (+15559990001)",)
    assert all("sms-draft" not in e.flags for e in events[:3])


def test_edge_cases(corpus: Callable[[str], Path]) -> None:
    events, _ = read(corpus("sms-backup/sms-backup-restore-parser/edge_cases.xml"))
    assert len({e.details["address"] for e in events}) == 4
    assert events[0].sender == "+15551112222"  # no contact_name at all
    assert events[1].text == "Hello 🌍 — this has «special» chars & symbols < > \" '"
    assert events[2].text == ""
    assert events[3].text == ""
    assert events[3].embedded == ()


def test_norwegian_samsung_backup(corpus: Callable[[str], Path]) -> None:
    events, context = read(corpus("sms-backup/sms-backup-processor/test-smses.xml"))
    assert {e.details["address"] for e in events} == {"+4790000000"}
    assert events[0].local_time == "7. sep. 2016 10:08:01"
    sent_mms, received_mms = events[2], events[3]
    assert sent_mms.recipients == ("John Doe (+4790000000)",)  # "insert-address-token" is the phone itself
    assert sent_mms.text.startswith("Haha, ja, morsomt! 😄")
    assert received_mms.sender == "John Doe (+4790000000)"
    assert received_mms.details["part_1"].startswith("image/jpeg, 6469943001.jpg, ")
    assert any("12028" in note for note in context.notes)


def test_old_backup_with_dates_in_seconds(corpus: Callable[[str], Path]) -> None:
    events, context = read(corpus("sms-backup/python-smsbackuptools/sms.xml"))
    assert sum("time-in-seconds" in e.flags for e in events) == 4
    assert len({e.details["address"] for e in events}) == 6
    assert sum(e.direction is Direction.OUTGOING for e in events) == 4
    assert events[5].occurred_at == datetime.fromisoformat("2017-02-01T03:51:24+00:00")
    assert events[5].local_time == "2017/01/31 20:51:24"
    assert any("holds 2 records and 9 were found" in note for note in context.notes)


def test_call_log(corpus: Callable[[str], Path]) -> None:
    (event,), _ = read(corpus("sms-backup/sms-backup-restore-parser/minimal_calls.xml"))
    assert (event.channel, event.kind, event.direction) == (Channel.PHONE, Kind.CALL, Direction.INCOMING)
    assert event.sender == "Alice Smith (+15551234567)"
    assert event.details["call"] == "incoming"
    assert event.details["duration_s"] == "125"
    assert event.local_time == "Jan 3, 2021 12:00:00 AM"
    assert str(event.locator) == "element call 1"


@pytest.mark.parametrize(
    ("file", "place"),
    [
        ("sms-backup-reader-2/sms_and_mms.xml", "line 136 column"),
        ("sms-backup-restore-parser/malformed.xml", "line 4 column"),
    ],
)
def test_broken_files_are_reported_with_place(file: str, place: str, corpus: Callable[[str], Path]) -> None:
    path = corpus(f"sms-backup/{file}")
    with pytest.raises(InputError) as caught:
        read(path)
    assert caught.value.file == path.name
    assert caught.value.place is not None and caught.value.place.startswith(place)


def test_truncated_backup_reads_as_the_manifest_says_until_the_break(corpus: Callable[[str], Path]) -> None:
    """The store discards these (the import is atomic); here they show the break is where expected."""
    path = corpus("sms-backup/sms-backup-reader-2/sms_and_mms.xml")
    events: list[ParsedEvent] = []
    with pytest.raises(InputError):
        events.extend(SmsBackupImporter().events(Source(path), read_context()))
    kinds = Counter((e.locator.value.split()[0], e.direction) for e in events)
    assert kinds == {
        ("sms", Direction.INCOMING): 21,
        ("sms", Direction.OUTGOING): 20,
        ("mms", Direction.INCOMING): 6,
        ("mms", Direction.OUTGOING): 2,
    }
    times = sorted(e.occurred_at for e in events if e.occurred_at is not None)
    assert times[0] == datetime.fromisoformat("2017-12-02T14:49:27.463+00:00")
    assert times[-1] == datetime.fromisoformat("2024-07-17T21:37:26+00:00")
    names = {e.details["contact_name"] for e in events if "contact_name" in e.details}
    assert len(names) == 5 and "(Unknown)" in names
    addresses = {e.details["address"] for e in events}
    assert len(addresses) == 7 and "group_8@rcs.google.com" in addresses
