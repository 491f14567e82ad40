"""Undo the way Meta's exports write text: each UTF-8 byte as its own ``\\u00XX`` escape.

"é" is written ``\\u00c3\\u00a9``, so a JSON reader sees "Ã©". Every exported string has this shape,
so repairing it is reading the format, not guessing; a string that does not decode this way (genuine
latin-1 text such as "café" written ``\\u00e9``) is kept exactly as written.
"""

from __future__ import annotations


def repair(text: str) -> str:
    """The text as the person typed it, or ``text`` unchanged when it is not UTF-8 written as bytes."""
    if text.isascii():
        return text
    try:
        return text.encode("latin-1").decode("utf-8")
    except UnicodeError:  # a character above U+00FF, or bytes that are not UTF-8
        return text
