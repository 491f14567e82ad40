"""Labelling one stored event: which side it is on, which of its texts are read, and people's decisions.

Shared by the analysis pass and by ``timeline --json``, so an event shows the same labels in both.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from casetrail.analysis.labels import Classifier, Label, Side
from casetrail.model.accounts import sender_accounts
from casetrail.model.event import NOTICE_KINDS, SCAN_KINDS
from casetrail.store.case import Case
from casetrail.store.event_blocks import StoredEvent
from casetrail.store.queries import TimelineEvent, as_stored, is_diary

#: A diary entry's own fields that are read besides what happened (the ``text``).
DIARY_FIELDS = ("how_it_made_me_feel", "impact")
PERSON_SOURCE = "person"


def side_without_person(event: StoredEvent) -> Side:
    """Whose side an event is on when no person is named: incoming is the other side."""
    if event.kind in NOTICE_KINDS:
        return "system"
    if is_diary(event):
        return "diary"
    return {"incoming": "suspect", "outgoing": "victim"}.get(event.direction, "unknown")  # type: ignore[return-value]


def fields_of(event: StoredEvent, side: Side) -> dict[str, str]:
    fields = {"text": event.text or ""}
    if side == "diary":
        fields.update({name: event.details[name] for name in DIARY_FIELDS if event.details.get(name)})
    return fields


def labels_for(
    classifier: Classifier,
    event: StoredEvent,
    side: Side,
    decisions: dict[bytes, dict[str, str]],
) -> tuple[list[Label], list[dict[str, object]]]:
    """The event's labels with people's decisions applied (a confirmed category the rules missed is
    added, marked as a person's), and the matches set aside with their reasons (as JSON)."""
    if event.kind in SCAN_KINDS:  # casetrail's own words about a phone scan: nothing to read
        return [], []
    found = classifier.classify(fields_of(event, side), side)
    decided = decisions.get(event.identity)
    if not decided:
        return list(found.labels), [item.to_json() for item in found.set_aside]
    labels = []
    for label in found.labels:
        decision = decided.get(label.category)
        labels.append(_with_decision(label, decision) if decision else label)
    present = {label.category for label in labels}
    for category, decision in decided.items():
        if category not in present and decision == "confirmed":
            labels.append(Label(category, "", "text", 0, 0, PERSON_SOURCE, PERSON_SOURCE, decision=decision))
    return labels, [item.to_json() for item in found.set_aside]


def _with_decision(label: Label, decision: str) -> Label:
    return Label(
        label.category,
        label.words,
        label.field,
        label.start,
        label.end,
        label.rule,
        label.source,
        label.status,
        label.voice,
        decision,
    )


def label_rows(
    case: Case,
    rows: Iterable[TimelineEvent],
    linked: frozenset[str] | None,
    classifier: Classifier,
    decisions: dict[bytes, dict[str, str]],
) -> list[dict[str, Any]]:
    """Each timeline row's side, behaviour labels (with people's decisions) and the matches set aside,
    as JSON. With a linked person, their accounts' events are the suspect's side."""
    found = []
    for row in rows:
        event = as_stored(row)
        side = side_without_person(event)
        if linked is not None and side in ("unknown", "suspect", "victim"):
            named = sender_accounts(row.channel, row.sender, row.details, case.region)
            side = (
                "suspect" if any(a.id in linked for a in named) else "victim" if side == "unknown" else side
            )
        labels, set_aside = labels_for(classifier, event, side, decisions)
        found.append({"side": side, "labels": [label.to_json() for label in labels], "set_aside": set_aside})
    return found
