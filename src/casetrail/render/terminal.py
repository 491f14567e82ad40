"""Evidence made inert for a terminal: control codes and invisible characters shown as visible markers.

Rich strips only a few control characters, so ESC, CSI/OSC sequences (hyperlinks, clipboard writes),
C1 codes and CR in evidence would otherwise drive the terminal. Text is also never parsed as Rich
markup: callers get :class:`rich.text.Text`, which prints ``[bold]`` literally.
"""

from __future__ import annotations

import re

from rich.text import Text

_ALWAYS = [*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F, *range(0x80, 0xA0)]
_ALWAYS += [*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200B, 0xFEFF, 0x2028, 0x2029]
# In a name or handle, anything that draws nothing (or only a blank) could make one account look like
# another: joiners and direction marks, word joiner and invisible operators, the Mongolian vowel
# separator, the combining grapheme joiner, Hangul fillers, Khmer inherent vowels, deprecated format
# controls, interlinear annotation marks and the braille blank. (Spaces other than the plain one, and
# look-alike letters, are a matter of confusables, not of invisible characters.)
_IN_IDENTIFIERS = [0x200C, 0x200D, 0x200E, 0x200F, 0x061C, 0x00AD, *range(0x2060, 0x2065), 0x034F, 0x180E]
_IN_IDENTIFIERS += [
    0x115F,
    0x1160,
    0x3164,
    0xFFA0,
    0x17B4,
    0x17B5,
    *range(0x206A, 0x2070),
    *range(0xFFF9, 0xFFFC),
]
_IN_IDENTIFIERS += [0x2800]
# Tag characters are invisible; inside a name they are kept only where they spell a flag (England,
# Scotland, Wales: a black flag, tags, then CANCEL TAG).
_TAGS = re.compile("(\U0001f3f4[\U000e0020-\U000e007e]{1,16}\U000e007f)|([\U000e0000-\U000e007f])")


def _marker(code: int) -> str:
    return f"⟨U+{code:04X}⟩"


_TEXT_TABLE = {code: _marker(code) for code in _ALWAYS}
_IDENTIFIER_TABLE = {**_TEXT_TABLE, **{code: _marker(code) for code in _IN_IDENTIFIERS}, 0x0A: _marker(0x0A)}


def visible(value: str | None) -> str:
    """Running text (messages): keep newlines, tabs and the joiners real words need."""
    return "" if value is None else value.translate(_TEXT_TABLE)


def _tag(match: re.Match[str]) -> str:
    return match.group(1) or _marker(ord(match.group(2)))


def visible_identifier(value: str | None) -> str:
    """Names, handles, file names, links: also mark joiners, direction marks and other invisible
    characters that can disguise one account as another."""
    if value is None:
        return ""
    if not value.isascii():
        value = _TAGS.sub(_tag, value)
    return value.translate(_IDENTIFIER_TABLE)


def text(value: str | None, style: str = "") -> Text:
    return Text(visible(value), style=style)


def identifier(value: str | None, style: str = "") -> Text:
    return Text(visible_identifier(value), style=style)
