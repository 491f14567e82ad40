"""The X (Twitter) archive importer: the "Download an archive of your data" zip, or one of its files.

The owner comes from ``account.js`` and decides direction. The owner's tweets are read next: those
that reply to or mention someone become posts, and they give screen names for the numeric ids
messages use. Each direct-message file is then read twice as a stream: first for every
conversation's id and participants (a group message names no recipient), then entry by entry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import IO, Any, ClassVar

from casetrail.errors import ArchiveTooLarge, InputError, UnsafeArchiveMember
from casetrail.importers.base import ImportContext, Importer, Sniff
from casetrail.importers.meta.reading import Place
from casetrail.importers.x_archive.layout import (
    ACCOUNT_FILE,
    DM_FILES,
    DM_MEDIA,
    TWEET_FILES,
    TWEET_MEDIA,
    MediaIndex,
    data_files,
    kept_as_exhibit,
    other_data_files,
)
from casetrail.importers.x_archive.messages import Conversation, Shared, dm_event
from casetrail.importers.x_archive.people import People, screen_name, user_id
from casetrail.importers.x_archive.reading import (
    PREFIX_BYTES,
    pointer,
    prefix_of,
    read_listed,
    read_values,
    spot,
)
from casetrail.importers.x_archive.tweets import learn_names, tweet_body, tweet_event
from casetrail.ingest.source import Source
from casetrail.model.event import ParsedEvent

Opener = Callable[[], IO[bytes]]
_ID_FIELDS: frozenset[str | int] = frozenset(
    {"senderId", "recipientId", "initiatingUserId", "participantsSnapshot", "userIds"}
)
PARTICIPANTS_KEPT = 1000  # X groups hold far fewer; a hostile file cannot grow this without bound
_CONVERSATION_KEPT = 200


@dataclass
class _Head:
    """What the first pass found about one conversation."""

    raw_id: Any = None
    participants: dict[str, None] = field(default_factory=dict)  # ordered, distinct

    def add(self, value: Any) -> None:
        for item in value if isinstance(value, list) else [value]:
            known = user_id(item)
            if known and len(self.participants) < PARTICIPANTS_KEPT:
                self.participants[known] = None


def _prefix(opener: Opener, place: Place) -> str:
    with opener() as raw:
        found = prefix_of(raw.read(PREFIX_BYTES))
    if found is None:
        raise place.error(
            None, "not an X archive data file (it does not start 'window.YTD.<name>.part<N> =')"
        )
    return found[0]


class _Shape:
    """The first pass's choice of values, which also checks each conversation's shape and counts the
    entries of each ``messages`` list for the second pass (:func:`read_listed`)."""

    def __init__(self, place: Place) -> None:
        self.place = place
        self.lists: list[tuple[int, int]] = []  # (conversation index, entries), in file order
        self.listed = True  # whether the second pass may use ijson's item builder

    def __call__(self, path: list[str | int], event: str) -> bool:
        depth = len(path)
        if depth == 6:  # most values: the fields of an entry
            return path[1] == "dmConversation" and path[2] == "messages" and path[5] in _ID_FIELDS
        if depth == 0:  # the walk starts (again, with the careful parser after a long digit run)
            self.lists, self.listed = [], True
            return False
        if depth == 2 and str(path[1]).startswith("dmConversation."):
            self.listed = False  # ijson's dotted prefix would mistake it for the messages
        if depth > 6 or (depth > 1 and path[1] != "dmConversation"):
            return False
        place = self.place
        if depth in (1, 2) and event != "start_map":
            raise place.error(spot(tuple(path)), "a conversation entry is not a JSON object")
        if depth == 3:
            if str(path[2]).startswith("messages."):
                self.listed = False
            if path[2] == "messages" and event != "start_array":
                raise place.error(spot(tuple(path)), "'messages' is not a list")
            return path[2] == "conversationId"
        if depth == 4 and path[2] == "messages":
            if event != "start_map":
                raise place.error(spot(tuple(path)), "a message entry is not a JSON object")
            if path[3] == 0:
                self.lists.append((int(path[0]), 1))
            else:
                self.lists[-1] = (self.lists[-1][0], self.lists[-1][1] + 1)
        return depth == 6 and path[2] == "messages" and path[5] in _ID_FIELDS


def _entries(path: list[str | int], event: str) -> bool:
    return len(path) == 4 and path[1] == "dmConversation" and path[2] == "messages" and event == "start_map"


def _records(place: Place) -> Callable[[list[str | int], str], bool]:
    def wanted(path: list[str | int], event: str) -> bool:
        if len(path) != 1:
            return False
        if event != "start_map":
            raise place.error(spot(tuple(path)), "an entry is not a JSON object")
        return True

    return wanted


def _conversation_name(head: _Head, where: str) -> str:
    raw = head.raw_id
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)
    if isinstance(raw, str) and 0 < len(raw) <= _CONVERSATION_KEPT:
        return raw
    return f"unnamed:{where}"


def common_owner(heads: list[_Head]) -> str | None:
    """The one id in every conversation (two at least), else None: whose messages these are."""
    sets = [set(head.participants) for head in heads if head.participants]
    if len(sets) < 2:
        return None
    common = set.intersection(*sets)
    return common.pop() if len(common) == 1 else None


class _Run:
    """One import: the people known so far, the media, and the notes to leave."""

    def __init__(self, source: Source, context: ImportContext, names: list[str]) -> None:
        self.source = source
        self.context = context
        self.people = People()
        self.dm_media = MediaIndex(names, DM_MEDIA)
        self.tweet_media = MediaIndex(names, TWEET_MEDIA)
        self.owner_from_account = False

    def place(self, member: str | None) -> Place:
        return Place(self.source.name, member)

    def account(self, opener: Opener, member: str | None) -> None:
        for _, _, entry in read_values(opener, self.place(member), _records(self.place(member))):
            account = entry.get("account")
            if not isinstance(account, dict) or self.owner_from_account:
                continue
            owner, name = user_id(account.get("accountId")), screen_name(account.get("username"))
            if owner:
                self.people.owner_id, self.people.owner_name = owner, name
                self.owner_from_account = True
                shown = f"@{name} (id {owner})" if name else f"id {owner}"
                self.context.note(
                    f"The archive belongs to {shown} (account.js): their messages and tweets are outgoing, "
                    "everyone else's incoming."
                )

    def tweets(self, opener: Opener, member: str | None, deleted: bool) -> Iterator[ParsedEvent]:
        place = self.place(member)
        skipped = unreadable = 0
        for _, path, entry in read_values(opener, place, _records(place)):
            tweet = tweet_body(entry)
            if tweet is None:
                unreadable += 1
                continue
            learn_names(tweet, self.people)
            where = pointer((*path, "tweet") if tweet is not entry else path)
            event = tweet_event(tweet, where, member, self.people, self.tweet_media, deleted)
            if event is None:
                skipped += 1
            else:
                yield event
        label = member or self.source.name
        if skipped:
            self.context.note(
                f"{label}: {skipped} of the owner's tweets neither reply to nor mention anyone else; "
                "they are not contact and were left out."
            )
        if unreadable:
            self.context.note(f"{label}: {unreadable} entries hold no tweet and were left out.")

    def messages(self, opener: Opener, member: str | None, group: bool) -> Iterator[ParsedEvent]:
        place = self.place(member)
        heads: dict[str | int, _Head] = {}
        shape = _Shape(place)
        for _, path, value in read_values(opener, place, shape, (6, _ID_FIELDS)):
            head = heads.setdefault(path[0], _Head())
            if len(path) == 3:
                head.raw_id = value
            else:
                head.add(value)
        self._owner_from(list(heads.values()), member)
        conversations = {}
        for index, head in heads.items():
            name = _conversation_name(head, f"{member or self.source.name}/{index}")
            if isinstance(head.raw_id, str) and not group:  # one-to-one ids join the two users' ids
                head.add(head.raw_id.split("-"))
            if group and self.people.owner_id:
                head.add(self.people.owner_id)
            conversations[index] = Conversation(name, tuple(head.participants), group, member)
        shared = Shared(self.people, self.dm_media)
        entries = (
            read_listed(opener, place, ("dmConversation", "messages"), shape.lists, _entries)
            if shape.listed
            else read_values(opener, place, _entries)
        )
        for _, path, entry in entries:
            conversation = conversations.get(path[0]) or Conversation(f"unnamed:{path[0]}", (), group, member)
            yield dm_event(entry, pointer(path), conversation, shared)

    def _owner_from(self, heads: list[_Head], member: str | None) -> None:
        if self.people.owner_id is not None:
            return
        owner = common_owner(heads)
        if owner:
            self.people.owner_id = owner
            self.context.note(
                f"{member or self.source.name}: no account.js; id {owner} is in every conversation, so the "
                "messages are taken to be theirs: their messages are outgoing, everyone else's incoming."
            )

    def other(self, opener: Opener, member: str | None, name: str) -> None:
        place = self.place(member)
        count = sum(1 for _ in read_values(opener, place, _records(place)))
        self.context.note(
            f"{member or self.source.name}: {count} record(s) of {name!r}, which are not messages or "
            "tweets; nothing was imported from it."
        )

    def file(self, opener: Opener, member: str | None) -> Iterator[ParsedEvent]:
        """Events of one data file, by what its prefix says it holds."""
        name = _prefix(opener, self.place(member))
        if name == ACCOUNT_FILE:
            self.account(opener, member)
        elif name in TWEET_FILES:
            yield from self.tweets(opener, member, deleted=name == "deleted_tweets")
        elif name in DM_FILES:
            yield from self.messages(opener, member, group=name == "direct_messages_group")
        else:
            self.other(opener, member, name)


class XArchiveImporter(Importer):
    name: ClassVar[str] = "x-archive"
    version: ClassVar[str] = "1"
    description: ClassVar[str] = (
        'X (Twitter) "Download an archive of your data" zip, or its direct-messages.js / tweets.js'
    )

    def sniff(self, source: Source) -> Sniff:
        try:
            return _sniff_zip(source) if source.is_zip() else _sniff_file(source)
        except (UnsafeArchiveMember, ArchiveTooLarge):
            raise
        except InputError as exc:
            return Sniff.no(exc.problem)
        except (OSError, ValueError, EOFError) as exc:
            return Sniff.no(f"cannot be read ({exc})")

    def archive_members(self, source: Source) -> list[str]:
        """The data files read and the media of messages and tweets; the rest of the archive (likes,
        ads, followers…) stays inside the zip's own exhibit."""
        if not source.is_zip():
            return []
        return [name for name in source.archive().names() if kept_as_exhibit(name)]

    def events(self, source: Source, context: ImportContext) -> Iterator[ParsedEvent]:
        if not source.is_zip():
            yield from _Run(source, context, []).file(source.open, None)
            return
        archive = source.archive()
        names = archive.names()
        members = data_files(names)
        others = other_data_files(names)
        if not members and not others:
            raise InputError(source.name, None, "the archive holds no data/*.js files of an X archive")
        run = _Run(source, context, names)
        for member in members:
            yield from run.file(partial(archive.open_member, member), member)
        if others:
            shown = ", ".join(name.rsplit("/", 1)[-1] for name in others[:8])
            more = f" and {len(others) - 8} more" if len(others) > 8 else ""
            context.note(
                f"{len(others)} other data file(s) ({shown}{more}) hold no messages or tweets and were not "
                "read; they stay inside the zip's exhibit."
            )


def _sniff_file(source: Source) -> Sniff:
    found = prefix_of(source.head(PREFIX_BYTES))
    if found is None:
        return Sniff.no("does not start 'window.YTD.<name>.part<N> ='")
    name = found[0]
    if name in DM_FILES or name in TWEET_FILES:
        return Sniff(0.95, f"an X archive data file of {name}")
    return Sniff(0.8, f"an X archive data file of {name} (no messages or tweets in it)")


def _sniff_zip(source: Source) -> Sniff:
    names = source.archive().names()
    members = [name.rsplit("/", 1)[-1] for name in data_files(names)]
    if any(not name.startswith("account") for name in members):
        return Sniff(0.9, "an X archive: data/ holds direct-messages or tweets files")
    if members or any(name.endswith("data/manifest.js") for name in names):
        return Sniff(0.6, "an X archive without messages or tweets")
    return Sniff.no("no data/*.js files of an X archive")
