"""Shared by the WhatsApp importer tests: read every event of a file, closing it afterwards."""

from __future__ import annotations

from pathlib import Path

from casetrail.importers.base import ImportContext
from casetrail.importers.whatsapp.importer import WhatsAppImporter
from casetrail.ingest.source import Source
from casetrail.model.event import ParsedEvent

IMPORTER = WhatsAppImporter()


def read_events(path: Path, context: ImportContext) -> list[ParsedEvent]:
    source = Source(path)
    try:
        return list(IMPORTER.events(source, context))
    finally:
        source.close()
