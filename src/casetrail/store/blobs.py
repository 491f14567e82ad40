"""Exhibit content, encrypted and content-addressed under a keyed name, written before its row."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from casetrail.crypto.keys import CaseKeys, keyed_hash
from casetrail.crypto.stream import decrypt_stream, encrypt_stream
from casetrail.store.layout import CaseLayout, atomic_write
from casetrail.testing.crash import crash_point


@dataclass(frozen=True)
class BlobRef:
    sha256: str
    size: int
    name: str


class BlobStore:
    def __init__(self, layout: CaseLayout, keys: CaseKeys) -> None:
        self.layout = layout
        self.keys = keys

    def name_for(self, sha256: str) -> str:
        """Keyed name: holding a file does not let anyone confirm it is in the case."""
        return keyed_hash(self.keys.blob_names, bytes.fromhex(sha256))

    def _associated(self, sha256: str) -> bytes:
        return self.keys.case_id.encode() + b"|" + bytes.fromhex(sha256)

    def path_for(self, sha256: str) -> Path:
        return self.layout.blob_path(self.name_for(sha256))

    def put(self, sha256: str, size: int, chunks: Iterable[bytes]) -> BlobRef:
        """Store content whose hash is already known; a blob that exists is left as it is."""
        name = self.name_for(sha256)
        target = self.layout.blob_path(name)
        if not target.exists():
            check = hashlib.sha256()
            written = 0

            def counted() -> Iterator[bytes]:
                nonlocal written
                for chunk in chunks:
                    check.update(chunk)
                    written += len(chunk)
                    yield chunk

            with atomic_write(target, self.layout.tmp) as out:
                encrypt_stream(counted(), out, self.keys.blobs, self._associated(sha256))
                crash_point("blob-written")
                if check.hexdigest() != sha256 or written != size:
                    raise ValueError("the file changed while it was being imported")
        return BlobRef(sha256, size, name)

    def read(self, sha256: str) -> Iterator[bytes]:
        with open(self.path_for(sha256), "rb") as handle:
            yield from decrypt_stream(handle, self.keys.blobs, self._associated(sha256))

    def all_names(self) -> set[str]:
        if not self.layout.blobs.exists():
            return set()
        return {p.name for p in self.layout.blobs.glob("*/*") if p.is_file()}


def hash_chunks(chunks: Iterable[bytes]) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    for chunk in chunks:
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def file_chunks(path: Path, size: int = 1024 * 1024) -> Iterator[bytes]:
    with open(path, "rb") as handle:
        while chunk := handle.read(size):
            yield chunk
