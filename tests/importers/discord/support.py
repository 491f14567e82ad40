"""Helpers for the Discord tests: read a file, write small DiscordChatExporter exports and packages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from casetrail.importers.base import ImportContext
from casetrail.importers.discord.importer import DiscordImporter
from casetrail.ingest.source import Source
from casetrail.model.event import ParsedEvent

IMPORTER = DiscordImporter()
CHANNEL = "1290044455566677788"


def read(path: Path, context: ImportContext | None = None) -> list[ParsedEvent]:
    context = context or ImportContext(ZoneInfo("UTC"))
    source = Source(path)
    try:
        return list(IMPORTER.events(source, context))
    finally:
        source.close()


def author(name: str = "casey.m.again", discriminator: str = "0000", **fields: Any) -> dict[str, Any]:
    return {
        "id": "1290011122233344455",
        "name": name,
        "discriminator": discriminator,
        "isBot": False,
        **fields,
    }


def message(content: str = "hello", **fields: Any) -> dict[str, Any]:
    """A DiscordChatExporter message (the fields of its JSON writer; ``fields`` add or replace)."""
    return {
        "id": "1368334835646464000",
        "type": "Default",
        "timestamp": "2025-05-03T21:14:07.250+00:00",
        "timestampEdited": None,
        "callEndedTimestamp": None,
        "isPinned": False,
        "content": content,
        "author": author(),
        "attachments": [],
        "embeds": [],
        "stickers": [],
        "reactions": [],
        "mentions": [],
        **fields,
    }


def export(path: Path, messages: list[dict[str, Any]], kind: str = "DirectTextChat", **top: Any) -> Path:
    document: dict[str, Any] = {
        "guild": {"id": "0", "name": "Direct Messages", "iconUrl": ""},
        "channel": {"id": CHANNEL, "type": kind, "categoryId": "0", "category": "Private", "name": "casey"},
        "dateRange": {"after": None, "before": None},
        "messages": messages,
        "messageCount": len(messages),
        **top,
    }
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path
