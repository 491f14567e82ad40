"""Through the store: discovery, re-imports de-duplicated, the photo linked, conversations kept apart."""

from __future__ import annotations

import zipfile
from pathlib import Path

from casetrail.demo.x_export import write_x_archive
from casetrail.importers.registry import discover
from casetrail.store.case import Case
from casetrail.store.importing import import_file
from casetrail.store.queries import TimelineFilter, timeline
from tests.helpers import count_events


def test_the_importer_loads_through_its_entry_point() -> None:
    loaded, broken = discover()
    assert broken == []
    names = {item.importer.name: item.origin.entry_point for item in loaded}
    assert names["x-archive"] == "casetrail.importers.x_archive.importer:XArchiveImporter"


def test_the_archive_imports_once_with_its_photo_and_conversations(tmp_path: Path, new_case: Case) -> None:
    written = write_x_archive(tmp_path / "twitter-2025-06-01-abc.zip")
    result = import_file(new_case, written.path)
    assert (result.importer, result.events_added) == ("x-archive", written.events)
    # the zip, account.js, the two messages files, tweets.js and the photo
    assert len(result.new_exhibits) == 1 + 4 + len(written.media)
    assert result.conversations >= 2
    events = timeline(new_case, TimelineFilter(), limit=None)
    photos = [e for e in events if e.attachments]
    assert len(photos) == 1 and "Nice coat" in photos[0].text
    again = import_file(new_case, written.path)
    assert (again.events_added, again.duplicates) == (0, written.events)
    assert count_events(new_case) == written.events


def test_a_messages_file_from_the_zip_joins_the_same_conversation(tmp_path: Path, new_case: Case) -> None:
    written = write_x_archive(tmp_path / "archive.zip")
    import_file(new_case, written.path)
    single = tmp_path / "direct-messages.js"
    with zipfile.ZipFile(written.path) as archive:
        single.write_bytes(archive.read("data/direct-messages.js"))
    result = import_file(new_case, single)
    # Same message ids in the same conversation: nothing new, though the lone file names no owner.
    assert (result.events_added, result.duplicates) == (0, 5)
