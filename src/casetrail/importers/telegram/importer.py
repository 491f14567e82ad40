"""The Telegram importer: Telegram Desktop's JSON export, a lone ``result.json`` or a zip of the folder.

Each ``result.json`` is read twice as a stream (``reading``): first for its shape, the owner and each
chat's id, name and type, then one message at a time (``records`` makes the events). In a zip, media
paths are looked up among the members beside that ``result.json``; they are never opened as paths.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import IO, Any, ClassVar

from casetrail.errors import ArchiveTooLarge, InputError, UnsafeArchiveMember
from casetrail.importers.base import ImportContext, Importer, Sniff
from casetrail.importers.meta.reading import LongDigits, Place
from casetrail.importers.telegram.reading import (
    NAME_KEPT,
    ChatHead,
    ExportHead,
    iter_messages,
    plain_id,
    scan_export,
)
from casetrail.importers.telegram.records import PERSONAL, Chat, message_event
from casetrail.ingest.archive import is_metadata_member
from casetrail.ingest.source import Source
from casetrail.model.event import ParsedEvent

RESULT = "result.json"
_SNIFF_BYTES = 16384
_OPENS_OBJECT = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*\{")
# Keys matched with their colon and opening quote, so the same words inside a message's text (where
# quotes are escaped) do not count.
_STRONG = (
    re.compile(rb'"date_unixtime"\s*:\s*"[0-9]'),
    re.compile(rb'"text_entities"\s*:\s*\['),
    re.compile(rb'"(?:from|actor)_id"\s*:\s*"(?:user|channel|chat)[0-9]'),
    re.compile(
        rb'"type"\s*:\s*"(?:personal_chat|bot_chat|saved_messages|private_group|private_supergroup'
        rb'|public_supergroup|private_channel|public_channel)"'
    ),
)
_ACCOUNT = (re.compile(rb'"personal_information"\s*:\s*\{'), re.compile(rb'"user_id"\s*:'))
_WEAK = (
    re.compile(rb'"messages"\s*:\s*\['),
    re.compile(rb'"type"\s*:\s*"(?:message|service)"'),
    re.compile(rb'"date"\s*:\s*"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"'),
)
_MEDIA_FOLDERS = frozenset(
    {"photos", "files", "voice_messages", "video_files", "round_video_messages", "stickers", "contacts"}
)
_NO_MEDIA = (
    "holds {count} message(s) with media files, which a lone result.json does not carry (flagged "
    "'attachment-missing'). Import the zip of the whole export folder to keep them."
)


def recognise(head: bytes) -> tuple[float, str]:
    """How sure the first bytes of a file make us that it is a Telegram export, and why."""
    if not _OPENS_OBJECT.match(head):
        return 0.0, "not a JSON object"
    if any(pattern.search(head) for pattern in _STRONG):
        return 0.9, "JSON with Telegram's date_unixtime, text_entities, from_id or chat type"
    if all(pattern.search(head) for pattern in _ACCOUNT):
        return 0.85, "JSON with Telegram's personal_information and user_id"
    if all(pattern.search(head) for pattern in _WEAK):
        return 0.7, "JSON messages of type message/service with local ISO dates"
    return 0.0, "no Telegram export keys in the first bytes"


def result_files(names: list[str]) -> list[str]:
    """The zip's ``result.json`` members, at any depth, shallowest first."""
    found = [n for n in names if n.rsplit("/", 1)[-1] == RESULT and not is_metadata_member(n)]
    return sorted(found, key=lambda name: (name.count("/"), name))


def media_finder(names: set[str], member: str) -> Callable[[str], str | None]:
    """Look a path the export writes (``photos/photo_1@….jpg``) up beside ``member``, as text only."""
    folder = member.rsplit("/", 1)[0] + "/" if "/" in member else ""

    def find(path: str) -> str | None:
        relative = path.strip().replace("\\", "/").removeprefix("./")
        candidate = folder + relative
        return candidate if relative and candidate in names else None

    return find


def _text(value: Any) -> str | None:
    return value[:NAME_KEPT] if isinstance(value, str) and value else None


def _read_head(opener: Callable[[], IO[bytes]], place: Place) -> tuple[ExportHead, bool]:
    """The first pass, with the careful parser when the file holds a very long run of digits."""
    try:
        with opener() as stream:
            return scan_export(stream, place, careful=False), False
    except LongDigits:
        with opener() as stream:
            return scan_export(stream, place, careful=True), True


