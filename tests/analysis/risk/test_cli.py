"""`casetrail risk`: questions, ask (interactive and from a file), show and history, on a real case."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from casetrail.analysis import pipeline
from casetrail.analysis.findings import Findings
from casetrail.cli.risk_cmd import risk_app
from casetrail.store.case import Case
from casetrail.store.importing import import_file
from casetrail.store.people import link
from tests.analysis.risk.build import with_category
from tests.conftest import PASSPHRASE

RUNNER = CliRunner()


@pytest.fixture
def root(new_case: Case, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("CASETRAIL_PASSPHRASE", PASSPHRASE)
    new_case.close()
    return str(new_case.layout.root)


@pytest.fixture
def evidence(monkeypatch: pytest.MonkeyPatch) -> list[frozenset[str] | None]:
    """The analysis replaced by hand-made findings: threats whose words hold a terminal escape."""
    asked: list[frozenset[str] | None] = []
    findings = with_category("THREAT.VIOLENCE", times=2)
    for example in findings.behaviour["THREAT.VIOLENCE"].examples:
        example.words = ["\x1b[31mI will hurt you"]
    third = with_category("THIRD_PARTY.CONTACT").behaviour

    def fake(case: Case, accounts: frozenset[str] | None) -> Findings:
        asked.append(accounts)
        findings.behaviour.update(third)
        return findings

    monkeypatch.setattr(pipeline, "run_analysis", fake)
    return asked


def run(*args: str, stdin: str | None = None) -> Result:
    return RUNNER.invoke(risk_app, list(args), input=stdin)


def test_questions_lists_topics_with_the_official_form_and_no_case_is_needed() -> None:
    shown = run("questions", "--instrument", "s-dash")
    assert shown.exit_code == 0, shown.output
    assert "sdash-06" in shown.output and "protectionagainststalking.org" in shown.output
    data = json.loads(run("questions", "--json").output)
    assert [i["id"] for i in data["instruments"]] == ["dash", "s-dash", "digital"]
    assert data["instruments"][0]["threshold"]["yes_at_least"] == 14
    assert run("questions", "--instrument", "sash").exit_code != 0


def test_ask_from_a_file_saves_and_shows_the_dash_level_only_at_fourteen(root: str, tmp_path: Path) -> None:
    answers = {f"dash-{n:02d}": "yes" if n <= 14 else "no" for n in range(1, 25)}
    path = tmp_path / "answers.json"
    path.write_text(json.dumps({"format": "casetrail-risk-answers", "version": "1", "answers": answers}))
    shown = run("ask", "--instrument", "dash", "--by", "Sam Okoro", "--role", "advocate",
                "--from", str(path), "--no-premark", "--case", root)  # fmt: skip
    assert shown.exit_code == 0, shown.output
    assert "visible high risk" in shown.output and "Saved in the case" in shown.output
    assert "stalking screening" in shown.output  # dash-08 was yes
    answers["dash-14"] = "no"
    path.write_text(json.dumps({"format": "casetrail-risk-answers", "version": "1", "answers": answers}))
    below = run("ask", "--instrument", "dash", "--by", "Sam Okoro", "--role", "advocate",
                "--from", str(path), "--no-premark", "--case", root, "--json")  # fmt: skip
    data = json.loads(below.output)
    assert data["counts"]["yes"] == 13 and data["level"] is None and data["answered_by"] == "Sam Okoro"
    history = json.loads(run("history", "--case", root, "--json").output)["screenings"]
    assert [s["counts"]["yes"] for s in history] == [14, 13]
    latest = json.loads(run("show", "--case", root, "--json").output)["screenings"]
    assert [s["counts"]["yes"] for s in latest] == [13]
    table = run("history", "--case", root)
    assert table.exit_code == 0 and "Okoro" in table.output and "advocate" in table.output
    assert "14 / 10 / 0" in table.output and "visible high" in table.output


def test_ask_needs_a_named_person_and_a_known_role(root: str) -> None:
    nobody = run("ask", "--instrument", "s-dash", "--role", "officer", "--no-premark", "--case", root)
    assert nobody.exit_code != 0 and "--by NAME" in str(nobody.exception)
    stranger = run("ask", "--instrument", "s-dash", "--by", "Sam", "--role", "friend", "--case", root)
    assert stranger.exit_code != 0 and "--role" in str(stranger.exception)


def test_interactive_ask_shows_suggestions_first_and_records_each_decision(
    root: str, evidence: list[frozenset[str] | None]
) -> None:
    # sdash-06 (threats) and sdash-07 (third parties) are suggested: confirm one, reject the other.
    stdin = "confirm\nsaid it twice\nreject\nno\n\n" + "dont-know\n\n" * 9
    shown = run("ask", "--instrument", "s-dash", "--by", "PC Ada Lane", "--role", "officer", "--case", root,
                stdin=stdin)  # fmt: skip
    assert shown.exit_code == 0, shown.output
    out = shown.output
    assert out.index("sdash-06") < out.index("sdash-01")  # suggestions come first
    assert "yes, for confirmation" in out and "RH/1" in out and "THREAT.VIOLENCE" in out
    assert "\x1b[31m" not in out and "⟨U+001B⟩" in out  # evidence words made inert
    assert "no documented cut-off" in out and "not prediction" in out
    assert evidence == [None]
    [stored] = json.loads(run("show", "--instrument", "s-dash", "--case", root, "--json").output)[
        "screenings"
    ]
    by_item = {a["item"]: a for a in stored["answers"]}
    assert by_item["sdash-06"] == {"item": "sdash-06", "answer": "yes", "note": "said it twice",
                                   "premarked": True, "decision": "confirmed"}  # fmt: skip
    assert by_item["sdash-07"]["decision"] == "rejected" and by_item["sdash-07"]["answer"] == "no"
    assert by_item["sdash-01"]["premarked"] is False and by_item["sdash-01"]["answer"] == "dont-know"
    assert stored["counts"] == {"yes": 1, "no": 1, "dont_know": 9, "unanswered": 0}
    assert stored["prompts"][0]["from"] == "sdash-06"


def test_unfinished_questions_save_nothing(root: str, evidence: list[frozenset[str] | None]) -> None:
    stopped = run("ask", "--instrument", "s-dash", "--by", "Sam", "--role", "victim", "--case", root,
                  stdin="confirm\n\n")  # fmt: skip
    assert stopped.exit_code != 0 and "Nothing was saved" in str(stopped.exception)
    assert json.loads(run("history", "--case", root, "--json").output) == {"screenings": []}


def test_ask_for_a_person_uses_their_accounts_and_a_file_records_premarked_items(
    new_case: Case, root: str, tmp_path: Path, evidence: list[frozenset[str] | None]
) -> None:
    reopened = Case.open(Path(root), PASSPHRASE)
    try:
        link(reopened, "Casey Marsh", ["+44 7700 900587"])
    finally:
        reopened.close()
    path = tmp_path / "answers.yaml"
    path.write_text("format: casetrail-risk-answers\nversion: '1'\nanswered_by: Sam\nanswers:\n"
                    "  D12: yes\n  D8: no\n  D1: dont-know\n")  # fmt: skip
    shown = run("ask", "--instrument", "digital", "--by", "Sam", "--role", "advocate",
                "--person", "Casey Marsh", "--from", str(path), "--case", root, "--json")  # fmt: skip
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.output)
    assert evidence == [frozenset({"phone:+447700900587"})]
    assert data["about"] == "Casey Marsh" and {s["item"] for s in data["suggestions"]} == {"D8", "D12"}
    decisions = {a["item"]: a["decision"] for a in data["answers"]}
    assert decisions == {"D12": "confirmed", "D8": "rejected", "D1": None}
    assert data["level"] is None and data["counts"]["yes"] == 1
    other = run("ask", "--instrument", "digital", "--by", "Robin", "--role", "advocate", "--from", str(path),
                "--no-premark", "--case", root)  # fmt: skip
    assert other.exit_code != 0 and "answered_by" in str(other.exception)
    unknown = run("ask", "--instrument", "digital", "--by", "Sam", "--role", "advocate", "--person", "Nobody",
                  "--case", root)  # fmt: skip
    assert unknown.exit_code != 0 and "No one of that name" in str(unknown.exception)


def test_local_triggers_can_be_switched_on_for_a_screening(root: str, tmp_path: Path) -> None:
    path = tmp_path / "answers.yaml"
    path.write_text("format: casetrail-risk-answers\nversion: '1'\nanswers:\n  sdash-01: yes\n")
    shown = run("ask", "--instrument", "s-dash", "--by", "Sam", "--role", "advocate", "--from", str(path),
                "--trigger", "sdash-local-fear", "--no-premark", "--case", root, "--json")  # fmt: skip
    data = json.loads(shown.output)
    assert [p["from"] for p in data["prompts"]] == ["sdash-01", "sdash-local-fear"]
    assert data["local_triggers_on"] == ["sdash-local-fear"] and data["level"] is None


def test_the_real_analysis_premarks_from_course_of_conduct_figures(root: str, tmp_path: Path) -> None:
    """Twelve texts in an hour, through the real import and analysis, pre-mark the stalking topic."""
    start = datetime(2025, 3, 1, 20, 0)
    rows = [
        "# casetrail generic v1",
        "time,channel,kind,direction,from,to,text,attachment,id,conversation,notes",
    ]
    rows += [f"{start + timedelta(minutes=4 * n):%Y-%m-%d %H:%M},sms,message,incoming,+447700900587,,"
             f"answer me {n},,,," for n in range(12)]  # fmt: skip
    rows.append("2025-03-04 12:00,sms,message,incoming,+447700900587,,still here,,,,")
    export = tmp_path / "texts.csv"
    export.write_text("\n".join(rows) + "\n", encoding="utf-8")
    opened = Case.open(Path(root), PASSPHRASE)
    try:
        import_file(opened, export)
    finally:
        opened.close()
    answers = tmp_path / "answers.yaml"
    answers.write_text("format: casetrail-risk-answers\nversion: '1'\nanswers:\n  dash-08: yes\n")
    shown = run("ask", "--instrument", "dash", "--by", "Sam", "--role", "advocate", "--from", str(answers),
                "--case", root, "--json")  # fmt: skip
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.output)
    [stalking] = [s for s in data["suggestions"] if s["item"] == "dash-08"]
    assert "1 burst(s) of contact within one hour (the largest: 12 contacts)" in stalking["reasons"]
    assert data["answers"] == [{"item": "dash-08", "answer": "yes", "note": "", "premarked": True,
                                "decision": "confirmed"}]  # fmt: skip
    assert data["next"][0]["instrument"] == "s-dash"
    fits = run("ask", "--instrument", "s-dash", "--by", "Sam", "--role", "advocate", "--from", str(answers),
               "--case", root)  # fmt: skip
    assert fits.exit_code != 0  # a DASH answer in an S-DASH screening is refused, nothing saved
    assert len(json.loads(run("history", "--case", root, "--json").output)["screenings"]) == 1


def test_json_needs_an_answers_file_and_a_variant_must_be_known(root: str, tmp_path: Path) -> None:
    screen = run("ask", "--instrument", "s-dash", "--by", "Sam", "--role", "victim", "--no-premark",
                 "--case", root, "--json")  # fmt: skip
    assert screen.exit_code != 0 and "--json needs --from" in str(screen.exception)
    path = tmp_path / "answers.yaml"
    path.write_text("format: casetrail-risk-answers\nversion: '1'\nanswers:\n  sdash-01: yes\n")
    odd = run("ask", "--instrument", "s-dash", "--by", "Sam", "--role", "victim", "--no-premark",
              "--from", str(path), "--variant", "my own", "--case", root)  # fmt: skip
    assert odd.exit_code != 0 and "Known variants" in str(odd.exception)
    known = run("ask", "--instrument", "s-dash", "--by", "Sam", "--role", "victim", "--no-premark",
                "--from", str(path), "--variant", "VS-DASH, victim self-assessment",
                "--case", root, "--json")  # fmt: skip
    assert json.loads(known.output)["variant"] == "VS-DASH, victim self-assessment"


def test_a_services_own_screening_file_can_be_asked(root: str, tmp_path: Path) -> None:
    rules = tmp_path / "force.yaml"
    rules.write_text(
        "format: casetrail-risk-instrument\nversion: '3'\nid: force-x\nname: Force X questions\n"
        "source: {authors: Force X, official_form: 'https://example.org/form'}\nlicence_note: Ours.\n"
        "answers: [yes, no, dont-know]\njudgement: Judgement decides.\n"
        "items:\n  - id: fx-1\n    topic: Are you safe tonight?\n    why: To plan for tonight.\n"
    )
    listed = json.loads(run("questions", "--rules", str(rules), "--json").output)
    assert listed["instruments"][0]["items"][0]["id"] == "fx-1"
    interactive = run("ask", "--rules", str(rules), "--by", "Sam", "--role", "officer", "--no-premark",
                      "--case", root, stdin="no\nsafe with family\n")  # fmt: skip
    assert interactive.exit_code == 0, interactive.output
    assert "Force X questions" in interactive.output and "https://example.org/form" in interactive.output
    [stored] = json.loads(run("history", "--case", root, "--json").output)["screenings"]
    assert (stored["instrument"], stored["version"], stored["counts"]["no"]) == ("force-x", "3", 1)
