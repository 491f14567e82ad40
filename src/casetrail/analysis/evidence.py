"""Events as the analysis hands them on: where each came from, whose side it is on, and its labels.

Every consumer (stop requests, escalation, FOUR, offence elements) sees the same stream, in time
order, and refers back to exhibits by reference and locator, so every claim can be checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from casetrail.analysis.labels import Label, Side, counts


@dataclass(frozen=True, slots=True)
class EventRef:
    """Where an event is: its id in the case, when, how, and the exhibit and place it was read from."""

    uid: str
    at: datetime | None  # UTC
    channel: str
    kind: str
    side: Side
    exhibit: str | None
    locator: str | None
    account: str | None = None  # the account it came from, when known

    def to_json(self) -> dict[str, Any]:
        return {
            "uid": self.uid,
            "at_utc": self.at.isoformat().replace("+00:00", "Z") if self.at else None,
            "channel": self.channel,
            "kind": self.kind,
            "side": self.side,
            "exhibit": self.exhibit,
            "locator": self.locator,
            "account": self.account,
        }


@dataclass(frozen=True, slots=True)
class LabelledEvent:
    """One event with its labels (rejected ones included, marked). ``own_words`` holds a diary entry's
    fields in the victim's own words; ``linked`` the uids of the events a diary entry was linked to."""

    ref: EventRef
    labels: tuple[Label, ...]
    own_words: dict[str, str] | None = None
    linked: tuple[str, ...] = ()

    def has(self, category: str) -> bool:
        """Whether a standing (not rejected) label of this category is on the event."""
        return any(label.category == category and counts(label) for label in self.labels)

    def categories(self) -> set[str]:
        return {label.category for label in self.labels if counts(label)}

    def words_for(self, category: str) -> list[str]:
        return [label.words for label in self.labels if label.category == category and counts(label)]
