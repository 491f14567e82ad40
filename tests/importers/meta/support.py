"""Helpers for the Messenger/Instagram tests: read a file with either importer, write small threads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from casetrail.demo.meta_export import mojibake
from casetrail.importers.base import ImportContext
from casetrail.importers.meta.importer import InstagramImporter, MessengerImporter, MetaImporter
from casetrail.ingest.source import Source
from casetrail.model.event import ParsedEvent

T0 = 1_744_485_000_000  # 2025-04-12T19:10:00Z
IMPORTERS: dict[str, MetaImporter] = {"messenger": MessengerImporter(), "instagram": InstagramImporter()}


def read(path: Path, app: str = "messenger", context: ImportContext | None = None) -> list[ParsedEvent]:
    context = context or ImportContext(ZoneInfo("UTC"))
    source = Source(path)
    try:
        return list(IMPORTERS[app].events(source, context))
    finally:
        source.close()


def thread_file(path: Path, messages: list[dict[str, Any]], **top: Any) -> Path:
    """A thread file with Meta's encoding of text; ``top`` adds or replaces top-level keys."""
    document: dict[str, Any] = {
        "participants": [{"name": "Casey Marsh"}, {"name": "Robin Hale"}],
        "messages": messages,
        "title": "Casey Marsh",
        "is_still_participant": True,
        "thread_path": "inbox/caseymarsh_1093847562",
        **top,
    }
    path.write_text(json.dumps(_encoded(document), ensure_ascii=True, indent=2), encoding="ascii")
    return path


def _encoded(value: Any) -> Any:
    if isinstance(value, str):
        return mojibake(value)
    if isinstance(value, list):
        return [_encoded(item) for item in value]
    if isinstance(value, dict):
        return {key: _encoded(item) for key, item in value.items()}
    return value


def message(text: str = "hello", sender: str = "Casey Marsh", at: int = T0, **fields: Any) -> dict[str, Any]:
    return {"sender_name": sender, "timestamp_ms": at, "content": text, **fields}
