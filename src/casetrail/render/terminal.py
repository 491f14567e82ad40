"""Evidence made inert for a terminal: control codes and invisible characters shown as visible markers.

Rich strips only a few control characters, so ESC, CSI/OSC sequences (hyperlinks, clipboard writes),
C1 codes and CR in evidence would otherwise drive the terminal. Text is also never parsed as Rich
markup: callers get :class:`rich.text.Text`, which prints ``[bold]`` literally.
"""

from __future__ import annotations

from rich.text import Text

_ALWAYS = [*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F, *range(0x80, 0xA0)]
_ALWAYS += [*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200B, 0xFEFF, 0x2028, 0x2029]
_IN_IDENTIFIERS = [0x200C, 0x200D, 0x200E, 0x200F, 0x061C, 0x00AD, 0x2060]


def _marker(code: int) -> str:
    return f"⟨U+{code:04X}⟩"


_TEXT_TABLE = {code: _marker(code) for code in _ALWAYS}
_IDENTIFIER_TABLE = {**_TEXT_TABLE, **{code: _marker(code) for code in _IN_IDENTIFIERS}, 0x0A: _marker(0x0A)}


def visible(value: str | None) -> str:
    """Running text (messages): keep newlines, tabs and the joiners real words need."""
    return "" if value is None else value.translate(_TEXT_TABLE)


def visible_identifier(value: str | None) -> str:
    """Names, handles, file names, links: also mark joiners and direction marks that can disguise them."""
    return "" if value is None else value.translate(_IDENTIFIER_TABLE)


def text(value: str | None, style: str = "") -> Text:
    return Text(visible(value), style=style)


def identifier(value: str | None, style: str = "") -> Text:
    return Text(visible_identifier(value), style=style)
