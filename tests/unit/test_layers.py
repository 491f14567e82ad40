"""The dependency rule of docs/architecture.md: each layer imports only the layers below it."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "casetrail"

# What each top-level area may import from casetrail (besides itself, errors and __init__).
ALLOWED = {
    "model": set(),
    "crypto": set(),
    "testing": set(),
    "ingest": {"model"},
    "safety": {"model", "ingest", "rules"},
    "importers": {"model", "ingest", "safety"},
    "render": set(),
    "demo": set(),
    "rules": set(),
    "store": {"model", "crypto", "ingest", "importers", "safety", "testing"},
    "analysis": {"model", "store", "rules"},
    "pack": {"model", "store", "analysis", "render"},
    "cli": {"model", "ingest", "importers", "store", "analysis", "rules", "render", "demo", "pack", "safety"},
}


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("casetrail."):
            found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("casetrail."))
    return found


def test_every_module_respects_the_layers() -> None:
    breaches = []
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).parts
        if len(parts) == 1:
            continue  # __init__, __main__, errors
        area = parts[0]
        assert area in ALLOWED, f"new area {area!r}: add it to the layer table and docs/architecture.md"
        for used in _imports(path) - {area, "errors", "__init__"}:
            if used not in ALLOWED[area]:
                breaches.append(f"{path.relative_to(PACKAGE)} imports casetrail.{used}")
    assert breaches == []
