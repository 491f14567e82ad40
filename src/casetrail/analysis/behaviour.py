"""The rule classifier: behaviour labels from lexicons kept as data, with the context that changes a
match's meaning.

Words alone mislead: "I would never hurt you" is not a threat, "this traffic is killing me" is not
either, and a victim writing "you said you'd burn my house down" is reporting a threat, not making
one. So every match is checked, in its own sentence, for negation (a negating word just before it or
inside it that the pattern does not itself contain), a hypothetical frame ("what if", "imagine"),
an idiom it is part of, and quotation or reported speech; a negated match followed by a hedge
("unless", "or else") becomes a label marked for review. Matches set aside are returned too, with the
reason, so nothing is silently dropped. docs/analysis.md explains each check and its limits.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources
from typing import Any

from casetrail.analysis.labels import Classification, Label, Reason, SetAside, Side
from casetrail.analysis.patterns import (
    WORD,
    Compiled,
    compile_pattern,
    is_negator,
    normalise,
    words_of,
)
from casetrail.rules import RulesError, parse_rules

CONTEXT_FORMAT = "casetrail-behaviour-context"
LEXICON_FORMAT = "casetrail-behaviour-lexicon"
SIDES: frozenset[str] = frozenset(("suspect", "victim", "unknown", "diary", "system", "other"))
DEFAULT_SIDES = ("suspect", "unknown")
NEGATION_REACH = 3  # words before a match that can negate it
HEDGE_REACH = 60  # characters after a negated match in which a hedge ("unless") asks for review
MAX_PER_CATEGORY = 3  # labels of one category kept per field

_SENTENCE_END = re.compile(r"[!?]+|(?<!\.)\.(?!\.)|\n")
_CLAUSE_END = re.compile(r"[!?,;:\n()]|\.|…|\bbut\b")
_WORDS = re.compile(WORD)


@dataclass(frozen=True, slots=True)
class Rule:
    category: str
    rule_id: str
    source: str
    sides: frozenset[str]
    pattern: Compiled


@dataclass
class Lexicon:
    """Every rule of one language, indexed by anchor word."""

    language: str
    versions: dict[str, str]
    rules: list[Rule] = field(default_factory=list)
    by_anchor: dict[str, list[int]] = field(default_factory=dict)
    unanchored: list[int] = field(default_factory=list)
    hypothetical: list[Compiled] = field(default_factory=list)
    idioms: list[Compiled] = field(default_factory=list)
    reporting: list[Compiled] = field(default_factory=list)
    hedges: list[Compiled] = field(default_factory=list)
    own_subjects: list[Compiled] = field(default_factory=list)
    own_subject_categories: frozenset[str] = frozenset()
    framed_for_review: set[str] = field(default_factory=set)  # categories: a hypothetical goes to review
    categories: dict[str, str] = field(default_factory=dict)  # id -> plain name

    def add(self, rule: Rule) -> None:
        index = len(self.rules)
        self.rules.append(rule)
        if rule.pattern.anchors is None:
            self.unanchored.append(index)
        else:
            for word in rule.pattern.anchors:
                self.by_anchor.setdefault(word, []).append(index)


def _text_list(document: dict[str, Any], key: str, name: str) -> list[str]:
    value = document.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise RulesError(f"Rule file {name}: '{key}' must be a list of patterns (text).")
    return value


def _macros(document: dict[str, Any], name: str, inherited: dict[str, str]) -> dict[str, str]:
    own = document.get("macros", {}) or {}
    if not isinstance(own, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in own.items()
    ):
        raise RulesError(f"Rule file {name}: 'macros' must map NAMES to patterns (text).")
    return {**inherited, **{key.upper(): value for key, value in own.items()}}


def _sides(value: Any, where: str) -> frozenset[str]:
    if not isinstance(value, list) or not value or not set(value) <= SIDES:
        raise RulesError(f"{where}: 'sides' must list some of {', '.join(sorted(SIDES))}.")
    return frozenset(value)


def _category_rules(
    category: str, spec: Any, name: str, version: str, macros: dict[str, str]
) -> Iterable[Rule]:
    where = f"Rule file {name}, category {category}"
    if not isinstance(spec, dict) or not isinstance(spec.get("patterns"), list):
        raise RulesError(f"{where}: expected a mapping with 'patterns' (a list).")
    sides = _sides(spec.get("sides", list(DEFAULT_SIDES)), where)
    source = f"rules:{name.removesuffix('.yaml')}@{version}"
    for number, entry in enumerate(spec["patterns"], 1):
        entry_sides = sides
        if isinstance(entry, dict):
            if "sides" in entry:
                entry_sides = _sides(entry["sides"], f"{where}, pattern {number}")
            entry = entry.get("p")
        compiled = compile_pattern(entry, macros, f"{where}, pattern {number}")
        yield Rule(category, f"{category}#{number}", source, entry_sides, compiled)


def build_lexicon(documents: list[tuple[str, str]]) -> Lexicon:
    """A lexicon from (file name, text) pairs: one context file and any number of lexicon files."""
    contexts = [(n, t) for n, t in documents if "-context" in n]
    if len(contexts) != 1:
        raise RulesError("Behaviour rules need exactly one context file (behaviour-<language>-context.yaml).")
    context_name, context_text = contexts[0]
    context = parse_rules(context_text, context_name, CONTEXT_FORMAT)
    macros = _macros(context, context_name, {})
    lexicon = Lexicon(str(context.get("language", "")), {context_name: str(context["version"])})

    def compiled(key: str) -> list[Compiled]:
        return [
            compile_pattern(text, macros, f"Rule file {context_name}, {key} {number}")
            for number, text in enumerate(_text_list(context, key, context_name), 1)
        ]

    lexicon.hypothetical = compiled("hypothetical")
    lexicon.idioms = compiled("idioms")
    lexicon.reporting = compiled("reporting")
    lexicon.hedges = compiled("hedges")
    lexicon.own_subjects = compiled("own_subjects")
    lexicon.own_subject_categories = frozenset(_text_list(context, "own_subject_categories", context_name))
    for name, text in sorted(d for d in documents if d[0] != context_name):
        document = parse_rules(text, name, LEXICON_FORMAT)
        lexicon.versions[name] = str(document["version"])
        file_macros = _macros(document, name, macros)
        categories = document.get("categories")
        if not isinstance(categories, dict):
            raise RulesError(f"Rule file {name}: 'categories' must map category ids to their rules.")
        for category, spec in categories.items():
            if not isinstance(category, str) or not re.fullmatch(r"[A-Z_]+(\.[A-Z_]+)*", category):
                raise RulesError(f"Rule file {name}: {category!r} is not a category id like THREAT.VIOLENCE.")
            if isinstance(spec, dict) and isinstance(spec.get("name"), str):
                lexicon.categories.setdefault(category, spec["name"])
            if isinstance(spec, dict) and spec.get("framed") is not None:
                if spec["framed"] not in ("review", "set-aside"):
                    raise RulesError(
                        f"Rule file {name}, category {category}: 'framed' is review or set-aside."
                    )
                if spec["framed"] == "review":
                    lexicon.framed_for_review.add(category)
            for rule in _category_rules(category, spec, name, str(document["version"]), file_macros):
                lexicon.add(rule)
    return lexicon


def packaged_documents(language: str = "en") -> list[tuple[str, str]]:
    folder = resources.files("casetrail.rules").joinpath("data")
    prefix = f"behaviour-{language}-"
    return [
        (item.name, item.read_text(encoding="utf-8"))
        for item in folder.iterdir()
        if item.name.startswith(prefix) and item.name.endswith(".yaml")
    ]


@cache
def packaged_lexicon(language: str = "en") -> Lexicon:
    return build_lexicon(packaged_documents(language))


class _Context:
    """What surrounds matches in one normalised text: sentences, clauses, quotations, idioms, frames.
    Each is worked out only when a match needs it (most texts have no match at all)."""

    def __init__(self, lexicon: Lexicon, text: str, words: set[str]) -> None:
        self.lexicon = lexicon
        self.text = text
        self.words = words

    @cached_property
    def sentence_ends(self) -> list[int]:
        return [m.end() for m in _SENTENCE_END.finditer(self.text)]

    @cached_property
    def clause_ends(self) -> list[int]:
        return [m.end() for m in _CLAUSE_END.finditer(self.text)]

    @cached_property
    def quotes(self) -> list[tuple[int, int]]:
        return _quote_spans(self.text)

    @cached_property
    def idioms(self) -> list[tuple[int, int]]:
        return _spans(self.lexicon.idioms, self.text, self.words)

    @cached_property
    def hypothetical(self) -> list[tuple[int, int]]:
        return _spans(self.lexicon.hypothetical, self.text, self.words)

    @cached_property
    def reporting(self) -> list[tuple[int, int]]:
        return _spans(self.lexicon.reporting, self.text, self.words)

    @cached_property
    def hedges(self) -> list[tuple[int, int]]:
        return _spans(self.lexicon.hedges, self.text, self.words)

    @cached_property
    def own_subjects(self) -> list[tuple[int, int]]:
        return _spans(self.lexicon.own_subjects, self.text, self.words)

    def own_action(self, start: int) -> bool:
        """Whether the victim's own words ("I", "we") are the subject right before the match."""
        return any(
            not self.text[s_end:start].strip() for _s_start, s_end in self.own_subjects if s_end <= start
        )

    def sentence_start(self, at: int) -> int:
        index = bisect.bisect_right(self.sentence_ends, at) - 1
        return self.sentence_ends[index] if index >= 0 else 0

    def clause_start(self, at: int) -> int:
        index = bisect.bisect_right(self.clause_ends, at) - 1
        return self.clause_ends[index] if index >= 0 else 0

    def quoted(self, start: int, end: int) -> bool:
        if any(q_start <= start and end <= q_end for q_start, q_end in self.quotes):
            return True
        if not self.reporting:
            return False
        begin = self.sentence_start(start)
        return any(begin <= r_start and r_end <= start for r_start, r_end in self.reporting)

    def negated(self, rule: Rule, start: int, end: int) -> bool:
        before = _WORDS.findall(self.text, self.clause_start(start), start)[-NEGATION_REACH:]
        inside = _WORDS.findall(self.text, start, end)
        return any(is_negator(w) and w not in rule.pattern.own_negators for w in before + inside)

    def hedged(self, end: int) -> bool:
        return any(end <= h_start <= end + HEDGE_REACH for h_start, _h_end in self.hedges)

    def hypothetical_frame(self, start: int) -> bool:
        if not self.hypothetical:
            return False
        begin = self.sentence_start(start)
        return any(begin <= h_start < start for h_start, _h_end in self.hypothetical)

    def idiom(self, start: int, end: int) -> bool:
        return any(i_start < end and start < i_end for i_start, i_end in self.idioms)


