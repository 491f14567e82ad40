"""Offence elements held as data, and the events in a case that may be relevant to each one.

The law lives in a rule file per jurisdiction (rules/data/offences-england-wales.yaml), so another
jurisdiction is a new file, not new code. The consumer reads the analysis stream once, keeping only
counts, days and a few examples per element, because a case can hold a million events. It never says
an element is "met": it says what the events held may support, what they do not show, and what only
the officer's enquiry can show (falsity, intent, the kind of network, an order's terms).
"""

from __future__ import annotations

import calendar
import re
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from casetrail.analysis.evidence import EventRef, LabelledEvent
from casetrail.analysis.findings import Example
from casetrail.rules import RulesError, from_path, packaged

FORMAT = "casetrail-offence-elements"
PACKAGED = "offences-england-wales.yaml"
NEAR_DAYS = 30  # a time limit this close is called out
EXAMPLES_EACH = 3  # the first and the latest supporting events kept per element
DIARY_KEPT = 50  # diary entries shown per element (all are counted)
LOOKBACK = 20_000  # recent suspect events remembered so a diary entry can be matched to them

MAY_SUPPORT, NOT_SHOWN, NEEDS_ENQUIRY = "may-support", "not-shown", "needs-enquiry"
STATUS_TEXT = {
    MAY_SUPPORT: "evidence that may support it",
    NOT_SHOWN: "not shown in the events held",
    NEEDS_ENQUIRY: "needs enquiry",
}
MODES = ("summary-only", "either-way", "indictable-only")
TIME_RULES = ("six-months-from-latest", "s127-special", "sufficient-evidence")
DERIVED_SIDES = ("suspect", "victim", "diary", "system")
CONDUCT_SIDES = ("suspect", "diary")  # the person's own events, and the victim's record of what they did
OWN_ACCOUNT_SIDES = ("diary", "victim")  # where the victim's own account of the impact is found
_CATEGORY = re.compile(r"^[A-Z][A-Z_]*(\.[A-Z][A-Z_]*)*(\.\*)?$")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


# ---------------------------------------------------------------------------------------------- rules


@dataclass(frozen=True, slots=True)
class Period:
    """The dates a rule applies to, both ends included; None is open."""

    start: date | None = None
    end: date | None = None

    def contains(self, day: date) -> bool:
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)

    def within(self, other: Period) -> Period:
        starts = [d for d in (self.start, other.start) if d is not None]
        ends = [d for d in (self.end, other.end) if d is not None]
        return Period(max(starts) if starts else None, min(ends) if ends else None)

    def to_json(self) -> dict[str, str | None]:
        return {
            "from": self.start.isoformat() if self.start else None,
            "until": self.end.isoformat() if self.end else None,
        }


def _matches(patterns: tuple[str, ...], category: str) -> bool:
    return any(category.startswith(p[:-1]) if p.endswith(".*") else category == p for p in patterns)


@dataclass(frozen=True, slots=True)
class EvidenceRule:
    """Which events may evidence an element (see the comment at the top of the rule file)."""

    categories: tuple[str, ...] = ()
    groups: tuple[tuple[str, tuple[str, ...]], ...] = ()
    diary: tuple[str, ...] = ()
    derived: tuple[str, ...] = ()
    min_occasions: int = 1
    needs_linked_diary: bool = False
    note: str | None = None
    caveat: str | None = None
    any_contact: bool = False  # every event from the person counts, labelled or not (calls, messages)

    @property
    def conduct(self) -> tuple[str, ...]:
        """Suspect-side categories, the groups' included."""
        return self.categories + tuple(c for _, cats in self.groups for c in cats)


@dataclass(frozen=True, slots=True)
class ElementRule:
    id: str
    text: str
    evidence: EvidenceRule
    period: Period  # the element's own dates, already narrowed to the offence's
    alternative: str | None = None


