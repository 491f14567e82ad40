"""What part of the case a pack covers: dates, channels and people.

An officer may want one period, a platform may need only its own channel, and an advocate may need
only the contact from one person. The same filter drives the analysis, the timeline files, the
appendix and which exhibits travel, so every figure in the report is about what is in the pack.
With people named, the victim's diary entries stay in: they are the victim's account of it all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from casetrail.store.queries import TimelineFilter


@dataclass(frozen=True)
class PackScope:
    since: datetime | None = None
    until: datetime | None = None  # exclusive
    channels: tuple[str, ...] = ()
    people: tuple[str, ...] = ()
    accounts: frozenset[str] | None = None  # the named people's linked accounts, together
    region: str | None = None

    @property
    def narrowed(self) -> bool:
        return bool(self.since or self.until or self.channels or self.people)

    def timeline_filter(self) -> TimelineFilter:
        return TimelineFilter(
            since=self.since,
            until=self.until,
            channels=list(self.channels),
            accounts=self.accounts if self.people else None,
            region=self.region,
            with_diary=True,
        )

    def describe(self, zone: ZoneInfo) -> list[str]:
        """The scope in words, for page one and the manifest."""
        words = []
        if self.since:
            words.append(f"from {self.since.astimezone(zone):%Y-%m-%d %H:%M}")
        if self.until:
            last = (self.until - timedelta(microseconds=1)).astimezone(zone)
            words.append(f"up to {last:%Y-%m-%d %H:%M}")
        if self.channels:
            words.append("channels: " + ", ".join(self.channels))
        if self.people:
            words.append("contact with: " + ", ".join(self.people) + " (and the diary)")
        return words

    def to_json(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "channels": list(self.channels),
            "people": list(self.people),
        }
