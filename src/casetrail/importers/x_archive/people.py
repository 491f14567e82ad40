"""Who is who in an X archive: numeric user ids, the owner's handle, and screen names seen in tweets.

Messages name people only by numeric id. The owner's id comes from ``account.js``; other people's
screen names are known only where the owner's own tweets replied to or mentioned them. Ids and names
are checked against what X allows before use, since everything in an archive may have been typed by
someone hostile (a display name) or damaged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_SCREEN_NAME = re.compile(r"[A-Za-z0-9_]{1,50}")
NAMES_KEPT = 100_000  # screen names remembered from tweets; memory stays bounded on any archive


def user_id(raw: Any) -> str | None:
    """A user, message or tweet id as text, or None when the value cannot be one."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return str(raw) if 0 <= raw < 10**25 else None
    # 1 to 25 ASCII digits (``str.isdigit`` alone would take other scripts' digits too)
    if isinstance(raw, str) and 0 < len(raw) <= 25 and raw.isascii() and raw.isdigit():
        return raw
    return None


def screen_name(raw: Any) -> str | None:
    if isinstance(raw, str):
        cleaned = raw.removeprefix("@")
        if _SCREEN_NAME.fullmatch(cleaned):
            return cleaned
    return None


@dataclass
class People:
    """The owner (when known) and the screen names learnt so far, by user id."""

    owner_id: str | None = None
    owner_name: str | None = None  # the owner's @username, from account.js
    names: dict[str, str] = field(default_factory=dict)

    def learn(self, raw_id: Any, raw_name: Any) -> None:
        known, name = user_id(raw_id), screen_name(raw_name)
        if known and name and (known in self.names or len(self.names) < NAMES_KEPT):
            self.names[known] = name

    def who(self, known: str) -> str:
        """How a user is shown: ``@owner``, ``@name (id 123)``, or ``id 123`` when no name is known."""
        if known == self.owner_id and self.owner_name:
            return f"@{self.owner_name}"
        name = self.names.get(known)
        return f"@{name} (id {known})" if name else f"id {known}"

    def is_owner(self, known: str | None) -> bool:
        return known is not None and known == self.owner_id
