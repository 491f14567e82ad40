"""The demo generator's SMS backups (used by the benchmark) read back exactly as they were written."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from casetrail.demo import write_large_sms_backup
from casetrail.demo.cast import EX_PARTNER
from casetrail.demo.sms_export import write_sms_backup
from casetrail.demo.whatsapp_export import ChatMessage
from casetrail.importers.base import ImportContext
from casetrail.importers.sms_backup import SmsBackupImporter
from casetrail.ingest.source import Source
from casetrail.model.event import Direction
from casetrail.store.case import Case
from casetrail.store.importing import import_file


def read(path: Path) -> list[object]:
    return list(SmsBackupImporter().events(Source(path), ImportContext(ZoneInfo("Europe/London"))))


def test_a_written_backup_reads_back_message_by_message(tmp_path: Path) -> None:
    them = EX_PARTNER
    messages = [
        ChatMessage(datetime(2025, 3, 30, 0, 59, 30), them.whatsapp_name, 'Quotes " and <tags> & ampersands'),
        ChatMessage(datetime(2025, 3, 30, 2, 0, 5), "Robin Hale", "two\nlines"),
        ChatMessage(datetime(2025, 3, 30, 2, 1, 0), None, "a system line is not an SMS"),
    ]
    path = tmp_path / "sms-demo.xml"
    assert write_sms_backup(path, messages, 2, them) == 2
    events = read(path)
    assert [(e.text, e.direction, e.occurred_at) for e in events] == [  # type: ignore[attr-defined]
        (messages[0].text, Direction.INCOMING, datetime(2025, 3, 30, 0, 59, 30, tzinfo=UTC)),  # GMT
        ("two\nlines", Direction.OUTGOING, datetime(2025, 3, 30, 1, 0, 5, tzinfo=UTC)),  # BST
    ]


def test_a_large_backup_imports_every_message_once(new_case: Case, tmp_path: Path) -> None:
    path = tmp_path / "sms-large.xml"
    assert write_large_sms_backup(path, 3000, seed=5) == 3000
    result = import_file(new_case, path)
    assert (result.importer, result.events_added, result.duplicates) == ("sms-backup", 3000, 0)
    second = tmp_path / "sms-again.xml"
    write_large_sms_backup(second, 3000, seed=5)
    assert second.read_bytes() == path.read_bytes()  # the same seed writes the same file
