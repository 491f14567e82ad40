"""Everything the report says, gathered from the case in one analysis pass and one timeline stream.

The report is for a busy officer and for a court: page one first (who, who is suspected, the period,
how much contact, after which requests to stop, what threats, what the screening and the offence
elements show), then the pattern, the key incidents, FOUR and the offence elements with their events,
the victim's own words, the exhibit schedule, the audit trail and an appendix of messages. Values
stay plain data here: the template escapes them, so evidence is never markup.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

import casetrail
from casetrail.analysis.evidence import EventRef, LabelledEvent
from casetrail.analysis.findings import Findings
from casetrail.analysis.four import four
from casetrail.analysis.offences import MAY_SUPPORT, NOT_SHOWN, OffenceEvidence, packaged_rules
from casetrail.analysis.pipeline import run_analysis
from casetrail.analysis.risk_history import latest
from casetrail.store.audit_log import utc_now
from casetrail.store.case import Case
from casetrail.store.queries import TimelineEvent, TimelineFilter, list_exhibits, stream_timeline

APPENDIX_MAX = 5000  # messages printed in full; beyond this the appendix summarises (docs/pack.md)
CHRONOLOGY_MAX = 300
KEY_CATEGORIES = (
    "THREAT.", "OFFLINE.PRESENCE", "IMAGE.", "EXPOSURE.", "SEXUAL.", "ACCESS.", "MONITORING.LOCATION",
    "IMPERSONATION", "THIRD_PARTY.CONTACT",
)  # fmt: skip
CATEGORY_WORDS = {
    "IMPACT.STOP_REQUEST": "request to stop",
    "OFFLINE.PRESENCE": "turning up in person",
    "THREAT.VIOLENCE": "threat of violence",
    "THREAT.OTHER": "other threat",
    "THIRD_PARTY.CONTACT": "contact with family, friends or work",
    "MONITORING.KNOWLEDGE": "monitoring",
    "MONITORING.LOCATION": "location tracking",
}


@dataclass
class Incident:
    at: datetime | None
    what: str
    ref: EventRef
    words: list[str] = field(default_factory=list)
    own_words: dict[str, str] | None = None


class Chronology:
    """A consumer of the analysis pass that keeps the key incidents, in time order, up to a bound."""

    def __init__(self) -> None:
        self.incidents: list[Incident] = []
        self.left_out = 0
        self.channels_seen: set[str] = set()

    def _keep(self, incident: Incident) -> None:
        if len(self.incidents) < CHRONOLOGY_MAX:
            self.incidents.append(incident)
        else:
            self.left_out += 1

    def add(self, event: LabelledEvent) -> None:
        ref = event.ref
        categories = event.categories()
        if ref.side == "suspect" and ref.channel not in self.channels_seen:
            self.channels_seen.add(ref.channel)
            self._keep(Incident(ref.at, f"first contact on {ref.channel}", ref))
        key = sorted(c for c in categories if c.startswith(KEY_CATEGORIES))
        if ref.side == "suspect" and key:
            words = [w for c in key for w in event.words_for(c) if w]
            what = ", ".join(CATEGORY_WORDS.get(c, c.lower().replace("_", " ")) for c in key)
            self._keep(Incident(ref.at, what, ref, list(dict.fromkeys(words))))
        elif ref.side == "diary":
            what = "diary: " + (", ".join(CATEGORY_WORDS.get(c, c) for c in sorted(categories)) or ref.kind)
            self._keep(Incident(ref.at, what, ref, own_words=event.own_words))
        elif "IMPACT.STOP_REQUEST" in categories:
            self._keep(Incident(ref.at, "request to stop", ref, event.words_for("IMPACT.STOP_REQUEST")))


@dataclass
class Thread:
    channel: str
    conversation: int | None
    events: list[TimelineEvent] = field(default_factory=list)


def _appendix(case: Case, known_total: int | None, scope: TimelineFilter) -> tuple[list[Thread], int, bool]:
    """Messages grouped by channel and conversation, up to APPENDIX_MAX; and the total. With the
    total already known (the pack has just written every event), the timeline is read only as far
    as the appendix goes."""
    threads: OrderedDict[tuple[str, int | None], Thread] = OrderedDict()
    total = 0
    for event in stream_timeline(case, scope):
        total += 1
        if total > APPENDIX_MAX:
            if known_total is not None:
                total = known_total
                break
            continue
        key = (event.channel, event.conversation)
        thread = threads.get(key)
        if thread is None:
            thread = threads[key] = Thread(event.channel, event.conversation)
        thread.events.append(event)
    ordered = sorted(threads.values(), key=lambda t: (t.channel, t.conversation or 0))
    return ordered, total, total > APPENDIX_MAX


def _audit(case: Case) -> list[dict[str, Any]]:
    """The audit trail as when, what and by whom: the details stay in the case (they can name files)."""
    with case.reader.connect() as conn:
        return [
            {"seq": e.seq, "at": e.at, "action": e.action, "actor": e.actor, "hash": e.entry_hash}
            for e in case.audit.entries(conn)
        ]


def build_report(
    case: Case,
    person: str | None,
    accounts: frozenset[str] | None,
    today: date,
    withheld: Mapping[str, str] | None = None,
    events_total: int | None = None,
    scope: TimelineFilter | None = None,
    covers: Sequence[str] = (),
    redacted: bool = False,
) -> dict[str, Any]:
    """The template's context: plain values only (the template escapes every one of them).
    ``withheld`` maps each exhibit left out of the pack to the reason; ``events_total`` is the
    number of events in the pack, when the caller has counted them; ``scope`` the part of the case
    the pack covers, and ``covers`` that scope in words."""
    withheld = withheld or {}
    scope = scope or TimelineFilter()
    chronology = Chronology()
    offences = OffenceEvidence(packaged_rules(), case.timezone)
    findings: Findings = run_analysis(case, accounts, [chronology, offences], scope=scope)
    threads, total, summarised = _appendix(case, events_total, scope)
    exhibits = [
        {
            "ref": e.ref,
            "sha256": e.sha256,
            "size": e.size,
            "original_name": e.original_name,
            "inside": e.inside,
            "acquired_at": e.added_at,
            "acquired_by": e.details.get("acquired_by", case.producer.name),
            "expunged": bool(e.details.get("expunged")),
            "withheld": withheld.get(e.ref),
        }
        for e in list_exhibits(case)
    ]
    conduct = findings.conduct
    report = offences.finish(today)
    device: list[TimelineEvent] = []  # the checks of the victim's phone, unless the pack leaves them out
    if not scope.channels or "device" in scope.channels:
        device = list(stream_timeline(case, replace(scope, channels=["device"], accounts=None)))
    return {
        "generated_at": utc_now(),
        "tool_version": casetrail.__version__,
        "zone": case.timezone,
        "victim": case.producer.name,
        "person": person,
        "accounts": sorted(accounts) if accounts else [],
        "findings": findings,
        "conduct": conduct,
        "threats": findings.behaviour.get("THREAT.VIOLENCE"),
        "behaviour": sorted(findings.behaviour.values(), key=lambda e: -e.count),
        "to_review": sorted(findings.to_review.values(), key=lambda e: -e.count),
        "stop_requests": findings.stop_requests,
        "escalation": findings.escalation,
        "four": four(findings),
        "offences": report,
        "supported_offences": [
            offence.rule.title
            for offence in report.offences
            if any(e.status == MAY_SUPPORT for e in offence.elements)
            and not any(e.status == NOT_SHOWN for e in offence.elements)
        ],
        "risk": [screening.to_json() for screening in latest(case).values()],
        "chronology": chronology.incidents,
        "chronology_left_out": chronology.left_out,
        "diary": [i for i in chronology.incidents if i.ref.side == "diary" and i.own_words],
        "exhibits": exhibits,
        "audit": _audit(case),
        "threads": threads,
        "events_total": total,
        "appendix_max": APPENDIX_MAX,
        "appendix_summarised": summarised,
        "versions": findings.versions,
        "phone_scans": device,
        "covers": list(covers),
        "redacted": redacted,
    }
