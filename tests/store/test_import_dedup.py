"""Importing into the store: de-duplication, exhibit reuse, attachments, locators, atomicity, audit."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path

import pytest

from casetrail.errors import InputError
from casetrail.store.case import Case
from casetrail.store.importing import import_file
from casetrail.store.queries import TimelineEvent, TimelineFilter, list_exhibits, timeline
from casetrail.store.verify import verify_case
from casetrail.testing import crash
from tests.helpers import android_lines, count_events, make_zip, table_hashes, write_chat

# 13 January: the day is above 12, so the date order is certain and no event carries a flag.
UNAMBIGUOUS = datetime(2025, 1, 13, 9, 0)


def everything(case: Case) -> list[TimelineEvent]:
    return timeline(case, TimelineFilter(), limit=None)


def refs(case: Case) -> list[str]:
    return [e.ref for e in list_exhibits(case)]


def ios_chat(*lines: str) -> bytes:
    return "".join(f"{line}\r\n" for line in lines).encode()


PHOTO_LINE = "[07/01/2025, 10:00:00] Casey Marsh: \u200e<attached: photo.jpg>"
HELLO_LINE = "[07/01/2025, 10:01:00] Casey Marsh: are you home"
PHOTO = b"\xff\xd8\xff\xe0 not really a jpeg, but bytes all the same"


def test_reimporting_the_same_export_adds_nothing_and_reuses_its_exhibit(
    new_case: Case, tmp_path: Path
) -> None:
    chat = write_chat(tmp_path / "chat.txt", android_lines(30, start=UNAMBIGUOUS))
    first = import_file(new_case, chat)
    before = table_hashes(new_case)
    again = import_file(new_case, chat)

    assert (first.exhibit, first.new_exhibits, first.events_added, first.duplicates) == (
        "RH/1",
        ["RH/1"],
        30,
        0,
    )
    assert (again.exhibit, again.new_exhibits, again.events_added, again.duplicates) == ("RH/1", [], 0, 30)
    assert refs(new_case) == ["RH/1"]
    assert count_events(new_case) == 30
    changed = {name for name, digest in table_hashes(new_case).items() if before[name] != digest}
    assert changed == {"imports", "audit_log"}  # a record that it happened, but no event, source or exhibit
    assert all(len(e.sources) == 1 for e in everything(new_case))


def test_an_overlapping_later_export_adds_only_the_new_messages_and_a_second_source(
    new_case: Case, tmp_path: Path
) -> None:
    lines = android_lines(100, start=UNAMBIGUOUS)
    early = write_chat(tmp_path / "early.txt", lines[:60])
    later = write_chat(tmp_path / "later.txt", lines[40:])

    import_file(new_case, early)
    result = import_file(new_case, later)

    assert (result.exhibit, result.events_added, result.duplicates) == ("RH/2", 40, 20)
    events = everything(new_case)
    assert len(events) == 100
    exhibits_per_event = [[s["exhibit"] for s in e.sources] for e in events]
    assert exhibits_per_event == [["RH/1"]] * 40 + [["RH/1", "RH/2"]] * 20 + [["RH/2"]] * 40
    # message 40 is line 1 of the later file; in the early file it follows three two-line messages
    assert [(s["exhibit"], s["value"]) for s in events[40].sources] == [("RH/1", "44"), ("RH/2", "1")]
    assert events[40].text == "message number 40 about nothing in particular"


def test_identical_messages_in_one_export_are_both_kept(new_case: Case, tmp_path: Path) -> None:
    lines = [
        "13/01/2025, 09:00 - Casey Marsh: answer me",
        "13/01/2025, 09:00 - Casey Marsh: answer me",
        "13/01/2025, 09:01 - Casey Marsh: answer me",
    ]
    chat = write_chat(tmp_path / "chat.txt", lines)

    first = import_file(new_case, chat)
    again = import_file(new_case, chat)

    assert (first.events_added, first.duplicates) == (3, 0)
    assert (again.events_added, again.duplicates) == (0, 3)
    events = everything(new_case)
    assert [(e.local_time, e.text) for e in events] == [
        ("13/01/2025, 09:00", "answer me"),
        ("13/01/2025, 09:00", "answer me"),
        ("13/01/2025, 09:01", "answer me"),
    ]
    assert [[s["value"] for s in e.sources] for e in events] == [["1"], ["2"], ["3"]]


def test_a_zip_imported_twice_keeps_its_exhibits_and_a_shared_photo_is_one_exhibit(
    new_case: Case, tmp_path: Path
) -> None:
    first_zip = make_zip(
        tmp_path / "first.zip", [("_chat.txt", ios_chat(PHOTO_LINE, HELLO_LINE)), ("photo.jpg", PHOTO)]
    )
    later_line = "[08/01/2025, 22:15:00] Casey Marsh: \u200e<attached: photo.jpg>"
    second_zip = make_zip(
        tmp_path / "second.zip", [("_chat.txt", ios_chat(later_line)), ("photo.jpg", PHOTO)]
    )

    first = import_file(new_case, first_zip)
    listed = [(e.ref, e.original_name, e.inside) for e in list_exhibits(new_case)]
    again = import_file(new_case, first_zip)
    second = import_file(new_case, second_zip)

    assert (first.exhibit, first.new_exhibits) == ("RH/1", ["RH/1", "RH/2", "RH/3"])
    assert listed == [
        ("RH/1", "first.zip", None),
        ("RH/2", "_chat.txt", "RH/1"),
        ("RH/3", "photo.jpg", "RH/1"),
    ]
    assert (again.exhibit, again.new_exhibits, again.events_added, again.duplicates) == ("RH/1", [], 0, 2)
    assert (second.exhibit, second.new_exhibits, second.events_added) == ("RH/4", ["RH/4", "RH/5"], 1)
    assert [(e.ref, e.original_name) for e in list_exhibits(new_case)] == [
        ("RH/1", "first.zip"),
        ("RH/2", "_chat.txt"),
        ("RH/3", "photo.jpg"),
        ("RH/4", "second.zip"),
        ("RH/5", "_chat.txt"),
    ]
    photo_events = [e for e in everything(new_case) if e.text == "<attached: photo.jpg>"]
    assert [(e.local_time, e.attachments) for e in photo_events] == [
        ("07/01/2025, 10:00:00", ["RH/3"]),
        ("08/01/2025, 22:15:00", ["RH/3"]),
    ]


def test_an_attachment_named_in_a_message_points_to_the_member_exhibit(
    new_case: Case, tmp_path: Path
) -> None:
    archive = make_zip(
        tmp_path / "export.zip",
        [("_chat.txt", ios_chat(PHOTO_LINE, HELLO_LINE)), ("photo.jpg", PHOTO), ("other.jpg", b"unrelated")],
    )
    import_file(new_case, archive)

    exhibits = {e.original_name: e for e in list_exhibits(new_case)}
    assert exhibits["photo.jpg"].sha256 == hashlib.sha256(PHOTO).hexdigest()
    events = everything(new_case)
    assert [(e.text, e.attachments) for e in events] == [
        ("<attached: photo.jpg>", [exhibits["photo.jpg"].ref]),
        ("are you home", []),
    ]
    assert events[0].details == {}  # found in the archive, so not reported missing


def test_a_diary_with_an_invalid_third_entry_changes_nothing(new_case: Case, tmp_path: Path) -> None:
    import_file(new_case, write_chat(tmp_path / "chat.txt", android_lines(5, start=UNAMBIGUOUS)))
    before, exhibits_before = table_hashes(new_case), refs(new_case)
    entries = [
        {"id": "a", "occurred_at": "2025-03-01T10:00", "what_happened": "He rang eleven times"},
        {"id": "b", "occurred_at": "2025-03-02T10:00", "what_happened": "He was outside work"},
        {"id": "c", "occurred_at": "last Tuesday", "what_happened": "He followed me home"},
    ]
    diary = tmp_path / "diary.json"
    diary.write_text(json.dumps({"format": "casetrail-diary", "version": 1, "entries": entries}), "utf-8")

    with pytest.raises(InputError) as caught:
        import_file(new_case, diary)

    assert caught.value.place == "entry /entries/2"
    assert table_hashes(new_case) == before
    assert refs(new_case) == exhibits_before == ["RH/1"]


def test_an_import_that_fails_after_its_first_batch_was_written_changes_nothing(
    new_case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_file(new_case, write_chat(tmp_path / "small.txt", android_lines(5, start=UNAMBIGUOUS)))
    before, exhibits_before = table_hashes(new_case), refs(new_case)
    big = write_chat(tmp_path / "big.txt", android_lines(2100, start=datetime(2025, 2, 13, 9, 0)))
    # the same as CASETRAIL_CRASH_AT=batch-written:1:raise, which is read when the module is imported
    monkeypatch.setattr(crash, "_target", ("batch-written", 1, "raise"))
    monkeypatch.setattr(crash, "_counts", {})

    with pytest.raises(crash.InjectedFailure):
        import_file(new_case, big)

    assert crash._counts == {"batch-written": 1}  # the first 2000 events had been written
    assert table_hashes(new_case) == before
    assert refs(new_case) == exhibits_before == ["RH/1"]


def test_locators_give_line_spans_and_the_archive_member(new_case: Case, tmp_path: Path) -> None:
    lines = [
        "13/01/2025, 09:00 - Casey Marsh: one line",
        "13/01/2025, 09:01 - Casey Marsh: first line",
        "second line",
        "third line",
        "13/01/2025, 09:02 - Robin Hale: stop",
    ]
    import_file(new_case, write_chat(tmp_path / "chat.txt", lines))
    import_file(
        new_case,
        make_zip(tmp_path / "export.zip", [("_chat.txt", ios_chat(PHOTO_LINE)), ("photo.jpg", PHOTO)]),
    )

    sources = [e.sources for e in everything(new_case)]
    assert sources == [
        [{"exhibit": "RH/2", "scheme": "line", "value": "1", "member": "_chat.txt"}],
        [{"exhibit": "RH/1", "scheme": "line", "value": "1", "member": None}],
        [{"exhibit": "RH/1", "scheme": "line", "value": "2-4", "member": None}],
        [{"exhibit": "RH/1", "scheme": "line", "value": "5", "member": None}],
    ]


def test_the_audit_log_records_creation_exhibits_and_imports(new_case: Case, tmp_path: Path) -> None:
    chat = write_chat(tmp_path / "chat.txt", android_lines(12, start=UNAMBIGUOUS))
    import_file(new_case, chat)
    import_file(new_case, chat)

    with new_case.reader.connect() as conn:
        entries = list(new_case.audit.entries(conn))
    assert [(e.seq, e.action, e.actor) for e in entries] == [
        (1, "case created", "Robin Hale"),
        (2, "exhibit added", "Robin Hale"),
        (3, "events imported", "Robin Hale"),
        (4, "events imported", "Robin Hale"),
    ]
    data = chat.read_bytes()
    assert entries[1].details == {
        "ref": "RH/1",
        "sha256": hashlib.sha256(data).hexdigest(),
        "size": len(data),
        "original_name": "chat.txt",
        "acquired_by": "Robin Hale",
        "importer": "whatsapp",
    }
    counts = ["exhibit", "importer", "events_added", "duplicates_skipped", "flagged_records", "notes"]
    assert [[e.details[k] for k in counts] for e in entries[2:]] == [
        ["RH/1", "whatsapp", 12, 0, 0, []],
        ["RH/1", "whatsapp", 0, 12, 0, []],
    ]


def test_identical_messages_separated_by_an_out_of_order_line_stay_distinct(new_case, tmp_path):
    lines = [
        "01/02/2025, 10:00 - Casey Marsh: ok",
        "01/02/2025, 10:01 - Casey Marsh: are you there",
        "01/02/2025, 10:00 - Casey Marsh: ok",
    ]
    result = import_file(new_case, write_chat(tmp_path / "chat.txt", lines))
    assert result.events_added == 3
    assert import_file(new_case, write_chat(tmp_path / "again.txt", lines)).events_added == 0


def test_a_stale_open_case_cannot_undo_a_new_key_wrapping(new_case, tmp_path):
    from casetrail.errors import WrongPassphrase
    from casetrail.store.case import Case as CaseType
    from tests.conftest import PASSPHRASE

    other = CaseType.open(new_case.layout.root, PASSPHRASE)  # a second command, opened before the change
    new_case.rewrap("a brand new passphrase")
    import_file(other, write_chat(tmp_path / "chat.txt", android_lines(3)))  # then it saves a checkpoint
    other.close()
    with pytest.raises(WrongPassphrase):
        CaseType.open(new_case.layout.root, PASSPHRASE)
    with CaseType.open(new_case.layout.root, "a brand new passphrase") as reopened:
        assert verify_case(reopened).ok
