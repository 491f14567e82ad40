"""Bytes to text in whatever charset a message declares, never failing and never hiding damage.

A message names its own charset, and a hostile one can name anything: an unknown name, a codec that is
not a text encoding (``base64``, ``rot13``) or one that interprets escape sequences
(``unicode_escape``). Those are read as UTF-8 instead, and any byte that cannot be read becomes U+FFFD
with the damage reported, so the event can be flagged ``undecodable-bytes``.
"""

from __future__ import annotations

import codecs
from functools import lru_cache

# Codecs Python accepts as text encodings but that transform rather than decode text.
_REFUSED = frozenset({"unicode-escape", "raw-unicode-escape", "punycode", "idna", "undefined"})


@lru_cache(maxsize=256)
def codec_for(charset: str | None) -> str | None:
    """The Python codec for a declared charset, or None when it is unknown or refused."""
    if not charset:
        return None
    name = charset.strip().strip('"').lower()
    if not name or len(name) > 64 or not name.isascii():
        return None
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name.replace("_", "-") in _REFUSED:
        return None
    return info.name


def decode(data: bytes, charset: str | None) -> tuple[str, bool]:
    """The text, and whether anything could not be read as written (unknown charset, bad bytes)."""
    codec = codec_for(charset)
    unknown = charset is not None and bool(charset.strip()) and codec is None
    if codec is None:
        codec = "utf-8"
    try:
        return data.decode(codec), unknown
    except (UnicodeDecodeError, LookupError):
        pass
    except Exception:  # a stdlib codec can fail oddly on hostile bytes; read as UTF-8 instead
        codec = "utf-8"
    try:
        return data.decode(codec, "replace"), True
    except Exception:
        return data.decode("utf-8", "replace"), True


def from_surrogates(value: str) -> tuple[str, bool]:
    """Text the ``email`` package read from bytes (8-bit bytes kept as surrogate escapes), as UTF-8.

    Raw UTF-8 in headers is allowed (RFC 6532), so it is read without a flag; other 8-bit bytes
    become U+FFFD and count as damage.
    """
    if value.isascii():
        return value, False
    try:
        raw = value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate that was never a byte: not from the parser
        raw = value.encode("utf-8", "replace")
    try:
        return raw.decode("utf-8"), False
    except UnicodeDecodeError:
        return raw.decode("utf-8", "replace"), True
