"""Hostile and broken input: mutated files and zips, parser traps, and flat memory on large threads."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casetrail.demo.meta_export import ex_partner_thread, thread_json, write_large_thread
from casetrail.errors import InputError
from casetrail.importers.base import ImportContext
from casetrail.ingest.source import Source
from tests.helpers import make_zip
from tests.importers.hostile import events_and_peak, mutations
from tests.importers.meta.support import IMPORTERS, read

VALID = thread_json("messenger", ex_partner_thread("messenger")).encode()
MEMBER = "your_facebook_activity/messages/inbox/caseymarsh_1093847562/message_1.json"
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
    b'"timestamp_ms": "x"',
    b'"participants": {}',
    b'"content": []',
    b'"photos": [5]',
    b'"reactions": [null]',
    b"1e99999",
    b"-",
    b"null",
    b"9" * 700,
    b"[" * 50,
]


def mutated() -> st.SearchStrategy[bytes]:
    return mutations(VALID, CHUNKS)


def check(path: Path, app: str, member: str | None) -> None:
    importer = IMPORTERS[app]
    try:
        importer.sniff(Source(path))
        events = list(importer.events(Source(path), ImportContext(timezone=ZoneInfo("UTC"))))
    except InputError as error:
        assert error.file == path.name
        if member is not None and error.place is not None and "entry" in error.place:
            assert member in error.place
    else:
        assert all(isinstance(e.text, str) for e in events)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=mutated(), app=st.sampled_from(["messenger", "instagram"]))
def test_corrupted_thread_gives_events_or_input_error(tmp_path: Path, raw: bytes, app: str) -> None:
    path = tmp_path / "message_1.json"
    path.write_bytes(raw)
    check(path, app, None)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=mutated(), app=st.sampled_from(["messenger", "instagram"]))
def test_corrupted_thread_in_a_zip_names_the_member(tmp_path: Path, raw: bytes, app: str) -> None:
    path = make_zip(tmp_path / "export.zip", [(MEMBER, raw)])
    check(path, app, MEMBER)


def test_a_long_number_is_refused_not_a_crash(tmp_path: Path) -> None:
    # ijson's C parser takes the process down on an integer Python will not convert (over 4300 digits).
    path = tmp_path / "message_1.json"
    path.write_bytes(b'{"messages": [{"sender_name": "a", "timestamp_ms": ' + b"7" * 5000 + b"}]}")
    with pytest.raises(InputError) as caught:
        read(path)
    assert caught.value.place == "json-pointer /messages/0"


def test_long_digit_runs_inside_text_are_read(tmp_path: Path) -> None:
    text = "1" * 6000
    path = tmp_path / "message_1.json"
    document = {
        "messages": [{"sender_name": "Casey Marsh", "timestamp_ms": 1_744_485_000_000, "content": text}]
    }
    path.write_text(json.dumps(document), encoding="ascii")
    assert [e.text for e in read(path)] == [text]


def test_deep_nesting_stops_early(tmp_path: Path) -> None:
    # ijson's dotted prefixes grow with the square of the depth: 100,000 levels would need gigabytes.
    path = tmp_path / "message_1.json"
    path.write_bytes(b'{"messages": [{"x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}]}")
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match="nested more than"):
            read(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16_000_000  # the events of one 64 KiB read, not the square of the depth


def test_errors_do_not_repeat_hostile_text(tmp_path: Path) -> None:
    path = tmp_path / "message_1.json"
    path.write_bytes(b'{"messages": [{"content": "\x1b]0;owned\x07" \x1b[31m}]}')
    with pytest.raises(InputError) as caught:
        read(path)
    assert "\x1b" not in str(caught.value) and "owned" not in str(caught.value)


def test_memory_stays_flat_on_a_large_thread(tmp_path: Path) -> None:
    path = tmp_path / "message_1.json"
    write_large_thread(path, "messenger", 20_000)
    assert path.stat().st_size > 5_000_000
    context = ImportContext(timezone=ZoneInfo("UTC"))
    count, peak = events_and_peak(IMPORTERS["messenger"], Source(path), context)
    assert count == 20_000
    assert peak < 1_500_000
