"""Behaviour labels: what a classifier suggests an event shows, with the words that made it say so.

A label is a suggestion until a person confirms it; a rejected label stays on record, marked rejected.
Any classifier (today the rule files; later a trained model beside them) returns the same types, so the
rest of the analysis does not care which one spoke.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal, Protocol

#: Whose side an event is on, as far as the case can tell.
#: suspect: from the person analysed (or, with no person named, incoming); victim: from the case's
#: owner; unknown: the export does not say (WhatsApp); diary: the victim's own record; system: notices
#: of the app itself ("You blocked this contact").
Side = Literal["suspect", "victim", "unknown", "diary", "system", "other"]

#: Why a match was not taken as a label ("own-action": in the diary, the victim describing what they
#: themselves did, "I was waiting outside the station").
Reason = Literal["negated", "hypothetical", "idiom", "quoted", "own-action"]


@dataclass(frozen=True, slots=True)
class Label:
    """One behaviour category an event may show.

    ``words`` are the matched words exactly as written; ``field`` says which text they are in (``text``,
    or a diary field such as ``impact``) and ``start``/``end`` where. ``status`` is ``suggested``, or
    ``review`` when the words were negated but then hedged ("I'd never hurt you... unless"). ``voice``
    is ``reported`` when the victim's diary reports what someone said or did. ``decision`` is what a
    person decided (``confirmed``/``rejected``), or None.
    """

    category: str
    words: str
    field: str
    start: int
    end: int
    rule: str
    source: str
    status: str = "suggested"
    voice: str = "own"
    decision: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class SetAside:
    """Words that matched a rule but were not taken as a label, and why (shown, never hidden)."""

    category: str
    words: str
    field: str
    start: int
    end: int
    rule: str
    reason: Reason

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Classification:
    labels: tuple[Label, ...] = ()
    set_aside: tuple[SetAside, ...] = ()


class Classifier(Protocol):
    """What the analysis needs from a classifier: a name and version to record, and labels for text."""

    @property
    def name(self) -> str: ...

    @property
    def version(self) -> str: ...

    def classify(self, fields: dict[str, str], side: Side) -> Classification:
        """Labels for the event's text fields (``text`` and, for diary entries, its other fields)."""
        ...


def stands(status: str, decision: str | None) -> bool:
    """Whether a label stands as evidence: confirmed by a person, or suggested and not rejected. A
    label marked for review (a hedged denial, a threat put as a question) counts once confirmed."""
    if decision is not None:
        return decision == "confirmed"
    return status == "suggested"


def counts(label: Label) -> bool:
    return stands(label.status, label.decision)


def awaits_review(label: Label) -> bool:
    return label.decision is None and label.status == "review"
