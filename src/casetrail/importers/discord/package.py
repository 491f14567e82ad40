"""Discord's own data package ("Request all of my data"): the messages the account's owner sent.

The package holds ``messages/index.json`` (channel id → a name), and per channel a folder
``messages/c<id>/`` with ``channel.json`` and the messages in ``messages.json`` (newer packages) or
``messages.csv`` (older). Package versions differ in case and prefix (``Messages/``, ``c123`` or
``123``), so folders are matched loosely. Every message in it was written by the owner.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any
from zoneinfo import ZoneInfo

from casetrail.importers.discord.common import (
    display_name,
    parse_time,
    settle_time,
    short,
    source_id,
    text_of,
)
from casetrail.importers.meta.reading import MAX_DEPTH, LongDigits, Place, Stream, json_errors, parser
from casetrail.model.event import Channel, Direction, Kind, Locator, ParsedEvent

CHANNEL_FILE = re.compile(
    r"(?P<root>(?:.*/)?)messages/(?P<folder>c?(?P<id>[0-9]{1,20}))/"
    r"(?P<file>channel\.json|messages\.json|messages\.csv)",
    re.IGNORECASE,
)
INDEX_FILE = re.compile(r"(?P<root>(?:.*/)?)messages/index\.json", re.IGNORECASE)
USER_FILE = re.compile(r"(?:.*/)?account/user\.json", re.IGNORECASE)
_DM_NAME = re.compile(r"Direct Message with (.+)", re.DOTALL)
CHANNEL_TYPES = {
    "0": "server text channel",
    "1": "direct message",
    "2": "server voice channel",
    "3": "group direct message",
    "5": "server announcement channel",
    "10": "thread",
    "11": "thread",
    "12": "private thread",
    "13": "stage channel",
    "15": "forum",
}
DIRECT_TYPES = frozenset({"1", "3"})
SMALL_DEPTH = 4  # index.json, channel.json and user.json nest at most two levels
LIST_KEPT = 1000  # recipients kept from channel.json
CSV_COLUMNS = ("id", "timestamp", "contents", "attachments")
_UTC = ZoneInfo("UTC")  # the package writes its times in UTC, with or without an offset


@dataclass
class ChannelFiles:
    """One channel folder of the package: its id and the members found in it."""

    channel_id: str
    folder: str
    meta: str | None = None
    messages_json: str | None = None
    messages_csv: str | None = None


@dataclass
class Owner:
    """The package's owner, from ``account/user.json`` when the package has it."""

    shown: str | None = None
    user_id: str | None = None


@dataclass(frozen=True, slots=True)
class PackageChannel:
    """What every event of one channel shares."""

    channel_id: str
    owner: Owner
    recipients: tuple[str, ...]
    shared: dict[str, str] = field(default_factory=dict)


def channel_folders(names: list[str]) -> list[ChannelFiles]:
    """The package's channel folders with their files, in folder order."""
    found: dict[str, ChannelFiles] = {}
    for name in names:
        match = CHANNEL_FILE.fullmatch(name)
        if match is None:
            continue
        folder = name.rsplit("/", 1)[0]
        files = found.setdefault(folder, ChannelFiles(match["id"], folder))
        kind = match["file"].lower()
        if kind == "channel.json":
            files.meta = name
        elif kind == "messages.json":
            files.messages_json = name
        else:
            files.messages_csv = name
    return sorted(found.values(), key=lambda files: (len(files.channel_id), files.channel_id, files.folder))


def index_member(names: list[str]) -> str | None:
    return next((name for name in names if INDEX_FILE.fullmatch(name)), None)


def user_member(names: list[str]) -> str | None:
    return next((name for name in names if USER_FILE.fullmatch(name)), None)


# --- small JSON files: index.json, channel.json, user.json -------------------------------------------


