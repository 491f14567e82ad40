"""Hostile and broken input: mutated files and zips, parser traps, and flat memory on large files."""

from __future__ import annotations

import tracemalloc
import zipfile
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casetrail.demo.x_export import write_large_x_dms, write_x_archive
from casetrail.errors import InputError
from casetrail.importers.base import ImportContext
from casetrail.ingest.source import Source
from tests.helpers import make_zip
from tests.importers.hostile import events_and_peak
from tests.importers.x_archive.support import IMPORTER, dm, dm_file, read


def _demo_members(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    path = tmp_path_factory.mktemp("demo") / "archive.zip"
    write_x_archive(path)
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


DEMO: dict[str, bytes] = {}
CHUNKS = [
    b"{", b"}", b"[", b"]", b'"', b",", b":", b"\\", b"\xff", b"\x00", b"\xef\xbb\xbf", b"=",
    b"window.YTD.x.part0 =",
    b'"messages" : 5', b'"createdAt" : 7', b'"senderId" : []', b'"text" : {}', b'"mediaUrls" : "x"',
    b'"reactions" : [null]', b'"userIds" : 5', b'"entities" : []', b'"user_mentions" : [5]', b"1e99999",
    b"-", b"null", b"9" * 700, b"[" * 50,
]  # fmt: skip


@pytest.fixture(scope="module", autouse=True)
def demo(tmp_path_factory: pytest.TempPathFactory) -> None:
    DEMO.update(_demo_members(tmp_path_factory))


@st.composite
def mutated(draw: st.DrawFn, members: tuple[str, ...]) -> tuple[str, bytes]:
    """One of the demo's data files with bytes cut, replaced or inserted, or random bytes."""
    member = draw(st.sampled_from(members))
    if draw(st.integers(0, 9)) == 0:
        return member, draw(st.binary(max_size=300))
    data = bytearray(DEMO[member])
    for _ in range(draw(st.integers(1, 5))):
        at = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["cut", "replace", "insert", "flip"]))
        chunk = draw(st.sampled_from(CHUNKS))
        if action == "cut":
            del data[at:]
        elif action == "flip" and at < len(data):
            data[at] ^= draw(st.integers(1, 255))
        elif action == "replace":
            data[at : at + len(chunk)] = chunk
        else:
            data[at:at] = chunk
    return member, bytes(data)


FILES = ("data/direct-messages.js", "data/direct-messages-group.js", "data/tweets.js", "data/account.js")


def check(path: Path, member: str | None) -> None:
    try:
        IMPORTER.sniff(Source(path))
        events = list(IMPORTER.events(Source(path), ImportContext(timezone=ZoneInfo("UTC"))))
    except InputError as error:
        assert error.file == path.name
        if member is not None and error.place is not None and "entry" in error.place:
            assert member in error.place
    else:
        assert all(isinstance(e.text, str) and isinstance(e.sender, str | None) for e in events)
        assert all(isinstance(v, str) for e in events for v in e.details.values())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=mutated(FILES))
def test_a_corrupted_data_file_gives_events_or_input_error(tmp_path: Path, case: tuple[str, bytes]) -> None:
    path = tmp_path / case[0].rsplit("/", 1)[-1]
    path.write_bytes(case[1])
    check(path, None)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=mutated(FILES))
def test_a_corrupted_member_in_the_zip_is_named(tmp_path: Path, case: tuple[str, bytes]) -> None:
    member, data = case
    path = make_zip(
        tmp_path / "archive.zip", [*((n, b) for n, b in DEMO.items() if n != member), (member, data)]
    )
    check(path, member)


def test_a_long_number_is_refused_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "dm.js"
    path.write_bytes(
        b'window.YTD.direct_messages.part0 = [{"dmConversation": {"messages": [{"messageCreate": {"id": '
        + b"7" * 5000
        + b"}}]}}]"
    )
    with pytest.raises(InputError) as caught:
        read(path)
    assert caught.value.place is not None and caught.value.place.startswith(
        "json-pointer /0/dmConversation/messages/0"
    )


def test_long_digit_runs_inside_text_are_read(tmp_path: Path) -> None:
    text = "1" * 6000
    assert [e.text for e in read(dm_file(tmp_path / "dm.js", [dm(text), dm("next", number=1)]))] == [
        text,
        "next",
    ]


def test_deep_nesting_stops_early(tmp_path: Path) -> None:
    path = tmp_path / "dm.js"
    path.write_bytes(
        b'window.YTD.direct_messages.part0 = [{"dmConversation": {"x": '
        + b"[" * 100_000
        + b"]" * 100_000
        + b"}}]"
    )
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match="nested more than"):
            read(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16_000_000


def test_deep_nesting_inside_a_message_stops_too(tmp_path: Path) -> None:
    path = tmp_path / "dm.js"
    path.write_bytes(
        b'window.YTD.direct_messages.part0 = [{"dmConversation": {"messages": [{"messageCreate": {"text": '
        + b"[" * 5000
        + b"]" * 5000
        + b"}}]}}]"
    )
    with pytest.raises(InputError, match="nested more than"):
        read(path)


def test_errors_do_not_repeat_hostile_text(tmp_path: Path) -> None:
    path = tmp_path / "dm.js"
    path.write_bytes(b'window.YTD.direct_messages.part0 = [{"\x1b]0;owned\x07": {"a": [1, \x1b[31m]}}]')
    with pytest.raises(InputError) as caught:
        read(path)
    assert "\x1b" not in str(caught.value) and "owned" not in str(caught.value)


def test_hostile_ids_and_names_are_not_trusted(tmp_path: Path) -> None:
    entry = dm("x", sender="../../etc", recipient={"a": 1}, media=["../../../etc/passwd"])
    (event,) = read(dm_file(tmp_path / "dm.js", [entry], conversation=["not", "text"]))
    assert event.sender is None and event.details["unreadable_fields"] == "senderId, recipientId"
    assert event.attachments == () and event.conversation == "unnamed:dm.js/0"


def test_memory_stays_flat_on_a_large_messages_file(tmp_path: Path) -> None:
    path = tmp_path / "direct-messages.js"
    write_large_x_dms(path, 20_000)
    assert path.stat().st_size > 5_000_000
    context = ImportContext(timezone=ZoneInfo("UTC"))
    count, peak = events_and_peak(IMPORTER, Source(path), context)
    assert count == 20_000
    assert peak < 1_500_000
