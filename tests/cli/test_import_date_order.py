"""`casetrail import --date-order` and the date-order question, as a script and as a person use them.

All names and messages are invented placeholders.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from casetrail.store.case import Case
from tests.cli.test_log_interactive import Terminal
from tests.conftest import PASSPHRASE
from tests.helpers import run_cli, write_chat

# Every day and month is 12 or less, so the file cannot show which comes first.
AMBIGUOUS = [
    "03/04/2025, 10:00 - Casey Marsh: where were you",
    "05/06/2025, 22:30 - Casey Marsh: I saw your car",
]


def ok_json(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def timeline(root: Path) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = ok_json(run_cli("timeline", "--case", str(root), "--json"))["events"]
    return events


def test_month_first_gives_month_first_utc_times(new_case: Case, tmp_path: Path) -> None:
    root = new_case.layout.root
    chat = write_chat(tmp_path / "chat.txt", AMBIGUOUS)
    [report] = ok_json(
        run_cli("import", "--case", str(root), "--json", "--date-order", "month-first", str(chat))
    )
    assert report["events_added"] == 2
    assert report["flagged_total"] == 0
    assert report["notes"] == ["chat.txt: dates read as month-first as you asked."]
    events = timeline(root)
    assert [e["occurred_at_utc"] for e in events] == ["2025-03-04T10:00:00Z", "2025-05-06T21:30:00Z"]
    assert [e["local_time"] for e in events] == ["03/04/2025, 10:00", "05/06/2025, 22:30"]
    assert all(e["flags"] == [] for e in events)


def test_without_it_a_script_gets_the_flagged_default_and_a_note(new_case: Case, tmp_path: Path) -> None:
    root = new_case.layout.root
    chat = write_chat(tmp_path / "chat.txt", AMBIGUOUS)
    [report] = ok_json(run_cli("import", "--case", str(root), "--json", str(chat)))
    assert report["flagged_total"] == 2
    [note] = report["notes"]
    assert "day-first" in note
    assert "date-order-ambiguous" in note
    events = timeline(root)
    assert [e["occurred_at_utc"] for e in events] == ["2025-04-03T09:00:00Z", "2025-06-05T21:30:00Z"]
    assert all(e["flags"] == ["date-order-ambiguous"] for e in events)


def test_an_order_the_file_contradicts_is_refused_naming_the_line(new_case: Case, tmp_path: Path) -> None:
    root = new_case.layout.root
    chat = write_chat(tmp_path / "chat.txt", [*AMBIGUOUS, "13/06/2025, 08:00 - Casey Marsh: answer me"])
    result = run_cli("import", "--case", str(root), "--json", "--date-order", "month-first", str(chat))
    assert result.returncode == 3
    [report] = json.loads(result.stdout)
    assert report["place"] == "line 3"
    assert "13/06/2025" in report["error"]
    assert timeline(root) == []


def test_an_unknown_order_is_a_usage_error(new_case: Case, tmp_path: Path) -> None:
    chat = write_chat(tmp_path / "chat.txt", AMBIGUOUS)
    result = run_cli("import", "--case", str(new_case.layout.root), "--date-order", "dd/mm", str(chat))
    assert result.returncode == 2
    assert "dd/mm" in result.stderr


def test_in_a_terminal_the_person_is_asked(new_case: Case, tmp_path: Path) -> None:
    root = new_case.layout.root
    chat = write_chat(tmp_path / "chat.txt", AMBIGUOUS)
    term = Terminal("import", "--case", str(root), str(chat))
    term.expect("Case passphrase")
    term.type_secret(PASSPHRASE)
    term.expect("03/04/2025 could be 3 April 2025 or 4 March 2025")
    term.expect("Type day-first or month-first")
    term.type("sideways")
    term.expect("please type one of: day-first, month-first")
    term.type("Month-First")
    term.expect("2 events added")
    assert term.finish() == 0
    assert [e["occurred_at_utc"] for e in timeline(root)] == ["2025-03-04T10:00:00Z", "2025-05-06T21:30:00Z"]
