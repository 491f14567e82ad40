"""Hostile and broken input (mutated text, JSON lines and zips), and flat memory on a large chat."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casetrail.demo.signal_export import demo_chats, json_line, markdown, write_large_signal_text
from casetrail.errors import InputError
from casetrail.importers.base import ImportContext
from casetrail.ingest.source import Source
from tests.helpers import make_zip
from tests.importers.hostile import events_and_peak, mutations
from tests.importers.signal.support import IMPORTER, LONDON, read

MARKDOWN = "".join(markdown(m) for chat in demo_chats() for m in chat.messages).encode()
JSON_LINES = "".join(json_line(m) for chat in demo_chats() for m in chat.messages).encode()
CHUNKS = [
    b"[",
    b"]",
    b"(- ",
    b" -)",
    b"](./media/",
    b"\n",
    b"\r",
    b"\xff",
    b"\x00",
    b"{",
    b"}",
    b'"',
    b"9" * 700,
    b"[" * 60,
]


def mutated(valid: bytes) -> st.SearchStrategy[bytes]:
    return mutations(valid, CHUNKS)


def check(path: Path, member: str | None) -> None:
    try:
        IMPORTER.sniff(Source(path))
        events = list(IMPORTER.events(Source(path), ImportContext(timezone=LONDON)))
    except InputError as error:
        assert error.file == path.name
        if member is not None and error.place is not None and "entry" in error.place:
            assert member in error.place
    else:
        assert all(isinstance(e.text, str) for e in events)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=mutated(MARKDOWN), name=st.sampled_from(["chat.md", "c.txt"]))
def test_corrupted_text_gives_events_or_input_error(tmp_path: Path, raw: bytes, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(raw)
    check(path, None)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=mutated(JSON_LINES))
def test_corrupted_json_lines_give_events_or_input_error(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "data.json"
    path.write_bytes(raw)
    check(path, None)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=mutated(JSON_LINES), text=mutated(MARKDOWN))
def test_corrupted_chats_in_a_zip_name_the_member(tmp_path: Path, raw: bytes, text: bytes) -> None:
    member = "signal-export/CaseyMarsh/data.json"
    path = make_zip(tmp_path / "s.zip", [("signal-export/CaseyMarsh/chat.md", text), (member, raw)])
    check(path, member)


def test_memory_stays_flat_on_a_large_chat(tmp_path: Path) -> None:
    path = tmp_path / "chat.txt"
    write_large_signal_text(path, 30_000)
    assert path.stat().st_size > 2_000_000
    count, peak = events_and_peak(IMPORTER, Source(path), ImportContext(timezone=LONDON))
    assert count == 30_000
    assert peak < 2_500_000  # a block of lines at a time, not the file


def test_a_huge_json_number_is_an_error_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "data.json"
    path.write_bytes(
        b'{"date": "2025-01-01T10:00:00", "sender": "A", "body": "x", "n": ' + b"7" * 5000 + b"}\n"
    )
    try:
        read(path)
    except InputError as error:
        assert error.place == "line 1"
