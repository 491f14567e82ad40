"""The diary: entries typed in casetrail (saved, amended, kept sealed) and diary JSON files imported."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from casetrail.errors import CasetrailError, InputError
from casetrail.store.case import Case
from casetrail.store.diary import save_entry
from casetrail.store.importing import import_file
from casetrail.store.queries import TimelineFilter, list_exhibits, timeline
from tests.helpers import android_lines, files_containing, table_hashes, write_chat

WHAT = "He was waiting by my car at the gym, canary-diary-7391"
FEELING = "Frightened; I went back inside, canary-feeling-2264"
AMENDED = "He was waiting by my car at the gym and followed me out, canary-amended-4410"

ENTRY: dict[str, Any] = {
    "occurred_at": "2025-03-14T18:40",
    "kind": "in-person-incident",
    "channel": "in-person",
    "where": "Car park, Northgate gym",
    "what_happened": WHAT,
    "people": ["Casey Marsh"],
    "witnesses": ["Sam Okafor", "the receptionist"],
    "how_it_made_me_feel": FEELING,
}


def test_a_saved_entry_keeps_its_fields_and_is_an_exhibit_of_its_own(new_case: Case) -> None:
    saved = save_entry(new_case, ENTRY)

    [event] = timeline(new_case, TimelineFilter(), limit=None)
    assert (saved.exhibit, saved.version, event.uid) == ("RH/1", 1, saved.uid)
    assert (event.kind, event.channel, event.direction, event.sender) == (
        "in-person-incident",
        "in-person",
        "n/a",
        None,
    )
    assert (event.text, event.local_time, event.flags) == (WHAT, "2025-03-14T18:40", [])
    assert event.occurred_at is not None and event.occurred_at.isoformat() == "2025-03-14T18:40:00+00:00"
    recorded_at = event.details.pop("recorded_at")
    assert recorded_at.endswith("Z")
    assert event.details == {
        "source_id": saved.entry_id,
        "where": "Car park, Northgate gym",
        "what_happened": WHAT,
        "how_it_made_me_feel": FEELING,
        "people": "Casey Marsh",
        "witnesses": "Sam Okafor; the receptionist",
    }
    assert event.sources == [
        {"exhibit": "RH/1", "scheme": "json-pointer", "value": "/entries/0", "member": None}
    ]
    [exhibit] = list_exhibits(new_case)
    assert (exhibit.ref, exhibit.original_name, exhibit.inside) == (
        "RH/1",
        f"diary-entry-{saved.entry_id}-v1.json",
        None,
    )
    stored = json.loads(b"".join(new_case.blobs.read(exhibit.sha256)))
    assert (stored["format"], stored["timezone"]) == ("casetrail-diary", "Europe/London")
    assert stored["entries"] == [{**ENTRY, "id": saved.entry_id, "recorded_at": recorded_at}]


def test_amending_adds_a_version_that_replaces_the_old_one_in_the_timeline(new_case: Case) -> None:
    first = save_entry(new_case, ENTRY)
    second = save_entry(new_case, {**ENTRY, "what_happened": AMENDED}, supersedes=first.uid)

    assert (second.exhibit, second.entry_id, second.version) == ("RH/2", first.entry_id, 2)
    [shown] = timeline(new_case, TimelineFilter(), limit=None)
    assert (shown.uid, shown.text, shown.supersedes) == (second.uid, AMENDED, first.uid)
    assert (shown.details["source_id"], shown.details["version"]) == (f"{first.entry_id}#v2", "2")
    every = timeline(new_case, TimelineFilter(all_versions=True), limit=None)
    assert [(e.uid, e.text, e.supersedes) for e in every] == [
        (first.uid, WHAT, None),
        (second.uid, AMENDED, first.uid),
    ]

    with pytest.raises(CasetrailError) as caught:
        save_entry(new_case, {**ENTRY, "what_happened": "a third account"}, supersedes=first.uid)
    assert str(caught.value) == (
        f"Entry {first.uid} has already been amended; amend the newest version, {second.uid}."
    )
    assert len(timeline(new_case, TimelineFilter(all_versions=True), limit=None)) == 2


def test_an_imported_message_cannot_be_amended_as_a_diary_entry(new_case: Case, tmp_path: Path) -> None:
    import_file(new_case, write_chat(tmp_path / "chat.txt", android_lines(3)))
    [message, *_] = timeline(new_case, TimelineFilter(), limit=None)
    before = table_hashes(new_case)

    with pytest.raises(CasetrailError) as caught:
        save_entry(new_case, {**ENTRY, "what_happened": "I never got that"}, supersedes=message.uid)

    assert str(caught.value) == f"No diary entry has the id {message.uid}."
    assert table_hashes(new_case) == before


def test_entry_text_is_never_stored_in_plain(new_case: Case) -> None:
    first = save_entry(new_case, ENTRY)
    save_entry(new_case, {**ENTRY, "what_happened": AMENDED}, supersedes=first.uid)
    new_case.close()

    root = new_case.layout.root
    for needle in (WHAT, FEELING, AMENDED, "Northgate gym", "the receptionist"):
        assert files_containing(root, needle) == [], needle


# -- diary JSON files ------------------------------------------------------------------------------


def diary_file(folder: Path, entries: list[Any], name: str = "diary.json") -> Path:
    document = {"format": "casetrail-diary", "version": 1, "timezone": "Europe/London", "entries": entries}
    path = folder / name
    path.write_text(json.dumps(document, indent=1, ensure_ascii=False), "utf-8")
    return path


def entry(number: int, **fields: Any) -> dict[str, Any]:
    base = {
        "id": f"e{number}",
        "occurred_at": f"2025-03-0{number + 1}T10:00",
        "what_happened": f"entry {number}",
    }
    return {**base, **fields}


@pytest.mark.parametrize(
    ("bad", "problem"),
    [
        (
            {"occurred_at": "the day after the party"},
            "'occurred_at' is not a date and time like 2025-03-14T18:40 (got 'the day after the party')",
        ),
        ({"kind": "stalking"}, "unknown kind 'stalking'"),
        ({"channel": "carrier pigeon"}, "unknown channel 'carrier pigeon'"),
    ],
    ids=["occurred_at", "kind", "channel"],
)
def test_an_invalid_entry_is_named_by_file_and_pointer(
    new_case: Case, tmp_path: Path, bad: dict[str, str], problem: str
) -> None:
    path = diary_file(tmp_path, [entry(0), entry(1), entry(2), entry(3, **bad)], name="incidents.json")

    with pytest.raises(InputError) as caught:
        import_file(new_case, path)

    assert (caught.value.file, caught.value.place, caught.value.problem) == (
        "incidents.json",
        "entry /entries/3",
        problem,
    )
    assert str(caught.value) == f"incidents.json (entry /entries/3): {problem}"
    assert list(list_exhibits(new_case)) == []


def test_a_diary_that_is_not_utf8_is_refused_with_line_and_column(new_case: Case, tmp_path: Path) -> None:
    text = (
        '{"format": "casetrail-diary", "version": 1,\n'
        ' "entries": [\n'
        '  {"id": "a", "occurred_at": "2025-03-01T10:00",\n'
        '   "what_happened": "naïve café"}]}\n'
    )
    path = tmp_path / "diary.json"
    path.write_bytes(text.encode("utf-8").replace("é".encode(), b"\xe9"))  # one Latin-1 byte in UTF-8

    with pytest.raises(InputError) as caught:
        import_file(new_case, path)

    # column counts characters, as an editor does: "ï" before it is one character (two bytes)
    assert str(caught.value) == "diary.json (line 4 column 31): diary is not UTF-8 text"


def test_a_diary_that_is_not_valid_json_is_refused_with_line_and_column(
    new_case: Case, tmp_path: Path
) -> None:
    path = tmp_path / "diary.json"
    path.write_text(
        '{"format": "casetrail-diary", "version": 1,\n "entries": [\n  {"id": "a" "occurred_at": "x"}\n ]}\n',
        "utf-8",
    )

    with pytest.raises(InputError) as caught:
        import_file(new_case, path)

    assert str(caught.value) == "diary.json (line 3 column 14): Expecting ',' delimiter"


def test_a_local_time_in_the_spring_forward_gap_is_kept_and_flagged(new_case: Case, tmp_path: Path) -> None:
    path = diary_file(tmp_path, [entry(0, occurred_at="2025-03-30T01:30"), entry(1)])

    result = import_file(new_case, path)

    assert (result.events_added, result.flagged_total) == (2, 1)
    events = timeline(new_case, TimelineFilter(), limit=None)
    assert [(e.local_time, e.flags) for e in events] == [
        ("2025-03-02T10:00", []),
        ("2025-03-30T01:30", ["dst-gap"]),
    ]
    assert events[1].to_json()["occurred_at_utc"] == "2025-03-30T01:30:00Z"  # read with the offset before
