"""The one Rich console pair. Evidence reaches them only through casetrail.render.terminal."""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.console import Console

from casetrail.render.terminal import visible

console = Console(highlight=False)
errors = Console(stderr=True, highlight=False)


def print_json(data: Any) -> None:
    """Machine-readable output: JSON escapes every control character, so it is safe as it is."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def say_error(message: str) -> None:
    errors.print(f"[bold red]Error:[/] {_plain(message)}")


def _plain(message: str) -> str:
    from rich.markup import escape

    return escape(visible(message))
