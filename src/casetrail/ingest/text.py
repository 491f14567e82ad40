"""Text files in the encodings real exports use, streamed line by line, never losing data silently.

UTF-8 (with or without BOM) and UTF-16 (with or without BOM) are recognised from the first bytes.
Bytes that are not valid in the encoding are replaced with U+FFFD and the line is reported as damaged,
so the event can carry a flag and a locator; the original stays untouched as the exhibit.
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any, cast

REPLACEMENT = "\ufffd"


def detect_encoding(head: bytes) -> str:
    """Choose an encoding from the first bytes of a file."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = head[:4096]
    if len(sample) >= 4:
        even_nuls = sample[0::2].count(0)
        odd_nuls = sample[1::2].count(0)
        half = len(sample) // 2
        if odd_nuls > half * 0.3 and even_nuls < half * 0.05:
            return "utf-16-le"
        if even_nuls > half * 0.3 and odd_nuls < half * 0.05:
            return "utf-16-be"
    return "utf-8"


@dataclass(frozen=True, slots=True)
class Line:
    number: int
    text: str
    damaged: bool


_ESCAPED = re.compile("[\udc80-\udcff]")


def _repair(text: str) -> tuple[str, bool]:
    """Turn surrogate-escaped invalid bytes into U+FFFD and say whether there were any."""
    if text.isascii() or not _ESCAPED.search(text):
        return text, False
    return _ESCAPED.sub(REPLACEMENT, text), True


def iter_lines(stream: IO[bytes]) -> Iterator[Line]:
    """Yield lines (without their ending) with 1-based numbers; LF and CRLF end a line.

    A lone CR inside a line is kept: it is part of what was written (and shown marked, never obeyed).
    """
    buffered: Any = stream if isinstance(stream, io.BufferedReader) else io.BufferedReader(cast(Any, stream))
    encoding = detect_encoding(buffered.peek(4096))
    utf8 = encoding.startswith("utf-8")
    errors = "surrogateescape" if utf8 else "replace"
    text = io.TextIOWrapper(buffered, encoding=encoding, errors=errors, newline="\n")
    try:
        for number, raw in enumerate(text, start=1):
            line = raw[:-1] if raw.endswith("\n") else raw
            if line.endswith("\r"):
                line = line[:-1]
            if utf8:
                line, damaged = _repair(line)
            else:
                damaged = REPLACEMENT in line
            yield Line(number, line, damaged)
    finally:
        text.detach()
