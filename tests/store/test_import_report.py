"""The import report says what a file held: time span and the accounts seen, besides the counts."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from casetrail.store import importing
from casetrail.store.case import Case
from casetrail.store.importing import import_file
from tests.helpers import android_lines, run_cli, write_chat


def test_the_report_gives_the_time_span_and_every_account(new_case: Case, tmp_path: Path) -> None:
    result = import_file(new_case, write_chat(tmp_path / "chat.txt", android_lines(5)))
    report = result.to_json()
    assert report["time_span"] == {"first": "2025-01-06T09:00:00Z", "last": "2025-01-06T09:28:00Z"}
    assert (report["accounts_seen"], report["accounts_capped"]) == (["Casey Marsh", "Robin Hale"], False)
    assert (result.first, result.last) == (
        datetime(2025, 1, 6, 9, 0, tzinfo=UTC),
        datetime(2025, 1, 6, 9, 28, tzinfo=UTC),
    )


def test_a_file_with_very_many_accounts_lists_only_so_many(
    new_case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importing, "ACCOUNTS_LIMIT", 3)
    lines = [f"06/01/2025, 09:0{n} - Person {n}: hello" for n in range(6)]
    result = import_file(new_case, write_chat(tmp_path / "chat.txt", lines))
    assert result.accounts_capped and len(result.accounts) == 3


def test_account_names_are_shown_escaped_at_the_terminal(new_case: Case, tmp_path: Path) -> None:
    lines = ["06/01/2025, 09:00 - Eve\u202ereversed: hello", "06/01/2025, 09:01 - Casey Marsh: hi"]
    export = write_chat(tmp_path / "chat.txt", lines)
    shown = run_cli("import", "--case", str(new_case.layout.root), str(export), env={"COLUMNS": "200"})
    assert shown.returncode == 0, shown.stderr
    assert "\u202e" not in shown.stdout
    assert "2 account(s): Casey Marsh, Eve⟨U+202E⟩reversed" in shown.stdout
    assert "From 2025-01-06 09:00 to 2025-01-06 09:01 (UTC)." in shown.stdout
    again = run_cli("import", "--case", str(new_case.layout.root), "--json", str(export))
    assert json.loads(again.stdout)[0]["accounts_seen"] == ["Casey Marsh", "Eve\u202ereversed"]