@dataclass(frozen=True, slots=True)
class TimeLimitRule:
    rule: str
    long_stop_years: int | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class OffenceRule:
    id: str
    title: str
    statute: str
    period: Period
    mode: str
    time_limit: TimeLimitRule | None
    elements: tuple[ElementRule, ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class OffenceRules:
    """One jurisdiction's file: its name (for the stored versions), version and offences."""

    name: str
    version: str
    jurisdiction: str
    disclaimer: str
    offences: tuple[OffenceRule, ...]
    sources: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return Path(self.name).stem


class _Row:
    """Reads one mapping of a rule file, naming file, offence and element in every complaint."""

    def __init__(self, data: Any, where: str, allowed: set[str]) -> None:
        if not isinstance(data, dict):
            raise RulesError(f"{where}: expected a mapping.")
        unknown = sorted(str(k) for k in data if k not in allowed)
        if unknown:
            raise RulesError(f"{where}: unknown key {unknown[0]!r}.")
        self.data, self.where = data, where

    def fail(self, problem: str) -> RulesError:
        return RulesError(f"{self.where}: {problem}.")

    def text(self, key: str, *, required: bool = True) -> str | None:
        value = self.data.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"'{key}' must be text")
        return " ".join(value.split())

    def day(self, key: str) -> date | None:
        value = self.data.get(key)
        if value is None or isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            raise self.fail(f"'{key}' must be a date like 2024-01-31") from None

    def period(self) -> Period:
        found = Period(self.day("in_force_from"), self.day("in_force_until"))
        if found.start and found.end and found.end < found.start:
            raise self.fail("'in_force_until' is before 'in_force_from'")
        return found

    def categories(self, key: str, value: Any = None) -> tuple[str, ...]:
        value = self.data.get(key) if value is None else value
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(c, str) and _CATEGORY.match(c) for c in value):
            raise self.fail(f"'{key}' must be a list of categories like THREAT.VIOLENCE or CONTACT.*")
        return tuple(value)

    def texts(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(f"'{key}' must be a list of text")
        return tuple(" ".join(v.split()) for v in value)


def _evidence(data: Any, where: str) -> EvidenceRule:
    allowed = {"categories", "groups", "diary", "derived", "min_occasions", "needs_linked_diary", "note"}
    row = _Row(data, f"{where}, evidence", allowed | {"caveat", "any_contact"})
    groups_data = row.data.get("groups") or {}
    if not isinstance(groups_data, dict):
        raise row.fail("'groups' must map a name to a list of categories")
    groups = tuple((str(name), row.categories("groups", cats)) for name, cats in groups_data.items())
    occasions = row.data.get("min_occasions", 1)
    if not isinstance(occasions, int) or isinstance(occasions, bool) or occasions < 1:
        raise row.fail("'min_occasions' must be a whole number, 1 or more")
    linked, any_contact = row.data.get("needs_linked_diary", False), row.data.get("any_contact", False)
    if not isinstance(linked, bool) or not isinstance(any_contact, bool):
        raise row.fail("'needs_linked_diary' and 'any_contact' must be true or false")
    rule = EvidenceRule(
        row.categories("categories"), groups, row.categories("diary"), row.categories("derived"),
        occasions, linked, row.text("note", required=False), row.text("caveat", required=False), any_contact,
    )  # fmt: skip
    if linked and not rule.diary:
        raise row.fail("'needs_linked_diary' needs 'diary' categories")
    if not (rule.conduct or rule.diary or rule.derived or rule.note or rule.any_contact):
        raise row.fail("give categories, diary, derived or a note")
    return rule


def _element(data: Any, where: str, offence: Period) -> ElementRule:
    row = _Row(data, where, {"id", "text", "evidence", "in_force_from", "in_force_until", "alternative"})
    element_id = row.text("id") or ""
    row.where = f"{where.rsplit(',', 1)[0]}, element {element_id}"
    if not _ID.match(element_id):
        raise row.fail("'id' must be lower-case letters, digits and hyphens")
    period = row.period().within(offence)
    return ElementRule(
        element_id,
        row.text("text") or "",
        _evidence(row.data.get("evidence"), row.where),
        period,
        row.text("alternative", required=False),
    )


def _time_limit(data: Any, where: str) -> TimeLimitRule | None:
    if data is None:
        return None
    row = _Row(data, f"{where}, time_limit", {"rule", "long_stop_years", "note"})
    rule = row.text("rule") or ""
    if rule not in TIME_RULES:
        raise row.fail(f"'rule' must be one of {', '.join(TIME_RULES)}")
    years = row.data.get("long_stop_years")
    if rule != "six-months-from-latest" and (not isinstance(years, int) or years < 1):
        raise row.fail(f"'{rule}' needs 'long_stop_years'")
    return TimeLimitRule(rule, years, row.text("note", required=False))


def _offence(data: Any, name: str, index: int) -> OffenceRule:
    allowed = {"id", "title", "statute", "in_force_from", "in_force_until", "mode", "time_limit"}
    row = _Row(data, f"Rule file {name}, offence {index + 1}", allowed | {"elements", "notes"})
    offence_id = row.text("id") or ""
    row.where = f"Rule file {name}, offence {offence_id}"
    if not _ID.match(offence_id):
        raise row.fail("'id' must be lower-case letters, digits and hyphens")
    mode = row.text("mode") or ""
    if mode not in MODES:
        raise row.fail(f"'mode' must be one of {', '.join(MODES)}")
    period = row.period()
    elements_data = row.data.get("elements")
    if not isinstance(elements_data, list) or not elements_data:
        raise row.fail("'elements' must be a list of elements")
    elements = tuple(
        _element(item, f"{row.where}, element {i + 1}", period) for i, item in enumerate(elements_data)
    )
    if len({e.id for e in elements}) != len(elements):
        raise row.fail("two elements have the same id")
    return OffenceRule(
        offence_id, row.text("title") or "", row.text("statute") or "", period, mode,
        _time_limit(row.data.get("time_limit"), row.where), elements, row.texts("notes"),
    )  # fmt: skip


def load_rules(document: dict[str, Any], name: str) -> OffenceRules:
    """Check a parsed rule file row by row; a bad row is named (file, offence, element) and refused."""
    allowed = {"format", "version", "jurisdiction", "disclaimer", "sources", "offences"}
    top = _Row(document, f"Rule file {name}", allowed)
    offences_data = document.get("offences")
    if not isinstance(offences_data, list) or not offences_data:
        raise RulesError(f"Rule file {name}: 'offences' must be a list of offences.")
    offences = tuple(_offence(item, name, i) for i, item in enumerate(offences_data))
    if len({o.id for o in offences}) != len(offences):
        raise RulesError(f"Rule file {name}: two offences have the same id.")
    return OffenceRules(
        name, str(document["version"]), top.text("jurisdiction") or "", top.text("disclaimer") or "",
        offences, top.texts("sources"),
    )  # fmt: skip


def packaged_rules() -> OffenceRules:
    """England and Wales, as shipped."""
    return load_rules(packaged(PACKAGED, FORMAT), PACKAGED)


def rules_from_path(path: Path) -> OffenceRules:
    """Another jurisdiction's file, or a force's own version of one."""
    return load_rules(from_path(path, FORMAT), path.name)


# -------------------------------------------------------------------------------------------- results


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day when it has no such day (31 Aug + 6)."""
    years, month_index = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month_index + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass
class LinkedEvent:
    """An event a diary entry was linked to; ``ref`` is None when it is not among the person's events
    analysed (another person's, or not in the case any more)."""

    uid: str
    ref: EventRef | None = None
    in_period: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "uid": self.uid,
            "found": self.ref is not None,
            "in_period": self.in_period,
            "event": self.ref.to_json() if self.ref else None,
        }


@dataclass
class DiaryEntry:
    """A diary entry in the victim's own words (or a message of theirs saying how they felt), with the
    matched words and the events it is linked to."""

    ref: EventRef
    words: list[str]
    own_words: dict[str, str]
    linked: list[LinkedEvent] = field(default_factory=list)
    records_conduct: bool = False  # the entry itself records what the person did

    def to_json(self) -> dict[str, Any]:
        return {
            **self.ref.to_json(),
            "words": self.words,
            "own_words": self.own_words,
            "records_conduct": self.records_conduct,
            "linked": [link.to_json() for link in self.linked],
        }


@dataclass
class GroupCount:
    name: str
    patterns: tuple[str, ...]
    count: int = 0
    days: set[date] = field(default_factory=set)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "count": self.count, "days": len(self.days)}


