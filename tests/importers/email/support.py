"""Helpers for the e-mail importer tests: read a file with the right importer, build messages."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from casetrail.importers.base import ImportContext
from casetrail.importers.email.eml import EmlImporter
from casetrail.importers.email.mbox import MboxImporter
from casetrail.ingest.source import Source
from casetrail.model.event import ParsedEvent


def read(path: Path) -> list[ParsedEvent]:
    """Every event of an .eml or .mbox file (chosen by the name), at importer level."""
    importer = MboxImporter() if path.suffix == ".mbox" else EmlImporter()
    return list(importer.events(Source(path), ImportContext(timezone=ZoneInfo("UTC"))))


def one(path: Path) -> ParsedEvent:
    events = read(path)
    assert len(events) == 1
    return events[0]


def message(*headers: str, body: str = "Hello.", newline: str = "\n") -> bytes:
    """A message from header lines and a body; Date, From and To are added unless given."""
    given = {line.split(":", 1)[0].lower() for line in headers}
    defaults = [
        f"{name}: {value}"
        for name, value in (
            ("From", "Casey Marsh <casey.marsh@example.com>"),
            ("To", "Robin Hale <robin.hale@example.org>"),
            ("Date", "Tue, 04 Mar 2025 21:14:00 +0000"),
        )
        if name.lower() not in given
    ]
    lines = [*defaults, *headers, "", *body.split("\n")]
    return newline.join(lines).encode("utf-8", "surrogateescape") + newline.encode()


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