class TelegramImporter(Importer):
    name: ClassVar[str] = "telegram"
    version: ClassVar[str] = "1"
    description: ClassVar[str] = "Telegram Desktop JSON export (result.json, or a zip of the export folder)"

    def sniff(self, source: Source) -> Sniff:
        try:
            if source.is_zip():
                return self._sniff_zip(source)
            confidence, reason = recognise(source.head(_SNIFF_BYTES))
        except (UnsafeArchiveMember, ArchiveTooLarge):
            raise
        except InputError as exc:
            return Sniff.no(exc.problem)
        except (OSError, ValueError, EOFError) as exc:
            return Sniff.no(f"cannot be read ({exc})")
        return Sniff(confidence, reason) if confidence > 0 else Sniff.no(reason)

    def _sniff_zip(self, source: Source) -> Sniff:
        archive = source.archive()
        names = archive.names()
        results = result_files(names)
        if not results:
            return Sniff.no("no result.json in the archive")
        with archive.open_member(results[0]) as stream:
            confidence, reason = recognise(stream.read(_SNIFF_BYTES))
        if confidence <= 0:
            return Sniff.no(f"{results[0]}: {reason}")
        folders = {part for name in names for part in name.split("/")[:-1]} & _MEDIA_FOLDERS
        if folders:
            confidence = min(0.95, confidence + 0.05)
            reason += f"; beside {', '.join(sorted(folders))}"
        return Sniff(confidence, f"{results[0]}: {reason}")

    def events(self, source: Source, context: ImportContext) -> Iterator[ParsedEvent]:
        if not source.is_zip():
            place = Place(source.name, None)
            yield from self._export_events(source.open, place, None, context)
            return
        archive = source.archive()
        names = archive.names()
        results = result_files(names)
        if not results:
            raise InputError(source.name, None, "the archive holds no result.json")
        members = set(names)
        for member in results:
            place = Place(source.name, member)
            finder = media_finder(members, member)
            yield from self._export_events(partial(archive.open_member, member), place, finder, context)

    def _export_events(
        self,
        opener: Callable[[], IO[bytes]],
        place: Place,
        finder: Callable[[str], str | None] | None,
        context: ImportContext,
    ) -> Iterator[ParsedEvent]:
        head, careful = _read_head(opener, place)
        if not head.sections:
            problem = "the export holds no chats (choose the chats when exporting from Telegram Desktop)"
            raise place.error(None, problem)
        owner = plain_id(head.owner.get("user_id"))
        names = [_text(head.owner.get(key)) for key in ("first_name", "last_name")]
        export = _Export(head.single, owner, " ".join(n for n in names if n) or None, place, finder, context)
        without_media = 0
        for section, chats in head.sections:
            numbers = {id(chat): number for number, chat in enumerate(chats)}
            current: tuple[ChatHead, Chat] | None = None
            with opener() as stream:
                for chat_head, position, raw in iter_messages(stream, place, careful, section, chats):
                    if current is None or current[0] is not chat_head:
                        current = chat_head, export.chat(chat_head, numbers[id(chat_head)], section)
                    event = message_event(raw, position, current[1])
                    if finder is None and "attachment-missing" in event.flags:
                        without_media += 1
                    yield event
        if without_media:
            context.note(f"{place.file}: " + _NO_MEDIA.format(count=without_media))


@dataclass(frozen=True, slots=True)
class _Export:
    """What the chats of one ``result.json`` share."""

    single: bool
    owner: str | None  # the owner's user id, from ``personal_information``
    owner_name: str | None
    place: Place
    finder: Callable[[str], str | None] | None
    context: ImportContext

    def chat(self, head: ChatHead, number: int, section: str) -> Chat:
        """One chat's shared fields. Its conversation is its id; without one, its name; without
        either, its place in the list (a single chat's export then has none of its own)."""
        fields = head.fields
        chat_id = plain_id(fields.get("id"))
        name = _text(fields.get("name"))
        kind = _text(fields.get("type"))
        if chat_id is not None:
            conversation: str | None = chat_id
        elif name is not None:
            conversation = f"name:{name}"
        else:
            conversation = None if self.single else f"{section}/{number}"
        owner_name = self.owner_name
        if self.owner is None and kind in PERSONAL and name:
            # A personal chat's own export: the one sender who is not the chat's namesake (this
            # gives recipients only; the direction stays unknown, see the docs).
            others = [sender for sender in head.senders if sender != name]
            owner_name = others[0] if len(others) == 1 else None
        return Chat(
            conversation=conversation,
            chat_id=chat_id,
            name=name,
            type=kind,
            where=head.where,
            member=self.place.member,
            owner_id=f"user{self.owner}" if self.owner is not None else None,
            owner_name=owner_name,
            zone=self.context.timezone,
            find_media=self.finder,
        )
