"""The analysis from the command line: labels in the timeline, decisions, diary links, stored runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from casetrail.store.case import Case
from casetrail.store.importing import import_file
from tests.conftest import PASSPHRASE
from tests.helpers import run_cli

ME, CASEY = "+447700900142", "+447700900587"
EVENTS = [
    {"time": "2025-03-01T20:00:00Z", "channel": "sms", "direction": "in", "from": CASEY, "text": "Hi"},
    {"time": "2025-03-01T20:05:00Z", "channel": "sms", "direction": "outgoing", "from": ME, "to": CASEY,
     "text": "Please stop messaging me"},
    {"time": "2025-03-02T09:00:00Z", "channel": "sms", "direction": "incoming", "from": CASEY, "text": "No"},
    {"time": "2025-03-03T09:00:00Z", "channel": "sms", "direction": "in", "from": CASEY, "text": "Hello?"},
    {"time": "2025-03-03T10:00:00Z", "channel": "in-person", "kind": "in-person-incident", "direction": "n/a",
     "text": "Casey was outside my house again.", "how_it_made_me_feel": "Frightened"},
]  # fmt: skip


def cli_json(*args: str) -> Any:
    done = run_cli(*args, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def make_case(case: Case, tmp_path: Path) -> str:
    path = tmp_path / "typed.json"
    path.write_text(json.dumps({"casetrail_generic": 1, "events": EVENTS}), encoding="utf-8")
    import_file(case, path)
    root = str(case.layout.root)
    case.close()
    return root


def test_labels_decisions_links_and_stored_runs(new_case: Case, tmp_path: Path) -> None:
    root = make_case(new_case, tmp_path)
    assert run_cli("person", "link", "Casey Marsh", CASEY, "--case", root).returncode == 0
    events = cli_json("timeline", "--case", root)["events"]
    stop = events[1]
    assert stop["side"] == "victim"
    (label,) = [label for label in stop["labels"] if label["category"] == "IMPACT.STOP_REQUEST"]
    assert label["words"].casefold() == "stop messaging me" and label["decision"] is None
    assert label["source"].startswith("rules:behaviour-en-victim@")
    diary = events[4]
    assert diary["side"] == "diary"
    assert {"IMPACT.FEAR_OF_VIOLENCE"} <= {item["category"] for item in diary["labels"]}

    analysed = cli_json("analyse", "--person", "Casey Marsh", "--case", root)
    (request,) = analysed["stop_requests"]
    assert request["contacts_after"] == 2 and request["how"] == "asked"
    assert [letter["letter"] for letter in analysed["four"]] == ["F", "O", "U", "R"]
    assert analysed["rule_versions"]["behaviour-en-victim.yaml"]
    assert analysed["stored_as_run"] >= 1
    assert analysed["escalation"]["weeks"]

    (suggested,) = cli_json("diary", "suggest", "--person", "Casey Marsh", "--case", root)["suggestions"]
    assert suggested["diary"]["uid"] == diary["uid"] and "IMPACT.FEAR_OF_VIOLENCE" in suggested["impact"]
    assert [cause["uid"] for cause in suggested["causes"]] == [events[3]["uid"]]  # the day before only

    # A person rejects the stop request label: it stays on record, and stops counting.
    rejected = cli_json(
        "label", "reject", stop["uid"], "IMPACT.STOP_REQUEST", "--note", "a test", "--case", root
    )
    assert rejected["decision"] == "rejected" and rejected["by"]
    again = cli_json("timeline", "--case", root)["events"][1]
    assert [item["decision"] for item in again["labels"] if item["category"] == "IMPACT.STOP_REQUEST"] == [
        "rejected"
    ]
    assert cli_json("analyse", "--person", "Casey Marsh", "--case", root)["stop_requests"] == []
    history = cli_json("label", "history", "--case", root)["decisions"]
    assert [(d["category"], d["decision"], d["note"]) for d in history] == [
        ("IMPACT.STOP_REQUEST", "rejected", "a test")
    ]
    shown = run_cli("timeline", "--case", root, env={"COLUMNS": "300"})
    assert shown.returncode == 0 and "IMPACT.FEAR_OF_VIOLENCE" in shown.stdout

    linked = cli_json("diary", "link", diary["uid"], events[3]["uid"], "--case", root)
    assert linked["new_links"] == 1
    assert cli_json("diary", "links", "--case", root)["links"] == {diary["uid"]: [events[3]["uid"]]}
    with Case.open(Path(root), PASSPHRASE) as case, case.reader.connect() as conn:
        actions = [entry.action for entry in case.audit.entries(conn)]
    assert {"label rejected", "diary entry linked", "course-of-conduct analysis stored"} <= set(actions)

    wrong = run_cli("label", "confirm", "not-an-id", "THREAT.VIOLENCE", "--case", root)
    assert wrong.returncode != 0 and "not an event id" in wrong.stderr
    missing = run_cli("label", "confirm", "00" * 24, "THREAT.VIOLENCE", "--case", root)
    assert missing.returncode != 0 and "No event with id" in missing.stderr


def test_stored_results_are_listed_and_shown(new_case: Case, tmp_path: Path) -> None:
    root = make_case(new_case, tmp_path)
    assert cli_json("results", "--case", root) == {"results": []}
    first = cli_json("analyse", "--case", root)
    second = cli_json("analyse", "--case", root)
    listed = cli_json("results", "--case", root)["results"]
    assert [r["id"] for r in listed] == [first["stored_as_run"], second["stored_as_run"]]
    assert all(r["kind"] == "course-of-conduct" and r["versions"]["severity.yaml"] for r in listed)
    shown = run_cli("results", "--show", str(first["stored_as_run"]), "--case", root)
    assert json.loads(shown.stdout)["result"]["contacts"] == first["contacts"]
    missing = run_cli("results", "--show", "999", "--case", root)
    assert missing.returncode != 0 and "No stored result 999" in missing.stderr
    assert cli_json("results", "--kind", "offences", "--case", root) == {"results": []}
