"""Through the store: discovery by entry point, re-imports de-duplicated, zip photos as attachments."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

from casetrail.demo.meta_export import write_account_zip
from casetrail.importers.registry import discover
from casetrail.store.case import Case
from casetrail.store.importing import import_file
from casetrail.store.queries import TimelineFilter, timeline
from tests.helpers import count_events
from tests.importers.meta.support import message, thread_file


def test_both_importers_load_through_their_entry_points() -> None:
    loaded, broken = discover()
    assert broken == []
    names = {item.importer.name: item.origin.entry_point for item in loaded}
    assert names["messenger"] == "casetrail.importers.meta.importer:MessengerImporter"
    assert names["instagram"] == "casetrail.importers.meta.importer:InstagramImporter"


def test_importing_the_same_thread_again_adds_nothing(tmp_path: Path, new_case: Case) -> None:
    path = thread_file(
        tmp_path / "message_1.json", [message(f"m{i}", at=1_744_485_000_000 - i) for i in range(5)]
    )
    first = import_file(new_case, path)
    assert (first.importer, first.events_added, first.duplicates) == ("messenger", 5, 0)
    copy = tmp_path / "again" / "message_1.json"
    copy.parent.mkdir()
    shutil.copy(path, copy)
    second = import_file(new_case, copy)
    assert (second.events_added, second.duplicates) == (0, 5)
    assert count_events(new_case) == 5


def test_zip_photos_become_attachments(tmp_path: Path, new_case: Case) -> None:
    path = tmp_path / "export.zip"
    written = write_account_zip(path, "messenger")
    result = import_file(new_case, path)
    assert result.importer == "messenger"
    assert result.events_added == 11
    assert len(result.new_exhibits) == 1 + len(written.thread_members) + len(written.photos)
    events = timeline(new_case, TimelineFilter(), limit=None)
    with_photos = [e for e in events if e.attachments]
    assert len(with_photos) == 2
    assert result.conversations == 2
    again = import_file(new_case, path)
    assert (again.events_added, again.duplicates) == (0, 11)


def test_a_thread_file_from_the_zip_joins_the_same_conversation(tmp_path: Path, new_case: Case) -> None:
    path = tmp_path / "export.zip"
    written = write_account_zip(path, "messenger")
    import_file(new_case, path)
    single = tmp_path / "message_1.json"
    with zipfile.ZipFile(path) as archive:
        single.write_bytes(archive.read(written.thread_members[0]))  # the Casey thread
    result = import_file(new_case, single)
    # All eight are found again, the photo message too: identities use the media uri, which the
    # lone file and the zip both write, not the member (a lone file has none).
    assert (result.events_added, result.duplicates) == (0, 8)


def test_the_photo_is_linked_when_the_zip_comes_after_the_lone_file(tmp_path: Path, new_case: Case) -> None:
    path = tmp_path / "export.zip"
    written = write_account_zip(path, "messenger")
    single = tmp_path / "message_1.json"
    with zipfile.ZipFile(path) as archive:
        single.write_bytes(archive.read(written.thread_members[0]))
    import_file(new_case, single)
    assert not [e for e in timeline(new_case, TimelineFilter(), limit=None) if e.attachments]
    import_file(new_case, path)
    shown = timeline(new_case, TimelineFilter(), limit=None)
    photos = [e for e in shown if e.attachments and e.sources[0]["exhibit"] == "RH/1"]  # Casey's thread
    assert len(photos) == 1 and "attachment-missing" in photos[0].flags  # as first read, from the lone file
    assert [s["exhibit"] for s in photos[0].sources] == ["RH/1", "RH/2"]
