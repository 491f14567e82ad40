"""Files carried inside an original, and files that hold many chats, with either reader.

A small importer defined here reads a JSON-lines format made for these tests: each line is one
message, naming its chat and carrying files as base64, the way an e-mail carries attachments and a
whole-account export holds many chats.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from casetrail.errors import CasetrailError, InputError
from casetrail.importers.base import ImportContext, Importer, Sniff
from casetrail.importers.registry import ImporterOrigin, LoadedImporter
from casetrail.ingest.source import Source
from casetrail.model.event import Channel, Direction, EmbeddedFile, Kind, Locator, ParsedEvent
from casetrail.store.case import Case
from casetrail.store.expunge import EMPTY_SHA256, expunge
from casetrail.store.importing import MISSING, import_file
from casetrail.store.queries import TimelineFilter, list_exhibits, timeline
from casetrail.store.tables import imports
from casetrail.store.verify import verify_case
from tests.helpers import count_events, table_hashes


class ThreadsImporter(Importer):
    """One message per line: {"chat", "at" (ISO time), "from", "text", "files": [{"name", "b64"}]}."""

    name = "test-threads"
    description = "test format: many chats, embedded files"

    def sniff(self, source: Source) -> Sniff:
        return Sniff(0.99, "test") if source.name.endswith(".threads") else Sniff.no()

    def events(self, source: Source, context: ImportContext) -> Iterator[ParsedEvent]:
        with source.open() as handle:
            for number, line in enumerate(handle, 1):
                try:
                    item = json.loads(line)
                except ValueError as error:
                    raise InputError(source.name, f"line {number}", "not JSON") from error
                files = tuple(
                    EmbeddedFile(
                        f"{number}/{part}",
                        spec["name"],
                        base64.b64decode(spec["b64"]),
                        "application/octet-stream",
                        f"line {number}, file {part}",
                    )
                    for part, spec in enumerate(item.get("files", []), 1)
                )
                yield ParsedEvent(
                    datetime.fromisoformat(item["at"]).astimezone(UTC),
                    item["at"],
                    Channel.OTHER,
                    Kind.MESSAGE,
                    Direction.INCOMING,
                    item["from"],
                    (),
                    item["text"],
                    Locator("line", str(number)),
                    attachments=tuple(file.key for file in files),
                    embedded=files,
                    conversation=item.get("chat"),
                )


LOADED = [LoadedImporter(ThreadsImporter(), ImporterOrigin("tests:ThreadsImporter", "tests", "0"))]
PHOTO = b"\x89PNG fictional photo bytes" * 50
NOTE = b"a fictional note, sent as a file"


def message(chat: str | None, minute: int, text: str, *files: tuple[str, bytes]) -> dict[str, Any]:
    item: dict[str, Any] = {"at": f"2025-03-01T10:{minute:02d}:00+00:00", "from": "Casey Marsh", "text": text}
    if chat is not None:
        item["chat"] = chat
    if files:
        item["files"] = [{"name": name, "b64": base64.b64encode(data).decode()} for name, data in files]
    return item


def write(path: Path, items: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(item) + "\n" for item in items), encoding="utf-8")
    return path


def two_chats() -> list[dict[str, Any]]:
    return [
        message("chat-a", 0, "same words", ("photo.png", PHOTO)),
        message("chat-b", 0, "same words"),  # identical, in another chat: another event
        message("chat-a", 1, "second", ("note.txt", NOTE), ("copy.png", PHOTO)),
        message("chat-b", 2, "third"),
        message("chat-a", 3, "fourth"),
    ]


@pytest.fixture(params=["inline", "child"])
def reader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("CASETRAIL_IMPORT_READER", request.param)
    return str(request.param)


def test_embedded_files_become_exhibits_inside_the_file_linked_to_their_events(
    new_case: Case, tmp_path: Path, reader: str
) -> None:
    result = import_file(new_case, write(tmp_path / "export.threads", two_chats()), importers=LOADED)

    assert result.events_added == 5
    shown = {e.ref: e for e in list_exhibits(new_case)}
    assert set(shown) == {"RH/1", "RH/2", "RH/3"}  # the same photo twice is one exhibit
    assert result.new_exhibits == ["RH/1", "RH/2", "RH/3"]
    photo, note = shown["RH/2"], shown["RH/3"]
    assert (photo.original_name, photo.inside, photo.details["place"]) == (
        "photo.png",
        "RH/1",
        "line 1, file 1",
    )
    assert photo.sha256 == hashlib.sha256(PHOTO).hexdigest() and photo.size == len(PHOTO)
    assert note.sha256 == hashlib.sha256(NOTE).hexdigest()
    assert b"".join(new_case.blobs.read(photo.sha256)) == PHOTO
    attached = sorted(
        (e.text, sorted(e.attachments)) for e in timeline(new_case, TimelineFilter(), limit=None)
    )
    assert attached == [
        ("fourth", []),
        ("same words", []),
        ("same words", ["RH/2"]),
        ("second", ["RH/2", "RH/3"]),
        ("third", []),
    ]
    assert verify_case(new_case).ok


def test_each_chat_of_a_file_has_its_own_identities_and_import_row(
    new_case: Case, tmp_path: Path, reader: str
) -> None:
    first = import_file(new_case, write(tmp_path / "march.threads", two_chats()), importers=LOADED)
    assert (first.events_added, first.conversations) == (5, 2)
    texts = sorted(e.text for e in timeline(new_case, TimelineFilter(), limit=None))
    assert texts == ["fourth", "same words", "same words", "second", "third"]
    with new_case.reader.connect() as conn:
        rows = conn.execute(select(imports.c.events_added, imports.c.first_us, imports.c.last_us)).all()
    # The file's own row (no chat named: empty here), then one per chat with its time span.
    assert sorted(added for added, _first, _last in rows) == [0, 2, 3]
    assert all(first_us is not None and last_us is not None for added, first_us, last_us in rows if added)

    again = import_file(new_case, write(tmp_path / "copy.threads", two_chats()), importers=LOADED)
    assert (again.events_added, again.duplicates) == (0, 5)
    assert count_events(new_case) == 5


def test_a_later_export_lacking_a_message_flags_it_in_that_chat_only(
    new_case: Case, tmp_path: Path, reader: str
) -> None:
    import_file(new_case, write(tmp_path / "march.threads", two_chats()), importers=LOADED)
    later = [item for item in two_chats() if item["text"] != "second"]
    later.append(message("chat-b", 4, "fifth"))
    result = import_file(new_case, write(tmp_path / "june.threads", later), importers=LOADED)

    assert (result.events_added, result.missing_flagged) == (1, 1)
    flagged = [e.text for e in timeline(new_case, TimelineFilter(), limit=None) if MISSING in e.flags]
    assert flagged == ["second"]


def test_events_without_a_chat_belong_to_the_files_own_conversation(new_case: Case, tmp_path: Path) -> None:
    items = [message(None, 0, "plain"), message("chat-a", 1, "plain")]
    result = import_file(new_case, write(tmp_path / "mixed.threads", items), importers=LOADED)
    assert (result.events_added, result.conversations) == (2, 1)


def test_a_bad_line_after_embedded_files_leaves_the_case_unchanged(
    new_case: Case, tmp_path: Path, reader: str
) -> None:
    path = write(tmp_path / "broken.threads", two_chats())
    with path.open("a", encoding="utf-8") as out:
        out.write("{not json\n")
    before = table_hashes(new_case)
    blobs_before = new_case.blobs.all_names()
    with pytest.raises(InputError) as caught:
        import_file(new_case, path, importers=LOADED)
    assert (caught.value.file, caught.value.place) == ("broken.threads", "line 6")
    assert table_hashes(new_case) == before
    leftover = new_case.blobs.all_names() - blobs_before
    assert verify_case(new_case, repair=True).ok and leftover  # orphans of the refused import: repaired
    assert new_case.blobs.all_names() == blobs_before


def test_expunging_the_file_removes_its_embedded_files(new_case: Case, tmp_path: Path) -> None:
    import_file(new_case, write(tmp_path / "export.threads", two_chats()), importers=LOADED)
    with pytest.raises(CasetrailError, match="RH/1"):
        expunge(new_case, "RH/2", "test")  # a file inside another is removed with it, never alone
    expunge(new_case, "RH/1", "wrong person's export")
    assert count_events(new_case) == 0
    assert new_case.blobs.all_names() == {new_case.blobs.name_for(EMPTY_SHA256)}  # tombstones' content


def test_a_part_whose_type_holds_bytes_that_are_not_text_is_kept(new_case: Case, tmp_path: Path) -> None:
    """Found by the G-17 fuzz run: a MIME part's Content-Type with a stray byte (read by the e-mail
    parser as a lone surrogate) could not be sealed; it is now kept with U+FFFD in its place."""
    from casetrail.crypto.fields import storable

    message = (
        b"From: Casey <casey@example.com>\nTo: Robin <robin@example.org>\nSubject: photo\n"
        b"Date: Sat, 01 Mar 2025 20:00:00 +0000\nMessage-ID: <stray@example.com>\n"
        b'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b"\n\n'
        b"--b\nContent-Type: text/plain\n\nsee attached\n"
        b'--b\nContent-Type: t\xcbxt/html; name="a.html"\n'
        b'Content-Disposition: attachment; filename="a.html"\n\n'
        b"<p>x</p>\n--b--\n"
    )
    path = tmp_path / "stray.eml"
    path.write_bytes(message)
    import_file(new_case, path)
    inside = [e for e in list_exhibits(new_case) if e.inside]
    assert inside and all("\udccb" not in str(e.details.get("content_type")) for e in inside)
    assert storable("t\udccbxt/html") == "t\ufffdxt/html" and storable("\ud800x") == "?x"
    assert storable("plain") == "plain"
