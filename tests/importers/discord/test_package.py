"""Discord's own data package. The corpus has no genuine one, so these read packages from the demo
writer, laid out as Discord describes the package ("Request all of my data": ``account/user.json``,
``messages/index.json``, ``messages/c<id>/channel.json`` with ``messages.json`` or, in older packages,
``messages.csv``) and as the peer parser seanbreckenridge/discord_data reads it."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from casetrail.demo.discord_export import (
    CASEY_DM,
    ROBIN,
    SAM_DM,
    SERVER_CHANNEL,
    stop_request_time,
    write_data_package,
)
from casetrail.errors import InputError
from casetrail.importers.base import ImportContext
from casetrail.ingest.source import Source
from casetrail.model.event import Direction, Kind
from tests.helpers import make_zip
from tests.importers.discord.support import IMPORTER, read


@pytest.mark.parametrize(
    ("layout", "capitalised"), [("json", False), ("csv", False), ("csv", True), ("json", True)]
)
def test_every_layout_reads_the_same_messages(tmp_path: Path, layout: str, capitalised: bool) -> None:
    path = tmp_path / "package.zip"
    written = write_data_package(path, layout, capitalised=capitalised)  # type: ignore[arg-type]
    assert IMPORTER.sniff(Source(path)).confidence == 0.9
    events = read(path)
    assert len(events) == written.events == 4
    assert all(e.direction is Direction.OUTGOING and e.kind is Kind.MESSAGE for e in events)
    assert {e.sender for e in events} == {ROBIN["name"]}
    assert {e.details["author_id"] for e in events} == {ROBIN["id"]}
    # Each channel of a package is a conversation of its own ("package:<channel>"): it holds only the
    # owner's messages, so it must not make an export of the channel look as if others were deleted.
    by_channel = {(e.conversation or "").removeprefix("package:"): e for e in events}
    assert set(by_channel) == {CASEY_DM, SAM_DM, SERVER_CHANNEL}
    assert all((e.conversation or "").startswith("package:") for e in events)
    stop = by_channel[CASEY_DM]
    # Seconds-only times (newer packages) take the id's milliseconds, as DiscordChatExporter has them.
    assert stop.occurred_at == stop_request_time().astimezone(UTC)
    assert stop.recipients == ("casey.m.again",)
    assert stop.details["recipient_ids"] == "1290011122233344455"
    assert stop.details["channel_type"] == "direct message"
    server = by_channel[SERVER_CHANNEL]
    assert server.recipients == () and server.details["guild_name"] == "Café crew ☕"
    assert server.details["channel_name"] == "general in Café crew ☕"
    sam = [e for e in events if e.conversation == f"package:{SAM_DM}"]
    assert sam[0].text == "Casey made a new account.\nSame messages again."
    assert sam[1].text.startswith("+44 7700 900913 keeps calling")  # formula-like text, read as text
    if layout == "csv":
        assert [e.locator.value for e in sam] == ["2-3", "4"]
        assert sam[0].locator.member.endswith("/messages.csv")  # type: ignore[union-attr]
    else:
        assert [e.locator.value for e in sam] == ["/0", "/1"]


def test_only_the_message_files_become_exhibits(tmp_path: Path) -> None:
    path = tmp_path / "package.zip"
    write_data_package(path)
    members = IMPORTER.archive_members(Source(path))
    assert "account/user.json" in members and "messages/index.json" in members
    assert not any(m.startswith("activity/") or m == "README.txt" for m in members)


def test_without_user_json_the_sender_is_unknown_but_outgoing(tmp_path: Path) -> None:
    path = make_zip(
        tmp_path / "package.zip",
        [
            ("messages/123456/channel.json", b'{"id": "123456", "type": 1}'),
            (
                "messages/123456/messages.csv",
                b"ID,Timestamp,Contents,Attachments\r\n"
                b"1368334835646464000,2025-05-03 21:14:07.250000+00:00,hi,https://cdn.example.com/a/b/c.png\r\n",
            ),
        ],
    )
    context = ImportContext(ZoneInfo("UTC"))
    (event,) = read(path, context)
    assert event.sender is None and event.direction is Direction.OUTGOING
    assert "sent_by" in event.details and event.conversation == "package:123456"
    assert "attachment-not-kept" in event.flags
    assert event.details["attachments_not_kept"] == "https://cdn.example.com/a/b/c.png"
    assert event.occurred_at == datetime(2025, 5, 3, 21, 14, 7, 250000, tzinfo=UTC)
    assert any("no account/user.json" in note for note in context.notes)


def test_a_messages_file_on_its_own_takes_the_channel_from_its_folder(tmp_path: Path) -> None:
    path = tmp_path / "package.zip"
    write_data_package(path, "csv")
    folder = tmp_path / f"c{CASEY_DM}"
    folder.mkdir()
    with zipfile.ZipFile(path) as archive:
        (folder / "messages.csv").write_bytes(archive.read(f"messages/c{CASEY_DM}/messages.csv"))
    assert IMPORTER.sniff(Source(folder / "messages.csv")).confidence == 0.9
    (event,) = read(folder / "messages.csv")
    assert event.conversation == f"package:{CASEY_DM}"
    assert event.locator.member is None and event.locator.value == "2"
    assert event.details["source_id"] == read(path)[-1].details["source_id"]
    elsewhere = tmp_path / "messages.csv"
    elsewhere.write_bytes((folder / "messages.csv").read_bytes())
    with pytest.raises(InputError, match="which channel"):
        read(elsewhere)


@pytest.mark.parametrize(
    ("member", "content", "problem"),
    [
        ("messages/c1/messages.csv", b"Name,When\r\nx,y\r\n", "no ID,Timestamp,Contents header"),
        ("messages/c1/messages.csv", b'ID,Timestamp,Contents\r\n1,2,"' + b"x" * 200_000 + b'"\r\n', "line 2"),
        ("messages/c1/messages.json", b'{"ID": 1}', "not a JSON list"),
        ("messages/c1/messages.json", b"[1]", "a message is not a JSON object"),
        ("messages/c1/messages.json", b'[{"ID": 1}', "not complete or valid JSON"),
        ("messages/c1/channel.json", b"[" * 10 + b"]" * 10, "not a JSON object"),
    ],
)
def test_broken_package_files_name_the_member(
    tmp_path: Path, member: str, content: bytes, problem: str
) -> None:
    members = [(member, content)]
    if member.endswith("channel.json"):
        members.append(("messages/c1/messages.csv", b"ID,Timestamp,Contents\r\n"))
    path = make_zip(tmp_path / "package.zip", members)
    with pytest.raises(InputError) as caught:
        read(path)
    assert problem in str(caught.value)
    assert member in (caught.value.place or "")


def test_package_json_with_numbers_and_odd_types(tmp_path: Path) -> None:
    rows = [
        {
            "ID": 1368334835646464000,
            "Timestamp": "2025-05-03 21:14:07",
            "Contents": ["x"],
            "Attachments": None,
        }
    ]
    path = make_zip(tmp_path / "p.zip", [("messages/c9/messages.json", json.dumps(rows).encode())])
    (event,) = read(path)
    assert event.details["source_id"].startswith("discord|9|1368334835646464000|")
    assert "field-unreadable" in event.flags and event.details["unreadable_fields"] == "contents"
