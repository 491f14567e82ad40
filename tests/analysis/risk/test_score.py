"""Scoring: counts a person gave, a level only where documented, prompts for judgement, never alone."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml

from casetrail.analysis.risk import (
    ANSWERS_FORMAT,
    Answer,
    AnswerSet,
    ItemAnswer,
    answers_document,
    answers_from_file,
    load,
    score,
    with_triggers,
)
from casetrail.errors import CasetrailError

DASH = load("dash")
SDASH = load("s-dash")
DIGITAL = load("digital")


def answer_set(instrument: str, answers: dict[str, Answer | None], **extra: object) -> AnswerSet:
    version = load(instrument).version
    given = tuple(ItemAnswer(item, answer) for item, answer in answers.items())
    fields: dict[str, object] = {"answered_by": "Sam Okoro", "role": "advocate", **extra}
    return AnswerSet(instrument, version, answered_at="2026-11-24T10:00:00.000000Z", answers=given, **fields)  # type: ignore[arg-type]


def yes_to(instrument: str, count: int, rest: Answer = "no") -> dict[str, Answer | None]:
    items = load(instrument).items
    return {item.id: ("yes" if n < count else rest) for n, item in enumerate(items)}


def test_dash_thirteen_yes_shows_no_level_and_fourteen_shows_the_safelives_level() -> None:
    below = score(DASH, answer_set("dash", yes_to("dash", 13)))
    assert below.yes == 13 and below.no == 11 and below.level is None and below.has_threshold
    at = score(DASH, answer_set("dash", yes_to("dash", 14)))
    assert at.yes == 14 and at.level is not None
    assert (
        at.level.level == "visible high risk"
        and "MARAC" in at.level.action
        and "SafeLives" in at.level.source
    )


@pytest.mark.parametrize("instrument", ["s-dash", "digital"])
def test_no_level_for_instruments_without_a_documented_one_whatever_the_count(instrument: str) -> None:
    everything = score(load(instrument), answer_set(instrument, yes_to(instrument, 99)))
    assert everything.yes == len(load(instrument).items)
    assert everything.level is None and not everything.has_threshold
    assert everything.to_json()["level"] is None


def test_counts_cover_every_answer_and_the_unanswered() -> None:
    answers: dict[str, Answer | None] = {
        "sdash-01": "yes",
        "sdash-02": "dont-know",
        "sdash-03": None,
        "sdash-04": "no",
    }
    result = score(SDASH, answer_set("s-dash", answers))
    assert (result.yes, result.no, result.dont_know, result.unanswered) == (1, 1, 1, 8)
    assert result.to_json()["counts"] == {"yes": 1, "no": 1, "dont_know": 1, "unanswered": 8}


def test_a_yes_to_an_item_with_a_prompt_asks_for_professional_judgement() -> None:
    result = score(DASH, answer_set("dash", {"dash-15": "yes", "dash-14": "no"}))
    assert [p.source for p in result.prompts] == ["dash-15"]
    assert "professional judgement" in result.prompts[0].words
    assert result.level is None  # one yes, however serious, is a prompt, not a level
    assert not score(DASH, answer_set("dash", {"dash-15": "dont-know"})).prompts


def test_dash_stalking_yes_links_to_sdash() -> None:
    linked = score(DASH, answer_set("dash", {"dash-08": "yes"}))
    assert [(n.instrument, n.when_yes) for n in linked.next_steps] == [("s-dash", "dash-08")]
    assert linked.to_json()["next"][0]["instrument"] == "s-dash"
    assert not score(DASH, answer_set("dash", {"dash-08": "no"})).next_steps


def test_local_triggers_prompt_only_when_switched_on() -> None:
    answers = answer_set("s-dash", {"sdash-01": "yes", "sdash-11": "yes"})
    off = score(SDASH, answers)
    assert [p.source for p in off.prompts] == ["sdash-01", "sdash-11"] and off.triggers_on == ()
    on = score(
        with_triggers(SDASH, {"sdash-local-fear", "sdash-local-violence", "sdash-local-threats"}), answers
    )
    fired = [p for p in on.prompts if p.rule_source]
    assert [p.source for p in fired] == ["sdash-local-fear", "sdash-local-violence"]
    assert all("local practice" in p.words.lower() for p in fired)
    assert on.level is None and len(on.triggers_on) == 3


def test_a_count_trigger_prompts_but_never_gives_a_level() -> None:
    near = with_triggers(DASH, {"dash-local-near-threshold"})
    result = score(near, answer_set("dash", yes_to("dash", 10)))
    assert [p.source for p in result.prompts if p.rule_source] == ["dash-local-near-threshold"]
    assert result.level is None
    assert not [p for p in score(near, answer_set("dash", yes_to("dash", 9))).prompts if p.rule_source]
    with pytest.raises(CasetrailError, match="no trigger 'nope'"):
        with_triggers(DASH, {"nope"})


def test_digital_answers_never_add_to_the_dash_count() -> None:
    digital = score(DIGITAL, answer_set("digital", yes_to("digital", 13)))
    assert digital.yes == 13 and digital.level is None
    with pytest.raises(CasetrailError, match="for 'digital', not for 'dash'"):
        score(DASH, answer_set("digital", yes_to("digital", 13)))
    with pytest.raises(CasetrailError, match="no item 'D1'"):
        score(DASH, answer_set("dash", {"D1": "yes"}))


@pytest.mark.parametrize(("by", "role"), [("", "advocate"), ("   ", "officer"), ("Sam", "neighbour")])
def test_no_result_without_a_named_person_in_a_known_role(by: str, role: str) -> None:
    with pytest.raises(CasetrailError):
        answer_set("dash", {"dash-01": "yes"}, answered_by=by, role=role)


def test_a_result_records_who_answered_and_what_they_decided_about_suggestions() -> None:
    answers = AnswerSet(
        "s-dash", SDASH.version, "Sam Okoro", "officer", "2026-11-24T10:00:00.000000Z",
        (ItemAnswer("sdash-06", "yes", premarked=True),
         ItemAnswer("sdash-07", "no", "not them", premarked=True),
         ItemAnswer("sdash-05", None, premarked=True), ItemAnswer("sdash-01", "yes")),
        about="Casey Marsh",
    )  # fmt: skip
    data = score(SDASH, answers).to_json()
    assert (data["answered_by"], data["role"], data["about"]) == ("Sam Okoro", "officer", "Casey Marsh")
    assert [a["decision"] for a in data["answers"]] == ["confirmed", "rejected", None, None]
    assert "not prediction" in data["note"] and data["version"] == SDASH.version
    assert AnswerSet.from_json(answers.to_json()) == answers


def test_an_answers_file_round_trips(tmp_path: Path) -> None:
    original = answer_set("s-dash", {"sdash-01": "yes", "sdash-02": "dont-know", "sdash-03": None})
    original = dataclasses.replace(
        original, answers=(*original.answers, ItemAnswer("sdash-04", "no", "only online"))
    )
    path = tmp_path / "answers.yaml"
    path.write_text(yaml.safe_dump(answers_document(original)), encoding="utf-8")
    given, details = answers_from_file(path, SDASH)
    assert tuple(given.values()) == original.answers
    assert details["answered_by"] == "Sam Okoro" and details["format"] == ANSWERS_FORMAT


def test_an_answers_file_may_say_yes_and_no_bare_and_be_json(tmp_path: Path) -> None:
    path = tmp_path / "answers.yaml"
    path.write_text(
        "format: casetrail-risk-answers\nversion: '1'\nanswers:\n  sdash-01: yes\n  sdash-02: no\n"
        "  sdash-03: {answer: dont-know, note: the car}\n  sdash-04: skip\n",
        encoding="utf-8",
    )
    given, _ = answers_from_file(path, SDASH)
    assert [(a.answer, a.note) for a in given.values()] == [
        ("yes", ""),
        ("no", ""),
        ("dont-know", "the car"),
        (None, ""),
    ]
    json_path = tmp_path / "answers.json"
    json_path.write_text('{"format": "casetrail-risk-answers", "version": "1", "answers": {"D1": "yes"}}')
    assert answers_from_file(json_path, DIGITAL)[0]["D1"].answer == "yes"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("answers:\n  sdash-01: maybe\n", "must be yes, no, dont-know or skip"),
        ("answers:\n  dash-01: yes\n", "no item 'dash-01'"),
        ("instrument: dash\nanswers: {}\n", "is for 'dash', not 's-dash'"),
        ("answers: [yes]\n", "'answers' must map item ids"),
        ("answers:\n  sdash-01: {answer: yes, score: 3}\n", "unknown key 'score'"),
        ("answers: !!python/object/apply:os.system ['echo hi']\n", "Rule file answers.yaml (line"),
    ],
)
def test_a_bad_answers_file_is_refused(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "answers.yaml"
    path.write_text("format: casetrail-risk-answers\nversion: '1'\n" + body, encoding="utf-8")
    with pytest.raises(CasetrailError) as raised:
        answers_from_file(path, SDASH)
    assert message in str(raised.value)
