"""Helpers for the Telegram tests: read a file, write small exports in Telegram's own shape."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from casetrail.importers.base import ImportContext
from casetrail.importers.telegram.importer import TelegramImporter
from casetrail.ingest.source import Source
from casetrail.model.event import ParsedEvent

IMPORTER = TelegramImporter()
T0 = 1_744_485_000  # 2025-04-12T19:10:00Z


def read(path: Path, context: ImportContext | None = None) -> list[ParsedEvent]:
    context = context or ImportContext(ZoneInfo("UTC"))
    source = Source(path)
    try:
        return list(IMPORTER.events(source, context))
    finally:
        source.close()


def message(number: Any = 1, text: Any = "hello", at: int = T0, **fields: Any) -> dict[str, Any]:
    """One entry as Telegram Desktop writes it (``from``/``from_id`` default to Casey)."""
    row: dict[str, Any] = {"id": number, "type": "message", "date_unixtime": str(at)}
    row.setdefault("from", "Casey Marsh")
    row.setdefault("from_id", "user5550587")
    row.update(fields)
    row["text"] = text
    return row


def single_chat(path: Path, messages: list[dict[str, Any]], **top: Any) -> Path:
    """A single chat's export ("Export chat history"); ``top`` adds or replaces its own keys."""
    document = {"name": "Casey Marsh", "type": "personal_chat", "id": 5550587, **top, "messages": messages}
    path.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def account(path: Path, chats: list[dict[str, Any]], owner: int | None = 5550142, **top: Any) -> Path:
    """A whole account's export ("Export Telegram data")."""
    document: dict[str, Any] = {"about": "Here is the data you requested."}
    if owner is not None:
        document["personal_information"] = {"user_id": owner, "first_name": "Robin", "last_name": "Hale"}
    document["chats"] = {"about": "All your chats.", "list": chats}
    document.update(top)
    path.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
    return path
