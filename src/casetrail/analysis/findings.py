"""What one analysis pass found, gathered for the parts that judge it (FOUR, risk screening, offences).

Counts are exact; examples are a bounded sample (the first and the most recent), because a case can
hold a million events and every figure must still trace back to exhibits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from casetrail.analysis.conduct import ConductFigures
from casetrail.analysis.escalation import Escalation
from casetrail.analysis.evidence import EventRef, LabelledEvent

EXAMPLES = 6  # first examples kept per category; the most recent ones are kept as well


@dataclass
class Example:
    ref: EventRef
    words: list[str]

    def to_json(self) -> dict[str, Any]:
        return {**self.ref.to_json(), "words": self.words}


@dataclass
class CategoryEvidence:
    """Every standing label of one category on one side: how many, on how many days, and examples."""

    category: str
    count: int = 0
    days: set[date] = field(default_factory=set)
    first: list[Example] = field(default_factory=list)
    recent: list[Example] = field(default_factory=list)

    def add(self, event: LabelledEvent, day: date | None, words: list[str] | None = None) -> None:
        self.count += 1
        if day is not None:
            self.days.add(day)
        found = event.words_for(self.category) if words is None else words
        example = Example(event.ref, [w for w in found if w])
        if len(self.first) < EXAMPLES:
            self.first.append(example)
        else:
            self.recent.append(example)
            if len(self.recent) > EXAMPLES:
                self.recent.pop(0)

    @property
    def examples(self) -> list[Example]:
        return self.first + self.recent

    @property
    def latest(self) -> Example | None:
        examples = self.recent or self.first
        return examples[-1] if examples else None

    def to_json(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "count": self.count,
            "days": len(self.days),
            "examples": [e.to_json() for e in self.examples],
        }


@dataclass
class StopRequest:
    """A moment the victim asked for no contact (or blocked, or recorded a police warning), and the
    person's contact after it: in all to the end of the case, and up to the next request."""

    ref: EventRef
    words: list[str]
    how: str  # "asked", "blocked" or "police warning"
    contacts_after: int = 0
    channels_after: dict[str, int] = field(default_factory=dict)
    days_after: set[date] = field(default_factory=set)
    first_after: EventRef | None = None
    new_accounts_after: list[str] = field(default_factory=list)
    also: list[EventRef] = field(default_factory=list)  # the same request repeated within the hour
    contacts_before_next: int = 0
    days_before_next: set[date] = field(default_factory=set)
    channels_before_next: dict[str, int] = field(default_factory=dict)
    new_accounts_before_next: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            **self.ref.to_json(),
            "words": self.words,
            "how": self.how,
            "contacts_after": self.contacts_after,
            "channels_after": self.channels_after,
            "days_with_contact_after": len(self.days_after),
            "first_contact_after": self.first_after.to_json() if self.first_after else None,
            "new_accounts_after": self.new_accounts_after,
            "contacts_before_next_request": self.contacts_before_next,
            "also": [ref.to_json() for ref in self.also],
        }


def total_after(stops: list[StopRequest]) -> None:
    """Fill each request's figures for everything after it, from the figures up to the next one."""
    contacts = 0
    days: set[date] = set()
    channels: dict[str, int] = {}
    accounts: list[str] = []
    first = None
    for stop in reversed(stops):
        contacts += stop.contacts_before_next
        days |= stop.days_before_next
        for channel, count in stop.channels_before_next.items():
            channels[channel] = channels.get(channel, 0) + count
        accounts = stop.new_accounts_before_next + accounts
        first = stop.first_after or first
        stop.contacts_after, stop.days_after = contacts, set(days)
        stop.channels_after, stop.new_accounts_after = dict(channels), list(accounts)
        stop.first_after = first


@dataclass
class Findings:
    """The result of one pass: behaviour by category (the person's side, and the victim's diary), the
    course-of-conduct figures, and the stop requests with the contact after each."""

    conduct: ConductFigures
    behaviour: dict[str, CategoryEvidence] = field(default_factory=dict)
    diary: dict[str, CategoryEvidence] = field(default_factory=dict)
    to_review: dict[str, CategoryEvidence] = field(default_factory=dict)  # not counted until confirmed
    stop_requests: list[StopRequest] = field(default_factory=list)
    escalation: Escalation | None = None
    versions: dict[str, str] = field(default_factory=dict)
    accounts: list[str] | None = None
    warnings: list[str] = field(default_factory=list)  # e.g. a classifier plugin that did not load

    @property
    def contacts_after_first_stop(self) -> int:
        return self.stop_requests[0].contacts_after if self.stop_requests else 0

    def count(self, category: str) -> int:
        found = self.behaviour.get(category) or self.diary.get(category)
        return found.count if found else 0

    def to_json(self) -> dict[str, Any]:
        return {
            "accounts": self.accounts,
            "versions": self.versions,
            "conduct": self.conduct.to_json(),
            "behaviour": {k: v.to_json() for k, v in sorted(self.behaviour.items())},
            "diary": {k: v.to_json() for k, v in sorted(self.diary.items())},
            "to_review": {k: v.to_json() for k, v in sorted(self.to_review.items())},
            "stop_requests": [s.to_json() for s in self.stop_requests],
            "contacts_after_first_stop_request": self.contacts_after_first_stop,
            "escalation": self.escalation.to_json() if self.escalation else None,
            "warnings": self.warnings,
        }
