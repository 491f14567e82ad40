"""Text files in the encodings real exports use, streamed in blocks of lines, never losing data silently.

UTF-8 (with or without BOM) and UTF-16 (with or without BOM) are recognised from the first bytes.
Bytes that are not valid in the encoding are replaced with U+FFFD and the line is reported as damaged,
so the event can carry a flag and a locator; the original stays untouched as the exhibit.

Lines end at LF or CRLF only; a lone CR stays inside its line. Text is handed out in blocks of about
a mebibyte of whole lines, so a parser can scan thousands of lines per C-level call (a regular
expression over the block) instead of paying Python overhead per line; ``iter_lines`` is the simple
line-by-line view of the same blocks.
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any, cast

REPLACEMENT = "\ufffd"
#: Bytes read per block; large enough that per-block overhead vanishes, small enough to stay cache-friendly.
BLOCK_SIZE = 1 << 20
_UNDAMAGED: frozenset[int] = frozenset()
_ESCAPED = re.compile("[\udc80-\udcff]")


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
class Block:
    """Whole lines of decoded text, each line *preceded* by ``"\\n"``: ``"\\nfirst\\nsecond"``.

    Opening every line with its newline lets a pattern anchor on a literal ``"\\n"`` (which the regex
    engine finds with a fast scan) and makes ``text.count("\\n")`` the number of lines. CRLF endings are
    read as LF. ``damaged`` holds the 0-based indexes, within the block, of lines that had undecodable
    bytes.
    """

    text: str
    damaged: frozenset[int] = _UNDAMAGED

    def lines(self) -> list[str]:
        return self.text.split("\n")[1:]


@dataclass(frozen=True, slots=True)
class Line:
    number: int
    text: str
    damaged: bool


def iter_blocks(stream: IO[bytes], size: int = BLOCK_SIZE) -> Iterator[Block]:
    """Yield the text of ``stream`` in blocks of whole lines (about ``size`` bytes each)."""
    buffered: Any = stream if isinstance(stream, io.BufferedReader) else io.BufferedReader(cast(Any, stream))
    encoding = detect_encoding(buffered.peek(4096))
    if encoding.startswith("utf-8"):
        if encoding == "utf-8-sig":
            buffered.read(len(codecs.BOM_UTF8))
        pieces = _utf8_pieces(buffered, size)
    else:
        pieces = _decoded_pieces(buffered, encoding, size)
    for piece, escaped in pieces:
        yield _block(piece, escaped)


def iter_lines(stream: IO[bytes]) -> Iterator[Line]:
    """Yield lines (without their ending) with 1-based numbers; LF and CRLF end a line.

    A lone CR inside a line is kept: it is part of what was written (and shown marked, never obeyed).
    """
    number = 0
    for block in iter_blocks(stream):
        lines = block.lines()
        for index, text in enumerate(lines):
            yield Line(number + index + 1, text, index in block.damaged)
        number += len(lines)


# A piece is ``"\n"`` + whole lines, CRLF already read as LF: it ends just before a LF, or at the end of
# the file (the LF after a file's last line opens no line, so a final piece of only that LF is dropped).
# The second item says how to look for damage: True when UTF-8 had invalid bytes (now surrogate
# escapes), False when it had none, None when the decoder wrote U+FFFD itself (UTF-16).
_Piece = tuple[str, bool | None]


def _utf8_pieces(stream: IO[bytes], size: int) -> Iterator[_Piece]:
    """Decode whole lines at a time, cutting the bytes before their last LF (which is never inside a
    UTF-8 sequence, so each piece decodes exactly as the whole file would)."""
    waiting: list[bytes | memoryview] = [b"\n"]  # not decoded yet: the LF opening the next line, that line
    while chunk := stream.read(size):
        cut = chunk.rfind(b"\n")
        if cut < 0:
            waiting.append(chunk)
            continue
        waiting.append(memoryview(chunk)[:cut])  # joined below: no copy of its own
        yield _decode_utf8(b"".join(waiting))
        waiting = [chunk[cut:]]
    if waiting != [b"\n"]:
        yield _decode_utf8(b"".join(waiting))


def _decode_utf8(data: bytes) -> tuple[str, bool]:
    """The text, and whether invalid bytes had to be escaped (checked once per piece, not per line).
    CR and LF bytes are never part of a UTF-8 sequence, so line endings are settled before decoding,
    where the text is up to four times larger."""
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n").removesuffix(b"\r")  # see _lf_only
    try:
        return codecs.utf_8_decode(data, "strict", True)[0], False
    except UnicodeDecodeError:
        return codecs.utf_8_decode(data, "surrogateescape", True)[0], True


def _decoded_pieces(stream: IO[bytes], encoding: str, size: int) -> Iterator[_Piece]:
    """Decode incrementally (UTF-16, rare) and cut the text before its last LF."""
    decoder = codecs.getincrementaldecoder(encoding)("replace")
    waiting = ["\n"]
    while chunk := stream.read(size):
        text = decoder.decode(chunk)
        cut = text.rfind("\n")
        if cut < 0:
            waiting.append(text)
            continue
        waiting.append(text[:cut])
        yield _lf_only("".join(waiting)), None
        waiting = [text[cut:]]
    rest = "".join([*waiting, decoder.decode(b"", final=True)])
    if rest != "\n":
        yield _lf_only(rest), None


def _lf_only(piece: str) -> str:
    """Read each CRLF as LF. A piece's last line ends at the LF that opens the next piece (or at the end
    of the file), so a CR it ends with belongs to that ending, as the line-by-line reader always took it."""
    return piece.replace("\r\n", "\n").removesuffix("\r")


def _block(text: str, escaped: bool | None) -> Block:
    if escaped:
        return Block(_ESCAPED.sub(REPLACEMENT, text), _line_indexes(text, _ESCAPED.finditer(text)))
    if escaped is None and REPLACEMENT in text:
        return Block(text, _line_indexes(text, re.finditer(REPLACEMENT, text)))
    return Block(text)


def _line_indexes(text: str, found: Iterator[re.Match[str]]) -> frozenset[int]:
    """The indexes of the lines holding each match, counting newlines only once overall."""
    indexes: set[int] = set()
    newlines = position = 0
    for match in found:
        newlines += text.count("\n", position, match.start())
        position = match.start()
        indexes.add(newlines - 1)
    return frozenset(indexes)
