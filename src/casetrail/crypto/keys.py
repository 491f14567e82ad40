"""The case data key: random, stored only wrapped under the passphrase key, and split into subkeys."""

from __future__ import annotations

import hmac
import os
from dataclasses import dataclass
from functools import cached_property

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

DATA_KEY_BYTES = 32
NONCE_BYTES = 12
_WRAP_LABEL = b"casetrail key-wrap v1|"


class UnwrapFailed(Exception):
    """The wrapped key did not authenticate: wrong passphrase or a damaged header."""


def new_data_key() -> bytes:
    return os.urandom(DATA_KEY_BYTES)


def wrap_key(kek: bytes, data_key: bytes, case_id: str) -> tuple[bytes, bytes]:
    """Encrypt the data key under the passphrase-derived key; returns (nonce, ciphertext)."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce, AESGCM(kek).encrypt(nonce, data_key, _WRAP_LABEL + case_id.encode())


def unwrap_key(kek: bytes, nonce: bytes, ciphertext: bytes, case_id: str) -> bytes:
    try:
        return AESGCM(kek).decrypt(nonce, ciphertext, _WRAP_LABEL + case_id.encode())
    except InvalidTag:
        raise UnwrapFailed from None


def subkey(data_key: bytes, case_id: str, label: str) -> bytes:
    """Independent 256-bit keys for each job, so no key serves two purposes."""
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=case_id.encode(),
        info=f"casetrail {label} v1".encode(),
    ).derive(data_key)


@dataclass(frozen=True)
class CaseKeys:
    """Every key an open case uses, derived from the one data key."""

    case_id: str
    data_key: bytes

    @cached_property
    def database(self) -> bytes:
        return subkey(self.data_key, self.case_id, "sqlcipher")

    @cached_property
    def fields(self) -> bytes:
        return subkey(self.data_key, self.case_id, "field-aead")

    @cached_property
    def index(self) -> bytes:
        return subkey(self.data_key, self.case_id, "index-hmac")

    @cached_property
    def blob_names(self) -> bytes:
        return subkey(self.data_key, self.case_id, "blob-name-hmac")

    @cached_property
    def blobs(self) -> bytes:
        return subkey(self.data_key, self.case_id, "blob-aead")

    @cached_property
    def audit(self) -> bytes:
        return subkey(self.data_key, self.case_id, "audit-mac")


def keyed_hash(key: bytes, data: bytes) -> str:
    """HMAC-SHA-256 as hex: lookups and file names that reveal nothing without the key."""
    return hmac.digest(key, data, "sha256").hex()
