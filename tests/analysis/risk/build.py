"""Hand-made findings for the risk tests: one signal at a time, so each rule is checked on its own."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from casetrail.analysis.conduct import Burst, ConductFigures
from casetrail.analysis.evidence import EventRef, LabelledEvent
from casetrail.analysis.findings import CategoryEvidence, Findings, StopRequest
from casetrail.analysis.labels import Label, Side
from casetrail.analysis.risk import Signal

T0 = datetime(2025, 3, 3, 21, 0, tzinfo=UTC)
LONDON = ZoneInfo("Europe/London")


def ref(n: int, side: Side = "suspect", at: datetime | None = None) -> EventRef:
    return EventRef(f"ev{n}", at or T0 + timedelta(hours=n), "sms", "message", side, "RH/1", f"message {n}")


def event(n: int, category: str, side: Side = "suspect", words: str = "some words") -> LabelledEvent:
    label = Label(category, words, "text", 0, len(words), "rule-1", "test-lexicon 1")
    return LabelledEvent(ref(n, side), (label,))


def empty() -> Findings:
    return Findings(ConductFigures(LONDON))


def with_category(category: str, *, diary: bool = False, times: int = 1) -> Findings:
    """Findings holding ``times`` events of one category, on the person's side or in the diary."""
    findings = empty()
    evidence = CategoryEvidence(category)
    for n in range(times):
        labelled = event(n, category, "diary" if diary else "suspect")
        evidence.add(labelled, (T0 + timedelta(days=n)).date())
    (findings.diary if diary else findings.behaviour)[category] = evidence
    return findings


def with_figure(name: str, value: int) -> Findings:
    """Findings where one course-of-conduct figure has ``value`` (0 means absent)."""
    findings = empty()
    conduct = findings.conduct
    if name == "bursts":
        conduct.bursts = [Burst(T0, T0 + timedelta(minutes=40), 12, Counter(sms=12)) for _ in range(value)]
    elif name == "night":
        conduct.night = value
    elif name == "two_or_more_incidents":
        conduct.per_day = Counter({date(2025, 3, 1) + timedelta(days=n): 1 for n in range(value)})
    elif name == "more_often":
        # 2 contacts in the 28 days before, then 2 + value in the latest 28 days.
        conduct.per_day = Counter({date(2025, 1, 10): 2, date(2025, 2, 20): 2 + value})
    elif name == "contacts_after_stop":
        if value:
            stop = StopRequest(ref(90, "victim"), ["please stop"], "asked", contacts_after=value)
            stop.first_after = ref(91)
            findings.stop_requests = [stop]
    else:
        raise ValueError(name)
    return findings


def findings_for(signal: Signal) -> Findings:
    """The smallest findings that meet a signal."""
    if signal.kind == "figure":
        return with_figure(signal.name, max(signal.at_least, 2))
    category = signal.name.replace("*", "EXAMPLE")
    return with_category(category, diary=signal.kind == "diary", times=signal.at_least)


def findings_below(signal: Signal) -> Findings:
    """Findings that come close to a signal but do not meet it: the wrong side, or a figure too low."""
    if signal.kind == "figure":
        low = 1 if signal.name == "two_or_more_incidents" else signal.at_least - 1
        return with_figure(signal.name, low if signal.name != "more_often" else -1)
    category = signal.name.replace("*", "EXAMPLE")
    return with_category(category, diary=signal.kind != "diary", times=signal.at_least)
