"""docs/guarantees.md lists exactly the guarantee tests that exist (docs cannot drift from tests)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _tests_in_repo() -> set[str]:
    found = set()
    for path in (ROOT / "tests").rglob("test_*.py"):
        for name in re.findall(r"^def (test_g\d\d_\w+)", path.read_text("utf-8"), flags=re.M):
            found.add(f"{path.relative_to(ROOT)}::{name}")
    return found


def test_every_listed_guarantee_test_exists_and_every_one_is_listed() -> None:
    page = (ROOT / "docs" / "guarantees.md").read_text("utf-8")
    listed = set(re.findall(r"`(tests/[\w/]+\.py::test_g\d\d_\w+)`", page))
    existing = _tests_in_repo()
    assert listed - existing == set(), "listed in docs/guarantees.md but missing"
    assert existing - listed == set(), "guarantee tests not listed in docs/guarantees.md"


def test_every_importer_has_a_docs_page() -> None:
    from casetrail.importers.registry import discover

    loaded, broken = discover()
    assert broken == []
    # A page may document several importers of one family: its "Importer name(s): ..." line says which.
    named = {
        line
        for page in (ROOT / "docs" / "importers").glob("*.md")
        for line in page.read_text(encoding="utf-8").splitlines()
        if line.startswith("Importer name")
    }
    for entry in loaded:
        assert any(f"`{entry.importer.name}`" in line for line in named), entry.importer.name