def _examples() -> deque[tuple[LabelledEvent, tuple[str, ...]]]:
    return deque(maxlen=EXAMPLES_EACH)


def _example(event: LabelledEvent, matched: tuple[str, ...]) -> Example:
    return Example(event.ref, list(dict.fromkeys(w for c in matched for w in event.words_for(c) if w)))


@dataclass(frozen=True, slots=True)
class _Step:
    """What an event of one side and set of labels does to one element, worked out once."""

    offence: OffenceResult
    element: ElementEvidence
    matched: tuple[str, ...]
    conduct: bool  # the person's conduct (dated against the element's period) rather than knowledge
    groups: tuple[GroupCount, ...] = ()
    derived: tuple[str, ...] = ()


@dataclass
class ElementEvidence:
    """What the events held show for one element: counts, days, examples and diary entries."""

    rule: ElementRule
    count: int = 0
    days: set[date] = field(default_factory=set)
    first: list[Example] = field(default_factory=list)
    latest: deque[tuple[LabelledEvent, tuple[str, ...]]] = field(default_factory=_examples)
    groups: list[GroupCount] = field(default_factory=list)
    derived: dict[str, int] = field(default_factory=dict)
    diary_count: int = 0
    diary_days: set[date] = field(default_factory=set)
    diary: list[DiaryEntry] = field(default_factory=list)
    linked_days: set[date] = field(default_factory=set)
    outside_period: int = 0

    def __post_init__(self) -> None:
        self.groups = [GroupCount(name, cats) for name, cats in self.rule.evidence.groups]

    def add_event(self, event: LabelledEvent, day: date, step: _Step) -> None:
        """Count one event; the plan (``step``) already says which groups and derived labels it hits."""
        self.count += 1
        self.days.add(day)
        if len(self.first) < EXAMPLES_EACH:
            self.first.append(_example(event, step.matched))
        else:
            self.latest.append((event, step.matched))  # made into an example only if it stays
        for group in step.groups:
            group.count += 1
            group.days.add(day)
        for category in step.derived:
            self.derived[category] = self.derived.get(category, 0) + 1

    @property
    def examples(self) -> list[Example]:
        return self.first + [_example(event, matched) for event, matched in self.latest]

    @property
    def occasions(self) -> int:
        if self.rule.evidence.needs_linked_diary:
            return len(self.linked_days)
        return len(self.days | self.diary_days)

    @property
    def status(self) -> str:
        evidence = self.rule.evidence
        if evidence.note:
            return NEEDS_ENQUIRY
        found = self.count + self.diary_count > 0 or bool(self.linked_days)
        return MAY_SUPPORT if found and self.occasions >= evidence.min_occasions else NOT_SHOWN

    @property
    def hint(self) -> str | None:
        """What would change the picture, in plain words (never a judgement)."""
        needed = self.rule.evidence.min_occasions
        if self.rule.evidence.needs_linked_diary and self.diary_count and not self.linked_days:
            return (
                f"{self.diary_count} diary entries describe this but none is linked to one of the person's "
                "events in these dates; linking an entry to the event that caused it lets it count."
            )
        if 0 < self.occasions < needed:
            return (
                f"Shown on {self.occasions} occasion(s) (different days); this part needs at least {needed}."
            )
        return None

    def to_json(self) -> dict[str, Any]:
        evidence = self.rule.evidence
        return {
            "id": self.rule.id,
            "text": self.rule.text,
            "alternative": self.rule.alternative,
            "in_force": self.rule.period.to_json(),
            "status": self.status,
            "status_text": STATUS_TEXT[self.status],
            "count": self.count,
            "occasions": self.occasions,
            "min_occasions": evidence.min_occasions,
            "needs_linked_diary": evidence.needs_linked_diary,
            "first": _iso(min(self.days)) if self.days else None,
            "latest": _iso(max(self.days)) if self.days else None,
            "groups": [g.to_json() for g in self.groups],
            "derived": self.derived,
            "examples": [e.to_json() for e in self.examples],
            "diary_entries": self.diary_count,
            "diary": [d.to_json() for d in self.diary],
            "outside_period": self.outside_period,
            "note": evidence.note,
            "caveat": evidence.caveat,
            "hint": self.hint,
        }


