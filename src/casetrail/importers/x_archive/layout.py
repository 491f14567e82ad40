"""Where things are in an X archive: which ``data/*.js`` files hold what, and the media beside them.

Member names are only compared as text: a media file is found by the message or tweet id at the start
of its name, never by a path taken from the archive's contents.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from casetrail.ingest.archive import is_metadata_member

DM_FILES = frozenset({"direct_messages", "direct_messages_group"})
TWEET_FILES = frozenset({"tweets", "tweet", "deleted_tweets"})
ACCOUNT_FILE = "account"
#: Data files read for events, by name: ``direct-messages-group-part2.js`` → ``direct-messages-group``.
_DATA_FILE = re.compile(
    r"(direct-messages-group|direct-messages|deleted-tweets|tweets|tweet|account)(?:-part([0-9]{1,6}))?\.js"
)
_ANY_DATA = re.compile(r"[a-z0-9-]{1,80}\.js")
DM_MEDIA = frozenset({"direct_messages_media", "direct_messages_group_media"})
TWEET_MEDIA = frozenset({"tweets_media", "tweet_media", "deleted_tweets_media"})
_MEDIA_NAME = re.compile(r"([0-9]{1,25})-(.+)")
_ORDER = {"account": 0, "tweets": 1, "tweet": 1, "deleted-tweets": 2, "direct-messages": 3}


def _split(member: str) -> tuple[str, str]:
    folder, _, base = member.rpartition("/")
    return folder, base


def in_data_folder(member: str) -> bool:
    folder = _split(member)[0]
    return folder.rsplit("/", 1)[-1] == "data" and not is_metadata_member(member)


def data_files(names: Iterable[str]) -> list[str]:
    """The ``data/*.js`` members read for events or the owner: the account first, then tweets (they
    name the people the messages come from), then messages, each file's parts in order."""

    def order(member: str) -> tuple[int, str, int, str]:
        found = _DATA_FILE.fullmatch(_split(member)[1])
        assert found is not None  # noqa: S101 - filtered below
        family = found.group(1)
        return _ORDER.get(family, 4), family, int(found.group(2) or 0), member

    chosen = [n for n in names if in_data_folder(n) and _DATA_FILE.fullmatch(_split(n)[1])]
    return sorted(chosen, key=order)


def other_data_files(names: Iterable[str]) -> list[str]:
    """``data/*.js`` members not read for events (followers, likes, ads…): named in a note only."""
    return sorted(
        n
        for n in names
        if in_data_folder(n) and _ANY_DATA.fullmatch(_split(n)[1]) and not _DATA_FILE.fullmatch(_split(n)[1])
    )


def media_folder(member: str) -> str | None:
    folder = _split(member)[0].rsplit("/", 1)[-1]
    return folder if folder in DM_MEDIA or folder in TWEET_MEDIA else None


def kept_as_exhibit(member: str) -> bool:
    """Members that become exhibits of their own: the files read and the media of messages and tweets."""
    if is_metadata_member(member):
        return False
    return media_folder(member) is not None or member in data_files([member])


class MediaIndex:
    """Media members by the id their names start with (``<id>-<name>``), for messages or tweets."""

    def __init__(self, members: Iterable[str], folders: frozenset[str]) -> None:
        self._by_id: dict[str, list[tuple[str, str]]] = {}
        for member in members:
            folder, base = _split(member)
            found = _MEDIA_NAME.fullmatch(base)
            if found and folder.rsplit("/", 1)[-1] in folders and not is_metadata_member(member):
                self._by_id.setdefault(found.group(1), []).append((found.group(2), member))

    def __bool__(self) -> bool:
        return bool(self._by_id)

    def find(self, item_id: str, urls: list[str]) -> tuple[list[str], list[str]]:
        """The members named for ``item_id``, and the urls none of them accounts for.

        A url is found when a member is named ``<id>-<last part of the url>``; members named for the id
        that match no url stand for as many of the remaining urls (the archive names some files, such
        as videos, differently from their urls).
        """
        members = self._by_id.get(item_id, [])
        unmatched_members = [member for _, member in members]
        missing: list[str] = []
        for url in urls:
            base = url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
            match = next((m for name, m in members if name == base and m in unmatched_members), None)
            if match is None:
                missing.append(url)
            else:
                unmatched_members.remove(match)
        return [member for _, member in members], missing[len(unmatched_members) :]
