"""Shared helpers for the SMS Backup & Restore importer tests."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from casetrail.importers.base import ImportContext
from casetrail.importers.sms_backup import SmsBackupImporter
from casetrail.ingest.source import Source
from casetrail.model.event import ParsedEvent

HEADER = "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n"


def read_context() -> ImportContext:
    return ImportContext(timezone=ZoneInfo("UTC"))


def read(path: Path) -> tuple[list[ParsedEvent], ImportContext]:
    context = read_context()
    return list(SmsBackupImporter().events(Source(path), context)), context


def backup(path: Path, root: str, records: list[str], count: int | None = None) -> Path:
    """A backup file with the given records under ``<smses>`` or ``<calls>``."""
    number = len(records) if count is None else count
    body = "\n".join(f"  {r}" for r in records)
    path.write_text(f'{HEADER}<{root} count="{number}">\n{body}\n</{root}>\n', encoding="utf-8")
    return path


def sms(
    date: int, body: str, kind: int = 1, address: str = "+447700900123", name: str = "Casey Marsh"
) -> str:
    return (
        f'<sms protocol="0" address="{address}" date="{date}" type="{kind}" subject="null" '
        f'body="{body}" readable_date="local {date}" contact_name="{name}" />'
    )


def call(
    date: int, kind: int, duration: int = 0, number: str = "+447700900123", name: str = "(Unknown)"
) -> str:
    return (
        f'<call number="{number}" duration="{duration}" date="{date}" type="{kind}" presentation="1" '
        f'readable_date="local {date}" contact_name="{name}" />'
    )
