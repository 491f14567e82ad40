"""Risk screening: questionnaires held as data, items the evidence suggests, and counts a person owns.

Screening is not prediction, and published tools leave the decision to professional judgement. So the
evidence only ever *suggests* an answer, for a person to confirm or reject; a result cannot exist
without a named person and their role; and a level is reported only where the instrument documents
one (the DASH referral threshold). Everything else is counts and prompts for judgement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal, get_args

from casetrail.analysis.evidence import EventRef
from casetrail.analysis.findings import CategoryEvidence, Findings
from casetrail.errors import CasetrailError
from casetrail.rules import RulesError, from_path, packaged

FORMAT = "casetrail-risk-instrument"
ANSWERS_FORMAT = "casetrail-risk-answers"
PACKAGED = {"dash": "risk-dash.yaml", "s-dash": "risk-sdash.yaml", "digital": "risk-digital.yaml"}

Answer = Literal["yes", "no", "dont-know"]
ANSWERS: tuple[Answer, ...] = get_args(Answer)
Role = Literal["victim", "advocate", "officer", "other"]
ROLES: tuple[Role, ...] = get_args(Role)
SignalKind = Literal["behaviour", "diary", "figure"]

#: Figures from the analysis that can suggest an item, and what each one means (docs/risk.md).
FIGURES = {
    "bursts": "bursts of contact (many contacts within one hour)",
    "night": "contacts at night (00:00-06:00)",
    "contacts_after_stop": "contacts after the victim asked for no contact, blocked, or a police warning",
    "two_or_more_incidents": "contact on two or more different days",
    "more_often": "more contacts in the last 28 days of contact than in the 28 days before",
}
RECENT = timedelta(days=28)
SUGGESTED = "yes, for confirmation"
NOT_PREDICTION = (
    "Screening is not prediction: no checklist can tell who will be harmed. It organises what is known so "
    "that a professional can judge the risk and plan for safety."
)

_CATEGORY = re.compile(r"^[A-Z][A-Z_]*(\.[A-Z][A-Z_]*)?(\.\*)?$")
_INSTRUMENT_KEYS = {
    "format", "version", "id", "name", "source", "licence_note", "answers", "items", "triggers",
    "threshold", "judgement", "links", "when_to_use", "variants", "before_asking",
}  # fmt: skip
_ITEM_KEYS = {"id", "topic", "why", "suggested_by", "prompt"}
TOPIC_LIMIT = 120


@dataclass(frozen=True, slots=True)
class Signal:
    """One piece of evidence that can suggest an item: a category on the person's side or in the diary
    (``THREAT.*`` for the whole group), or a course-of-conduct figure, at or above ``at_least``."""

    kind: SignalKind
    name: str
    at_least: int = 1


@dataclass(frozen=True, slots=True)
class Item:
    id: str
    topic: str
    why: str
    suggested_by: tuple[Signal, ...] = ()
    prompt: str | None = None


@dataclass(frozen=True, slots=True)
class Threshold:
    """A level the instrument's authors document (only DASH has one)."""

    yes_at_least: int
    level: str
    action: str
    source: str


@dataclass(frozen=True, slots=True)
class Link:
    """A "yes" to one item that leads to another instrument (DASH stalking topic -> S-DASH)."""

    when_yes: str
    instrument: str
    words: str


@dataclass(frozen=True, slots=True)
class Trigger:
    """A local rule, off unless a service switches it on; when met it prompts judgement, never a level."""

    id: str
    enabled: bool
    source: str
    prompt: str
    any_yes: tuple[str, ...] = ()
    yes_at_least: int | None = None

    def met(self, yes: set[str]) -> bool:
        if self.any_yes and yes.intersection(self.any_yes):
            return True
        return self.yes_at_least is not None and len(yes) >= self.yes_at_least


