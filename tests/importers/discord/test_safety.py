"""Hostile and broken input: mutated exports and packages, parser traps, and flat memory."""

from __future__ import annotations

import json
import tracemalloc
import zipfile
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casetrail.demo.discord_export import CASEY_DM, dce_json, write_data_package, write_large_dce
from casetrail.errors import InputError
from casetrail.importers.base import ImportContext
from casetrail.ingest.source import Source
from tests.helpers import make_zip
from tests.importers.discord.support import IMPORTER, read
from tests.importers.hostile import events_and_peak, mutations

VALID = dce_json(media=True).encode()
MEMBER = "exports/DM.json"


def _package_files(tmp: Path) -> dict[str, bytes]:
    written = tmp / "package.zip"
    write_data_package(written, "csv")
    with zipfile.ZipFile(written) as archive:
        csv_member = f"messages/c{CASEY_DM}/messages.csv"
        found = {csv_member: archive.read(csv_member)}
    write_data_package(written, "json")
    with zipfile.ZipFile(written) as archive:
        for name in (
            f"messages/c{CASEY_DM}/messages.json",
            f"messages/c{CASEY_DM}/channel.json",
            "account/user.json",
            "messages/index.json",
        ):
            found[name] = archive.read(name)
    written.unlink()
    return found


CHUNKS = [
    b"{", b"}", b"[", b"]", b'"', b",", b":", b"\\", b"\xff", b"\x00", b"\xef\xbb\xbf", b"\n", b"\r",
    b'"messages": 5', b'"timestamp": 7', b'"channel": []', b'"author": "x"', b'"content": []',
    b'"attachments": [5]', b'"reactions": [null]', b'"emoji": 1', b"1e99999", b"-", b"null",
    b"9" * 700, b"[" * 50, b'"ID": {}', b'"x\r\n"', b"=cmd|' /C calc'!A0",
]  # fmt: skip


def mutated(valid: bytes) -> st.SearchStrategy[bytes]:
    return mutations(valid, CHUNKS)


def check(path: Path, member: str | None) -> None:
    try:
        IMPORTER.sniff(Source(path))
        events = list(IMPORTER.events(Source(path), ImportContext(timezone=ZoneInfo("UTC"))))
    except InputError as error:
        assert error.file == path.name
        if member is not None and error.place is not None and "entry" in error.place:
            assert member in error.place or "entry" in error.place
    else:
        assert all(isinstance(e.text, str) for e in events)
        assert all(isinstance(v, str) for e in events for v in e.details.values())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_corrupted_export_gives_events_or_input_error(tmp_path: Path, data: st.DataObject) -> None:
    path = tmp_path / "DM.json"
    path.write_bytes(data.draw(mutated(VALID)))
    check(path, None)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_corrupted_export_in_a_zip_names_the_member(tmp_path: Path, data: st.DataObject) -> None:
    raw = data.draw(mutated(VALID))
    path = make_zip(tmp_path / "export.zip", [(MEMBER, raw)])
    check(path, MEMBER)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_corrupted_package_gives_events_or_input_error(tmp_path: Path, data: st.DataObject) -> None:
    files = _package_files(tmp_path)
    target = data.draw(st.sampled_from(sorted(files)))
    files[target] = data.draw(mutated(files[target]))
    path = make_zip(tmp_path / "package.zip", list(files.items()))
    check(path, target)


def test_a_long_number_is_refused_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "DM.json"
    path.write_bytes(b'{"channel": {"id": "1"}, "messages": [{"id": ' + b"7" * 5000 + b"}]}")
    with pytest.raises(InputError) as caught:
        read(path)
    assert caught.value.place == "json-pointer /messages/0"
    package = make_zip(tmp_path / "p.zip", [("messages/c1/messages.json", b'[{"ID": ' + b"7" * 5000 + b"}]")])
    with pytest.raises(InputError):
        read(package)


def test_long_digit_runs_inside_text_are_read(tmp_path: Path) -> None:
    text = "1" * 6000
    path = tmp_path / "DM.json"
    path.write_text(json.dumps({"channel": {"id": "1"}, "messages": [{"id": "2", "content": text}]}))
    assert [e.text for e in read(path)] == [text]


def test_deep_nesting_stops_early(tmp_path: Path) -> None:
    path = tmp_path / "DM.json"
    path.write_bytes(
        b'{"channel": {"id": "1"}, "messages": [{"x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}]}"
    )
    package = make_zip(
        tmp_path / "p.zip",
        [("messages/c1/messages.json", b'[{"x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}]")],
    )
    tracemalloc.start()
    try:
        for target in (path, package):
            with pytest.raises(InputError, match="nested more than"):
                read(target)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16_000_000


def test_errors_do_not_repeat_hostile_text(tmp_path: Path) -> None:
    path = tmp_path / "DM.json"
    path.write_bytes(b'{"channel": {"id": "1"}, "messages": [{"content": "\x1b]0;owned\x07" \x1b[31m}]}')
    with pytest.raises(InputError) as caught:
        read(path)
    assert "\x1b" not in str(caught.value) and "owned" not in str(caught.value)


def test_memory_stays_flat_on_a_large_export(tmp_path: Path) -> None:
    path = tmp_path / "DM.json"
    write_large_dce(path, 15_000)
    assert path.stat().st_size > 5_000_000
    context = ImportContext(timezone=ZoneInfo("UTC"))
    count, peak = events_and_peak(IMPORTER, Source(path), context)
    assert count == 15_000
    assert peak < 1_500_000
