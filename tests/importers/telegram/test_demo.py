"""The demo writer: the same call gives the same bytes, and the export reads back as written."""

from __future__ import annotations

import json
from pathlib import Path

from casetrail.demo.telegram_export import account_json, write_account_zip, write_large_telegram
from casetrail.model.event import Direction, Kind
from tests.importers.telegram.support import read


def test_the_demo_zip_is_deterministic_and_reads_back(tmp_path: Path) -> None:
    first = write_account_zip(tmp_path / "a.zip")
    second = write_account_zip(tmp_path / "b.zip")
    assert first.path.read_bytes() == second.path.read_bytes()
    events = read(first.path)
    assert len(events) == first.events == 11
    casey = [e for e in events if e.conversation == "5550587"]
    assert {e.kind for e in casey} == {Kind.MESSAGE, Kind.CALL}
    assert any("edited" in e.flags for e in casey) and any("forwarded" in e.flags for e in casey)
    assert any("[https://example.org/robin-hale-new-job]" in e.text for e in casey)
    assert [e.attachments for e in casey if e.attachments] == [(first.photo_member,)]
    call = next(e for e in casey if e.kind is Kind.CALL)
    assert call.details["call"] == "missed" and call.direction is Direction.INCOMING
    group = [e for e in events if e.conversation != "5550587"]
    assert all(e.recipients == () for e in group) and Kind.SYSTEM in {e.kind for e in group}
    assert "example" in account_json()


def test_a_large_export_is_valid_and_the_same_for_the_same_seed(tmp_path: Path) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    assert write_large_telegram(first, 300, seed=3) == 300
    write_large_telegram(second, 300, seed=3)
    assert first.read_bytes() == second.read_bytes()
    assert len(json.loads(first.read_text("utf-8"))["chats"]["list"][0]["messages"]) == 300
    assert len(read(first)) == 300
