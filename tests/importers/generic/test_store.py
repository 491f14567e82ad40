"""Through the store: entry point, the zip's photo linked, re-imports and the JSON twin add nothing."""

from __future__ import annotations

from pathlib import Path

from casetrail.demo.generic_export import write_generic_csv, write_generic_json, write_generic_zip
from casetrail.importers.registry import discover
from casetrail.store.case import Case
from casetrail.store.importing import import_file
from casetrail.store.queries import TimelineFilter, timeline
from tests.helpers import count_events


def test_the_importer_loads_through_its_entry_point() -> None:
    loaded, _broken = discover()
    names = {item.importer.name: item.origin.entry_point for item in loaded}
    assert names["generic"] == "casetrail.importers.generic:GenericImporter"


def test_the_zip_links_its_photo_and_imports_once(tmp_path: Path, new_case: Case) -> None:
    written = write_generic_zip(tmp_path / "typed-up.zip")
    result = import_file(new_case, written.path)
    assert (result.importer, result.events_added) == ("generic", 5)
    assert len(result.new_exhibits) == 1 + 2  # the zip, the CSV, the photo
    linked = [e for e in timeline(new_case, TimelineFilter(), limit=None) if e.attachments]
    assert len(linked) == 1
    again = import_file(new_case, written.path)
    assert (again.events_added, again.duplicates) == (0, 5)


def test_the_same_events_as_json_after_csv_add_nothing(tmp_path: Path, new_case: Case) -> None:
    assert import_file(new_case, write_generic_csv(tmp_path / "e.csv").path).events_added == 5
    result = import_file(new_case, write_generic_json(tmp_path / "e.json").path)
    assert (result.importer, result.events_added, result.duplicates) == ("generic", 0, 5)
    assert count_events(new_case) == 5
