"""Hostile and broken input: mutated files and zips, parser traps, and flat memory on a large export."""

from __future__ import annotations

import tracemalloc
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casetrail.demo.telegram_export import account_json, write_large_telegram
from casetrail.errors import InputError
from casetrail.importers.base import ImportContext
from casetrail.ingest.source import Source
from tests.helpers import make_zip
from tests.importers.hostile import events_and_peak, mutations
from tests.importers.telegram.support import IMPORTER, read

VALID = account_json().encode()
MEMBER = "DataExport_2025-06-16/result.json"
CHUNKS = [
    b"{",
    b"}",
    b"[",
    b"]",
    b'"',
    b",",
    b":",
    b"\\",
    b"\xff",
    b"\x00",
    b"\xef\xbb\xbf",
    b'"messages": 5',
    b'"chats": []',
    b'"list": {}',
    b'"text": [5, {}]',
    b'"date_unixtime": 7',
    b'"photo": []',
    b'"id": true',
    b'"members": "x"',
    b'"messages.item": 1',
    b"1e99999",
    b"-",
    b"null",
    b"9" * 700,
    b"[" * 50,
]


def mutated() -> st.SearchStrategy[bytes]:
    return mutations(VALID, CHUNKS)


def check(path: Path, member: str | None) -> None:
    try:
        IMPORTER.sniff(Source(path))
        events = list(IMPORTER.events(Source(path), ImportContext(timezone=ZoneInfo("UTC"))))
    except InputError as error:
        assert error.file == path.name
        if member is not None and error.place is not None and "entry" in error.place:
            assert member in error.place
    else:
        assert all(isinstance(e.text, str) for e in events)
        assert all(isinstance(v, str) for e in events for v in e.details.values())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=mutated())
def test_corrupted_export_gives_events_or_input_error(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "result.json"
    path.write_bytes(raw)
    check(path, None)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=mutated())
def test_corrupted_export_in_a_zip_names_the_member(tmp_path: Path, raw: bytes) -> None:
    path = make_zip(tmp_path / "export.zip", [(MEMBER, raw), ("DataExport_2025-06-16/photos/a.jpg", b"x")])
    check(path, MEMBER)


def test_a_long_number_is_refused_not_a_crash(tmp_path: Path) -> None:
    # ijson's C parser takes the process down on an integer Python will not convert (over 4300 digits).
    path = tmp_path / "result.json"
    path.write_bytes(b'{"messages": [{"type": "message", "id": ' + b"7" * 5000 + b"}]}")
    with pytest.raises(InputError) as caught:
        read(path)
    assert caught.value.place == "json-pointer /messages/0"


def test_long_digit_runs_inside_text_are_read(tmp_path: Path) -> None:
    path = tmp_path / "result.json"
    path.write_text(
        '{"id": 1, "messages": [{"id": 2, "date_unixtime": "1744485000", "text": "' + "1" * 6000 + '"}]}'
    )
    assert [len(e.text) for e in read(path)] == [6000]


def test_deep_nesting_stops_early(tmp_path: Path) -> None:
    path = tmp_path / "result.json"
    path.write_bytes(b'{"messages": [{"text": ' + b"[" * 100_000 + b"]" * 100_000 + b"}]}")
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match="nested more than"):
            read(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16_000_000


def test_hostile_media_paths_reach_nothing_outside_the_export(tmp_path: Path) -> None:
    document = (
        b'{"id": 1, "messages": [{"id": 1, "date_unixtime": "1744485000", "photo": "../other/secret.jpg"},'
        b'{"id": 2, "date_unixtime": "1744485000", "photo": "/etc/passwd"}]}'
    )
    path = make_zip(tmp_path / "e.zip", [("a/result.json", document), ("other/secret.jpg", b"x")])
    events = read(path)
    assert [e.attachments for e in events] == [(), ()]
    assert all("attachment-missing" in e.flags for e in events)


def test_memory_stays_flat_on_a_large_export(tmp_path: Path) -> None:
    path = tmp_path / "result.json"
    write_large_telegram(path, 20_000)
    assert path.stat().st_size > 5_000_000
    context = ImportContext(timezone=ZoneInfo("UTC"))
    count, peak = events_and_peak(IMPORTER, Source(path), context)
    assert count == 20_000
    assert peak < 1_500_000
