"""The phrase language of the lexicons: what a pattern matches, its anchors, and clear errors."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casetrail.analysis.patterns import compile_pattern, normalise, words_of
from casetrail.rules import RulesError

MACROS = {"I_WILL": "(i will|i'll|i'm going to)"}


def matches(pattern: str, text: str) -> list[str]:
    compiled = compile_pattern(pattern, MACROS, "test")
    normal = normalise(text)
    return [text[m.start() : m.end()] for m in compiled.regex.finditer(normal)]


def test_words_in_order_any_case_and_curly_apostrophes() -> None:
    assert matches("{I_WILL} hurt you", "Honestly I’LL HURT you") == ["I’LL HURT you"]
    assert matches("{I_WILL} hurt you", "I'll, hurt you") == ["I'll, hurt you"]
    assert matches("{I_WILL} hurt you", "I'll hurt yours") == []  # whole words only
    assert matches("{I_WILL} hurt you", "skill hurt you") == []


def test_a_match_does_not_cross_the_end_of_a_sentence() -> None:
    assert matches("saw you at", "I saw you. At last") == []
    assert matches("saw you at", "I saw you at the gym") == ["saw you at"]


def test_choices_options_prefixes_and_gaps() -> None:
    assert matches("(beat up|hurt) you", "I will beat up you") == ["beat up you"]
    assert matches("nice [new] coat", "nice new coat") == ["nice new coat"]
    assert matches("nice [new] coat", "nice coat") == ["nice coat"]
    assert matches("threat* you", "threatening you") == ["threatening you"]
    assert matches("{I_WILL} ~ hurt you", "I will really badly hurt you") == ["I will really badly hurt you"]
    assert matches("{I_WILL} ~ hurt you", "I will one two three hurt you") == []
    assert matches("find ... you", "find where on earth you") == ["find where on earth you"]


def test_anchors_are_the_rarer_words() -> None:
    assert compile_pattern("{I_WILL} ~ (hurt|kill) you", MACROS, "t").anchors == frozenset({"hurt", "kill"})
    assert compile_pattern("answer me", MACROS, "t").anchors == frozenset({"answer"})
    assert compile_pattern("you you", MACROS, "t").anchors == frozenset({"you"})  # common words only
    assert compile_pattern("threat* you", MACROS, "t").anchors == frozenset({"you"})
    assert compile_pattern("threat*", MACROS, "t").anchors is None  # tried on every text


def test_negating_words_written_in_the_pattern_are_its_own() -> None:
    assert compile_pattern("you won't feel safe", MACROS, "t").own_negators == {"won't"}
    assert compile_pattern("{I_WILL} ~ hurt you", MACROS, "t").own_negators == frozenset()


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        ("", "non-empty"),
        ("[maybe] hurt you", "cannot begin"),
        ("~ hurt you", "cannot begin"),
        ("hurt (you", "ends too early"),
        ("{NOPE} you", "unknown macro"),
        ("hurt-you", "is not a word"),
        ("(|x)", "empty pattern"),
    ],
)
def test_mistakes_are_named_with_their_place(pattern: str, problem: str) -> None:
    with pytest.raises(RulesError, match=problem) as raised:
        compile_pattern(pattern, MACROS, "Rule file x.yaml, category THREAT.VIOLENCE, pattern 3")
    assert "x.yaml, category THREAT.VIOLENCE, pattern 3" in str(raised.value)


@given(st.text(max_size=300))
def test_any_text_normalises_to_the_same_length_and_matches_without_error(text: str) -> None:
    normal = normalise(text)
    assert len(normal) == len(text)
    words_of(normal)
    compiled = compile_pattern("{I_WILL} ~ (hurt|kill) ... you", MACROS, "t")
    for match in compiled.regex.finditer(normal):
        assert 0 <= match.start() < match.end() <= len(text)
