"""`casetrail offences` on a real case, with the analysis pass replaced by hand-made events."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import typer
from typer.testing import CliRunner, Result

from casetrail.analysis.conduct import conduct_figures
from casetrail.analysis.findings import Findings
from casetrail.analysis.pipeline import Consumer
from casetrail.cli import offences_cmd
from casetrail.cli.console import console
from casetrail.errors import CasetrailError
from casetrail.store.analysis_runs import runs
from casetrail.store.case import Case
from casetrail.store.people import link
from tests.analysis.offences.events import diary, suspect
from tests.analysis.offences.test_rules import SCOTLAND
from tests.conftest import PASSPHRASE

RUNNER = CliRunner()
HOSTILE = "\x1b]52;c;cm0gLXJmIH4=\x07I know where you live"

app = typer.Typer()
app.command("offences")(offences_cmd.offences)
app.command("other")(lambda: None)


@pytest.fixture
def root(new_case: Case, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(console, "_width", 200)  # one line per line, for the assertions
    link(new_case, "Casey Marsh", ["+44 7700 900587"])
    monkeypatch.setenv("CASETRAIL_PASSPHRASE", PASSPHRASE)
    new_case.close()
    return str(new_case.layout.root)


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> list[frozenset[str] | None]:
    """The analysis pass replaced: two threats on two days, each linked from a diary entry of fear."""
    seen: list[frozenset[str] | None] = []

    def fake(case: Case, accounts: frozenset[str] | None, consumers: Sequence[Consumer] = ()) -> Findings:
        seen.append(accounts)
        stream = [
            suspect("2025-05-01", "THREAT.VIOLENCE", uid="t1", words=HOSTILE),
            diary(
                "2025-05-01", "IMPACT.FEAR_OF_VIOLENCE", hour=21, linked=["t1"], own_words={"impact": HOSTILE}
            ),
            suspect("2025-05-09", "THREAT.VIOLENCE", uid="t2", words="you won't see next week"),
            diary("2025-05-09", "IMPACT.FEAR_OF_VIOLENCE", hour=21, linked=["t2"]),
        ]
        for event in stream:
            for consumer in consumers:
                consumer.add(event)
        findings = Findings(conduct_figures((), ZoneInfo("Europe/London")))
        findings.versions = {"behaviour-en.yaml": "test-1"}
        return findings

    monkeypatch.setattr(offences_cmd, "run_analysis", fake)
    return seen


def run(*args: str) -> Result:
    return RUNNER.invoke(app, ["offences", *args])


def test_shows_the_disclaimer_first_and_evidence_only_made_inert(root: str, asked: list[object]) -> None:
    shown = run("--case", root, "--person", "Casey Marsh")
    assert shown.exit_code == 0, shown.output
    assert shown.output.startswith("This is material for the officer's or prosecutor's consideration")
    assert "\x1b" not in shown.output and "\x07" not in shown.output
    assert "⟨U+001B⟩" in shown.output and "I know where you live" in shown.output
    assert "Putting people in fear of violence" in shown.output
    assert "Linked to RH/1" in shown.output and "2 occasions shown by the diary" in shown.output
    assert "Nothing in the events held points to this offence." in shown.output
    assert isinstance(asked[0], frozenset) and asked[0]


def test_the_result_is_stored_with_the_versions_used(root: str, asked: list[object]) -> None:
    data = json.loads(run("--case", root, "--json").output)
    assert asked == [None] and data["person"] is None
    fear = next(o for o in data["offences"] if o["id"] == "pha-s4")["elements"][1]
    assert fear["status"] == "may-support" and fear["occasions"] == 2
    assert fear["diary"][0]["own_words"] == {"impact": HOSTILE}
    case = Case.open(Path(root), PASSPHRASE)
    try:
        stored = runs(case, "offences")
    finally:
        case.close()
    assert len(stored) == 1 and stored[0].id == data["run"]
    assert stored[0].versions == {"behaviour-en.yaml": "test-1", "offences-england-wales": "2026.11.1"}
    assert stored[0].result["offences"] == data["offences"]


def test_another_jurisdictions_file(root: str, asked: list[object], tmp_path: Path) -> None:
    path = tmp_path / "offences-scotland.yaml"
    path.write_text(SCOTLAND, encoding="utf-8")
    data = json.loads(run("--case", root, "--rules", str(path), "--json").output)
    assert data["jurisdiction"] == "Scotland (test file)"
    assert data["versions"]["offences-scotland"] == "0.1.0"


def test_an_unknown_person_is_a_plain_error(root: str, asked: list[object]) -> None:
    shown = run("--case", root, "--person", "Nobody")
    assert isinstance(shown.exception, CasetrailError) and "No one of that name" in str(shown.exception)
    assert asked == []