def _spans(patterns: list[Compiled], text: str, words: set[str]) -> list[tuple[int, int]]:
    found: list[tuple[int, int]] = []
    for pattern in patterns:
        if pattern.anchors is not None and not (pattern.anchors & words):
            continue
        found.extend(m.span() for m in pattern.regex.finditer(text))
    return sorted(found)


_QUOTE_MARKS = re.compile("[\"']")


def _quote_spans(text: str) -> list[tuple[int, int]]:
    """Stretches in double quotes, or in single quotes used as quotation marks (not apostrophes)."""
    spans = []
    double: int | None = None
    single: int | None = None
    for mark in _QUOTE_MARKS.finditer(text):
        index = mark.start()
        if text[index] == '"':
            if double is None:
                double = index
            else:
                spans.append((double, index + 1))
                double = None
            continue
        before = text[index - 1] if index else " "
        after = text[index + 1] if index + 1 < len(text) else " "
        if single is None and not before.isalnum() and not after.isspace():
            single = index
        elif single is not None and not after.isalnum() and not before.isspace():
            spans.append((single, index + 1))
            single = None
    return spans


class RuleClassifier:
    """The lexicon classifier: the first of possibly several (a trained model can sit beside it)."""

    name = "rules"

    def __init__(self, lexicon: Lexicon | None = None) -> None:
        self.lexicon = lexicon or packaged_lexicon()
        self.version = ";".join(f"{n}={v}" for n, v in sorted(self.lexicon.versions.items()))

    def classify(self, fields: dict[str, str], side: Side) -> Classification:
        labels: list[Label] = []
        set_aside: list[SetAside] = []
        for field_name, raw in fields.items():
            if raw:
                self._field(field_name, raw, side, labels, set_aside)
        return Classification(tuple(labels), tuple(set_aside))

    def _candidates(self, words: set[str]) -> list[int]:
        found = set(self.lexicon.unanchored)
        for word in words:
            hits = self.lexicon.by_anchor.get(word)
            if hits:
                found.update(hits)
        return sorted(found)

    def _field(self, name: str, raw: str, side: Side, labels: list[Label], set_aside: list[SetAside]) -> None:
        text = normalise(raw)
        words = words_of(text)
        context: _Context | None = None
        kept: dict[str, list[tuple[int, int]]] = {}
        for index in self._candidates(words):
            rule = self.lexicon.rules[index]
            if side not in rule.sides:
                continue
            for match in rule.pattern.regex.finditer(text):
                start, end = match.span()
                taken = kept.setdefault(rule.category, [])
                if len(taken) >= MAX_PER_CATEGORY or any(s < end and start < e for s, e in taken):
                    continue
                context = context or _Context(self.lexicon, text, words)
                reason, status = _judge(context, rule, start, end, side)
                if reason is not None:
                    words_found = raw[start:end]
                    set_aside.append(
                        SetAside(rule.category, words_found, name, start, end, rule.rule_id, reason)
                    )
                    continue
                taken.append((start, end))
                voice = "reported" if side == "diary" and not rule.category.startswith("IMPACT.") else "own"
                labels.append(
                    Label(
                        rule.category,
                        raw[start:end],
                        name,
                        start,
                        end,
                        rule.rule_id,
                        rule.source,
                        status,
                        voice,
                    )
                )


def _judge(context: _Context, rule: Rule, start: int, end: int, side: Side) -> tuple[Reason | None, str]:
    """Why a match is set aside (or None), and the label's status if it is kept."""
    if context.idiom(start, end):
        return "idiom", "suggested"
    if side != "diary" and context.quoted(start, end):
        return "quoted", "suggested"
    if (
        side == "diary"
        and rule.category in context.lexicon.own_subject_categories
        and context.own_action(start)
    ):
        return "own-action", "suggested"
    if context.hypothetical_frame(start):
        if rule.category in context.lexicon.framed_for_review:
            return None, "review"  # "what if everyone found out…" can be a threat put as a question
        return "hypothetical", "suggested"
    if context.negated(rule, start, end):
        if context.hedged(end):
            return None, "review"
        return "negated", "suggested"
    return None, "suggested"
