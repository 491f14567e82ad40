"""Helpers for the X archive tests: read a file, write small data files the way X writes them.

No genuine direct-message or tweet file exists in the corpus (a GAP: the public ones hold real
people's private messages), so these follow the demo writer, whose structure follows the genuine
``account.js``/``follower.js`` samples and the fields X's archive README describes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from casetrail.demo.x_export import CASEY_ID, ONE_TO_ONE, ROBIN_ID, message, ytd
from casetrail.importers.base import ImportContext
from casetrail.importers.x_archive.importer import XArchiveImporter
from casetrail.ingest.source import Source
from casetrail.model.event import ParsedEvent

IMPORTER = XArchiveImporter()
ACCOUNT = {"account": {"accountId": ROBIN_ID, "username": "robin_hale_demo", "accountDisplayName": "Robin"}}
T = "2025-05-03T21:14:07.512Z"


def read(path: Path, context: ImportContext | None = None) -> list[ParsedEvent]:
    context = context or ImportContext(ZoneInfo("UTC"))
    source = Source(path)
    try:
        return list(IMPORTER.events(source, context))
    finally:
        source.close()


def read_with_notes(path: Path) -> tuple[list[ParsedEvent], list[str]]:
    context = ImportContext(ZoneInfo("UTC"))
    return read(path, context), context.notes


def dm_file(path: Path, entries: list[dict[str, Any]], conversation: Any = ONE_TO_ONE, **top: Any) -> Path:
    """A ``direct-messages.js`` holding one conversation."""
    body = {"conversationId": conversation, "messages": entries, **top}
    path.write_text(ytd("direct_messages", [{"dmConversation": body}]), encoding="utf-8")
    return path


def dm(text: Any = "hello", sender: str = CASEY_ID, recipient: Any = ROBIN_ID, **extra: Any) -> Any:
    """One ``messageCreate`` entry (number 0 unless ``number`` is given)."""
    number = extra.pop("number", 0)
    at = extra.pop("at", datetime(2025, 5, 3, 21, 14, 7, tzinfo=UTC))
    return message(number, sender, at, text, recipient, **extra)
