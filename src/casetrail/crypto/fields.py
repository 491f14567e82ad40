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
        return self.seal(_JSON.encode(value).encode(), place)

    def open_json(self, sealed: bytes, place: str) -> Any:
        return json.loads(self.open(sealed, place))