@dataclass(frozen=True)
class TimeLimit:
    """A time limit shown against the dates of the events, in plain words."""

    rule: str
    state: str  # passed, near, open, no-events or none
    words: str
    first_event: date | None = None
    latest_event: date | None = None
    deadline: date | None = None
    long_stop_years: int | None = None
    days_past_long_stop: int | None = None
    next_long_stop: date | None = None
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "state": self.state,
            "words": self.words,
            "first_event": _iso(self.first_event),
            "latest_event": _iso(self.latest_event),
            "deadline": _iso(self.deadline),
            "long_stop_years": self.long_stop_years,
            "days_past_long_stop": self.days_past_long_stop,
            "next_long_stop": _iso(self.next_long_stop),
            "note": self.note,
        }


def _state(deadline: date, today: date) -> str:
    left = (deadline - today).days
    return "passed" if left < 0 else "near" if left <= NEAR_DAYS else "open"


def _six_months(rule: TimeLimitRule, days: set[date], today: date) -> TimeLimit:
    first, latest = min(days), max(days)
    deadline = add_months(latest, 6)
    state = _state(deadline, today)
    opening = f"The latest event that may support this is dated {latest}; six months from it is {deadline}"
    words = {
        "passed": f"{opening}, which has passed. Whether earlier events can still be relied on is for the "
        "officer and prosecutor.",
        "near": f"{opening}, in {(deadline - today).days} days. Please make sure the officer knows it.",
        "open": f"{opening}.",
    }[state]
    return TimeLimit(rule.rule, state, words, first, latest, deadline, note=rule.note)