@dataclass(frozen=True, slots=True)
class Instrument:
    id: str
    version: str
    name: str
    source: dict[str, Any]
    licence_note: str
    items: tuple[Item, ...]
    judgement: str
    threshold: Threshold | None = None
    links: tuple[Link, ...] = ()
    triggers: tuple[Trigger, ...] = ()
    when_to_use: str | None = None
    use_when: tuple[Signal, ...] = ()
    variants: tuple[str, ...] = ()
    before_asking: str | None = None

    @property
    def official_form(self) -> str | None:
        form = self.source.get("official_form")
        return str(form) if form else None

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise CasetrailError(f"The {self.id} screening has no item {item_id!r}.")

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "version": self.version,
            "name": self.name,
            "source": self.source,
            "licence_note": self.licence_note,
            "official_form": self.official_form,
            "before_asking": self.before_asking,
            "when_to_use": self.when_to_use,
            "variants": list(self.variants),
            "judgement": self.judgement,
            "threshold": None
            if self.threshold is None
            else {
                "yes_at_least": self.threshold.yes_at_least,
                "level": self.threshold.level,
                "action": self.threshold.action,
                "source": self.threshold.source,
            },
            "items": [
                {
                    "id": i.id,
                    "topic": i.topic,
                    "why": i.why,
                    "prompt": i.prompt,
                    "suggested_by": _signals_json(i),
                }
                for i in self.items
            ],
        }


def _signals_json(item: Item) -> list[dict[str, Any]]:
    return [{s.kind: s.name, "at_least": s.at_least} for s in item.suggested_by]


# -- loading and checking -------------------------------------------------------------------------


def load(instrument_id: str) -> Instrument:
    """A screening shipped with casetrail, by id (``dash``, ``s-dash``, ``digital``)."""
    filename = PACKAGED.get(instrument_id)
    if filename is None:
        known = ", ".join(PACKAGED)
        raise CasetrailError(f"There is no screening called {instrument_id!r}. Known: {known}.")
    return instrument_from(packaged(filename, FORMAT), filename)


def load_path(path: Path) -> Instrument:
    """A screening from a file (a force's or service's own questionnaire)."""
    return instrument_from(from_path(path, FORMAT), path.name)


def packaged_instruments() -> list[Instrument]:
    return [load(instrument_id) for instrument_id in PACKAGED]


def _need(value: Any, where: str) -> str:
    """Text, with runs of spaces and line breaks made single spaces (YAML folded text)."""
    if not isinstance(value, str) or not value.strip():
        raise RulesError(f"{where}: must be text.")
    return " ".join(value.split())


def _text(value: Any, where: str, *, optional: bool = False) -> str | None:
    return None if value is None and optional else _need(value, where)


