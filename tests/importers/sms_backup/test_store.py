"""Through the store: discovery by entry point, atomic imports, and overlapping backups de-duplicated."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from casetrail.errors import InputError
from casetrail.importers.registry import choose, discover
from casetrail.importers.sms_backup import SmsBackupImporter
from casetrail.ingest.source import Source
from casetrail.store.case import Case
from casetrail.store.importing import import_file
from casetrail.store.queries import TimelineFilter, list_exhibits, timeline
from casetrail.store.verify import verify_case
from tests.helpers import count_events
from tests.importers.sms_backup.support import backup, call, sms

T0 = 1_740_000_000_000


def test_registry_discovers_and_chooses_it(corpus: Callable[[str], Path]) -> None:
    loaded, broken = discover()
    assert broken == []
    found = [item for item in loaded if item.importer.name == "sms-backup"]
    assert len(found) == 1
    assert isinstance(found[0].importer, SmsBackupImporter)
    chosen, _ = choose(Source(corpus("sms-backup/sms-backup-reader-2/sms_small.xml")), loaded)
    assert chosen.importer.name == "sms-backup"


@pytest.mark.parametrize("reader", ["inline", "child"])
def test_overlapping_backups_add_only_new_messages(
    tmp_path: Path, new_case: Case, reader: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CASETRAIL_IMPORT_READER", reader)
    older = [sms(T0 + i * 60_000, f"message {i}", kind=1 + i % 2) for i in range(6)]
    newer = [*older[3:], *(sms(T0 + i * 60_000, f"message {i}") for i in range(6, 9))]
    first = import_file(new_case, backup(tmp_path / "sms-20250219.xml", "smses", older))
    assert (first.importer, first.events_added, first.duplicates) == ("sms-backup", 6, 0)
    second = import_file(new_case, backup(tmp_path / "sms-20250601.xml", "smses", newer, count=9000))
    assert (second.events_added, second.duplicates) == (3, 3)
    assert any("9000" in note for note in second.notes)
    assert count_events(new_case) == 9


def test_calls_import(tmp_path: Path, new_case: Case) -> None:
    calls = [call(T0 + i, kind, duration=i) for i, kind in enumerate(range(1, 8))]
    result = import_file(new_case, backup(tmp_path / "calls-20250219.xml", "calls", calls))
    assert result.events_added == 7
    again = import_file(
        new_case, backup(tmp_path / "calls-20250301.xml", "calls", [*calls, call(T0 + 99, 3)])
    )
    assert (again.events_added, again.duplicates) == (1, 7)


def test_corpus_sample_imports(new_case: Case, corpus: Callable[[str], Path]) -> None:
    result = import_file(new_case, corpus("sms-backup/sms-backup-reader-2/e2e/sample_small.xml"))
    assert (result.events_added, result.duplicates) == (7, 0)


@pytest.mark.parametrize("reader", ["inline", "child"])
def test_truncated_backup_imports_nothing(
    new_case: Case, corpus: Callable[[str], Path], reader: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CASETRAIL_IMPORT_READER", reader)
    with pytest.raises(InputError) as caught:
        import_file(new_case, corpus("sms-backup/sms-backup-reader-2/sms_and_mms.xml"))
    assert caught.value.file == "sms_and_mms.xml"
    assert caught.value.place is not None and caught.value.place.startswith("line 136 column ")
    assert count_events(new_case) == 0


@pytest.mark.parametrize("reader", ["inline", "child"])
def test_mms_pictures_become_exhibits_inside_the_backup(
    new_case: Case, corpus: Callable[[str], Path], reader: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CASETRAIL_IMPORT_READER", reader)
    result = import_file(new_case, corpus("sms-backup/sms-backup-reader-2/e2e/sample_mms.xml"))
    assert result.new_exhibits == ["RH/1", "RH/2", "RH/3", "RH/4", "RH/5"]
    kept = {e.ref: e for e in list_exhibits(new_case) if e.inside == "RH/1"}
    assert [kept[ref].original_name for ref in sorted(kept)] == [
        "image.png",
        "video.mp4",
        "audio.mp3",
        "document.pdf",
    ]
    png = kept["RH/2"]
    assert png.sha256 == "6b7fa434f92a8b80aab02d9bf1a12e49ffcae424e4013a1c4f68b67e3d2bbcd0"
    assert (png.details["place"], png.details["content_type"]) == ("element mms 1, part 1", "image/png")
    attached = [e.attachments for e in timeline(new_case, TimelineFilter(), limit=None)]
    assert sorted(ref for refs in attached for ref in refs) == sorted(kept)
    assert verify_case(new_case).ok
    again = import_file(new_case, corpus("sms-backup/sms-backup-reader-2/e2e/sample_mms.xml"))
    assert (again.events_added, again.new_exhibits) == (0, [])