def _long_stop(rule: TimeLimitRule, days: set[date], today: date) -> TimeLimit:
    years = rule.long_stop_years or 3
    stops = sorted(add_months(day, 12 * years) for day in days)
    past = sum(1 for stop in stops if stop < today)
    upcoming = [stop for stop in stops if stop >= today]
    following = upcoming[0] if upcoming else None
    state = _state(following, today) if following else "passed"
    words = f"Each event must be acted on within {years} years of its date. "
    words += (
        f"{past} of {len(stops)} days with events are past that point" if past else "None is past that yet"
    )
    words += f"; the next reaches it on {following}." if following else "."
    words += " And within 6 months of the prosecutor having sufficient evidence, a date only they know."
    return TimeLimit(
        rule.rule, state, words, min(days), max(days), None, years, past, following, note=rule.note
    )


def time_limit(rule: TimeLimitRule | None, days: set[date], today: date) -> TimeLimit:
    """The time limit for an offence, against the days of the person's events that may support it."""
    if rule is None:
        return TimeLimit("none", "none", "No time limit is set for this offence in these rules.")
    if not days:
        words = "No events from the person fall within this offence's dates, so no time limit is shown."
        return TimeLimit(rule.rule, "no-events", words, note=rule.note)
    if rule.rule == "six-months-from-latest":
        return _six_months(rule, days, today)
    return _long_stop(rule, days, today)


