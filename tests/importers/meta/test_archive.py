"""Whole-account zips: one conversation per thread, media linked, the owner found, the app told apart.

The zips come from the demo writer (``casetrail.demo.meta_export``), laid out as Meta's current exports
are (``your_facebook_activity/messages/inbox/<thread>/message_1.json`` with ``photos/`` beside it) and
as older ones were (``messages/inbox/…``), per the corpus sample's ``uri`` values and MANIFEST.md.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from casetrail.demo.meta_export import ex_partner_thread, photo_uri, thread_json, write_account_zip
from casetrail.errors import InputError
from casetrail.importers.meta.importer import account_owner
from casetrail.importers.meta.layout import MediaIndex
from casetrail.ingest.source import Source
from casetrail.model.event import Channel, Direction, Kind
from tests.helpers import make_zip
from tests.importers.meta.support import IMPORTERS, message, read, thread_file


def test_each_thread_is_its_own_conversation_with_media_linked(tmp_path: Path) -> None:
    path = tmp_path / "export.zip"
    written = write_account_zip(path, "messenger", leave_out=["car_park.jpg"])
    events = read(path)
    by_thread: dict[str | None, int] = {}
    for event in events:
        by_thread[event.conversation] = by_thread.get(event.conversation, 0) + 1
    assert by_thread == {"inbox/cafecrew_2208461937": 3, "inbox/caseymarsh_1093847562": 8}
    photo = next(e for e in events if e.attachments)
    assert photo.attachments == written.photos
    assert photo.text == "[photo: casey_photo_1.jpg]" and photo.flags == ()
    missing = next(e for e in events if "attachment-missing" in e.flags)
    assert missing.details["missing_media"].endswith("cafecrew_2208461937/photos/car_park.jpg")
    assert missing.locator.member == written.thread_members[1]
    assert {e.locator.member for e in events} == set(written.thread_members)


def test_the_person_in_every_thread_owns_the_export(tmp_path: Path) -> None:
    path = tmp_path / "export.zip"
    write_account_zip(path, "messenger")
    events = read(path)
    assert {e.direction for e in events if e.sender == "Robin Hale"} == {Direction.OUTGOING}
    assert {e.direction for e in events if e.sender != "Robin Hale"} == {Direction.INCOMING}
    call = next(e for e in events if e.kind is Kind.CALL)
    assert call.direction is Direction.INCOMING and call.recipients == ("Robin Hale",)


def test_owner_rule() -> None:
    assert account_owner({"a": {"Robin", "Casey"}, "b": {"Robin", "Sam"}}) == "Robin"
    assert account_owner({"a": {"Robin", "Casey"}}) is None  # one thread cannot tell
    assert account_owner({"a": {"Robin", "Casey"}, "b": {"Robin", "Casey"}}) is None  # two in every one
    assert account_owner({"a": {"Robin"}, "b": {"Sam"}}) is None


def test_a_zip_of_one_thread_has_no_owner(tmp_path: Path) -> None:
    thread = thread_file(tmp_path / "message_1.json", [message("hi")])
    path = make_zip(
        tmp_path / "one.zip", [("messages/inbox/caseymarsh_1093847562/message_1.json", thread.read_bytes())]
    )
    assert {e.direction for e in read(path)} == {Direction.UNKNOWN}


def test_message_2_continues_the_same_conversation(tmp_path: Path) -> None:
    first = thread_file(tmp_path / "a.json", [message("newer", at=2_000_000_000_000)])
    second = thread_file(tmp_path / "b.json", [message("older", at=1_900_000_000_000)])
    folder = "your_facebook_activity/messages/inbox/caseymarsh_1093847562"
    path = make_zip(
        tmp_path / "x.zip",
        [(f"{folder}/message_2.json", second.read_bytes()), (f"{folder}/message_1.json", first.read_bytes())],
    )
    events = read(path)
    assert [e.text for e in events] == ["newer", "older"]  # message_1 first, whatever the zip order
    assert {e.conversation for e in events} == {"inbox/caseymarsh_1093847562"}


def test_instagram_export_is_recognised_and_filed_as_instagram(tmp_path: Path) -> None:
    path = tmp_path / "export.zip"
    write_account_zip(path, "instagram")
    sniffs = {name: importer.sniff(Source(path)).confidence for name, importer in IMPORTERS.items()}
    assert sniffs["instagram"] > sniffs["messenger"]
    events = read(path, "instagram")
    assert {e.channel for e in events} == {Channel.INSTAGRAM}
    assert any(e.sender == "Casey ✨ Marsh" for e in events)
    assert sum(1 for e in events if e.attachments) == 2


def test_a_combined_export_files_each_thread_under_its_app(tmp_path: Path) -> None:
    ig, fb = tmp_path / "ig.zip", tmp_path / "fb.zip"
    write_account_zip(ig, "instagram")
    write_account_zip(fb, "messenger")
    with zipfile.ZipFile(ig) as a, zipfile.ZipFile(fb) as b:
        members = [(name, z.read(name)) for z in (a, b) for name in z.namelist()]
    path = make_zip(tmp_path / "both.zip", members)
    events = read(path, "instagram")
    for event in events:
        expected = Channel.INSTAGRAM if "instagram" in (event.locator.member or "") else Channel.MESSENGER
        assert event.channel is expected


def test_undecided_zip_goes_to_messenger(tmp_path: Path) -> None:
    thread = thread_file(tmp_path / "t.json", [message()])
    members = [(f"messages/inbox/{name}/message_1.json", thread.read_bytes()) for name in ("a_1", "b_2")]
    path = make_zip(tmp_path / "export.zip", members)
    messenger, instagram = (IMPORTERS[n].sniff(Source(path)).confidence for n in ("messenger", "instagram"))
    assert messenger > instagram > 0.5


def test_only_the_messages_folders_become_exhibits(tmp_path: Path) -> None:
    path = tmp_path / "export.zip"
    written = write_account_zip(path, "messenger")
    members = IMPORTERS["messenger"].archive_members(Source(path))
    assert set(members) == {*written.thread_members, *written.photos}


def test_a_zip_without_threads_is_not_recognised_and_refused(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "other.zip", [("notes/readme.txt", b"hello")])
    assert IMPORTERS["messenger"].sniff(Source(path)).confidence == 0
    with pytest.raises(InputError, match="no message_N.json"):
        read(path)


def test_a_broken_member_is_named(tmp_path: Path) -> None:
    good = thread_json("messenger", ex_partner_thread("messenger"))
    member = "messages/inbox/b_2/message_1.json"
    path = make_zip(
        tmp_path / "x.zip",
        [("messages/inbox/a_1/message_1.json", good.encode()), (member, b'{"messages": [')],
    )
    with pytest.raises(InputError) as caught:
        read(path)
    assert caught.value.file == "x.zip"
    assert caught.value.place is not None and member in caught.value.place


@pytest.mark.parametrize(
    ("uri", "found"),
    [
        ("messages/inbox/a_1/photos/1.jpg", "your_facebook_activity/messages/inbox/a_1/photos/1.jpg"),
        (
            "your_facebook_activity/messages/inbox/a_1/photos/1.jpg",
            "your_facebook_activity/messages/inbox/a_1/photos/1.jpg",
        ),
        (
            "extra/your_facebook_activity/messages/inbox/b_2/photos/1.jpg",
            "your_facebook_activity/messages/inbox/b_2/photos/1.jpg",
        ),
        ("messages/stickers_used/9.png", "your_facebook_activity/messages/stickers_used/9.png"),
        ("photos/1.jpg", None),  # two threads have one: which one cannot be told
        ("1.jpg", None),
        ("messages/inbox/c_3/photos/1.jpg", None),  # never a same-named photo of another thread
        ("../../etc/passwd", None),
        ("https://example.org/1.jpg", None),
        ("", None),
    ],
)
def test_media_uris_are_matched_to_members(uri: str, found: str | None) -> None:
    index = MediaIndex(
        [
            "your_facebook_activity/messages/inbox/a_1/photos/1.jpg",
            "your_facebook_activity/messages/inbox/b_2/photos/1.jpg",
            "your_facebook_activity/messages/stickers_used/9.png",
        ]
    )
    assert index.find(uri) == found


def test_photo_uri_layout() -> None:
    thread = ex_partner_thread("instagram")
    assert photo_uri("instagram", thread, "p.jpg") == (
        "your_instagram_activity/messages/inbox/caseymarsh_1093847562/photos/p.jpg"
    )
