"""The demo writer's threads read back exactly as written: names, emoji and Meta's encoding."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

import pytest

from casetrail.demo.meta_export import (
    GROUP_TITLE,
    INSTAGRAM_EX,
    demo_threads,
    mojibake,
    write_account_zip,
    write_large_thread,
    write_thread,
)
from casetrail.model.event import Channel, Kind
from tests.importers.meta.support import read


@pytest.mark.parametrize("app", ["messenger", "instagram"])
def test_a_written_thread_reads_back_message_by_message(tmp_path: Path, app: str) -> None:
    for thread in demo_threads(app):  # type: ignore[arg-type]
        path = tmp_path / f"{thread.folder}.json"
        write_thread(path, app, thread)  # type: ignore[arg-type]
        raw = path.read_text("ascii")
        assert "\\u00f0\\u009f" in raw or "\\u00e2\\u0098" in raw or "\\u00c3" in raw  # Meta's escapes
        events = read(path, app)
        newest_first = sorted(thread.messages, key=lambda m: m.at, reverse=True)
        assert [e.sender for e in events] == [m.sender for m in newest_first]
        assert [e.occurred_at for e in events] == [m.at.astimezone(UTC) for m in newest_first]
        for event, written in zip(events, newest_first, strict=True):
            if written.text:
                assert event.text.startswith(written.text)
            assert set(event.recipients) == set(thread.participants) - {written.sender}
            if written.reactions:
                assert event.details["reactions"] == "; ".join(f"{r} {who}" for r, who in written.reactions)
        assert {e.channel for e in events} == {Channel(app)}


def test_non_ascii_names_and_emoji_come_back_intact(tmp_path: Path) -> None:
    path = tmp_path / "export.zip"
    write_account_zip(path, "instagram")
    events = read(path, "instagram")
    assert mojibake(INSTAGRAM_EX) != INSTAGRAM_EX
    assert INSTAGRAM_EX in {e.sender for e in events}
    assert any(e.text == "Ich warte draußen — 犬も見てる 👀" for e in events)
    assert any(e.details.get("reactions") == "😠 Robin Hale" for e in events)
    kinds = {e.kind for e in events}
    assert {Kind.MESSAGE, Kind.CALL, Kind.DELETED} <= kinds
    shared = next(e for e in events if "share_link" in e.details)
    assert shared.text == "[shared link: https://example.org/robin-hale-new-job]"
    assert GROUP_TITLE == "Café crew ☕"


def test_a_large_thread_is_the_same_for_the_same_seed(tmp_path: Path) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    assert write_large_thread(first, "instagram", 300, seed=3) == 300
    write_large_thread(second, "instagram", 300, seed=3)
    assert first.read_bytes() == second.read_bytes()
    events = read(first, "instagram")
    assert len(events) == 300
    times = [e.occurred_at for e in events]
    assert times == sorted(times, reverse=True)  # type: ignore[type-var]
    assert all(e.text.endswith(f"#{i}") for i, e in enumerate(events))
    assert {e.sender for e in events} <= {INSTAGRAM_EX, "Robin Hale"}