@dataclass
class OffenceResult:
    """One offence: its dates, the person's events within them, each element, and the time limit."""

    rule: OffenceRule
    elements: list[ElementEvidence]
    in_period: int = 0  # the person's events within the offence's dates
    conduct_days: set[date] = field(default_factory=set)  # days of the person's events that may support it
    limit: TimeLimit | None = None

    def to_json(self) -> dict[str, Any]:
        offence = self.rule
        return {
            "id": offence.id,
            "title": offence.title,
            "statute": offence.statute,
            "mode": offence.mode,
            "in_force": offence.period.to_json(),
            "period_checked": {
                "first": _iso(min(self.conduct_days)) if self.conduct_days else None,
                "latest": _iso(max(self.conduct_days)) if self.conduct_days else None,
                "events_in_force": self.in_period,
            },
            "elements": [e.to_json() for e in self.elements],
            "time_limit": self.limit.to_json() if self.limit else None,
            "notes": list(offence.notes),
        }


@dataclass
class OffencesReport:
    rules: OffenceRules
    today: date
    timezone: str
    offences: list[OffenceResult]
    undated: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "rules": {"file": self.rules.name, "version": self.rules.version},
            "jurisdiction": self.rules.jurisdiction,
            "disclaimer": self.rules.disclaimer,
            "sources": list(self.rules.sources),
            "today": self.today.isoformat(),
            "timezone": self.timezone,
            "undated_events": self.undated,
            "offences": [o.to_json() for o in self.offences],
        }


# ------------------------------------------------------------------------------------------- consumer

_Waiting = tuple[OffenceResult, ElementEvidence, LinkedEvent | None]


def _steps(
    offence: OffenceResult, element: ElementEvidence, side: str, cats: frozenset[str]
) -> tuple[_Step | None, _Step | None]:
    """How an event of ``side`` with labels ``cats`` counts for one element: as conduct or knowledge
    (first), and as the victim's own account of the impact (second)."""
    evidence, ordered = element.rule.evidence, sorted(cats)
    behaviour = [c for c in ordered if not c.startswith("IMPACT.")]
    acts = [c for c in behaviour if side in CONDUCT_SIDES and _matches(evidence.conduct, c)]
    derived = [c for c in ordered if side in DERIVED_SIDES and _matches(evidence.derived, c)]
    matched = tuple(sorted(set(acts + derived)))
    conduct_step = None
    if matched or (side == "suspect" and evidence.any_contact):
        groups = tuple(g for g in element.groups if any(_matches(g.patterns, c) for c in matched))
        conduct = side == "suspect" or bool(acts)
        conduct_step = _Step(offence, element, matched, conduct, groups, tuple(derived))
    impact = tuple(c for c in ordered if side in OWN_ACCOUNT_SIDES and _matches(evidence.diary, c))
    impact_step = _Step(offence, element, impact, False) if impact else None
    return conduct_step, impact_step