def _flat(raw: IO[bytes], place: Place, careful: bool) -> dict[str, Any]:
    """A small JSON object as ``key`` → text, ``key.sub`` → text and ``key[]`` → list of texts.

    Walked by hand with a depth limit: these files are tiny, but a hostile one must not exhaust memory.
    """
    stream = Stream(raw, guard=not careful)
    found: dict[str, Any] = {}
    path: list[str | None] = []
    with json_errors(place, stream, lambda: None):
        for event, value in parser(careful).basic_parse(stream):
            if event == "map_key":
                path[-1] = value
            elif event in ("start_map", "start_array"):
                if not path and event != "start_map":
                    raise place.error(None, "not a JSON object")
                if len(path) >= SMALL_DEPTH:
                    raise place.error(None, f"nested more than {SMALL_DEPTH} levels deep")
                if len(path) == 1 and event == "start_array" and path[0] is not None:
                    found[f"{path[0]}[]"] = []
                path.append(None if event == "start_map" else "[]")
            elif event in ("end_map", "end_array"):
                path.pop()
            elif len(path) == 1 and path[0] is not None:
                found[path[0]] = text_of(value)
            elif len(path) == 2 and path[0] is not None and path[1] is not None:
                written = text_of(value)
                if path[1] == "[]":
                    kept = found.get(f"{path[0]}[]")
                    if isinstance(kept, list) and written is not None and len(kept) < LIST_KEPT:
                        kept.append(written)
                else:
                    found[f"{path[0]}.{path[1]}"] = written
    return found


def read_flat(opener: Callable[[], IO[bytes]], place: Place) -> dict[str, Any]:
    try:
        with opener() as raw:
            return _flat(raw, place, careful=False)
    except LongDigits:
        with opener() as raw:
            return _flat(raw, place, careful=True)


def owner_of(user: dict[str, Any]) -> Owner:
    discriminator = user.get("discriminator")
    return Owner(display_name(user.get("username"), discriminator), user.get("id"))


def describe_channel(
    files: ChannelFiles, meta: dict[str, Any], index: dict[str, Any], owner: Owner
) -> PackageChannel:
    """The shared details of a channel from ``channel.json`` and the index's name for it."""
    shared: dict[str, str] = {}
    kind = meta.get("type")
    if kind is not None:
        shared["channel_type"] = CHANNEL_TYPES.get(kind, short(kind, 20))
    named = index.get(files.channel_id)
    if named:
        shared["channel_name"] = short(named)
    elif meta.get("name"):
        shared["channel_name"] = short(meta["name"])
    if meta.get("guild.name"):
        shared["guild_name"] = short(meta["guild.name"])
    if meta.get("guild.id"):
        shared["guild_id"] = short(meta["guild.id"], 40)
    others = [short(user, 40) for user in meta.get("recipients[]") or [] if user != owner.user_id]
    if others:
        shared["recipient_ids"] = ", ".join(others)
    recipients: tuple[str, ...] = ()
    direct = kind in DIRECT_TYPES or (kind is None and meta.get("recipients[]") and not meta.get("guild.id"))
    dm_name = _DM_NAME.fullmatch(named) if isinstance(named, str) else None
    if direct and dm_name:
        recipients = (short(dm_name.group(1)),)
    if owner.user_id:
        shared["author_id"] = short(owner.user_id, 40)
    if owner.shown is None:
        shared["sent_by"] = "the package's owner (the package has no account/user.json)"
    return PackageChannel(files.channel_id, owner, recipients, shared)


# --- messages.json and messages.csv --------------------------------------------------------------------


def _json_rows(raw: IO[bytes], place: Place, careful: bool) -> Iterator[tuple[int, dict[str, Any]]]:
    """Each message object of ``messages.json`` (a list), built one at a time with a depth limit."""
    stream = Stream(raw, guard=not careful)
    index = 0
    with json_errors(place, stream, lambda: f"json-pointer /{index}"):
        events = parser(careful).basic_parse(stream)
        first = next(events, ("", None))
        if first[0] != "start_array":
            raise place.error(None, "not a Discord messages.json (the file is not a JSON list)")
        stack: list[Any] = []
        keys: list[Any] = []
        for event, value in events:
            if event == "map_key":
                keys[-1] = value
                continue
            if not stack:
                if event == "end_array":
                    continue  # the list's end: anything after it is the parser's to refuse
                if event != "start_map":
                    raise place.error(f"json-pointer /{index}", "a message is not a JSON object")
                stack.append({})
                keys.append(None)
            elif event in ("start_map", "start_array"):
                if len(stack) >= MAX_DEPTH:
                    raise place.error(f"json-pointer /{index}", f"nested more than {MAX_DEPTH} levels deep")
                new: Any = {} if event == "start_map" else []
                _put(stack[-1], keys[-1], new)
                stack.append(new)
                keys.append(None)
            elif event in ("end_map", "end_array"):
                done = stack.pop()
                keys.pop()
                if not stack:
                    yield index, done
                    index += 1
            else:
                _put(stack[-1], keys[-1], value)


