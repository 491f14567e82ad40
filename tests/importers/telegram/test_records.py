"""Every field the importer reads, on small exports shaped as Telegram Desktop writes them.

Fields the corpus lacks (forwards, replies, polls, places, contact cards, left chats) follow the
structure Telegram Desktop's export code writes (``export_output_json.cpp``), as peers read it.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from casetrail.errors import InputError
from casetrail.importers.base import ImportContext
from casetrail.model.event import Channel, Direction, Kind
from tests.importers.telegram.support import T0, account, message, read, single_chat

ROBIN: dict[str, Any] = {"from": "Robin Hale", "from_id": "user5550142"}
SAM: dict[str, Any] = {"from": "Sam Okafor", "from_id": "user5550274"}


def test_entity_lists_keep_link_targets_and_mentions(tmp_path: Path) -> None:
    text = [
        "see ",
        {"type": "text_link", "text": "this\n", "href": "https://example.org/x"},
        {"type": "link", "text": "https://example.com"},
        " ",
        {"type": "mention_name", "text": "Robin", "user_id": 5550142},
        {"type": "bold", "text": "!"},
    ]
    events = read(single_chat(tmp_path / "result.json", [message(text=text)]))
    assert events[0].text == "see this [https://example.org/x]\nhttps://example.com Robin [user5550142]!"
    assert events[0].channel is Channel.TELEGRAM


def test_text_entities_stand_in_for_a_missing_text(tmp_path: Path) -> None:
    row = message()
    del row["text"]
    row["text_entities"] = [{"type": "plain", "text": "only "}, {"type": "bold", "text": "entities"}]
    assert read(single_chat(tmp_path / "result.json", [row]))[0].text == "only entities"


def test_edit_forward_reply_and_identity(tmp_path: Path) -> None:
    row = message(
        7,
        "changed words",
        edited="2025-04-12T20:15:00",
        edited_unixtime=str(T0 + 300),
        forwarded_from="Sam Okafor",
        reply_to_message_id=5,
    )
    event = read(single_chat(tmp_path / "result.json", [row]))[0]
    assert event.flags == ("forwarded", "edited")
    assert event.details["edited"] == "2025-04-12T19:15:00Z"
    assert event.details["edited_as_written"] == "2025-04-12T20:15:00"
    assert event.details["forwarded_from"] == "Sam Okafor" and event.details["reply_to_message_id"] == "5"
    digest = hashlib.sha256(event.text.encode()).hexdigest()[:16]  # the id, then what it says
    assert event.details["source_id"] == f"telegram|5550587|7|{digest}"
    assert event.conversation == "5550587" and event.details["chat_name"] == "Casey Marsh"


def test_local_dates_are_read_in_the_case_time_zone(tmp_path: Path) -> None:
    rows = [
        {"id": 1, "type": "message", "date": "2025-07-01T10:00:00", "from": "Casey Marsh", "text": "a"},
        {"id": 2, "type": "message", "date": "2025-03-30T01:30:00", "from": "Casey Marsh", "text": "b"},
        {"id": 3, "type": "message", "date": "yesterday", "from": "Casey Marsh", "text": "c"},
        message(4, "d", at=5),  # 1970: not a Telegram time
    ]
    context = ImportContext(ZoneInfo("Europe/London"))
    events = read(single_chat(tmp_path / "result.json", rows), context)
    assert events[0].occurred_at == datetime(2025, 7, 1, 9, 0, tzinfo=UTC)
    assert events[0].flags == ("time-from-local-clock",)
    assert events[1].flags == ("time-from-local-clock", "dst-gap")
    assert events[2].occurred_at is None and events[2].local_time == "yesterday"
    assert events[2].flags == ("time-unreadable",)
    assert events[3].occurred_at is None and events[3].local_time == "5"


def test_media_in_a_lone_file_and_files_not_exported(tmp_path: Path) -> None:
    rows = [
        message(
            1,
            "",
            file="voice_messages/audio_1.ogg",
            media_type="voice_message",
            mime_type="audio/ogg",
            duration_seconds=4,
        ),
        message(
            2,
            "",
            file="(File not included. Change data exporting settings to download.)",
            media_type="sticker",
            sticker_emoji="😠",
        ),
    ]
    events = read(single_chat(tmp_path / "result.json", rows))
    assert events[0].text == "[voice_message: audio_1.ogg]" and events[0].flags == ("attachment-missing",)
    assert events[0].details["duration_s"] == "4" and events[0].details["mime_type"] == "audio/ogg"
    assert events[1].text == "[sticker: not exported]" and events[1].flags == ("attachment-not-exported",)
    assert events[1].details["sticker_emoji"] == "😠"


def test_places_contact_cards_and_polls(tmp_path: Path) -> None:
    rows = [
        message(1, "", location_information={"latitude": 51.5, "longitude": -0.12}),
        message(
            2,
            "",
            contact_information={
                "first_name": "Sam",
                "last_name": "Okafor",
                "phone_number": "+44 7700 900274",
            },
        ),
        message(
            3,
            "",
            poll={
                "question": "Where is Robin?",
                "closed": False,
                "total_voters": 1,
                "answers": [{"text": "Gym", "voters": 1, "chosen": False}],
            },
        ),
    ]
    events = read(single_chat(tmp_path / "result.json", rows))
    assert [e.kind for e in events] == [Kind.LOCATION, Kind.CONTACT_CARD, Kind.MESSAGE]
    assert events[0].details["location"] == "51.5,-0.12"
    assert events[1].text == "[contact: Sam Okafor +44 7700 900274]"
    assert events[2].text == "[poll] Where is Robin?\n- Gym (1 votes)"


@pytest.mark.parametrize(
    ("action", "fields", "kind", "text"),
    [
        ("phone_call", {"discard_reason": "missed"}, Kind.CALL, "[phone call, missed]"),
        (
            "phone_call",
            {"duration_seconds": 30, "discard_reason": "hangup"},
            Kind.CALL,
            "[phone call, 30 s, hangup]",
        ),
        (
            "create_group",
            {"title": "Crew", "members": ["Sam Okafor", None]},
            Kind.SYSTEM,
            "[create group: Crew: Sam Okafor, (unknown)]",
        ),
        ("join_group_by_link", {"inviter": "Sam Okafor"}, Kind.SYSTEM, "[join group by link]"),
        ("pin_message", {"message_id": 3}, Kind.SYSTEM, "[pin message]"),
        ("edit_group_title", {"title": "New"}, Kind.SYSTEM, "[edit group title: New]"),
        ("clear_history", {}, Kind.SYSTEM, "[clear history]"),
    ],
)
def test_service_entries(
    tmp_path: Path, action: str, fields: dict[str, object], kind: Kind, text: str
) -> None:
    row = {
        "id": 9,
        "type": "service",
        "date_unixtime": str(T0),
        "actor": "Casey Marsh",
        "actor_id": "user5550587",
        "action": action,
        **fields,
        "text": "",
    }
    event = read(single_chat(tmp_path / "result.json", [row]))[0]
    assert (event.kind, event.text, event.details["action"]) == (kind, text, action)
    assert event.sender == "Casey Marsh" and event.details["actor_id"] == "user5550587"


def test_account_export_direction_recipients_and_left_chats(tmp_path: Path) -> None:
    personal = {
        "name": "Casey Marsh",
        "type": "personal_chat",
        "id": 5550587,
        "messages": [
            message(1, "hi"),
            message(2, "stop", **ROBIN),
        ],
    }
    group = {
        "name": "Crew",
        "type": "private_supergroup",
        "id": 99,
        "messages": [message(1, "hey", **SAM)],
    }
    left = {"name": "Old group", "type": "private_group", "id": 77, "messages": [message(5, "bye")]}
    path = account(tmp_path / "result.json", [personal, group], left_chats={"about": "", "list": [left]})
    events = read(path)
    assert [e.direction for e in events] == [
        Direction.INCOMING,
        Direction.OUTGOING,
        Direction.INCOMING,
        Direction.INCOMING,
    ]
    assert [e.recipients for e in events] == [("Robin Hale",), ("Casey Marsh",), (), ()]
    assert [e.conversation for e in events] == ["5550587", "5550587", "99", "77"]
    assert events[3].locator.value == "/left_chats/list/0/messages/0"
    assert events[2].details["chat_name"] == "Crew"


def test_chat_fields_after_the_messages_still_count(tmp_path: Path) -> None:
    path = tmp_path / "result.json"
    path.write_text(json.dumps({"messages": [message(3)], "id": 42, "name": "Late", "type": "private_group"}))
    event = read(path)[0]
    assert event.conversation == "42" and event.details["source_id"].startswith("telegram|42|3|")
    chats: list[dict[str, Any]] = [
        {"messages": [message(1)], "name": "After", "id": 43},
        {"messages": []},
        {"messages": [message(2)]},
    ]
    events = read(account(tmp_path / "a.json", chats))
    assert [e.conversation for e in events] == ["43", "chats/2"]


def test_fields_of_the_wrong_type_are_named_not_fatal(tmp_path: Path) -> None:
    rows = [message(1, 5, photo=[1], forwarded_from={"x": 1}, members="x"), message("x", ["ok", 7])]
    rows[0]["from"] = 12
    events = read(single_chat(tmp_path / "result.json", rows))
    assert events[0].details["unreadable_fields"] == "from, forwarded_from, members, text, photo"
    assert "field-unreadable" in events[0].flags and events[0].sender == "user5550587"
    assert events[1].text == "ok" and "source_id" not in events[1].details


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"[1, 2]", "not a JSON object"),
        (b'{"name": "x"}', "no 'messages' list"),
        (b'{"messages": {}}', "'messages' is not a list"),
        (b'{"messages": [1]}', "a message is not a JSON object"),
        (b'{"messages": [], "messages": []}', "appears twice"),
        (b'{"chats": {"list": [{"messages.item": []}]}}', "unexpected key"),
        (b'{"chats.list": []}', "unexpected key"),
        (b'{"chats": {"list": [5]}}', "a chat is not a JSON object"),
        (b'{"chats": {"list": []}, "messages": []}', "both"),
        (b'{"chats": {"about": "no list"}}', "holds no chats"),
        (b'{"messages": [{"id": 1', "not complete or valid JSON"),
    ],
)
def test_bad_files_name_the_problem(tmp_path: Path, content: bytes, problem: str) -> None:
    path = tmp_path / "result.json"
    path.write_bytes(content)
    with pytest.raises(InputError, match=problem) as caught:
        read(path)
    assert caught.value.file == "result.json"


def test_huge_numbers_as_ids_are_refused_cheaply(tmp_path: Path) -> None:
    path = tmp_path / "result.json"
    path.write_text('{"id": 1e999999999, "messages": [{"id": 1e999999999, "date_unixtime": "1744485000"}]}')
    event = read(path)[0]
    assert "source_id" not in event.details and event.details["unreadable_fields"] == "id"
    assert event.conversation is None
