"""The must-pass examples for every behaviour category, written from the taxonomy before the lexicons.

Each file in examples/ is a table: a text, whose side it is on, what kind of example it is (positive,
negated, hypothetical, idiom, quoted) and the category it must (or must not) produce. The tables are
kept apart from the lexicons so that a rule change that breaks an example fails here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from casetrail.analysis.behaviour import RuleClassifier, packaged_lexicon

EXAMPLES = Path(__file__).parent / "examples"
KINDS = {"positive", "negated", "hypothetical", "idiom", "quoted", "review", "other"}


def _examples() -> list[Any]:
    cases = []
    for path in sorted(EXAMPLES.glob("*.yaml")):
        table = yaml.safe_load(path.read_text(encoding="utf-8"))
        for number, example in enumerate(table["examples"], 1):
            cases.append(pytest.param(example, id=f"{path.stem}-{number}-{example['kind']}"))
    return cases


@pytest.fixture(scope="module")
def classifier() -> RuleClassifier:
    return RuleClassifier(packaged_lexicon())


@pytest.mark.parametrize("example", _examples())
def test_example(example: dict[str, Any], classifier: RuleClassifier) -> None:
    assert example["kind"] in KINDS
    side = example.get("side", "suspect")
    field = example.get("field", "text")
    found = classifier.classify({field: example["text"]}, side)
    labels = {label.category: label for label in found.labels}
    category = example["category"]
    if example["kind"] in ("positive", "review"):
        assert category in labels, f"{category} not found in {example['text']!r}: {found}"
        wanted_status = "review" if example["kind"] == "review" else "suggested"
        assert labels[category].status == wanted_status
        assert labels[category].words, "a label carries the words that made it"
        assert labels[category].words in example["text"]
    else:
        assert category not in labels, f"{category} wrongly found in {example['text']!r}: {found}"
        reason = example.get("reason")
        if reason:
            reasons = {(s.category, s.reason) for s in found.set_aside}
            assert (category, reason) in reasons, f"expected {category} set aside as {reason}: {found}"


def test_every_taxonomy_category_has_examples_of_each_kind() -> None:
    by_category: dict[str, set[str]] = {}
    for param in _examples():
        example = param.values[0]
        by_category.setdefault(example["category"], set()).add(example["kind"])
    for category, kinds in by_category.items():
        assert "positive" in kinds, category
        if not category.startswith(("IMPACT.", "CONTACT.AFTER_STOP")):
            assert len(kinds & {"negated", "hypothetical", "idiom", "quoted"}) >= 2, (category, kinds)