def _put(container: Any, key: Any, value: Any) -> None:
    if isinstance(container, list):
        container.append(value)
    else:
        container[key] = value


def json_rows(opener: Callable[[], IO[bytes]], place: Place) -> Iterator[tuple[int, dict[str, Any]]]:
    """The rows, read again with the careful parser (skipping those given) if a long number turns up."""
    given = 0
    try:
        with opener() as raw:
            for index, row in _json_rows(raw, place, careful=False):
                yield index, row
                given += 1
    except LongDigits:
        with opener() as raw:
            for index, row in _json_rows(raw, place, careful=True):
                if index >= given:
                    yield index, row


def csv_rows(opener: Callable[[], IO[bytes]], place: Place) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each row of ``messages.csv`` with the lines it spans; ``Contents`` may hold newlines."""
    with opener() as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="")
        reader = csv.reader(text)
        last = 0
        try:
            header = [column.strip().lower() for column in next(reader, [])]
            if header[:2] != list(CSV_COLUMNS[:2]) or "contents" not in header:
                raise place.error("line 1", "not a Discord messages.csv (no ID,Timestamp,Contents header)")
            last = reader.line_num
            for row in reader:
                lines = f"{last + 1}" if reader.line_num == last + 1 else f"{last + 1}-{reader.line_num}"
                last = reader.line_num
                if not row:
                    continue
                yield lines, dict(zip(header, row, strict=False))
        except csv.Error as error:
            problem = str(error)[:80]
            raise place.error(f"line {last + 1}", f"not a readable CSV row ({problem})") from None


def package_event(
    row: dict[str, Any], locator: Locator, channel: PackageChannel, flags: list[str]
) -> ParsedEvent:
    """One message the owner sent, from a row of either file (keys in any case)."""
    fields = {str(key).lower(): value for key, value in row.items()}
    details = dict(channel.shared)
    unreadable = [key for key in CSV_COLUMNS if fields.get(key) is not None and text_of(fields[key]) is None]
    message_id = text_of(fields.get("id"))
    written_at, written, _ = parse_time(fields.get("timestamp"), _UTC)
    occurred = settle_time(written_at, message_id, flags, details)
    content = text_of(fields.get("contents")) or ""
    if "\ufffd" in content:
        flags.append("undecodable-bytes")
    urls = (text_of(fields.get("attachments")) or "").split()
    shown = [f"[attachment: {short(url.rsplit('/', 1)[-1].split('?', 1)[0])}]" for url in urls]
    if urls:
        details["attachments_not_kept"] = "\n".join(urls)
        flags.append("attachment-not-kept")
    if unreadable:
        details["unreadable_fields"] = ", ".join(unreadable)
        flags.append("field-unreadable")
    identity = source_id(channel.channel_id, message_id, content or "")
    if identity:
        details["source_id"] = identity
        details["message_key"] = identity.rsplit("|", 1)[0]  # the id without the hash of the words
    return ParsedEvent(
        occurred_at=occurred,
        local_time=written,
        channel=Channel.DISCORD,
        kind=Kind.MESSAGE,
        direction=Direction.OUTGOING,
        sender=channel.owner.shown,
        recipients=channel.recipients,
        text=content or "\n".join(shown),
        locator=locator,
        flags=tuple(dict.fromkeys(flags)),
        details=details,
        # Its own conversation: a package holds only its owner's messages, so it must never make
        # everyone else's look deleted from an export of the same channel (store: flag_missing).
        conversation=f"package:{channel.channel_id}",
    )
