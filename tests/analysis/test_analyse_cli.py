"""`casetrail analyse` on the demo case: the pattern it was written with is found, not planted."""

from __future__ import annotations

import json
from pathlib import Path

from casetrail.demo import generate_demo_files
from casetrail.store.case import Case
from casetrail.store.importing import import_file
from tests.helpers import run_cli


def test_the_demo_pattern_is_found_for_the_linked_person(new_case: Case, tmp_path: Path) -> None:
    files = generate_demo_files(tmp_path / "exports")
    for path in files.paths:
        import_file(new_case, path)
    root = str(new_case.layout.root)
    new_case.close()
    linked = run_cli(
        "person", "link", "Casey Marsh", "whatsapp:Casey Marsh", "whatsapp:Casey (new number)",
        "+44 7700 900587", "+44 7700 900913", "--case", root,
    )  # fmt: skip
    assert linked.returncode == 0, linked.stderr
    shown = run_cli("analyse", "--person", "Casey Marsh", "--case", root, "--json")
    assert shown.returncode == 0, shown.stderr
    figures = json.loads(shown.stdout)
    assert figures["by_channel"]["whatsapp"] > 500 and figures["by_channel"]["phone"] > 80
    # The 40 missed calls in the hour after the stop request (demo/phone_story.py) are the busiest hour.
    assert figures["busiest_hour"]["contacts"] >= 40
    assert figures["busiest_hour"]["start"].startswith("2025-02-19T20:")
    assert any(b["channels"].get("phone", 0) >= 40 for b in figures["bursts"])
    assert figures["days_with_contact"] > 150 and figures["at_night"]["contacts"] > 100
    text = run_cli("analyse", "--person", "Casey Marsh", "--case", root)
    assert "Most in one hour" in text.stdout
    unknown = run_cli("analyse", "--person", "Nobody", "--case", root)
    assert unknown.returncode != 0 and "No one of that name" in unknown.stderr
