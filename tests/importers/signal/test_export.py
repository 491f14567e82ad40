"""signal-export's output as a zip: a conversation per chat folder, data.json preferred, media linked.

Fixtures come from the demo writer, which follows signal-export's ``main.py`` (``<chat>/chat.md``,
``<chat>/data.json`` as JSON lines, ``<chat>/media/``), ``models.Message.dict`` and ``files.py``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from casetrail.demo.signal_export import demo_chats, json_line, write_signal_export_zip
from casetrail.errors import InputError
from casetrail.model.event import Direction, Kind
from tests.helpers import make_zip
from tests.importers.signal.support import confidence, read


def test_the_zip_gives_every_message_of_both_chats(tmp_path: Path) -> None:
    written = write_signal_export_zip(tmp_path / "signal.zip")
    events = read(written.path)
    assert len(events) == written.events == 9
    assert [e.conversation for e in events] == ["CaseyMarsh"] * 7 + ["SamOkafor"] * 2
    assert str(events[0].locator) == "signal-export/CaseyMarsh/data.json:line 1"
    photo = events[3]
    assert photo.attachments == written.photos and not photo.flags
    assert events[4].details["quote"] == "Please stop contacting me."
    assert events[5].kind is Kind.DELETED
    assert events[8].details["reactions"] == "❤️ Sam Okafor"
    assert [e.direction for e in events[7:]] == [Direction.UNKNOWN, Direction.OUTGOING]
    assert confidence(written.path) == 0.95


def test_without_data_json_chat_md_gives_the_same_events(tmp_path: Path) -> None:
    with_json = read(write_signal_export_zip(tmp_path / "a.zip").path)
    markdown_only = read(write_signal_export_zip(tmp_path / "b.zip", with_json=False).path)
    assert str(markdown_only[0].locator) == "signal-export/CaseyMarsh/chat.md:line 1"

    def shape(events: list) -> list:  # type: ignore[type-arg]
        return [(e.occurred_at, e.sender, e.kind, e.attachments, e.conversation, e.direction) for e in events]

    assert shape(with_json) == shape(markdown_only)
    texts = [e.text for e in markdown_only]
    assert texts[:5] == [e.text for e in with_json][:5]


def test_missing_media_is_flagged(tmp_path: Path) -> None:
    chat = demo_chats()[0]
    members = [
        ("export/CaseyMarsh/chat.md", b""),
        ("export/CaseyMarsh/data.json", json_line(chat.messages[3]).encode()),
    ]
    events = read(make_zip(tmp_path / "s.zip", members))
    assert events[0].attachments == () and "attachment-missing" in events[0].flags
    assert events[0].details["missing_media"].startswith("media/2025-03-03")


def test_links_cannot_reach_outside_the_chat_folder(tmp_path: Path) -> None:
    record = {
        "date": "2025-01-01T10:00:00",
        "sender": "A",
        "body": "x",
        "attachments": [{"path": "../B/media/p.jpg"}],
    }
    members = [
        ("CaseyMarsh/chat.md", b""),
        ("CaseyMarsh/data.json", json.dumps(record).encode()),
        ("B/media/p.jpg", b"jpeg"),
    ]
    (event,) = read(make_zip(tmp_path / "s.zip", members))
    assert event.attachments == ("B/media/p.jpg",)  # inside the zip: the store links zip members only
    record["attachments"] = [{"path": "../../../etc/passwd"}]
    members[1] = ("CaseyMarsh/data.json", json.dumps(record).encode())
    (event,) = read(make_zip(tmp_path / "t.zip", members))
    assert event.attachments == () and "attachment-missing" in event.flags


def test_chat_folders_with_the_same_name_keep_apart(tmp_path: Path) -> None:
    line = b"[2025-01-01 10:00:00] A: hi  \n\n"
    members = [("one/Casey/chat.md", line), ("two/Casey/chat.md", line), ("Sam/chat.md", line)]
    events = read(make_zip(tmp_path / "s.zip", members))
    assert [e.conversation for e in events] == ["one/Casey", "two/Casey", "Sam"]


def test_a_lone_data_json_is_read(tmp_path: Path) -> None:
    path = tmp_path / "data.json"
    path.write_text("".join(json_line(m) for m in demo_chats()[1].messages), encoding="utf-8")
    assert confidence(path) == 0.95
    events = read(path)
    assert [e.text for e in events] == [
        "Are you OK? Casey posted about you again.",
        "Not really. Keeping everything for the police.",
    ]
    assert events[0].occurred_at == datetime(2025, 3, 3, 8, 1, tzinfo=UTC)


def test_json_fields_of_the_wrong_type_are_flagged(tmp_path: Path) -> None:
    record = {
        "date": "2025-07-01T10:00:00+02:00",
        "sender": "A",
        "body": 5,
        "reactions": "x",
        "attachments": [3],
    }
    path = tmp_path / "data.json"
    path.write_text(json.dumps(record) + "\n" + json.dumps({"sender": "A", "body": "b", "call": True}) + "\n")
    first, second = read(path)
    assert first.occurred_at == datetime(2025, 7, 1, 8, tzinfo=UTC)  # an offset is exact
    assert first.text == "" and "field-unreadable" in first.flags
    assert first.details["unreadable_fields"] == "body, reactions, attachments"
    assert second.kind is Kind.CALL and second.occurred_at is None and "time-unreadable" in second.flags


@pytest.mark.parametrize(
    ("content", "problem"),
    [(b'{"date": "x"\n', "not a JSON message"), (b'{"date": 1}\n[1, 2]\n', "not a JSON object")],
)
def test_a_broken_json_line_names_the_member_and_line(tmp_path: Path, content: bytes, problem: str) -> None:
    path = make_zip(tmp_path / "s.zip", [("c/chat.md", b""), ("c/data.json", content)])
    with pytest.raises(InputError, match=problem) as caught:
        read(path)
    assert caught.value.file == "s.zip"
    lines = content.count(b"\n")
    assert caught.value.place == f"entry 'c/data.json', line {lines}"


def test_a_zip_without_chat_md_is_not_claimed(tmp_path: Path) -> None:
    assert confidence(make_zip(tmp_path / "s.zip", [("c/data.json", b"{}"), ("c/x.txt", b"")])) == 0.0
