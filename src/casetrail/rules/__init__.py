"""Rule files: lexicons, risk questions and offence elements, kept as data rather than code.

Advocates and forces will add and adjust these files, and a rule file may arrive from anyone, so they
are read with ``yaml.safe_load`` only: a file can hold text, numbers, lists and mappings, never an
object or a call (G-20). Every file names its format and version; results record the versions used.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from casetrail.errors import CasetrailError


class RulesError(CasetrailError):
    """A rule file that cannot be used: named, with the place and the reason."""


def parse_rules(text: str, name: str, expected_format: str) -> dict[str, Any]:
    """Parse one rule file's text, safely, and check it says what it is."""
    try:
        document = yaml.safe_load(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = error.problem or "not valid YAML"
        raise RulesError(f"Rule file {name}{where}: {problem}. Rule files hold data only.") from None
    except yaml.YAMLError as error:
        raise RulesError(f"Rule file {name}: not valid YAML ({error.__class__.__name__}).") from None
    if not isinstance(document, dict):
        raise RulesError(f"Rule file {name}: expected a mapping at the top.")
    if document.get("format") != expected_format:
        raise RulesError(f"Rule file {name}: 'format' must be {expected_format!r}.")
    version = document.get("version")
    if not isinstance(version, str) or not version:
        raise RulesError(f"Rule file {name}: 'version' must be text, e.g. \"2026.11.1\".")
    return document


def packaged(filename: str, expected_format: str) -> dict[str, Any]:
    """A rule file shipped with casetrail (src/casetrail/rules/data)."""
    text = resources.files("casetrail.rules").joinpath("data", filename).read_text(encoding="utf-8")
    return parse_rules(text, filename, expected_format)


def from_path(path: Path, expected_format: str) -> dict[str, Any]:
    """A rule file given by the user (another jurisdiction, a force's own questionnaire)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise RulesError(f"Rule file {path.name}: cannot be read ({error.__class__.__name__}).") from None
    return parse_rules(text, path.name, expected_format)
