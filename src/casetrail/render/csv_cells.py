"""Evidence made safe for a spreadsheet (G-26): a cell never becomes a formula, and invisible or
direction-changing characters are shown as markers (G-24), as in the terminal.

Spreadsheets run a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and some treat a leading tab, CR
or NUL the same way), and the message text in a case was written by the person harassing the victim.
Such a cell gets a leading apostrophe, which every spreadsheet shows as text; numbers stay numbers.
"""

from __future__ import annotations

from casetrail.render.terminal import visible, visible_identifier

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")


def neutralised(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def text_cell(value: str | None) -> str:
    """Running text (a message): newlines kept (the CSV writer quotes them), markers for the rest."""
    return neutralised(visible(value))


def identifier_cell(value: str | None) -> str:
    """A name, handle, number, file name or link: joiners and direction marks made visible too."""
    return neutralised(visible_identifier(value))


def number_cell(value: int | None) -> int | str:
    return "" if value is None else value
