"""Through the store: discovery, re-imports de-duplicated, media linked, one message in two formats."""

from __future__ import annotations

import shutil
from pathlib import Path

from casetrail.demo.discord_export import (
    write_data_package,
    write_dce,
    write_dce_zip,
    write_large_dce,
)
from casetrail.importers.registry import discover
from casetrail.store.case import Case
from casetrail.store.importing import import_file
from casetrail.store.queries import TimelineFilter, timeline
from tests.helpers import count_events


def test_the_importer_loads_through_its_entry_point() -> None:
    loaded, broken = discover()
    assert broken == []
    names = {item.importer.name: item.origin.entry_point for item in loaded}
    assert names["discord"] == "casetrail.importers.discord.importer:DiscordImporter"


def test_importing_the_same_export_again_adds_nothing(tmp_path: Path, new_case: Case) -> None:
    path = tmp_path / "DM.json"
    write_dce(path)
    first = import_file(new_case, path)
    assert (first.importer, first.events_added, first.duplicates) == ("discord", 6, 0)
    assert first.conversations == 1
    copy = tmp_path / "again" / "DM.json"
    copy.parent.mkdir()
    shutil.copy(path, copy)
    second = import_file(new_case, copy)
    assert (second.events_added, second.duplicates) == (0, 6)
    assert count_events(new_case) == 6


def test_media_in_the_zip_become_attachments(tmp_path: Path, new_case: Case) -> None:
    path = tmp_path / "DM.zip"
    written = write_dce_zip(path)
    result = import_file(new_case, path)
    assert result.importer == "discord" and result.events_added == written.events
    assert len(result.new_exhibits) == 3  # the zip, the JSON and the photo
    events = timeline(new_case, TimelineFilter(), limit=None)
    assert len([e for e in events if e.attachments]) == 1


def test_the_stop_request_in_both_formats_is_one_event(tmp_path: Path, new_case: Case) -> None:
    dm, package = tmp_path / "DM.json", tmp_path / "package.zip"
    write_dce(dm)
    written = write_data_package(package)
    import_file(new_case, dm)
    result = import_file(new_case, package)
    assert result.conversations == 3
    # Robin's reply is in Casey's DM export and in Robin's own package: same channel, id and time.
    assert (result.events_added, result.duplicates) == (written.events - 1, 1)
    shown = [e for e in timeline(new_case, TimelineFilter(), limit=None) if "Please stop" in e.text]
    assert len(shown) == 1 and len(shown[0].sources) == 2


def test_a_large_export_imports(tmp_path: Path, new_case: Case) -> None:
    path = tmp_path / "large.json"
    write_large_dce(path, 2000)
    result = import_file(new_case, path)
    assert result.events_added == 2000
