"""Paths inside a case folder, and atomic, durable file writes that stay inside it."""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

HEADER_NAME = "case.json"
DATABASE_NAME = "case.db"
BLOBS_NAME = "blobs"
TMP_NAME = "tmp"


@dataclass(frozen=True)
class CaseLayout:
    root: Path

    @property
    def header(self) -> Path:
        return self.root / HEADER_NAME

    @property
    def database(self) -> Path:
        return self.root / DATABASE_NAME

    @property
    def blobs(self) -> Path:
        return self.root / BLOBS_NAME

    @property
    def tmp(self) -> Path:
        return self.root / TMP_NAME

    def blob_path(self, name: str) -> Path:
        if len(name) != 64 or not all(c in "0123456789abcdef" for c in name):
            raise ValueError("blob names are 64 hex characters")
        return self.blobs / name[:2] / name

    def exists(self) -> bool:
        return self.header.exists()


def fsync_dir(path: Path) -> None:
    """Make a rename or new file in ``path`` durable (POSIX)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def header_lock(layout: CaseLayout) -> Iterator[None]:
    """Exclusive advisory lock on the case folder itself, for read-modify-write of case.json.

    Locking the folder (not the header file) works although the header is replaced by rename, and
    leaves no lock file behind.
    """
    fd = os.open(layout.root, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


@contextmanager
def atomic_write(target: Path, tmp_dir: Path) -> Iterator[IO[bytes]]:
    """Write to a temp file in the case, fsync it, rename over ``target`` and fsync the folder.

    The temp file lives in the case's own tmp folder (same file system), so nothing is ever written
    outside the case; on any error the temp file is removed and ``target`` is untouched.
    """
    tmp_dir.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(dir=tmp_dir, prefix=".w-", delete=False)  # noqa: SIM115
    tmp_path = Path(handle.name)
    try:
        with handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp_path, target)
        fsync_dir(target.parent)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
