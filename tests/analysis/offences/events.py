"""Hand-made analysis events for the offence-element tests: the answer is known for each."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from functools import cache, partial
from zoneinfo import ZoneInfo

from casetrail.analysis.evidence import EventRef, LabelledEvent
from casetrail.analysis.labels import Label, Side
from casetrail.analysis.offences import (
    ElementEvidence,
    OffenceEvidence,
    OffenceResult,
    OffenceRules,
    OffencesReport,
    packaged_rules,
)

LONDON = ZoneInfo("Europe/London")
TODAY = date(2026, 11, 24)
_numbers = itertools.count(1)


def label(category: str, words: str = "words", field: str = "text", decision: str | None = None) -> Label:
    return Label(category, words, field, 0, len(words), "test-rule", "test", decision=decision)


def event(
    side: Side,
    day: date | str,
    *categories: str,
    hour: int = 12,
    words: str = "words",
    uid: str | None = None,
    own_words: dict[str, str] | None = None,
    linked: Iterable[str] = (),
    labels: Iterable[Label] = (),
) -> LabelledEvent:
    when = date.fromisoformat(day) if isinstance(day, str) else day
    number = next(_numbers)
    ref = EventRef(
        uid=uid or f"ev-{number}",
        at=datetime.combine(when, time(hour), tzinfo=UTC),
        channel="diary" if side == "diary" else "sms",
        kind="entry" if side == "diary" else "message",
        side=side,
        exhibit="RH/1",
        locator=f"line {number}",
    )
    field = "impact" if side == "diary" else "text"
    all_labels = tuple(label(c, words, field) for c in categories) + tuple(labels)
    return LabelledEvent(ref, all_labels, own_words, tuple(linked))


suspect = partial(event, "suspect")
diary = partial(event, "diary")


@cache
def shipped() -> OffenceRules:
    """The shipped rules, read once (they are immutable)."""
    return packaged_rules()


def run(
    events: Iterable[LabelledEvent],
    today: date = TODAY,
    rules: OffenceRules | None = None,
    zone: ZoneInfo = LONDON,
) -> OffencesReport:
    consumer = OffenceEvidence(rules or shipped(), zone)
    for item in events:
        consumer.add(item)
    return consumer.finish(today)


def offence(report: OffencesReport, offence_id: str) -> OffenceResult:
    return next(o for o in report.offences if o.rule.id == offence_id)


def element(report: OffencesReport, offence_id: str, element_id: str) -> ElementEvidence:
    return next(e for e in offence(report, offence_id).elements if e.rule.id == element_id)
