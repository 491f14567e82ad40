"""The text forms: plain-text chats and signal-export's chat.md (layout read from signal-export's
``models.Message.to_md`` and ``create.create_message``: two spaces ending the text, reactions as
``(- Name: emoji -)``, quotes as ``> `` lines between blank lines, attachments as Markdown links)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from casetrail.demo.signal_export import demo_chats, markdown
from casetrail.errors import InputError
from casetrail.importers.signal_text import split_parts, take_link
from casetrail.model.event import Direction, Kind
from tests.importers.signal.support import confidence, read


def write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("utf-8"))
    return path


def test_chat_md_messages_come_apart_into_their_parts(tmp_path: Path) -> None:
    chat = demo_chats()[0]
    path = write(tmp_path / "chat.md", "".join(markdown(m) for m in chat.messages))
    events = read(path)
    assert [e.text for e in events] == [
        "Why did you block me on WhatsApp?",
        "Please stop contacting me.",
        "I just want to talk. I'll keep trying until you answer.",
        "Saw your car outside the gym this morning",
        "You don't get to decide that.",
        "(This message was deleted)",
        "Answer me.\nI know where you are tonight.",
    ]
    assert events[1].direction is Direction.OUTGOING and events[0].direction is Direction.UNKNOWN
    assert events[4].details["quote"] == "Please stop contacting me."
    assert events[5].kind is Kind.DELETED
    photo = events[3]
    assert photo.attachments == () and "attachment-missing" in photo.flags  # a lone chat.md has no media
    assert photo.details["missing_media"].startswith("./media/2025-03-03T07-12-55")
    assert [str(e.locator) for e in events][:2] == ["line 1", "line 3"]
    assert str(events[4].locator) == "line 9-13"  # header, blank, quote, blank, text
    assert events[0].local_time == "2025-03-02 19:04:11"
    assert events[0].occurred_at == datetime(2025, 3, 2, 19, 4, 11, tzinfo=UTC)


def test_reactions_and_links_follow_the_text() -> None:
    lines = [
        "hello  ",
        "(- Robin Hale: 👍, Sam Okafor: ❤ -)![a.jpg](./media/a.jpg)  [b.pdf](./media/b%20c.pdf)  ",
    ]
    parts = split_parts(lines)
    assert parts.text == "hello"
    assert parts.reactions == "Robin Hale: 👍, Sam Okafor: ❤"
    assert parts.links == [("a.jpg", "./media/a.jpg"), ("b.pdf", "./media/b%20c.pdf")]


def test_typed_web_links_and_brackets_stay_text() -> None:
    assert take_link("see [this](https://example.com/x)") is None
    assert take_link("odd [one](./a b)") is None
    assert take_link("[" * 5000 + "](./x)") is not None  # found without backtracking
    assert split_parts(["look [here](https://example.com)"]).text == "look [here](https://example.com)"


def test_a_sticker_line_is_kept_in_details() -> None:
    parts = split_parts(["  ", "(( 😀 ))"])
    assert (parts.text, parts.sticker) == ("", "😀")


def test_a_line_without_a_sender_is_a_system_event(tmp_path: Path) -> None:
    events = read(write(tmp_path / "c.txt", "[2025-01-05, 10:00] Casey Marsh changed their name\n"))
    assert events[0].kind is Kind.SYSTEM and events[0].sender is None
    assert events[0].text == "Casey Marsh changed their name"


def test_times_in_the_dst_gap_and_overlap_are_flagged(tmp_path: Path) -> None:
    text = "[2025-03-30, 01:30] A: gap\n[2025-10-26, 01:30] A: twice\n[2025-02-30, 10:00] A: no such day\n"
    events = read(write(tmp_path / "c.txt", text))
    assert [e.flags for e in events] == [("dst-gap",), ("dst-ambiguous",), ("time-unreadable",)]
    assert events[1].occurred_at == datetime(2025, 10, 26, 0, 30, tzinfo=UTC)  # the earlier instant
    assert events[2].occurred_at is None


def test_text_before_the_first_message_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "c.txt", "Some notes\n[2025-01-05, 10:00] A: hi\n")
    with pytest.raises(InputError) as caught:
        read(path)
    assert (caught.value.file, caught.value.place) == ("c.txt", "line 1")


def test_undecodable_bytes_are_flagged(tmp_path: Path) -> None:
    path = tmp_path / "c.txt"
    path.write_bytes(b"[2025-01-05, 10:00] A: caf\xe9\n")
    (event,) = read(path)
    assert event.text == "caf\ufffd" and "undecodable-bytes" in event.flags


@pytest.mark.parametrize(
    ("name", "line", "expected"),
    [
        ("c.txt", "[2025-01-05, 10:00] A: hi", 0.97),
        ("c.txt", "[2025-01-05 10:00] A: hi", 0.97),
        ("c.txt", "[2025-01-05, 10:00:01] A: hi", 0.97),
        ("chat.md", "[2025-01-05 10:00:01] A: hi", 0.97),
        ("c.txt", "[2025-01-05 10:00:01] A: hi  ", 0.97),
        # Seconds, no comma, a .txt: could be WhatsApp for iOS in an ISO locale, which keeps it (0.95).
        ("c.txt", "[2025-01-05 10:00:01] A: hi", 0.9),
        ("c.txt", "[05/01/2025, 10:00:01] A: hi", 0.0),
        ("c.txt", "05/01/2025, 10:00 - A: hi", 0.0),
        ("c.txt", "2025-01-05 10:00 A: hi", 0.0),
    ],
)
def test_recognition(tmp_path: Path, name: str, line: str, expected: float) -> None:
    assert confidence(write(tmp_path / name, line + "\n")) == expected
