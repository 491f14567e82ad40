"""The rule classifier's handling of context, on a small test lexicon (the shipped lexicons have
their own example tables in tests/analysis/behaviour)."""

from __future__ import annotations

import pytest

from casetrail.analysis.behaviour import RuleClassifier, build_lexicon, packaged_documents
from casetrail.analysis.labels import Classification, Side
from casetrail.rules import RulesError
from tests.analysis.lexicon_fixture import TEST_LEXICON, make_classifier

CLASSIFIER = make_classifier()


def found(text: str, side: Side = "suspect", field: str = "text") -> Classification:
    return CLASSIFIER.classify({field: text}, side)


def categories(text: str, side: Side = "suspect") -> set[str]:
    return {label.category for label in found(text, side).labels}


def reasons(text: str, side: Side = "suspect") -> set[tuple[str, str]]:
    return {(s.category, s.reason) for s in found(text, side).set_aside}


def test_a_label_carries_the_words_and_where_they_are() -> None:
    text = "If you go to the police I will hurt you."
    (label,) = found(text).labels
    assert (label.category, label.words, label.status, label.voice) == (
        "THREAT.VIOLENCE", "I will hurt you", "suggested", "own",
    )  # fmt: skip
    assert text[label.start : label.end] == label.words and label.field == "text"
    assert label.rule == "THREAT.VIOLENCE#1" and label.source == "rules:behaviour-en-test@test-1"


def test_negation_before_or_inside_the_match_sets_it_aside() -> None:
    assert categories("I would never hurt you") == set()
    assert ("THREAT.VIOLENCE", "negated") in reasons("I would never hurt you")
    assert ("THREAT.VIOLENCE", "negated") in reasons("No, I will not ever hurt you")
    # A negation the pattern itself contains is part of the threat.
    assert categories("You won't feel safe anywhere") == {"THREAT.VIOLENCE"}
    assert categories("Don't make me find you") == {"THREAT.VIOLENCE"}
    # A negation in an earlier clause does not reach this one.
    assert categories("I didn't mean it, I'll hurt you") == {"THREAT.VIOLENCE"}


def test_a_negated_threat_with_a_hedge_is_kept_for_review() -> None:
    (label,) = found("I'd never hurt you... unless you make me").labels
    assert label.category == "THREAT.VIOLENCE" and label.status == "review"


def test_idioms_are_not_threats() -> None:
    context = [d for d in packaged_documents() if "-context" in d[0]]
    broad_rules = TEST_LEXICON.replace('"burn (your', '"killing me"\n      - "burn (your')
    broad = RuleClassifier(build_lexicon([*context, ("behaviour-en-broad.yaml", broad_rules)]))
    assert broad.classify({"text": "I am killing me"}, "suspect").labels  # the broad rule matches...
    idiom = broad.classify({"text": "This traffic is killing me"}, "suspect")
    assert idiom.labels == ()  # ...but not inside the idiom
    assert [(s.category, s.reason) for s in idiom.set_aside] == [("THREAT.VIOLENCE", "idiom")]


def test_quoted_or_reported_words_are_not_the_writers_own() -> None:
    assert categories("You said you'd burn my house down", "victim") == set()
    # Where the export does not say who wrote it (WhatsApp), the quotation is what keeps it off.
    assert categories("You said you'd burn my house down", "unknown") == set()
    assert ("THREAT.VIOLENCE", "quoted") in reasons("You said you'd burn my house down", "unknown")
    assert categories('He wrote "I will hurt you" on my wall') == set()
    assert categories("Casey said 'I will hurt you' and laughed") == set()
    assert categories("Don't you 'leave me alone' me", "victim") == set()


def test_hypotheticals_are_set_aside() -> None:
    assert categories("What if I burn your house down") == set()
    assert ("THREAT.VIOLENCE", "hypothetical") in reasons("Imagine if I burn your house down")
    assert categories("In the film he says I will kill you") == set()
    # "If" alone is a condition, and a conditional threat is a threat.
    assert categories("If you leave I will kill you") == {"THREAT.VIOLENCE"}


def test_sides_decide_which_rules_apply() -> None:
    assert categories("Please stop messaging me", "victim") == {"IMPACT.STOP_REQUEST"}
    assert categories("Please stop messaging me", "suspect") == set()
    assert categories("You blocked this contact. Tap to unblock.", "system") == {"IMPACT.STOP_REQUEST"}
    assert categories("You blocked this contact", "victim") == set()
    assert categories("Please stop messaging me", "unknown") == {"IMPACT.STOP_REQUEST"}


def test_in_the_diary_reported_behaviour_is_labelled_as_reported() -> None:
    result = CLASSIFIER.classify(
        {
            "text": "Casey was waiting outside my work and said 'I will hurt you'",
            "impact": "I changed my number",
        },
        "diary",
    )
    by_category = {label.category: label for label in result.labels}
    assert by_category["OFFLINE.PRESENCE"].voice == "reported"
    assert by_category["IMPACT.ROUTINE_CHANGE"].voice == "own"
    assert by_category["IMPACT.ROUTINE_CHANGE"].field == "impact"
    assert "THREAT.VIOLENCE" not in by_category  # threat rules are for the suspect's own messages


def test_one_message_can_carry_several_labels() -> None:
    assert categories("You're pathetic. I saw you at the gym. I'll hurt you") == {
        "ABUSE.INSULT", "MONITORING.KNOWLEDGE", "THREAT.VIOLENCE",
    }  # fmt: skip


def test_a_lexicon_needs_one_context_file_and_valid_categories() -> None:
    context = [d for d in packaged_documents() if "-context" in d[0]]
    with pytest.raises(RulesError, match="context file"):
        build_lexicon([("behaviour-en-test.yaml", TEST_LEXICON)])
    bad = TEST_LEXICON.replace("THREAT.VIOLENCE:", "threat violence:")
    with pytest.raises(RulesError, match="not a category id"):
        build_lexicon([*context, ("behaviour-en-bad.yaml", bad)])
    sides = TEST_LEXICON.replace("sides: [diary]", "sides: [attacker]")
    with pytest.raises(RulesError, match="'sides'"):
        build_lexicon([*context, ("behaviour-en-bad.yaml", sides)])
