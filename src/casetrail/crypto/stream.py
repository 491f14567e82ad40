"""Chunked AEAD for stored files (a STREAM construction in the style of age).

Layout: ``MAGIC | salt(16) | chunk*``; each chunk is up to 64 KiB of plaintext sealed with AES-256-GCM.
The per-file key is HKDF(blob key, salt); the nonce is an 11-byte chunk counter plus a final-chunk flag
byte, so chunks cannot be reordered, dropped or cut short; the associated data binds the case id and the
SHA-256 of the content, so a blob cannot be swapped with another exhibit's or moved from another case.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import IO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAGIC = b"CTBLOB1\n"
SALT_BYTES = 16
CHUNK = 64 * 1024
TAG = 16
_MAX_COUNTER = 2**88 - 1


class BlobTampered(Exception):
    """The stored file is not exactly what casetrail wrote for this exhibit."""


def _file_key(blob_key: bytes, salt: bytes) -> AESGCM:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"casetrail blob v1").derive(blob_key)
    return AESGCM(key)


def nonce_for(counter: int, final: bool) -> bytes:
    """11-byte big-endian counter, then 0x01 on the last chunk and 0x00 otherwise."""
    if counter > _MAX_COUNTER:
        raise ValueError("blob too large")
    return counter.to_bytes(11, "big") + (b"\x01" if final else b"\x00")


def _rechunk(chunks: Iterable[bytes]) -> Iterator[bytes]:
    pending = bytearray()
    for piece in chunks:
        pending += piece
        while len(pending) >= CHUNK:
            yield bytes(pending[:CHUNK])
            del pending[:CHUNK]
    yield bytes(pending)


def encrypt_stream(
    chunks: Iterable[bytes], out: IO[bytes], blob_key: bytes, associated: bytes, salt: bytes | None = None
) -> None:
    """Write ``chunks`` (any sizes) to ``out`` in the blob format. An empty input still gets a final chunk."""
    salt = salt if salt is not None else os.urandom(SALT_BYTES)
    aead = _file_key(blob_key, salt)
    out.write(MAGIC + salt)
    counter = 0
    previous: bytes | None = None
    for chunk in _rechunk(chunks):
        if previous is not None:
            out.write(aead.encrypt(nonce_for(counter, False), previous, associated))
            counter += 1
        previous = chunk
    out.write(aead.encrypt(nonce_for(counter, True), previous or b"", associated))


def decrypt_stream(source: IO[bytes], blob_key: bytes, associated: bytes) -> Iterator[bytes]:
    """Yield plaintext chunks; raise BlobTampered on any change, reordering or truncation."""
    header = source.read(len(MAGIC) + SALT_BYTES)
    if len(header) != len(MAGIC) + SALT_BYTES or not header.startswith(MAGIC):
        raise BlobTampered("not a casetrail blob")
    aead = _file_key(blob_key, header[len(MAGIC) :])
    counter = 0
    record = source.read(CHUNK + TAG)
    while True:
        following = source.read(CHUNK + TAG)
        final = not following
        if len(record) < TAG:
            raise BlobTampered("truncated")
        try:
            plain = aead.decrypt(nonce_for(counter, final), record, associated)
        except InvalidTag:
            raise BlobTampered(f"chunk {counter} does not authenticate") from None
        yield plain
        if final:
            return
        record = following
        counter += 1
