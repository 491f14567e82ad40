"""Suggested links from a diary entry to the events that may have caused it.

"Serious alarm or distress" and "fear of violence on two occasions" are shown event by event in the
victim's own words only when a diary entry is linked to what caused it. Finding those events by hand
in a case of thousands is the kind of work victims said wore them down, so casetrail suggests: the
person's most serious labelled events in the day before an entry that records fear, distress or a
change to daily life. A person decides; nothing is linked without them.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from casetrail.analysis.escalation import SeverityScale, severity_scale
from casetrail.analysis.evidence import EventRef, LabelledEvent

LOOK_BACK = timedelta(hours=24)
MOST = 3  # events suggested per diary entry
IMPACT = ("IMPACT.FEAR_OF_VIOLENCE", "IMPACT.SERIOUS_DISTRESS", "IMPACT.ROUTINE_CHANGE")


@dataclass
class LinkSuggestion:
    diary: EventRef
    impact: list[str]
    causes: list[tuple[EventRef, list[str]]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "diary": self.diary.to_json(),
            "impact": self.impact,
            "causes": [{**ref.to_json(), "categories": categories} for ref, categories in self.causes],
        }


class DiaryLinkSuggester:
    """A consumer of the analysis pass: remembers the person's labelled events of the last day."""

    def __init__(self, scale: SeverityScale | None = None) -> None:
        self.scale = scale or severity_scale()
        self.recent: deque[tuple[EventRef, list[str], int]] = deque()
        self.suggestions: list[LinkSuggestion] = []

    def add(self, event: LabelledEvent) -> None:
        ref = event.ref
        if ref.at is None:
            return
        while self.recent and self.recent[0][0].at is not None and self.recent[0][0].at < ref.at - LOOK_BACK:
            self.recent.popleft()
        if ref.side == "suspect":
            categories = sorted(c for c in event.categories() if not c.startswith("IMPACT."))
            level = self.scale.of(set(categories))
            if level:
                self.recent.append((ref, categories, level))
            return
        if ref.side != "diary" or event.linked:
            return
        impact = [c for c in IMPACT if event.has(c)]
        if not impact or not self.recent:
            return
        ranked = sorted(
            self.recent, key=lambda item: (-item[2], -(item[0].at.timestamp() if item[0].at else 0))
        )
        suggestion = LinkSuggestion(
            ref, impact, [(cause, categories) for cause, categories, _ in ranked[:MOST]]
        )
        self.suggestions.append(suggestion)
