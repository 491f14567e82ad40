"""The demo writer: deterministic bytes, and exports that read back as written."""

from __future__ import annotations

from pathlib import Path

from casetrail.demo.discord_export import (
    write_data_package,
    write_dce,
    write_dce_zip,
    write_large_dce,
)
from casetrail.model.event import Kind
from tests.importers.discord.support import read


def test_the_same_call_writes_the_same_bytes(tmp_path: Path) -> None:
    for writer in (write_dce, write_dce_zip, write_data_package):
        first, second = tmp_path / "a", tmp_path / "b"
        writer(first)
        writer(second)
        assert first.read_bytes() == second.read_bytes(), writer.__name__
    write_large_dce(tmp_path / "c", 300, seed=3)
    write_large_dce(tmp_path / "d", 300, seed=3)
    assert (tmp_path / "c").read_bytes() == (tmp_path / "d").read_bytes()


def test_the_dm_story_reads_back(tmp_path: Path) -> None:
    written = write_dce(tmp_path / "DM.json")
    events = read(written.path)
    assert len(events) == written.events
    assert [e.kind for e in events].count(Kind.CALL) == 1
    assert any("edited" in e.flags for e in events)
    assert any(e.details.get("reply_to") for e in events)
    assert any("attachment-not-kept" in e.flags for e in events)
    assert any(e.details.get("reactions") == "😂 ×1 (casey.m.again)" for e in events)
    assert not any(
        e.flags for e in events if "edited" not in e.flags and "attachment-not-kept" not in e.flags
    )


def test_a_large_export_reads_in_order(tmp_path: Path) -> None:
    assert write_large_dce(tmp_path / "big.json", 500) == 500
    events = read(tmp_path / "big.json")
    assert len(events) == 500
    assert all(e.text.endswith(f"#{i}") for i, e in enumerate(events))
    times = [e.occurred_at for e in events]
    assert times == sorted(times)  # type: ignore[type-var]
    assert not any(e.flags for e in events)  # ids and times agree