def _mapping(value: Any, where: str, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise RulesError(f"{where}: must be a mapping.")
    unknown = sorted(str(key) for key in value if key not in allowed)
    if unknown:
        raise RulesError(f"{where}: unknown key {unknown[0]!r} (allowed: {', '.join(sorted(allowed))}).")
    return value


def _count(value: Any, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise RulesError(f"{where}: must be a whole number of 1 or more.")
    return value


def _signal(value: Any, where: str) -> Signal:
    entry = _mapping(value, where, {"behaviour", "diary", "figure", "at_least"})
    kinds = [kind for kind in ("behaviour", "diary", "figure") if kind in entry]
    if len(kinds) != 1:
        raise RulesError(f"{where}: give exactly one of behaviour, diary or figure.")
    kind: SignalKind = kinds[0]
    name = _need(entry[kind], where)
    if kind == "figure" and name not in FIGURES:
        raise RulesError(f"{where}: unknown figure {name!r} (known: {', '.join(FIGURES)}).")
    if kind != "figure" and not _CATEGORY.match(name):
        raise RulesError(
            f"{where}: {name!r} is not a behaviour category such as THREAT.VIOLENCE or THREAT.*."
        )
    return Signal(kind, name, _count(entry.get("at_least", 1), f"{where} at_least"))


def _signals(value: Any, where: str) -> tuple[Signal, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise RulesError(f"{where}: must be a list.")
    return tuple(_signal(entry, f"{where} entry {n}") for n, entry in enumerate(value, 1))


def _item(value: Any, name: str, number: int) -> Item:
    item_id = value.get("id") if isinstance(value, dict) else None
    where = f"Rule file {name}, item {item_id if isinstance(item_id, str) else number}"
    entry = _mapping(value, where, _ITEM_KEYS)
    topic = _need(entry.get("topic"), f"{where} topic")
    if len(topic) > TOPIC_LIMIT:
        raise RulesError(f"{where} topic: keep it under {TOPIC_LIMIT} characters, in your own words.")
    return Item(
        id=_need(item_id, f"{where} id"),
        topic=topic,
        why=_need(entry.get("why"), f"{where} why"),
        suggested_by=_signals(entry.get("suggested_by"), f"{where} suggested_by"),
        prompt=_text(entry.get("prompt"), f"{where} prompt", optional=True),
    )


def _threshold(value: Any, name: str) -> Threshold | None:
    if value is None:
        return None
    where = f"Rule file {name}, threshold"
    entry = _mapping(value, where, {"yes_at_least", "level", "action", "source"})
    return Threshold(
        yes_at_least=_count(entry.get("yes_at_least"), f"{where} yes_at_least"),
        level=_need(entry.get("level"), f"{where} level"),
        action=_need(entry.get("action"), f"{where} action"),
        source=_need(entry.get("source"), f"{where} source"),
    )


def _trigger(value: Any, name: str, number: int, ids: set[str]) -> Trigger:
    where = f"Rule file {name}, trigger {number}"
    entry = _mapping(value, where, {"id", "enabled", "source", "when", "prompt"})
    enabled = entry.get("enabled", False)
    if not isinstance(enabled, bool):
        raise RulesError(f"{where} enabled: must be true or false.")
    when = _mapping(entry.get("when"), f"{where} when", {"any_yes", "yes_at_least"})
    any_yes = when.get("any_yes", [])
    if not isinstance(any_yes, list) or any(item not in ids for item in any_yes):
        raise RulesError(f"{where} when any_yes: must list items of this screening.")
    at_least = when.get("yes_at_least")
    if not any_yes and at_least is None:
        raise RulesError(f"{where} when: give any_yes or yes_at_least.")
    return Trigger(
        id=_need(entry.get("id"), f"{where} id"),
        enabled=enabled,
        source=_need(entry.get("source"), f"{where} source"),
        prompt=_need(entry.get("prompt"), f"{where} prompt"),
        any_yes=tuple(any_yes),
        yes_at_least=None if at_least is None else _count(at_least, f"{where} when yes_at_least"),
    )


def _links(value: Any, name: str, ids: set[str]) -> tuple[Link, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise RulesError(f"Rule file {name}, links: must be a list.")
    found = []
    for number, raw in enumerate(value, 1):
        where = f"Rule file {name}, link {number}"
        entry = _mapping(raw, where, {"when_yes", "instrument", "words"})
        when_yes = _need(entry.get("when_yes"), f"{where} when_yes")
        if when_yes not in ids:
            raise RulesError(f"{where} when_yes: {when_yes!r} is not an item of this screening.")
        found.append(Link(when_yes, _need(entry.get("instrument"), where), _need(entry.get("words"), where)))
    return tuple(found)


def _answers_offered(value: Any, name: str) -> None:
    # YAML 1.1 reads a bare yes/no as true/false; both spellings mean the same answers.
    offered = ["yes" if v is True else "no" if v is False else v for v in value or []]
    if offered != list(ANSWERS):
        raise RulesError(f"Rule file {name}, answers: must be [yes, no, dont-know].")


def instrument_from(document: dict[str, Any], name: str) -> Instrument:
    """Check a parsed instrument file and build it; a bad entry is named with its file and item."""
    _mapping(document, f"Rule file {name}", _INSTRUMENT_KEYS)
    _answers_offered(document.get("answers"), name)
    raw_items = document.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        raise RulesError(f"Rule file {name}, items: must be a non-empty list.")
    items = tuple(_item(raw, name, number) for number, raw in enumerate(raw_items, 1))
    ids = [item.id for item in items]
    repeated = sorted({item_id for item_id in ids if ids.count(item_id) > 1})
    if repeated:
        raise RulesError(f"Rule file {name}, item {repeated[0]}: the id is used twice.")
    raw_triggers = document.get("triggers") or []
    if not isinstance(raw_triggers, list):
        raise RulesError(f"Rule file {name}, triggers: must be a list.")
    source = document.get("source")
    if not isinstance(source, dict):
        raise RulesError(f"Rule file {name}, source: must say who wrote the original and link to it.")
    when = document.get("when_to_use")
    when_entry = _mapping(when, f"Rule file {name}, when_to_use", {"words", "suggested_by"}) if when else {}
    variants = document.get("variants") or []
    if not isinstance(variants, list):
        raise RulesError(f"Rule file {name}, variants: must be a list.")
    return Instrument(
        id=_need(document.get("id"), f"Rule file {name}, id"),
        version=str(document["version"]),
        name=_need(document.get("name"), f"Rule file {name}, name"),
        source=source,
        licence_note=_need(document.get("licence_note"), f"Rule file {name}, licence_note"),
        items=items,
        judgement=_need(document.get("judgement"), f"Rule file {name}, judgement"),
        threshold=_threshold(document.get("threshold"), name),
        links=_links(document.get("links"), name, set(ids)),
        triggers=tuple(_trigger(raw, name, n, set(ids)) for n, raw in enumerate(raw_triggers, 1)),
        when_to_use=_text(when_entry.get("words"), f"Rule file {name}, when_to_use words", optional=True),
        use_when=_signals(when_entry.get("suggested_by"), f"Rule file {name}, when_to_use suggested_by"),
        variants=tuple(_need(v, f"Rule file {name}, variants") for v in variants),
        before_asking=_text(document.get("before_asking"), f"Rule file {name}, before_asking", optional=True),
    )


def with_triggers(instrument: Instrument, enabled: set[str]) -> Instrument:
    """The same instrument with the named local triggers switched on (a service's own setting)."""
    unknown = enabled - {t.id for t in instrument.triggers}
    if unknown:
        raise CasetrailError(f"The {instrument.id} screening has no trigger {sorted(unknown)[0]!r}.")
    triggers = tuple(
        Trigger(t.id, t.enabled or t.id in enabled, t.source, t.prompt, t.any_yes, t.yes_at_least)
        for t in instrument.triggers
    )
    return replace(instrument, triggers=triggers)


# -- pre-marking from the evidence ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Evidence:
    """An event behind a suggestion, by exhibit and place, with the words that were matched (evidence
    text: show it only through casetrail.render.terminal)."""

    ref: EventRef
    words: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {**self.ref.to_json(), "words": list(self.words)}


@dataclass(frozen=True, slots=True)
class Suggestion:
    """An item the evidence suggests, for a person to confirm or reject; never an answer by itself."""

    item: str
    topic: str
    suggested: str
    reasons: tuple[str, ...]
    evidence: tuple[Evidence, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "topic": self.topic,
            "suggested": self.suggested,
            "reasons": list(self.reasons),
            "evidence": [e.to_json() for e in self.evidence],
        }


def _categories(found: dict[str, CategoryEvidence], name: str) -> list[CategoryEvidence]:
    if name.endswith(".*"):
        group = name[:-1]
        return [found[key] for key in sorted(found) if key.startswith(group) and found[key].count]
    return [found[name]] if name in found and found[name].count else []


def _more_often(findings: Findings) -> tuple[int, int]:
    """Contacts in the last 28 days up to the latest contact, and in the 28 days before that."""
    per_day = findings.conduct.per_day
    if not per_day:
        return 0, 0
    last = max(per_day)
    recent = sum(n for day, n in per_day.items() if last - day < RECENT)
    before = sum(n for day, n in per_day.items() if RECENT <= last - day < 2 * RECENT)
    return recent, before


def _figure(findings: Findings, signal: Signal) -> tuple[str, list[Evidence]] | None:
    conduct = findings.conduct
    if signal.name == "bursts":
        if len(conduct.bursts) < signal.at_least:
            return None
        largest = max(burst.count for burst in conduct.bursts)
        return (
            f"{len(conduct.bursts)} burst(s) of contact within one hour (the largest: {largest} contacts)",
            [],
        )
    if signal.name == "night":
        return (f"{conduct.night} contacts at night", []) if conduct.night >= signal.at_least else None
    if signal.name == "two_or_more_incidents":
        days = conduct.days_with_contact
        return (f"contact on {days} different days", []) if days >= max(2, signal.at_least) else None
    if signal.name == "more_often":
        recent, before = _more_often(findings)
        if before and recent > before and recent - before >= signal.at_least:
            return f"{recent} contacts in the latest 28 days of contact, {before} in the 28 days before", []
        return None
    after = findings.contacts_after_first_stop
    if after < signal.at_least:
        return None
    refs = [Evidence(s.ref, tuple(s.words)) for s in findings.stop_requests if s.contacts_after]
    refs += [Evidence(s.first_after) for s in findings.stop_requests if s.first_after is not None]
    stops = len(findings.stop_requests)
    return f"{after} contacts after {stops} request(s) for no contact, block(s) or warning(s)", refs


def _match(findings: Findings, signal: Signal) -> tuple[list[str], list[Evidence]] | None:
    if signal.kind == "figure":
        figure = _figure(findings, signal)
        return None if figure is None else ([figure[0]], figure[1])
    found = _categories(findings.behaviour if signal.kind == "behaviour" else findings.diary, signal.name)
    found = [c for c in found if c.count >= signal.at_least]
    if not found:
        return None
    where = "from the person" if signal.kind == "behaviour" else "in the diary"
    reasons = [f"{c.count} event(s) {where} labelled {c.category}, on {len(c.days)} day(s)" for c in found]
    evidence = [Evidence(e.ref, tuple(e.words)) for c in found for e in c.examples]
    return reasons, evidence


def _suggest(findings: Findings, item_id: str, topic: str, signals: tuple[Signal, ...]) -> Suggestion | None:
    reasons: list[str] = []
    evidence: list[Evidence] = []
    seen: set[str] = set()
    for signal in signals:
        matched = _match(findings, signal)
        if matched is None:
            continue
        found_reasons, refs = matched
        reasons += [reason for reason in found_reasons if reason not in reasons]
        for found in refs:
            if found.ref.uid not in seen:
                seen.add(found.ref.uid)
                evidence.append(found)
    if not reasons:
        return None
    return Suggestion(item_id, topic, SUGGESTED, tuple(reasons), tuple(evidence))


def premark(instrument: Instrument, findings: Findings) -> list[Suggestion]:
    """Items the evidence suggests a "yes" for, each with its reasons and the events behind it.

    Rejected labels were already left out of the findings. Nothing here is an answer: a person
    confirms or rejects each suggestion, and that decision is what is stored.
    """
    found = (_suggest(findings, item.id, item.topic, item.suggested_by) for item in instrument.items)
    return [suggestion for suggestion in found if suggestion is not None]


def applies(instrument: Instrument, findings: Findings) -> Suggestion | None:
    """Whether the evidence suggests this screening should be used at all (S-DASH's "when to use")."""
    if not instrument.use_when:
        return None
    return _suggest(findings, "when_to_use", instrument.when_to_use or "", instrument.use_when)


# -- answers and the result -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ItemAnswer:
    """One answer. ``answer`` None means the item was skipped. ``premarked`` says the evidence
    suggested a "yes"; ``decision`` is then what the person made of it (confirmed or rejected)."""

    item: str
    answer: Answer | None
    note: str = ""
    premarked: bool = False

    @property
    def decision(self) -> str | None:
        if not self.premarked or self.answer is None:
            return None
        return "confirmed" if self.answer == "yes" else "rejected"

    def to_json(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "answer": self.answer,
            "note": self.note,
            "premarked": self.premarked,
            "decision": self.decision,
        }


@dataclass(frozen=True, slots=True)
class AnswerSet:
    """Answers given by a named person in a stated role, at a time. Without both there is no result."""

    instrument: str
    version: str
    answered_by: str
    role: Role
    answered_at: str
    answers: tuple[ItemAnswer, ...]
    about: str | None = None
    variant: str | None = None

    def __post_init__(self) -> None:
        if not self.answered_by.strip():
            raise CasetrailError("Say who answered (a name): a screening is never scored without a person.")
        if self.role not in ROLES:
            raise CasetrailError(f"The role must be one of: {', '.join(ROLES)}.")
        items = [a.item for a in self.answers]
        if len(items) != len(set(items)):
            raise CasetrailError("Each item can be answered only once in one screening.")

    def to_json(self) -> dict[str, Any]:
        return {
            "instrument": self.instrument,
            "version": self.version,
            "answered_by": self.answered_by,
            "role": self.role,
            "answered_at": self.answered_at,
            "about": self.about,
            "variant": self.variant,
            "answers": [a.to_json() for a in self.answers],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AnswerSet:
        answers = tuple(
            ItemAnswer(str(a["item"]), a["answer"], str(a.get("note", "")), bool(a.get("premarked")))
            for a in data["answers"]
        )
        return cls(
            instrument=str(data["instrument"]),
            version=str(data["version"]),
            answered_by=str(data["answered_by"]),
            role=data["role"],
            answered_at=str(data["answered_at"]),
            answers=answers,
            about=data.get("about"),
            variant=data.get("variant"),
        )


@dataclass(frozen=True, slots=True)
class Prompt:
    """Words prompting professional judgement, and where they come from (an item or a local rule)."""

    source: str
    words: str
    rule_source: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"from": self.source, "words": self.words, "rule_source": self.rule_source}


@dataclass(frozen=True, slots=True)
class Level:
    level: str
    action: str
    source: str

    def to_json(self) -> dict[str, Any]:
        return {"level": self.level, "action": self.action, "source": self.source}


@dataclass(frozen=True, slots=True)
class Result:
    """Counts, the documented level if any, prompts for judgement and links, with who answered."""

    answers: AnswerSet
    instrument_name: str
    yes: int
    no: int
    dont_know: int
    unanswered: int
    level: Level | None
    prompts: tuple[Prompt, ...]
    next_steps: tuple[Link, ...]
    judgement: str
    has_threshold: bool
    note: str = NOT_PREDICTION
    yes_items: tuple[str, ...] = field(default=())
    triggers_on: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {
            **self.answers.to_json(),
            "name": self.instrument_name,
            "counts": {
                "yes": self.yes,
                "no": self.no,
                "dont_know": self.dont_know,
                "unanswered": self.unanswered,
            },
            "yes_items": list(self.yes_items),
            "local_triggers_on": list(self.triggers_on),
            "level": self.level.to_json() if self.level else None,
            "has_threshold": self.has_threshold,
            "prompts": [p.to_json() for p in self.prompts],
            "next": [
                {"instrument": n.instrument, "because": n.when_yes, "words": n.words} for n in self.next_steps
            ],
            "judgement": self.judgement,
            "note": self.note,
        }


def score(instrument: Instrument, answers: AnswerSet) -> Result:
    """Count the answers a person gave; a level only where the instrument documents one."""
    if answers.instrument != instrument.id:
        raise CasetrailError(f"These answers are for {answers.instrument!r}, not for {instrument.id!r}.")
    given = {}
    for answer in answers.answers:
        instrument.item(answer.item)  # an answer to an item the screening lacks is refused
        if answer.answer is not None and answer.answer not in ANSWERS:
            raise CasetrailError(f"Item {answer.item}: the answer must be yes, no or dont-know.")
        if answer.answer is not None:
            given[answer.item] = answer.answer
    yes = [item.id for item in instrument.items if given.get(item.id) == "yes"]
    prompts = [
        Prompt(item.id, item.prompt)
        for item in instrument.items
        if item.id in yes and item.prompt is not None
    ]
    prompts += [
        Prompt(trigger.id, trigger.prompt, trigger.source)
        for trigger in instrument.triggers
        if trigger.enabled and trigger.met(set(yes))
    ]
    threshold = instrument.threshold
    level = None
    if threshold is not None and len(yes) >= threshold.yes_at_least:
        level = Level(threshold.level, threshold.action, threshold.source)
    values = list(given.values())
    return Result(
        answers=answers,
        instrument_name=instrument.name,
        yes=len(yes),
        no=values.count("no"),
        dont_know=values.count("dont-know"),
        unanswered=len(instrument.items) - len(given),
        level=level,
        prompts=tuple(prompts),
        next_steps=tuple(link for link in instrument.links if link.when_yes in yes),
        judgement=instrument.judgement,
        has_threshold=threshold is not None,
        yes_items=tuple(yes),
        triggers_on=tuple(trigger.id for trigger in instrument.triggers if trigger.enabled),
    )


# -- answers files --------------------------------------------------------------------------------


def _answer_value(value: Any, where: str) -> Answer | None:
    # A bare yes/no in YAML arrives as true/false; "skip" or nothing means not answered.
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if value is None or value == "skip":
        return None
    if value in ANSWERS:
        return value  # type: ignore[no-any-return]
    raise CasetrailError(f"{where}: the answer must be yes, no, dont-know or skip.")


def answers_from_file(path: Path, instrument: Instrument) -> tuple[dict[str, ItemAnswer], dict[str, Any]]:
    """Answers from a YAML or JSON file (``format: casetrail-risk-answers``), read safely.

    Returns the answers by item and the file's other details (instrument, variant, answered_by, role)
    so the command can check them against its options.
    """
    document = from_path(path, ANSWERS_FORMAT)
    allowed = {"format", "version", "instrument", "answered_by", "role", "about", "variant", "answers"}
    _mapping(document, f"Answers file {path.name}", allowed)
    if document.get("instrument", instrument.id) != instrument.id:
        raise CasetrailError(
            f"Answers file {path.name} is for {document['instrument']!r}, not {instrument.id!r}."
        )
    raw = document.get("answers")
    if not isinstance(raw, dict):
        raise CasetrailError(f"Answers file {path.name}: 'answers' must map item ids to answers.")
    found: dict[str, ItemAnswer] = {}
    for key, value in raw.items():
        where = f"Answers file {path.name}, item {key}"
        instrument.item(str(key))
        entry = value if isinstance(value, dict) else {"answer": value}
        _mapping(entry, where, {"answer", "note"})
        note = entry.get("note") or ""
        if not isinstance(note, str):
            raise CasetrailError(f"{where}: the note must be text.")
        found[str(key)] = ItemAnswer(str(key), _answer_value(entry.get("answer"), where), note.strip())
    return found, {k: v for k, v in document.items() if k != "answers"}


def answers_document(answers: AnswerSet) -> dict[str, Any]:
    """An answer set as an answers file (the inverse of :func:`answers_from_file`)."""
    return {
        "format": ANSWERS_FORMAT,
        "version": "1",
        "instrument": answers.instrument,
        "answered_by": answers.answered_by,
        "role": answers.role,
        "about": answers.about,
        "variant": answers.variant,
        "answers": {
            a.item: {"answer": a.answer or "skip", "note": a.note} if a.note else a.answer or "skip"
            for a in answers.answers
        },
    }
