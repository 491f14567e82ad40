"""The Discord importer: DiscordChatExporter JSON (a file, or a zip of them with their media) and
Discord's own data package (``package.zip``, or a ``messages.csv``/``messages.json`` from it).

Both formats give every message its Discord id, so both write the same identity for it
(``discord|<channel id>|<message id>``): a message read from both is one event.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterator
from functools import partial
from typing import IO, ClassVar
from urllib.parse import unquote

from casetrail.errors import ArchiveTooLarge, InputError, UnsafeArchiveMember
from casetrail.importers.base import ImportContext, Importer, Sniff
from casetrail.importers.discord.common import display_name, short
from casetrail.importers.discord.dce_reading import ChatHead, scan_chat
from casetrail.importers.discord.dce_records import DIRECT_CHATS, ChatInfo, message_event
from casetrail.importers.discord.package import (
    CHANNEL_FILE,
    INDEX_FILE,
    USER_FILE,
    ChannelFiles,
    Owner,
    PackageChannel,
    channel_folders,
    csv_rows,
    describe_channel,
    index_member,
    json_rows,
    owner_of,
    package_event,
    read_flat,
    user_member,
)
from casetrail.importers.meta.reading import LongDigits, Place, iter_messages
from casetrail.ingest.archive import SafeZip, is_metadata_member
from casetrail.ingest.source import Source
from casetrail.model.event import Locator, ParsedEvent

_SNIFF_BYTES = 16384
_PEEKED = 32  # JSON members of a zip looked into when recognising it
_OPENS_OBJECT = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*\{")
_GUILD = re.compile(rb'"guild"\s*:\s*\{')
_CHANNEL = re.compile(rb'"channel"\s*:\s*\{')
_MESSAGES = re.compile(rb'"messages"\s*:\s*\[')
_CHANNEL_KIND = re.compile(rb'"type"\s*:\s*"(?:Direct|Guild)[A-Za-z]*"')
_PACKAGE_JSON = re.compile(rb'\A(?:\xef\xbb\xbf)?\s*\[\s*(?:\{\s*"ID"\s*:|\]\s*\Z)')
_PACKAGE_CSV = re.compile(rb"\A(?:\xef\xbb\xbf)?\"?id\"?,\"?timestamp\"?,\"?contents\"?", re.IGNORECASE)
_CHANNEL_FOLDER = re.compile(r"c?([0-9]{1,20})", re.IGNORECASE)


def _dce_head(head: bytes) -> float:
    """How much the first bytes look like a DiscordChatExporter JSON export (0: not at all)."""
    if not _OPENS_OBJECT.match(head) or not (_GUILD.search(head) and _CHANNEL.search(head)):
        return 0.0
    return 0.95 if _MESSAGES.search(head) and _CHANNEL_KIND.search(head) else 0.75


def _peek(archive: SafeZip, member: str) -> bytes:
    with archive.open_member(member) as stream:
        return stream.read(_SNIFF_BYTES)


def _json_candidates(names: list[str]) -> list[str]:
    """JSON members that could be DiscordChatExporter exports (not a data package's own files)."""
    return [
        name
        for name in names
        if name.lower().endswith(".json")
        and not is_metadata_member(name)
        and not (CHANNEL_FILE.fullmatch(name) or INDEX_FILE.fullmatch(name) or USER_FILE.fullmatch(name))
    ]


def _lone_package_file(source: Source) -> float:
    """A ``messages.csv`` or ``messages.json`` taken out of a data package, judged by name and start."""
    name = source.name.lower()
    if name not in ("messages.csv", "messages.json"):
        return 0.0
    head = source.head(256)
    pattern = _PACKAGE_CSV if name == "messages.csv" else _PACKAGE_JSON
    return 0.9 if pattern.match(head) else 0.0


class _MediaFinder:
    """The zip member a DiscordChatExporter ``--media`` path names, relative to the export file."""

    def __init__(self, names: set[str], member: str) -> None:
        self.names = names
        self.folder = member.rsplit("/", 1)[0] if "/" in member else ""

    def __call__(self, url: str) -> str | None:
        if "://" in url or not url.strip():
            return None
        for written in dict.fromkeys((url, unquote(url))):
            cleaned = written.strip().replace("\\", "/")
            if ".." in cleaned.split("/") or cleaned.startswith("/"):
                continue  # DiscordChatExporter writes paths below the export's folder only
            joined = posixpath.normpath(posixpath.join(self.folder, cleaned))
            if joined in self.names:
                return joined
        return None


def _no_media(url: str) -> str | None:
    return None


def _read_head(opener: Callable[[], IO[bytes]], place: Place) -> tuple[ChatHead, bool]:
    """The first pass, with the careful parser when the file holds a very long run of digits."""
    try:
        with opener() as stream:
            return scan_chat(stream, place, careful=False), False
    except LongDigits:
        with opener() as stream:
            return scan_chat(stream, place, careful=True), True


def _chat_info(
    head: ChatHead, place: Place, finder: Callable[[str], str | None], context: ImportContext
) -> ChatInfo:
    channel_id = head.channel.get("id")
    if not channel_id:
        raise place.error(None, "the export names no channel (its 'channel' has no 'id')")
    kind = head.channel.get("type")
    direct = kind in DIRECT_CHATS
    shared: dict[str, str] = {}
    if kind:
        shared["channel_type"] = short(kind, 40)
    if head.channel.get("name"):
        shared["channel_name"] = short(head.channel["name"])
    if not direct:
        for key, label in (("name", "guild_name"), ("id", "guild_id")):
            if head.guild.get(key):
                shared[label] = short(head.guild[key])
        if head.channel.get("category"):
            shared["category"] = short(head.channel["category"])
    participants = tuple(
        (key, display_name(name, discriminator) or short(key))
        for key, (name, discriminator) in head.authors.items()
    )
    return ChatInfo(
        short(channel_id, 40), direct, participants, shared, place.member, finder, context.timezone
    )


class DiscordImporter(Importer):
    name: ClassVar[str] = "discord"
    version: ClassVar[str] = "1"
    description: ClassVar[str] = (
        "Discord: DiscordChatExporter JSON (file or zip), or Discord's own data package (package.zip)"
    )

    def sniff(self, source: Source) -> Sniff:
        try:
            return self._sniff_zip(source) if source.is_zip() else self._sniff_file(source)
        except (UnsafeArchiveMember, ArchiveTooLarge):
            raise
        except InputError as exc:
            return Sniff.no(exc.problem)
        except (OSError, ValueError, EOFError) as exc:
            return Sniff.no(f"cannot be read ({exc.__class__.__name__})")

    def _sniff_file(self, source: Source) -> Sniff:
        confidence = _dce_head(source.head(_SNIFF_BYTES))
        if confidence:
            return Sniff(confidence, "a JSON object with DiscordChatExporter's guild, channel and messages")
        if _lone_package_file(source):
            return Sniff(0.9, f"{source.name} from a Discord data package")
        return Sniff.no("no DiscordChatExporter or data package layout")

    def _sniff_zip(self, source: Source) -> Sniff:
        names = source.archive().names()
        folders = channel_folders(names)
        if folders:
            sure = index_member(names) is not None or any(f.meta for f in folders)
            return Sniff(0.9 if sure else 0.75, f"a Discord data package ({len(folders)} channel folder(s))")
        for member in _json_candidates(names)[:_PEEKED]:
            if _dce_head(_peek(source.archive(), member)):
                return Sniff(0.9, "a zip holding DiscordChatExporter JSON exports")
        return Sniff.no("no Discord data package folders or DiscordChatExporter JSON in the archive")

    def archive_members(self, source: Source) -> list[str]:
        """For a data package only its message files and ``user.json`` (the rest, such as activity
        logs, stays inside the zip's own exhibit); for a zip of exports, every member."""
        if not source.is_zip():
            return []
        names = source.archive().names()
        if not channel_folders(names):
            return super().archive_members(source)
        return [
            name
            for name in names
            if CHANNEL_FILE.fullmatch(name) or INDEX_FILE.fullmatch(name) or USER_FILE.fullmatch(name)
        ]

    def events(self, source: Source, context: ImportContext) -> Iterator[ParsedEvent]:
        if not source.is_zip():
            if _lone_package_file(source) and not _dce_head(source.head(_SNIFF_BYTES)):
                yield from self._lone_package_events(source, context)
            else:
                yield from self._chat_events(source.open, Place(source.name, None), _no_media, context)
            return
        archive = source.archive()
        names = archive.names()
        if channel_folders(names):
            yield from self._package_events(source, names, context)
            return
        exports = [member for member in _json_candidates(names) if _dce_head(_peek(archive, member))]
        if not exports:
            raise InputError(
                source.name, None, "the archive holds no DiscordChatExporter export or data package"
            )
        known = set(names)
        for member in exports:
            opener = partial(archive.open_member, member)
            yield from self._chat_events(
                opener, Place(source.name, member), _MediaFinder(known, member), context
            )

    def _chat_events(
        self,
        opener: Callable[[], IO[bytes]],
        place: Place,
        finder: Callable[[str], str | None],
        context: ImportContext,
    ) -> Iterator[ParsedEvent]:
        head, careful = _read_head(opener, place)
        chat = _chat_info(head, place, finder, context)
        label = place.file if place.member is None else f"{place.file} ({place.member})"
        if head.message_count is not None and head.message_count != str(head.messages):
            context.note(
                f"{label}: 'messageCount' says {head.message_count} but the file holds "
                f"{head.messages} messages; all {head.messages} were imported."
            )
        with opener() as stream:
            for index, raw in iter_messages(stream, place, careful):
                yield message_event(raw, index, chat)

    def _package_events(
        self, source: Source, names: list[str], context: ImportContext
    ) -> Iterator[ParsedEvent]:
        archive = source.archive()
        owner = Owner()
        user = user_member(names)
        if user is not None:
            owner = owner_of(read_flat(partial(archive.open_member, user), Place(source.name, user)))
        if owner.shown is None:
            context.note(
                f"{source.name}: no account/user.json with a username, so the owner's messages have no "
                "sender name (they are still all outgoing)."
            )
        index_name = index_member(names)
        index = (
            read_flat(partial(archive.open_member, index_name), Place(source.name, index_name))
            if index_name
            else {}
        )
        for files in channel_folders(names):
            meta = (
                read_flat(partial(archive.open_member, files.meta), Place(source.name, files.meta))
                if files.meta
                else {}
            )
            channel = describe_channel(files, meta, index, owner)
            yield from self._channel_rows(source.name, files, channel, partial(archive.open_member))

    def _channel_rows(
        self,
        file: str,
        files: ChannelFiles,
        channel: PackageChannel,
        opener: Callable[[str], IO[bytes]],
        *,
        lone: bool = False,
    ) -> Iterator[ParsedEvent]:
        """A channel's messages: ``messages.json`` when the folder has one, else ``messages.csv``."""
        if files.messages_json is not None:
            name = files.messages_json
            member = None if lone else name
            for index, row in json_rows(partial(opener, name), Place(file, member)):
                yield package_event(row, Locator("json-pointer", f"/{index}", member), channel, [])
        elif files.messages_csv is not None:
            name = files.messages_csv
            member = None if lone else name
            for lines, row in csv_rows(partial(opener, name), Place(file, member)):
                yield package_event(row, Locator("line", lines, member), channel, [])

    def _lone_package_events(self, source: Source, context: ImportContext) -> Iterator[ParsedEvent]:
        """A ``messages.csv``/``messages.json`` on its own: the channel is the folder it sits in."""
        folder = source.path.parent.name
        found = _CHANNEL_FOLDER.fullmatch(folder)
        if found is None:
            problem = (
                "cannot tell which channel this is: keep the file in its c<channel id> folder, "
                "or import the whole package.zip"
            )
            raise InputError(source.name, None, problem)
        context.note(
            f"{source.name}: read on its own, without the package's account/user.json and channel.json, "
            "so the owner's messages have no sender name and the channel no name."
        )
        files = ChannelFiles(found.group(1), folder)
        if source.name.lower() == "messages.json":
            files.messages_json = source.name
        else:
            files.messages_csv = source.name
        channel = describe_channel(files, {}, {}, Owner())
        yield from self._channel_rows(source.name, files, channel, lambda name: source.open(), lone=True)
