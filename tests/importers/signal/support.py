"""Helpers for the Signal tests: read a file with the importer, in the demo case's time zone."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from casetrail.importers.base import ImportContext
from casetrail.importers.signal import SignalImporter
from casetrail.ingest.source import Source
from casetrail.model.event import ParsedEvent

LONDON = ZoneInfo("Europe/London")
IMPORTER = SignalImporter()


def read(path: Path, zone: ZoneInfo = LONDON) -> list[ParsedEvent]:
    source = Source(path)
    try:
        return list(IMPORTER.events(source, ImportContext(timezone=zone)))
    finally:
        source.close()


def confidence(path: Path) -> float:
    source = Source(path)
    try:
        return IMPORTER.sniff(source).confidence
    finally:
        source.close()
