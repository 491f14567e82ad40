"""Importer plugins: discovered through entry points; a broken one is reported, never fatal."""

from __future__ import annotations

from collections.abc import Iterator
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from casetrail.errors import UnknownFormat
from casetrail.importers import registry
from casetrail.importers.base import ImportContext, Importer, Sniff
from casetrail.ingest.source import Source
from casetrail.model.event import ParsedEvent


class NotesImporter(Importer):
    """A stand-in third-party importer."""

    name = "notes"

    def sniff(self, source: Source) -> Sniff:
        return Sniff(0.99, "notes") if source.head(6) == b"NOTES\n" else Sniff.no()

    def events(self, source: Source, context: ImportContext) -> Iterator[ParsedEvent]:
        return iter(())


def fake_entry_points(monkeypatch: pytest.MonkeyPatch, *points: EntryPoint) -> None:
    monkeypatch.setattr(registry, "entry_points", lambda group: list(points))


def test_built_in_importers_come_through_the_public_entry_points() -> None:
    loaded, broken = registry.discover()
    assert broken == []
    names = {entry.importer.name: entry.origin for entry in loaded}
    assert set(names) >= {"whatsapp", "diary"}
    assert names["whatsapp"].distribution == "casetrail"
    assert names["whatsapp"].entry_point == "casetrail.importers.whatsapp.importer:WhatsAppImporter"


def test_a_broken_plugin_is_reported_and_the_rest_still_load(monkeypatch: pytest.MonkeyPatch) -> None:
    good = EntryPoint("notes", f"{__name__}:NotesImporter", registry.GROUP)
    bad = EntryPoint("broken", "no_such_module_anywhere:Thing", registry.GROUP)
    not_importer = EntryPoint("wrong", "pathlib:Path", registry.GROUP)
    fake_entry_points(monkeypatch, bad, good, not_importer)
    loaded, broken = registry.discover()
    assert [entry.importer.name for entry in loaded] == ["notes"]
    assert [b.name for b in broken] == ["broken", "wrong"]
    assert "ModuleNotFoundError" in broken[0].error


def test_the_most_confident_importer_wins_and_unknown_files_are_named(tmp_path: Path) -> None:
    loaded, _ = registry.discover()
    plugin = registry.LoadedImporter(NotesImporter(), registry.ImporterOrigin("x:y", "third-party", "1"))
    notes = tmp_path / "a.notes"
    notes.write_bytes(b"NOTES\nhello\n")
    chosen, sniff = registry.choose(Source(notes), [*loaded, plugin])
    assert chosen.importer.name == "notes" and sniff.confidence == 0.99
    other = tmp_path / "holiday.rar"  # an archive format casetrail does not open
    other.write_bytes(b"Rar!\x1a\x07\x01\x00" + bytes(32))
    with pytest.raises(UnknownFormat, match=r"holiday\.rar.*no importer recognises"):
        registry.choose(Source(other), [*loaded, plugin])
