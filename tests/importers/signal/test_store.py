"""Through the store: entry point, conversations per chat folder, photo linked, re-imports add nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

from casetrail.demo.signal_export import write_signal_export_zip, write_signal_text
from casetrail.importers.registry import discover
from casetrail.store.case import Case
from casetrail.store.importing import import_file
from casetrail.store.queries import TimelineFilter, timeline
from tests.helpers import count_events


def test_the_importer_loads_through_its_entry_point() -> None:
    loaded, broken = discover()
    assert broken == [] or all(b.name != "signal" for b in broken)
    names = {item.importer.name: item.origin.entry_point for item in loaded}
    assert names["signal"] == "casetrail.importers.signal:SignalImporter"


def test_the_zip_imports_with_its_photo_and_again_adds_nothing(tmp_path: Path, new_case: Case) -> None:
    written = write_signal_export_zip(tmp_path / "signal.zip")
    result = import_file(new_case, written.path)
    assert (result.importer, result.events_added, result.duplicates) == ("signal", 9, 0)
    assert result.conversations == 2
    events = timeline(new_case, TimelineFilter(), limit=None)
    assert len([e for e in events if e.attachments]) == 1
    again = import_file(new_case, written.path)
    assert (again.events_added, again.duplicates) == (0, 9)
    assert count_events(new_case) == 9


def test_a_plain_text_chat_imported_twice_is_one_set_of_events(tmp_path: Path, new_case: Case) -> None:
    written = write_signal_text(tmp_path / "Casey.txt")
    assert import_file(new_case, written.path).events_added == 4
    copy = tmp_path / "copy" / "Casey.txt"
    copy.parent.mkdir()
    shutil.copy(written.path, copy)
    again = import_file(new_case, copy)
    assert (again.events_added, again.duplicates) == (0, 4)
