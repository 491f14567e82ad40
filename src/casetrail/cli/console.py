"""The one Rich console pair. Evidence reaches them only through casetrail.render.terminal."""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.console import Console

from casetrail.render.terminal import visible

console = Console(highlight=False)
errors = Console(stderr=True, highlight=False)


_JSON_UNSAFE = [
    *range(0x7F, 0xA0),
    *range(0x202A, 0x202F),
    *range(0x2066, 0x206A),
    0x200B,
    0x2028,
    0x2029,
    0xFEFF,
]
_JSON_ESCAPES = {code: f"\\u{code:04x}" for code in _JSON_UNSAFE}


def print_json(data: Any) -> None:
    """Machine-readable output. JSON already escapes C0 controls; C1 controls, bidi overrides and
    line separators are escaped too, so JSON printed to a terminal cannot drive it or reorder it.
    (These characters can only occur inside JSON strings, so the result is the same JSON value.)
    """
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2).translate(_JSON_ESCAPES) + "\n")


def say_error(message: str) -> None:
    errors.print(f"[bold red]Error:[/] {_plain(message)}")


def _plain(message: str) -> str:
    from rich.markup import escape

    return escape(visible(message))
