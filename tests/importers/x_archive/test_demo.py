"""The demo writer: the same bytes for the same call, and what it wrote reads back as intended."""

from __future__ import annotations

from pathlib import Path

from casetrail.demo.x_export import CASEY_HANDLE, GROUP_NAME, write_large_x_dms, write_x_archive
from casetrail.model.event import Direction, Kind
from tests.importers.x_archive.support import read, read_with_notes


def test_the_archive_is_the_same_every_time_and_reads_back(tmp_path: Path) -> None:
    first = write_x_archive(tmp_path / "a.zip")
    second = write_x_archive(tmp_path / "b.zip")
    assert first.path.read_bytes() == second.path.read_bytes()
    events, notes = read_with_notes(first.path)
    assert len(events) == first.events
    assert f"{first.skipped_tweets} of the owner's tweets" in notes[1]
    casey = [e for e in events if e.sender and e.sender.startswith(f"@{CASEY_HANDLE} ")]
    assert len(casey) == 5 and {e.direction for e in casey} == {Direction.INCOMING}
    assert any(GROUP_NAME in e.text and e.kind is Kind.SYSTEM for e in events)
    reacted = next(e for e in events if "reactions" in e.details)
    assert reacted.details["reactions"].startswith(f"funny by @{CASEY_HANDLE} (id ")
    assert next(e for e in events if e.attachments).attachments == first.media


def test_a_missing_photo_is_flagged(tmp_path: Path) -> None:
    written = write_x_archive(tmp_path / "a.zip", leave_out_media=True)
    flagged = [e for e in read(written.path) if "attachment-missing" in e.flags]
    assert len(flagged) == 1 and flagged[0].details["missing_media"].endswith(".jpg")


def test_a_large_file_is_the_same_for_the_same_seed(tmp_path: Path) -> None:
    first, second = tmp_path / "a.js", tmp_path / "b.js"
    assert write_large_x_dms(first, 300, seed=3) == 300
    write_large_x_dms(second, 300, seed=3)
    assert first.read_bytes() == second.read_bytes()
    events = read(first)
    assert len(events) == 300
    assert all(e.text.endswith(f"#{i}") for i, e in enumerate(events))
    assert len({e.details["source_id"] for e in events}) == 300
