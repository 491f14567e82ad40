"""Large imports read by a child process (store/feed.py) store exactly what an inline read stores."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from casetrail.errors import CasetrailError, InputError
from casetrail.importers.base import ImportContext, Importer, Sniff
from casetrail.importers.registry import ImporterOrigin, LoadedImporter
from casetrail.ingest.source import Source
from casetrail.store.case import Case, Producer
from casetrail.store.feed import CHILD_FROM_BYTES, use_child
from casetrail.store.importing import import_file
from casetrail.store.queries import TimelineFilter, timeline
from tests.conftest import PASSPHRASE
from tests.helpers import android_lines, make_zip, run_cli, write_chat


def import_both_ways(
    tmp_path: Path, export: Path, monkeypatch: pytest.MonkeyPatch, **options: Any
) -> list[Any]:
    """Import into two new cases, inline and through a child; returns both results and timelines."""
    outcome: list[Any] = []
    for reader in ("inline", "child"):
        monkeypatch.setenv("CASETRAIL_IMPORT_READER", reader)
        with Case.create(tmp_path / reader, PASSPHRASE, Producer("Robin Hale", "RH")) as case:
            result = import_file(case, export, **options)
            shown = [e.to_json() for e in timeline(case, TimelineFilter(), limit=None)]
        for event in shown:
            event.pop("uid")  # keyed by each case's own key
        outcome.append((result.to_json(), shown))
    return outcome


def test_a_child_reads_a_chat_into_the_same_events_sources_flags_and_notes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = android_lines(2500)
    lines[7] = "31/02/2025, 09:00 - Casey Marsh: a date that does not exist"
    export = write_chat(tmp_path / "WhatsApp Chat with Casey Marsh.txt", lines)
    inline, child = import_both_ways(tmp_path, export, monkeypatch)
    assert child == inline
    result, shown = child
    assert result["events_added"] == 2500 and result["flagged_total"] == 1
    assert result["flagged_records"] == [
        {"locator": "line 9", "flags": ["invalid-date"]}
    ]  # (message 5 has two lines)
    assert shown[-1]["flags"] == ["invalid-date"]  # events without a time come last


def test_a_child_reads_an_export_zip_with_its_media(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    chat = "\r\n".join(
        [
            "[07/01/2025, 10:00:00] Casey Marsh: look",
            "[07/01/2025, 10:01:00] Casey Marsh: \u200e<attached: IMG-1.jpg>",
            "[07/01/2025, 10:02:00] Casey Marsh: \u200e<attached: missing.jpg>",
        ]
    )
    export = make_zip(tmp_path / "chat.zip", [("_chat.txt", chat.encode()), ("IMG-1.jpg", b"\xff\xd8\xff")])
    inline, child = import_both_ways(tmp_path, export, monkeypatch)
    assert child == inline
    assert [e["attachments"] for e in child[1]] == [[], ["RH/3"], []]


def test_the_date_order_question_is_asked_here_and_answered_in_the_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    export = write_chat(
        tmp_path / "chat.txt", ["03/04/2025, 09:00 - Casey Marsh: hello", "05/04/2025, 09:00 - Sam: hi"]
    )
    asked: list[str] = []

    def ask(question: str, choices: list[str]) -> str:
        asked.append(question)
        return "month-first"

    inline, child = import_both_ways(tmp_path, export, monkeypatch, ask=ask)
    assert child == inline and len(asked) == 2
    # Month first: 4 March (GMT) and 4 May (BST, an hour ahead of UTC).
    assert [e["occurred_at_utc"] for e in child[1]] == ["2025-03-04T09:00:00Z", "2025-05-04T08:00:00Z"]
    assert any("as you answered" in note for note in child[0]["notes"])


def test_bad_input_in_the_child_is_the_same_error_and_changes_nothing(
    new_case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    export = write_chat(tmp_path / "chat.txt", ["not a chat", *android_lines(3)])
    messages = []
    for reader in ("inline", "child"):
        monkeypatch.setenv("CASETRAIL_IMPORT_READER", reader)
        with pytest.raises(InputError) as raised:
            import_file(new_case, export)
        messages.append((type(raised.value), raised.value.file, raised.value.place, str(raised.value)))
    assert messages[0] == messages[1]
    assert "text comes before the first WhatsApp message header" in messages[0][3]
    assert timeline(new_case, TimelineFilter(), limit=None) == []


class _Unpicklable(Exception):
    def __init__(self, first: str, second: str) -> None:
        super().__init__(f"{first} {second}")


class _Failing(Importer):
    name = "failing"

    def sniff(self, source: Source) -> Sniff:
        return Sniff(1.0, "always")

    def events(self, source: Source, context: ImportContext) -> Any:
        raise _Unpicklable("broken", "inside")
        yield  # pragma: no cover


def test_an_error_that_cannot_cross_the_pipe_is_described(
    new_case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CASETRAIL_IMPORT_READER", "child")
    origin = ImporterOrigin("failing", "tests", "0")
    loaded = LoadedImporter(_Failing(), origin)
    with pytest.raises((CasetrailError, _Unpicklable)) as raised:
        import_file(new_case, write_chat(tmp_path / "x.txt", ["x"]), importers=[loaded])
    assert "broken inside" in str(raised.value)


def test_large_files_use_a_child_unless_told_otherwise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    small, large = tmp_path / "small.txt", tmp_path / "large.txt"
    small.write_bytes(b"x")
    with large.open("wb") as handle:
        handle.truncate(CHILD_FROM_BYTES)
    monkeypatch.delenv("CASETRAIL_IMPORT_READER", raising=False)
    assert (use_child(Source(small)), use_child(Source(large))) == (False, True)
    monkeypatch.setenv("CASETRAIL_IMPORT_READER", "inline")
    assert not use_child(Source(large))
    monkeypatch.setenv("CASETRAIL_IMPORT_READER", "child")
    assert use_child(Source(small))


def _processes_mentioning(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs /proc to list processes")
def test_when_the_import_is_killed_the_child_ends_too(new_case: Case, tmp_path: Path) -> None:
    export = write_chat(tmp_path / "chat.txt", android_lines(20000))
    root = str(new_case.layout.root)
    result = run_cli(
        "import",
        "--case",
        root,
        str(export),
        env={"CASETRAIL_IMPORT_READER": "child", "CASETRAIL_CRASH_AT": "batch-written:2"},
    )
    assert result.returncode == -9
    deadline = time.monotonic() + 10
    while _processes_mentioning(root) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _processes_mentioning(root) == []
    assert timeline(new_case, TimelineFilter(), limit=None) == []
