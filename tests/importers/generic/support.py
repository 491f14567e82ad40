"""Helpers for the generic-format tests."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from casetrail.importers.base import ImportContext
from casetrail.importers.generic import GenericImporter
from casetrail.ingest.source import Source
from casetrail.model.event import ParsedEvent

LONDON = ZoneInfo("Europe/London")
IMPORTER = GenericImporter()
HEAD = "# casetrail generic v1\ntime,channel,kind,direction,from,to,text,attachment,id,conversation,notes\n"


def read(path: Path) -> list[ParsedEvent]:
    source = Source(path)
    try:
        return list(IMPORTER.events(source, ImportContext(timezone=LONDON)))
    finally:
        source.close()


def confidence(path: Path) -> float:
    source = Source(path)
    try:
        return IMPORTER.sniff(source).confidence
    finally:
        source.close()


def write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("utf-8"))
    return path
