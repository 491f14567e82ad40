"""Classifiers beside the rules: a plugin's labels join the rules' labels, each naming its source."""

from __future__ import annotations

from importlib.metadata import EntryPoint

from casetrail.analysis.behaviour import RuleClassifier
from casetrail.analysis.classifiers import GROUP, installed
from casetrail.analysis.labels import Classification, Label, Side
from casetrail.analysis.pipeline import run_analysis
from casetrail.store.case import Case


class WordModel:
    """A stand-in for a trained model: it labels any text containing 'parcel' as monitoring."""

    name = "word-model"
    version = "0.1"

    def classify(self, fields: dict[str, str], side: Side) -> Classification:
        text = fields.get("text", "")
        at = text.find("parcel")
        if side != "suspect" or at < 0:
            return Classification()
        label = Label("MONITORING.KNOWLEDGE", "parcel", "text", at, at + 6, "model", "word-model@0.1")
        return Classification((label,))


def point(name: str, value: str) -> EntryPoint:
    return EntryPoint(name=name, value=value, group=GROUP)


def test_a_plugin_speaks_beside_the_rules() -> None:
    combined = installed(
        lambda: [
            point("rules", "casetrail.analysis.behaviour:RuleClassifier"),
            point("word-model", "tests.analysis.test_classifiers:WordModel"),
        ]
    )
    assert [member.name for member in combined.members] == ["rules", "word-model"]
    found = combined.classify({"text": "I'll hurt you. Your parcel came today"}, "suspect")
    sources = {label.category: label.source for label in found.labels}
    assert sources["MONITORING.KNOWLEDGE"] == "word-model@0.1"
    assert sources["THREAT.VIOLENCE"].startswith("rules:behaviour-en-harm@")
    versions = combined.versions()
    assert versions["classifier:word-model"] == "0.1" and "behaviour-en-harm.yaml" in versions
    assert combined.version.startswith("rules@") and combined.version.endswith(";word-model@0.1")


def test_a_broken_plugin_is_reported_and_the_rules_still_speak() -> None:
    combined = installed(lambda: [point("broken", "casetrail.no_such_module:Model")])
    assert combined.broken == ["broken: ModuleNotFoundError"]
    assert [type(member) for member in combined.members] == [RuleClassifier]
    not_one = installed(lambda: [point("odd", "casetrail.analysis.labels:counts")])
    assert not_one.broken == ["odd: TypeError"]


def test_the_same_label_from_two_classifiers_is_kept_once() -> None:
    twice = installed(
        lambda: [
            point("a", "casetrail.analysis.behaviour:RuleClassifier"),
            point("b", "casetrail.analysis.behaviour:RuleClassifier"),
        ]
    )
    labels = twice.classify({"text": "I'll hurt you"}, "suspect").labels
    assert [label.category for label in labels] == ["THREAT.VIOLENCE"]


def test_the_analysis_says_when_a_plugin_was_left_out(new_case: Case) -> None:
    combined = installed(lambda: [point("broken", "casetrail.no_such_module:Model")])
    findings = run_analysis(new_case, None, (), combined)
    assert findings.warnings == [
        "A classifier plugin could not be loaded (broken: ModuleNotFoundError); it was left out."
    ]
    assert "behaviour-en-harm.yaml" in findings.versions and findings.to_json()["warnings"]