class OffenceEvidence:
    """Consumer of the analysis stream: offers each event to every element of every offence.

    The person's conduct is their own events and what the victim's diary records them doing; it only
    counts for an offence (and element) in force on its local date. A diary entry of fear counts as an
    occasion when it records the act itself or is linked to the person's event, so recent events are
    remembered (up to LOOKBACK) and links to later events are settled when they arrive.
    """

    def __init__(self, rules: OffenceRules, zone: ZoneInfo) -> None:
        self.rules, self.zone = rules, zone
        self.results = [OffenceResult(o, [ElementEvidence(e) for e in o.elements]) for o in rules.offences]
        self.undated = 0
        self._recent: OrderedDict[str, tuple[EventRef, date]] = OrderedDict()
        self._waiting: dict[str, list[_Waiting]] = {}
        self._plans: dict[tuple[str, frozenset[str]], tuple[list[_Step], list[_Step]]] = {}

    def add(self, event: LabelledEvent) -> None:
        ref = event.ref
        if ref.at is None:
            self.undated += ref.side == "suspect" or bool(event.categories())
            return
        day = ref.at.astimezone(self.zone).date()
        if ref.side == "suspect":
            self._remember(ref, day)
            for offence in self.results:
                offence.in_period += offence.rule.period.contains(day)
        conduct, impact = self._plan(ref.side, frozenset(event.categories()))
        for step in conduct:
            self._offer(event, day, step)
        for step in impact:
            period = step.element.rule.period
            if period.start is None or day >= period.start:
                self._add_diary(step.offence, step.element, event, day, list(step.matched))

    def finish(self, today: date) -> OffencesReport:
        for offence in self.results:
            offence.limit = time_limit(offence.rule.time_limit, offence.conduct_days, today)
        return OffencesReport(self.rules, today, self.zone.key, self.results, self.undated)

    def _plan(self, side: str, cats: frozenset[str]) -> tuple[list[_Step], list[_Step]]:
        """Which elements an event of this side and these labels may support, worked out once per
        combination (a case has few), so each further event costs a dictionary look-up."""
        key = (side, cats)
        found = self._plans.get(key)
        if found is None:
            found = ([], [])
            for offence in self.results:
                for element in offence.elements:
                    conduct_step, impact_step = _steps(offence, element, side, cats)
                    if conduct_step:
                        found[0].append(conduct_step)
                    if impact_step:
                        found[1].append(impact_step)
            self._plans[key] = found
        return found

    @staticmethod
    def _offer(event: LabelledEvent, day: date, step: _Step) -> None:
        period, element = step.element.rule.period, step.element
        if step.conduct and not period.contains(day):
            element.outside_period += 1
        elif step.conduct or period.end is None or day <= period.end:
            element.add_event(event, day, step)
            if step.conduct:
                step.offence.conduct_days.add(day)

    def _add_diary(
        self,
        offence: OffenceResult,
        element: ElementEvidence,
        event: LabelledEvent,
        day: date,
        impact: list[str],
    ) -> None:
        element.diary_count += 1
        element.diary_days.add(day)
        evidence, entry = element.rule.evidence, None
        # An entry that itself records the person's conduct (waiting outside, a threat made in person)
        # is its own occasion: the fear and the act are in the same entry.
        records = event.ref.side == "diary" and any(
            _matches(evidence.conduct, c) for c in event.categories() if not c.startswith("IMPACT.")
        )
        if len(element.diary) < DIARY_KEPT:
            words = list(dict.fromkeys(w for c in impact for w in event.words_for(c)))
            entry = DiaryEntry(event.ref, words, dict(event.own_words or {}), records_conduct=records)
            element.diary.append(entry)
        if records and evidence.needs_linked_diary and element.rule.period.contains(day):
            element.linked_days.add(day)
            offence.conduct_days.add(day)
        for uid in dict.fromkeys(event.linked):
            link = LinkedEvent(uid) if entry else None
            if entry and link:
                entry.linked.append(link)
            known = self._recent.get(uid)
            if known:
                self._settle(offence, element, link, *known)
            else:
                self._waiting.setdefault(uid, []).append((offence, element, link))

    def _remember(self, ref: EventRef, day: date) -> None:
        self._recent[ref.uid] = (ref, day)
        self._recent.move_to_end(ref.uid)
        if len(self._recent) > LOOKBACK:
            self._recent.popitem(last=False)
        for offence, element, link in self._waiting.pop(ref.uid, []):
            self._settle(offence, element, link, ref, day)

    @staticmethod
    def _settle(
        offence: OffenceResult, element: ElementEvidence, link: LinkedEvent | None, ref: EventRef, day: date
    ) -> None:
        in_period = element.rule.period.contains(day)
        if link:
            link.ref, link.in_period = ref, in_period
        if in_period:
            element.linked_days.add(day)
            offence.conduct_days.add(day)
