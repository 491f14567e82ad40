"""DiscordChatExporter features on small synthetic files (fields as its JSON writer names them)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from casetrail.errors import InputError
from casetrail.importers.base import ImportContext
from casetrail.ingest.source import Source
from casetrail.model.event import Kind
from tests.helpers import make_zip
from tests.importers.discord.support import CHANNEL, IMPORTER, author, export, message, read

ROBIN = {"id": "1180022233344455566", "name": "robin.hale.demo", "discriminator": "0000"}


def test_system_messages_and_calls(tmp_path: Path) -> None:
    kinds = ["RecipientAdd", "ChannelPinnedMessage", "ThreadCreated", "Call", "Reply", "SomethingNew"]
    events = read(export(tmp_path / "a.json", [message(type=kind) for kind in kinds]))
    assert [e.kind for e in events] == [
        Kind.SYSTEM,
        Kind.SYSTEM,
        Kind.SYSTEM,
        Kind.CALL,
        Kind.MESSAGE,
        Kind.MESSAGE,
    ]
    assert events[5].details["type"] == "SomethingNew"
    assert "call_duration_s" not in events[3].details  # no end time: no duration


def test_recipients_are_the_other_authors_of_a_direct_chat(tmp_path: Path) -> None:
    messages = [message("a"), message("b", author=dict(ROBIN)), message("c", author=author("casey", "1234"))]
    events = read(export(tmp_path / "a.json", messages, "DirectGroupTextChat"))
    # Authors are people by id: Casey renamed is still Casey, so never their own recipient.
    assert events[0].recipients == ("robin.hale.demo",)
    assert events[1].recipients == ("casey.m.again",)
    assert events[2].sender == "casey#1234" and events[2].recipients == ("robin.hale.demo",)
    guild = read(export(tmp_path / "g.json", messages, "GuildTextChat"))
    assert all(e.recipients == () for e in guild)


def test_channel_written_after_the_messages_is_still_found(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    document = {
        "messages": [message(author=dict(ROBIN)), message()],
        "channel": {"id": CHANNEL, "type": "DirectTextChat"},
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    events = read(path)
    assert {e.conversation for e in events} == {CHANNEL}
    assert events[0].recipients == ("casey.m.again",)


def test_an_export_without_a_channel_id_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text(
        json.dumps({"guild": {}, "channel": {"name": "x"}, "messages": [message()]}), encoding="utf-8"
    )
    with pytest.raises(InputError, match="names no channel"):
        read(path)


def test_mentions_embeds_interaction_pins_and_reactions_with_users(tmp_path: Path) -> None:
    raw = message(
        "",
        isPinned=True,
        mentions=[dict(ROBIN)],
        embeds=[{"title": "Robin's new job", "url": "https://example.org/robin", "description": "found it"}],
        interaction={"id": "1", "name": "remind", "user": author()},
        reactions=[{"emoji": {"id": None, "name": "😂"}, "count": 2, "users": [dict(ROBIN), author()]}],
        stickers=[{"id": "1", "name": "Laugh"}],
    )
    (event,) = read(export(tmp_path / "a.json", [raw]))
    assert event.details["mentions"] == "robin.hale.demo"
    assert event.details["embeds"] == "Robin's new job — https://example.org/robin — found it"
    assert event.details["interaction"] == "/remind used by casey.m.again"
    assert event.details["pinned"] == "true"
    assert event.details["reactions"] == "😂 ×2 (robin.hale.demo, casey.m.again)"
    assert event.text == "[sticker: Laugh]"


def test_fields_of_the_wrong_type_are_left_out_and_flagged(tmp_path: Path) -> None:
    raw = message(author="casey", attachments={"url": 1}, reactions=[3], type=["Call"])
    raw["content"] = 5
    (event,) = read(export(tmp_path / "a.json", [raw]))
    assert event.text == "" and event.sender is None and event.kind is Kind.MESSAGE
    assert "field-unreadable" in event.flags
    assert event.details["unreadable_fields"] == "type, author, content, attachments, reactions"


def test_times_unreadable_fall_back_to_the_message_id(tmp_path: Path) -> None:
    events = read(
        export(
            tmp_path / "a.json",
            [
                message(timestamp="yesterday"),
                message(timestamp=None, id="12"),
                message(timestamp="2025-05-03T22:14:07.250"),
            ],
        ),
        ImportContext(ZoneInfo("Europe/London")),
    )
    assert events[0].occurred_at == datetime(2025, 5, 3, 21, 14, 7, 250000, tzinfo=UTC)
    assert "time-from-id" in events[0].flags and events[0].local_time == "yesterday"
    assert events[1].occurred_at is None and "time-unreadable" in events[1].flags
    # No offset: read in the case's zone (BST here), flagged.
    assert events[2].occurred_at == datetime(2025, 5, 3, 21, 14, 7, 250000, tzinfo=UTC)
    assert "timezone-assumed" in events[2].flags


def test_media_paths_are_linked_inside_a_zip_and_never_outside_it(tmp_path: Path) -> None:
    attachments = [
        {"id": "1", "url": "chat.json_Files\\photo-1.jpg", "fileName": "photo.jpg", "fileSizeBytes": 3},
        {"id": "2", "url": "../secret.jpg", "fileName": "secret.jpg"},
        {"id": "3", "url": "chat.json_Files/missing.jpg", "fileName": "missing.jpg"},
    ]
    document = export(tmp_path / "chat.json", [message(attachments=attachments)]).read_bytes()
    path = make_zip(
        tmp_path / "export.zip",
        [
            ("exports/chat.json", document),
            ("exports/chat.json_Files/photo-1.jpg", b"jpeg"),
            ("secret.jpg", b"x"),
        ],
    )
    assert IMPORTER.sniff(Source(path)).confidence == 0.9
    (event,) = read(path)
    assert event.attachments == ("exports/chat.json_Files/photo-1.jpg",)
    assert event.locator.member == "exports/chat.json"
    assert "attachment-not-kept" in event.flags
    assert (
        event.details["attachments_not_kept"]
        == "secret.jpg: ../secret.jpg\nmissing.jpg: chat.json_Files/missing.jpg"
    )
    # A lone file links nothing: the importer never opens paths next to it.
    (alone,) = read(tmp_path / "chat.json")
    assert alone.attachments == () and alone.text == "hello"


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"[1, 2]", "not a JSON object"),
        (b'{"channel": {"id": "1"}}', "no 'messages' list"),
        (b'{"channel": {"id": "1"}, "messages": {}}', "'messages' is not a list"),
        (b'{"channel": {"id": "1"}, "messages": [1]}', "a message is not a JSON object"),
        (b'{"channel": {"id": "1"}, "channel": {"id": "2"}, "messages": []}', "appears twice"),
        (b'{"channel": {"id": "1"}, "messages.item": 1, "messages": []}', "unexpected key"),
        (b'{"channel": {"id": "1"}, "messages": [{"id": "1"}', "not complete or valid JSON"),
    ],
)
def test_broken_exports_name_the_problem(tmp_path: Path, content: bytes, problem: str) -> None:
    path = tmp_path / "a.json"
    path.write_bytes(content)
    with pytest.raises(InputError, match=problem) as caught:
        read(path)
    assert caught.value.file == "a.json"


def test_sniff_leaves_other_json_alone(tmp_path: Path) -> None:
    meta = tmp_path / "message_1.json"
    meta.write_text(json.dumps({"participants": [], "messages": [{"sender_name": "a", "timestamp_ms": 1}]}))
    diary = tmp_path / "diary.json"
    diary.write_text(json.dumps({"entries": [{"channel": {"id": 1}}]}))
    for path in (meta, diary):
        assert IMPORTER.sniff(Source(path)).confidence == 0
