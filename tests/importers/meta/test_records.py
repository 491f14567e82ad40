"""Message fields to events. The corpus has no reactions, shares, calls or unsent messages, so these
fixtures follow the structure of the corpus samples (participants, messages newest first, title,
thread_path) with the fields as Meta's export and the peer parsers in MANIFEST.md name them
(``reactions[].reaction/actor``, ``share.link/share_text``, ``call_duration``, ``is_unsent``, ``users``),
text encoded as Meta encodes it (UTF-8 bytes as ``\\u00XX``).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from casetrail.errors import InputError
from casetrail.model.event import Direction, Kind
from tests.importers.meta.support import T0, message, read, thread_file


def one(tmp_path: Path, **fields: object) -> object:
    events = read(thread_file(tmp_path / "message_1.json", [message(**fields)]))  # type: ignore[arg-type]
    assert len(events) == 1
    return events[0]


def shown(details: dict[str, str]) -> dict[str, str]:
    """The details an officer reads (the identity basis, ``source_id``, left out)."""
    return {key: value for key, value in details.items() if key != "source_id"}


def test_a_plain_message(tmp_path: Path) -> None:
    event = read(thread_file(tmp_path / "message_1.json", [message("Où es-tu? 👀")]))[0]
    assert event.occurred_at == datetime(2025, 4, 12, 19, 10, tzinfo=UTC)
    assert event.local_time == str(T0)
    assert (event.kind, event.direction, event.sender, event.recipients) == (
        Kind.MESSAGE,
        Direction.UNKNOWN,
        "Casey Marsh",
        ("Robin Hale",),
    )
    assert event.text == "Où es-tu? 👀"
    assert event.conversation == "inbox/caseymarsh_1093847562"
    assert (event.flags, shown(event.details), event.attachments) == ((), {}, ())
    said = ["inbox/caseymarsh_1093847562", "message", "Casey Marsh", "1744485000000", "Où es-tu? 👀"]
    basis = json.dumps(said, ensure_ascii=False)
    assert event.details["source_id"] == "meta|" + hashlib.sha256(basis.encode()).hexdigest()[:32]


def test_reactions_are_kept_readable_with_names_repaired(tmp_path: Path) -> None:
    reactions = [{"reaction": "😠", "actor": "Robin Hale"}, {"reaction": "❤", "actor": "Zoë Ünal"}]
    event = read(thread_file(tmp_path / "m.json", [message(reactions=reactions)]))[0]
    assert event.details["reactions"] == "😠 Robin Hale; ❤ Zoë Ünal"
    assert event.flags == ()


def test_a_share_adds_the_link_to_the_text(tmp_path: Path) -> None:
    share = {"link": "https://example.org/post/1", "share_text": "Schön, oder?"}
    event = read(thread_file(tmp_path / "m.json", [message("look", share=share, type="Share")]))[0]
    assert event.text == "look\n[shared link: https://example.org/post/1]"
    assert shown(event.details) == {
        "type": "Share",
        "share_link": "https://example.org/post/1",
        "share_text": "Schön, oder?",
    }


@pytest.mark.parametrize(
    "fields",
    [
        {"text": "Casey Marsh unsent a message", "is_unsent": True},
        {"text": "Casey Marsh unsent a message"},  # Instagram: the wording only
        {"text": "You unsent a message."},
        {"text": "", "is_unsent": True},
    ],
)
def test_unsent_messages_are_deleted_and_flagged(tmp_path: Path, fields: dict[str, object]) -> None:
    event = read(thread_file(tmp_path / "m.json", [message(**fields)]))[0]  # type: ignore[arg-type]
    assert event.kind is Kind.DELETED
    assert event.flags == ("unsent-by-sender",)


def test_unsent_wording_with_is_unsent_false_is_an_ordinary_message(tmp_path: Path) -> None:
    event = read(thread_file(tmp_path / "m.json", [message("I unsent a message", is_unsent=False)]))[0]
    assert event.kind is Kind.MESSAGE and event.flags == ()


def test_calls_missed_and_answered(tmp_path: Path) -> None:
    messages = [
        message("Robin Hale missed a call from Casey Marsh", call_duration=0, type="Call"),
        message("Casey Marsh called you.", call_duration=75, type="Call"),
        message("The video chat ended.", type="Call"),
    ]
    events = read(thread_file(tmp_path / "m.json", messages))
    assert [e.kind for e in events] == [Kind.CALL] * 3
    assert shown(events[0].details) == {"type": "Call", "call_duration_s": "0", "call": "missed"}
    assert events[1].details["call"] == "answered" and events[1].details["call_duration_s"] == "75"
    assert "call" not in events[2].details


def test_subscribe_is_a_system_event_naming_who_joined(tmp_path: Path) -> None:
    users = [{"name": "Sam Okafor"}, {"name": "Zoë Ünal"}]
    event = read(
        thread_file(tmp_path / "m.json", [message("Casey added Sam", type="Subscribe", users=users)])
    )[0]
    assert event.kind is Kind.SYSTEM
    assert event.details["users"] == "Sam Okafor, Zoë Ünal"


def test_geoblocked_and_ip_are_kept(tmp_path: Path) -> None:
    event = read(
        thread_file(tmp_path / "m.json", [message("x", is_geoblocked_for_viewer=True, ip="192.0.2.7")])
    )[0]
    assert shown(event.details) == {"ip": "192.0.2.7", "geoblocked_for_viewer": "true"}
    assert event.flags == ("geoblocked-for-viewer",)


@pytest.mark.parametrize(
    ("raw", "written"),
    [("x", "x"), (None, ""), (True, "true"), (1.5, "1.5"), (1000, "1000"), ([1], ""), (10**30, str(10**30))],
)
def test_unreadable_times_are_flagged_not_guessed(tmp_path: Path, raw: object, written: str) -> None:
    event = read(thread_file(tmp_path / "m.json", [message(at=raw)]))[0]  # type: ignore[arg-type]
    assert event.occurred_at is None
    assert event.local_time == written
    assert event.flags == ("time-unreadable",)


def test_fields_of_the_wrong_type_are_named_and_the_rest_kept(tmp_path: Path) -> None:
    raw = message(text=5, sender=["x"], photos="nope", reactions={"a": 1}, share=3)  # type: ignore[arg-type]
    raw["sticker"] = {"uri": 7}
    event = read(thread_file(tmp_path / "m.json", [raw]))[0]
    assert event.sender is None and event.text == ""
    assert event.flags == ("field-unreadable",)
    assert event.details["unreadable_fields"] == "sender_name, content, photos, sticker uri, share, reactions"
    assert event.recipients == ("Casey Marsh", "Robin Hale")


def test_media_only_message_shows_what_it_held(tmp_path: Path) -> None:
    raw = message(
        text="",
        photos=[{"uri": "messages/inbox/x/photos/1.jpg"}],
        gifs=[{"uri": "https://example.org/g.gif"}],
    )
    event = read(thread_file(tmp_path / "m.json", [raw]))[0]
    assert event.text == "[photo: 1.jpg]\n[GIF: g.gif]"
    assert event.flags == ("attachment-missing",)
    assert event.details["missing_media"] == "messages/inbox/x/photos/1.jpg\nhttps://example.org/g.gif"


def test_thread_name_falls_back_to_the_folder_then_the_title(tmp_path: Path) -> None:
    folder = tmp_path / "inbox" / "caseymarsh_55"
    folder.mkdir(parents=True)
    events = read(thread_file(folder / "message_1.json", [message()], thread_path=None))
    assert events[0].conversation == "inbox/caseymarsh_55"
    events = read(thread_file(tmp_path / "m.json", [message()], thread_path=None))
    assert events[0].conversation == "title:Casey Marsh"


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ('{"messages": 5}', "'messages' is not a list"),
        ('{"messages": [1]}', "a message is not a JSON object"),
        ('[{"messages": []}]', "not a JSON object"),
        ('{"participants": []}', "no 'messages' list"),
        ('{"messages": [], "messages": []}', "appears twice"),
        ('{"messages": [], "messages.item": {"content": "fake"}}', "unexpected key"),
        ('{"messages": [{"sender_name": "a", "timestamp_ms": 1}', "not complete or valid JSON"),
        ('{"messages": [{"a": ' + "[" * 40 + "]" * 40 + "}]}", "nested more than"),
    ],
)
def test_broken_structure_is_refused_naming_the_place(tmp_path: Path, document: str, problem: str) -> None:
    path = tmp_path / "message_1.json"
    path.write_text(document, encoding="utf-8")
    with pytest.raises(InputError, match=problem) as caught:
        read(path)
    assert caught.value.file == "message_1.json"


def test_a_cut_off_file_names_the_message_it_broke_in(tmp_path: Path) -> None:
    path = thread_file(tmp_path / "message_1.json", [message(f"m{i}", at=T0 - i) for i in range(5)])
    data = path.read_bytes()
    path.write_bytes(data[: data.index(b'"m3"') + 2])
    with pytest.raises(InputError) as caught:
        read(path)
    assert caught.value.place == "json-pointer /messages/3"
