"""The Messenger and Instagram importers: one thread file, or a zip of a whole account's export.

Each thread file is read twice as a stream (``reading``): first for the thread's participants, title
and ``thread_path``, then message by message. For a zip, every thread's first pass runs before any
event is made, so the account's owner (the one person in every thread) is known for all of them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import partial
from typing import IO, ClassVar

from casetrail.errors import ArchiveTooLarge, InputError, UnsafeArchiveMember
from casetrail.importers.base import ImportContext, Importer, Sniff
from casetrail.importers.meta.layout import (
    MediaIndex,
    app_in_name,
    app_in_path,
    in_messages_folder,
    thread_files,
    thread_from_path,
)
from casetrail.importers.meta.mojibake import repair
from casetrail.importers.meta.reading import LongDigits, Place, ThreadHead, iter_messages, scan_thread
from casetrail.importers.meta.records import Thread, message_event
from casetrail.ingest.source import Source
from casetrail.model.event import Channel, ParsedEvent

_SNIFF_BYTES = 16384
_OPENS_OBJECT = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*\{")
_MESSAGE_KEYS = (re.compile(rb'"sender_name"\s*:'), re.compile(rb'"timestamp_ms"\s*:'))
_THREAD_KEYS = (re.compile(rb'"participants"\s*:\s*\['), re.compile(rb'"messages"\s*:\s*\['))
# What a file's first bytes say about the app. Keys are matched with their colon, so the same words
# inside a message (where quotes are escaped) do not count.
_STRONG = (
    (re.compile(rb'"uri"\s*:\s*"your_instagram_activity/'), Channel.INSTAGRAM),
    (re.compile(rb'"uri"\s*:\s*"your_facebook_activity/'), Channel.MESSENGER),
)
_WEAK = tuple(
    (re.compile(rb'"%s"\s*:' % key), Channel.MESSENGER)
    for key in (
        b"is_geoblocked_for_viewer",
        b"is_unsent_image_by_messenger_kid_parent",
        b"sender_id_INTERNAL",
        b"magic_words",
        b"thread_type",
    )
)
_NAMED = re.compile(r"message_[0-9]{1,9}\.json", re.IGNORECASE)
_NO_PARTICIPANTS = (
    "no participants list; the people who sent a message are taken as the thread's participants "
    "(someone who never wrote is missing from the recipients)."
)
_UNDECIDED_MARGIN = 0.05  # how much Instagram gives way to Messenger when nothing says which app


def _app_in_head(head: bytes, source: Source) -> Channel | None:
    for pattern, app in _STRONG:
        if pattern.search(head):
            return app
    found = app_in_path(source.path)
    if found is not None:
        return found
    return next((app for pattern, app in _WEAK if pattern.search(head)), None)


def _recognise_file(source: Source) -> tuple[float, str, Channel | None]:
    head = source.head(_SNIFF_BYTES)
    if not _OPENS_OBJECT.match(head):
        return 0.0, "not a JSON object", None
    if all(key.search(head) for key in _MESSAGE_KEYS):
        reason = "a JSON thread with sender_name and timestamp_ms"
        confidence = 0.93 if _NAMED.fullmatch(source.name) else 0.9
    elif all(key.search(head) for key in _THREAD_KEYS):
        reason, confidence = "a JSON object with participants and messages lists", 0.6
    else:
        return 0.0, "no Messenger or Instagram thread keys in the first bytes", None
    return confidence, reason, _app_in_head(head, source)


def _archive_app(names: list[str], source: Source) -> Channel | None:
    """The app named by the export's top folders, else by the zip's name or the folders above it."""
    apps = {_member_app(name) for name in names} - {None}
    if len(apps) == 1:
        return apps.pop()
    return app_in_path(source.path)


def _member_app(member: str) -> Channel | None:
    """The app a member's top folder names (a combined export holds both apps' folders)."""
    return app_in_name(member.split("/", 1)[0]) if "/" in member else None


def _recognise_zip(source: Source) -> tuple[float, str, Channel | None]:
    names = source.archive().names()
    threads = thread_files(names)
    if not threads:
        return 0.0, "no message_N.json thread files in the archive", None
    boxed = [name for name in threads if thread_from_path(name)]
    confidence = 0.9 if boxed else 0.5
    reason = f"{len(threads)} message_N.json thread file(s)" + (" in inbox-style folders" if boxed else "")
    return confidence, reason, _archive_app(names, source)


def _read_head(opener: Callable[[], IO[bytes]], place: Place) -> tuple[ThreadHead, bool]:
    """The first pass, with the careful parser when the file holds a very long run of digits."""
    try:
        with opener() as stream:
            return scan_thread(stream, place, careful=False), False
    except LongDigits:
        with opener() as stream:
            return scan_thread(stream, place, careful=True), True


def _names(head: ThreadHead) -> tuple[str, ...]:
    """Participants, or the distinct senders when the file lists none, repaired."""
    written = head.participants if head.participants else list(head.senders)
    return tuple(dict.fromkeys(repair(name) for name in written))


def conversation_of(head: ThreadHead, path: str) -> str | None:
    """The thread an event belongs to: ``thread_path``, else the thread folder, title or people."""
    if head.thread_path:
        return head.thread_path
    folder = thread_from_path(path)
    if folder:
        return folder
    if head.title:
        return f"title:{repair(head.title)}"
    names = _names(head)
    return f"people:{', '.join(sorted(names))}" if names else None


def account_owner(threads: dict[str, set[str]]) -> str | None:
    """The one person in every thread of a whole-account export (two threads at least), else None."""
    if len(threads) < 2:
        return None
    common = set.intersection(*threads.values())
    return common.pop() if len(common) == 1 else None


class MetaImporter(Importer):
    """What the two importers share; ``channel`` is the app assumed when nothing says which."""

    channel: ClassVar[Channel]

    def sniff(self, source: Source) -> Sniff:
        try:
            found = _recognise_zip(source) if source.is_zip() else _recognise_file(source)
        except (UnsafeArchiveMember, ArchiveTooLarge):
            raise
        except InputError as exc:
            return Sniff.no(exc.problem)
        except (OSError, ValueError, EOFError) as exc:
            return Sniff.no(f"cannot be read ({exc})")
        confidence, reason, app = found
        if confidence <= 0:
            return Sniff.no(reason)
        if app is self.channel:
            return Sniff(confidence, f"{reason}, from {self.channel}")
        if app is None:
            if self.channel is Channel.MESSENGER:
                return Sniff(confidence, f"{reason}; nothing says which app, Messenger assumed")
            return Sniff(confidence - _UNDECIDED_MARGIN, f"{reason}; nothing says which app")
        return Sniff(confidence / 2, f"{reason}, but it looks like {app}")

    def archive_members(self, source: Source) -> list[str]:
        """Only the ``messages`` folders (threads, their media, stickers): the rest of an account's
        export stays inside the zip's own exhibit."""
        if not source.is_zip():
            return []
        return [name for name in source.archive().names() if in_messages_folder(name)]

    def events(self, source: Source, context: ImportContext) -> Iterator[ParsedEvent]:
        if source.is_zip():
            yield from self._archive_events(source, context)
            return
        place = Place(source.name, None)
        head, careful = _read_head(source.open, place)
        app = _app_in_head(source.head(_SNIFF_BYTES), source) or self.channel
        path = source.path.as_posix()
        thread = Thread(app, conversation_of(head, path), _names(head), None, None, lambda uri: None)
        if not head.participants and head.senders:
            context.note(f"{source.name}: {_NO_PARTICIPANTS}")
        with source.open() as stream:
            for index, raw in iter_messages(stream, place, careful):
                yield message_event(raw, index, thread)

    def _archive_events(self, source: Source, context: ImportContext) -> Iterator[ParsedEvent]:
        archive = source.archive()
        names = archive.names()
        members = thread_files(names)
        if not members:
            raise InputError(source.name, None, "the archive holds no message_N.json thread files")
        app = _archive_app(names, source) or self.channel
        heads: dict[str, tuple[ThreadHead, bool]] = {}
        people: dict[str, set[str]] = {}
        for member in members:
            head, careful = _read_head(partial(archive.open_member, member), Place(source.name, member))
            heads[member] = (head, careful)
            key = conversation_of(head, member) or member
            people.setdefault(key, set()).update(_names(head))
        unlisted = sum(1 for head, _ in heads.values() if not head.participants and head.senders)
        if unlisted:
            context.note(f"{unlisted} thread file(s) in {source.name}: {_NO_PARTICIPANTS}")
        owner = account_owner(people)
        if owner is not None:
            context.note(
                f"{owner!r} is in every one of the {len(people)} threads, so the export is taken to be "
                "theirs: their messages are outgoing, everyone else's incoming."
            )
        media = MediaIndex(name for name in names if in_messages_folder(name))
        for member in members:
            head, careful = heads[member]
            thread = Thread(
                _member_app(member) or app,
                conversation_of(head, member) or member,
                _names(head),
                owner,
                member,
                media.find,
            )
            with archive.open_member(member) as stream:
                for index, raw in iter_messages(stream, Place(source.name, member), careful):
                    yield message_event(raw, index, thread)


class MessengerImporter(MetaImporter):
    name: ClassVar[str] = "messenger"
    version: ClassVar[str] = "1"
    description: ClassVar[str] = (
        'Facebook Messenger "Download your information" JSON (message_N.json, or the zip)'
    )
    channel: ClassVar[Channel] = Channel.MESSENGER


class InstagramImporter(MetaImporter):
    name: ClassVar[str] = "instagram"
    version: ClassVar[str] = "1"
    description: ClassVar[str] = 'Instagram "Download your information" JSON (message_N.json, or the zip)'
    channel: ClassVar[Channel] = Channel.INSTAGRAM
