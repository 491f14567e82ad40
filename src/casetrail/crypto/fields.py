"""Column encryption: evidence text is AEAD-sealed before it reaches any database.

SQLCipher protects the local file as a whole; sealing the evidence columns as well means the same
schema on PostgreSQL (the shared case server) yields no evidence text in a database dump.
"""

from __future__ import annotations

import json
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_VERSION = b"\x01"
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_NONCE = 12


def storable(value: Any) -> Any:
    """The value with every string made encodable: text decoded with ``surrogateescape`` (an e-mail
    header, a MIME type, a file name) can hold lone surrogates for bytes that were not text, which no
    encoder accepts. Each becomes U+FFFD, so the rest of the evidence is kept instead of the import
    failing. Only used when encoding has already failed, so ordinary values pay nothing."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            try:
                return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            except UnicodeEncodeError:  # a surrogate that was never a byte
                return value.encode("utf-8", "replace").decode("utf-8")
        return value
    if isinstance(value, dict):
        return {storable(k): storable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [storable(item) for item in value]
    return value


class FieldTampered(Exception):
    """A sealed value did not authenticate for its place (edited, moved or from another case)."""


class FieldCipher:
    """AES-256-GCM with a random 96-bit nonce per value and the value's place as associated data."""

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    def seal(self, plaintext: bytes, place: str) -> bytes:
        nonce = os.urandom(_NONCE)
        return _VERSION + nonce + self._aead.encrypt(nonce, plaintext, place.encode())

    def open(self, sealed: bytes, place: str) -> bytes:
        if len(sealed) < 1 + _NONCE + 16 or sealed[:1] != _VERSION:
            raise FieldTampered(place)
        try:
            return self._aead.decrypt(sealed[1 : 1 + _NONCE], sealed[1 + _NONCE :], place.encode())
        except InvalidTag:
            raise FieldTampered(place) from None

    def seal_json(self, value: Any, place: str) -> bytes:
        try:
            encoded = _JSON.encode(value).encode()
        except UnicodeEncodeError:
            encoded = _JSON.encode(storable(value)).encode()
        return self.seal(encoded, place)

    def open_json(self, sealed: bytes, place: str) -> Any:
        return json.loads(self.open(sealed, place))
