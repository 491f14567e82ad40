"""Where things are in a "Download your information" export: thread files, media, and which app wrote it.

Names are read only as text: a media ``uri`` is looked up among the zip's member names and never
opened as a path, so a hostile ``../`` in it can reach nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import PurePath, PurePosixPath

from casetrail.ingest.archive import is_metadata_member
from casetrail.model.event import Channel

#: The folders Meta puts threads in: ``<box>/<thread>/message_1.json``.
BOXES = frozenset({"inbox", "archived_threads", "filtered_threads", "message_requests", "e2ee_cutover"})
THREAD_FILE = re.compile(r"message_([0-9]{1,9})\.json", re.IGNORECASE)
_HINT_DEPTH = 6  # folders above a bare file looked at for the app's name


def app_in_name(name: str) -> Channel | None:
    """The app a file or folder name points to (``your_instagram_activity``, ``facebook-…``), if any."""
    lowered = name.lower()
    if "instagram" in lowered:
        return Channel.INSTAGRAM
    if "facebook" in lowered or "messenger" in lowered:
        return Channel.MESSENGER
    return None


def app_in_path(path: PurePath | str, depth: int = _HINT_DEPTH) -> Channel | None:
    """The app named by the nearest folder (or the file name) that names one, looking a few levels up."""
    parts = (path if isinstance(path, PurePath) else PurePosixPath(path)).parts
    for part in reversed(parts[-depth:]):
        found = app_in_name(part)
        if found is not None:
            return found
    return None


def is_thread_file(member: str) -> bool:
    return THREAD_FILE.fullmatch(member.rsplit("/", 1)[-1]) is not None and not is_metadata_member(member)


def thread_files(names: Iterable[str]) -> list[str]:
    """The zip's ``message_N.json`` members, thread by thread, ``message_1`` before ``message_2``."""

    def order(member: str) -> tuple[str, int]:
        folder, _, base = member.rpartition("/")
        found = THREAD_FILE.fullmatch(base)
        return folder, int(found.group(1)) if found else 0

    return sorted((name for name in names if is_thread_file(name)), key=order)


def in_messages_folder(member: str) -> bool:
    """Members under a ``messages`` folder: the threads, their media and the stickers they used."""
    return "messages" in member.split("/")[:-1] and not is_metadata_member(member)


def thread_from_path(path: str) -> str | None:
    """``inbox/<thread>`` from ``…/inbox/<thread>/message_1.json`` (the form ``thread_path`` takes)."""
    parts = path.split("/")
    if len(parts) >= 3 and parts[-3] in BOXES and parts[-2]:
        return f"{parts[-3]}/{parts[-2]}"
    return None


class MediaIndex:
    """Find the member a ``uri`` names, when the uri is written from the export's root or from a folder
    above or below the one the zip starts at (``messages/inbox/…`` against
    ``your_facebook_activity/messages/inbox/…``, or the other way round)."""

    def __init__(self, members: Iterable[str]) -> None:
        names = list(members)
        self._by_suffix: dict[str, str | None] = {name: name for name in names}
        for member in names:
            parts = member.split("/")
            for start in range(1, len(parts)):
                suffix = "/".join(parts[start:])
                known = self._by_suffix.setdefault(suffix, member)
                if known not in (member, suffix):  # two members end the same way: ambiguous
                    self._by_suffix[suffix] = None

    def find(self, uri: str) -> str | None:
        """The member, or None when the uri is a web address, not in the zip, or ambiguous."""
        cleaned = uri.strip().lstrip("/")
        if not cleaned or "://" in cleaned:
            return None
        parts = cleaned.split("/")
        keep = min(3, len(parts))  # never fewer than ``<thread>/photos/<file>``: threads share file names
        for start in range(len(parts) - keep + 1):
            found = self._by_suffix.get("/".join(parts[start:]))
            if found is not None:
                return found
        return None
