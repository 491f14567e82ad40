"""Signal chats, as the open-source exporters write them (Signal Desktop itself exports nothing).

Two shapes: a plain-text chat (``[2019-12-24, 12:23] Name: text``), and signal-export's output, a
folder per chat holding ``chat.md``, usually ``data.json`` and ``media/``, imported as a zip (each
chat folder is a conversation) or one chat's file on its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import ClassVar

from casetrail.errors import ArchiveTooLarge, InputError, UnsafeArchiveMember
from casetrail.importers.base import ImportContext, Importer, Sniff
from casetrail.importers.signal_events import Chat, json_events, text_events
from casetrail.importers.signal_text import HEADER
from casetrail.ingest.archive import SafeZip, is_metadata_member
from casetrail.ingest.source import Source
from casetrail.model.event import ParsedEvent

CHAT_MD = "chat.md"
DATA_JSON = "data.json"
_SNIFF_BYTES = 4096
_SNIFF_LINES = 5
_JSON_KEYS = (re.compile(r'"date"\s*:'), re.compile(r'"sender"\s*:'), re.compile(r'"body"\s*:'))


def _first_line(head: bytes) -> str | None:
    """The first non-blank line of the head (a few blank lines may come first)."""
    text = head.removeprefix(b"\xef\xbb\xbf").decode("utf-8", "replace")
    for line in text.split("\n")[:_SNIFF_LINES]:
        if line.strip():
            return line.rstrip("\r")
    return None


def _looks_json(line: str) -> bool:
    return line.lstrip().startswith("{") and all(key.search(line) for key in _JSON_KEYS)


def chat_folders(names: list[str]) -> dict[str, dict[str, str]]:
    """Chat folders in archive order, each with its ``chat.md`` and ``data.json`` members."""
    folders: dict[str, dict[str, str]] = {}
    for name in names:
        if is_metadata_member(name):
            continue
        folder, _, base = name.rpartition("/")
        if base in (CHAT_MD, DATA_JSON):
            folders.setdefault(folder, {})[base] = name
    return folders


def _conversations(folders: list[str]) -> dict[str, str | None]:
    """Each chat folder's conversation: its own name (signal-export names it after the chat), or the
    whole path when two folders share a name; a chat at the top of the zip has none of its own."""
    last = [folder.rpartition("/")[2] for folder in folders]
    return {
        folder: None if not folder else (name if last.count(name) == 1 else folder)
        for folder, name in zip(folders, last, strict=True)
    }


class SignalImporter(Importer):
    """signal-export folders (zipped) or one chat's ``chat.md``/``data.json``, and plain-text chats."""

    name: ClassVar[str] = "signal"
    version: ClassVar[str] = "1"
    description: ClassVar[str] = "Signal chats: signal-export output (zip, chat.md, data.json) or plain text"

    def sniff(self, source: Source) -> Sniff:
        try:
            if source.is_zip():
                return self._sniff_zip(source.archive())
            line = _first_line(source.head(_SNIFF_BYTES))
        except (UnsafeArchiveMember, ArchiveTooLarge):
            raise
        except InputError as exc:
            return Sniff.no(exc.problem)
        except (OSError, ValueError, EOFError) as exc:
            return Sniff.no(f"cannot be read ({exc})")
        if line is None:
            return Sniff.no("empty")
        if _looks_json(line):
            named = source.name.lower() == DATA_JSON
            return Sniff(0.95 if named else 0.85, "a JSON line with date, sender and body (signal-export)")
        match = HEADER.match(line)
        if match is None:
            return Sniff.no("the first line is not a Signal message line")
        markdown = source.name.lower().endswith(".md") or line.endswith("  ")
        if match["comma"] or not match["seconds"] or markdown:
            return Sniff(0.97, "starts with a Signal message line ([YYYY-MM-DD, HH:MM] Name:)")
        # [YYYY-MM-DD HH:MM:SS] in a .txt could be WhatsApp for iOS in a locale writing ISO dates.
        return Sniff(0.9, "starts with [YYYY-MM-DD HH:MM:SS] Name: (Signal, or WhatsApp in an ISO locale)")

    def _sniff_zip(self, archive: SafeZip) -> Sniff:
        folders = chat_folders(archive.names())
        chats = sum(1 for files in folders.values() if CHAT_MD in files)
        if not chats:
            return Sniff.no("no chat.md in the archive")
        return Sniff(0.95, f"{chats} signal-export chat folder(s) with chat.md")

    def events(self, source: Source, context: ImportContext) -> Iterator[ParsedEvent]:
        if source.is_zip():
            yield from self._archive_events(source, context)
            return
        chat = Chat(source.name, None, "", frozenset(), None, context.timezone)
        line = _first_line(source.head(_SNIFF_BYTES)) or ""
        read = json_events if _looks_json(line) else text_events
        with source.open() as stream:
            yield from read(stream, chat)

    def _archive_events(self, source: Source, context: ImportContext) -> Iterator[ParsedEvent]:
        archive = source.archive()
        names = archive.names()
        folders = chat_folders(names)
        if not any(CHAT_MD in files for files in folders.values()):
            raise InputError(source.name, None, "the archive holds no signal-export chat (chat.md)")
        members = frozenset(names)
        conversations = _conversations(list(folders))
        for folder, files in folders.items():
            member = files.get(DATA_JSON) or files[CHAT_MD]
            read = json_events if member == files.get(DATA_JSON) else text_events
            chat = Chat(source.name, member, folder, members, conversations[folder], context.timezone)
            with archive.open_member(member) as stream:
                yield from read(stream, chat)
