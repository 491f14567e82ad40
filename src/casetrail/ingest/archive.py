"""Zip archives read member by member, never extracted: names are metadata, bytes go to the blob store.

Every member is checked when the archive is opened (unsafe names, links, duplicates, overlapping
entries, member count) and every read counts the bytes actually produced against the limits, so a
lying header or a decompression bomb is stopped after reading no more than the limit allows.
"""

from __future__ import annotations

import io
import itertools
import re
import stat
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from casetrail.errors import ArchiveTooLarge, InputError, UnsafeArchiveMember
from casetrail.ingest.limits import ImportLimits

_DRIVE = re.compile(r"^[A-Za-z]:")
_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
_LOCAL_MAGIC = b"PK\x03\x04"
_CHUNK = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Member:
    name: str
    compressed_size: int
    declared_size: int


def unsafe_name_reason(name: str) -> str | None:
    """Why a member name could escape a folder if someone extracted it, or None if it is safe."""
    if not name:
        return "empty name"
    if "\x00" in name:
        return "NUL byte in name"
    if name.startswith(("/", "\\")) or _DRIVE.match(name):
        return "absolute path"
    if any(part == ".." for part in re.split(r"[\\/]", name)):
        return "parent-folder ('..') path"
    return None


def is_metadata_member(name: str) -> bool:
    """macOS resource-fork copies: kept inside the archive exhibit, not exhibits of their own."""
    return name.startswith("__MACOSX/") or "/._" in name or name.startswith("._")


class SafeZip:
    """A validated, read-only view of a zip archive."""

    def __init__(self, path: Path, display: str, limits: ImportLimits) -> None:
        self.path = path
        self.display = display
        self.limits = limits
        self.produced = 0
        try:
            self._zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise InputError(display, None, f"not a readable zip archive ({exc})") from None
        try:
            self._members = self._check()
        except BaseException:
            self._zip.close()
            raise

    def __enter__(self) -> SafeZip:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._zip.close()

    def _check(self) -> dict[str, Member]:
        infos = self._zip.infolist()
        if len(infos) > self.limits.max_members:
            raise ArchiveTooLarge(
                self.display, None, f"{len(infos)} entries, more than the limit of {self.limits.max_members}"
            )
        members: dict[str, Member] = {}
        for info in infos:
            name = info.filename
            reason = unsafe_name_reason(name)
            if reason is None and info.orig_filename != name and "\x00" in info.orig_filename:
                reason = "NUL byte in name"
            if reason:
                raise UnsafeArchiveMember(self.display, f"entry {name!r}", f"unsafe entry name: {reason}")
            file_type = stat.S_IFMT(info.external_attr >> 16)
            if file_type not in (0, stat.S_IFREG, stat.S_IFDIR):
                raise UnsafeArchiveMember(
                    self.display, f"entry {name!r}", "entry is a link or device, not a regular file"
                )
            if name in members:
                raise UnsafeArchiveMember(self.display, f"entry {name!r}", "the same name appears twice")
            if info.is_dir():
                continue
            members[name] = Member(name, info.compress_size, info.file_size)
        self._check_overlap(infos)
        return members

    def _check_overlap(self, infos: list[zipfile.ZipInfo]) -> None:
        """Refuse archives whose entries share bytes (the 'quoted overlap' bomb)."""
        spans: list[tuple[int, int, str]] = []
        with open(self.path, "rb") as raw:
            for info in infos:
                raw.seek(info.header_offset)
                header = raw.read(_LOCAL_HEADER.size)
                if len(header) < _LOCAL_HEADER.size or header[:4] != _LOCAL_MAGIC:
                    raise InputError(
                        self.display, f"entry {info.filename!r}", "entry header is missing or damaged"
                    )
                fields = _LOCAL_HEADER.unpack(header)
                data_start = info.header_offset + _LOCAL_HEADER.size + fields[9] + fields[10]
                spans.append((info.header_offset, data_start + info.compress_size, info.filename))
        spans.sort()
        for (_, end, name), (start, _, _) in itertools.pairwise(spans):
            if end > start:
                raise ArchiveTooLarge(
                    self.display, f"entry {name!r}", "entries overlap (a known zip bomb shape)"
                )

    def members(self) -> list[Member]:
        return list(self._members.values())

    def names(self) -> list[str]:
        return list(self._members)

    def modified(self, name: str) -> datetime | None:
        """The member's modification time as the zip records it (local, naive; None if impossible)."""
        try:
            return datetime(*self._zip.getinfo(name).date_time)
        except (KeyError, ValueError):
            return None

    def read_chunks(self, name: str) -> Iterator[bytes]:
        """Yield a member's bytes, stopping as soon as any limit is passed."""
        member = self._members.get(name)
        if member is None:
            raise InputError(self.display, f"entry {name!r}", "no such entry in the archive")
        where = f"entry {name!r}"
        produced = 0
        try:
            with self._zip.open(name) as handle:
                while True:
                    chunk = handle.read(_CHUNK)
                    if not chunk:
                        break
                    produced += len(chunk)
                    self.produced += len(chunk)
                    self._enforce(member, produced, where)
                    yield chunk
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError) as exc:
            raise InputError(self.display, where, f"entry cannot be read ({exc})") from None
        except RuntimeError as exc:  # encrypted members
            raise InputError(self.display, where, f"entry cannot be read ({exc})") from None

    def _enforce(self, member: Member, produced: int, where: str) -> None:
        limits = self.limits
        if produced > limits.max_member_bytes:
            raise ArchiveTooLarge(
                self.display, where, f"entry expands beyond {limits.max_member_bytes} bytes"
            )
        if self.produced > limits.max_total_bytes:
            raise ArchiveTooLarge(
                self.display, where, f"archive expands beyond {limits.max_total_bytes} bytes"
            )
        if produced > limits.ratio_floor_bytes and produced > limits.max_ratio * max(
            member.compressed_size, 1
        ):
            raise ArchiveTooLarge(
                self.display, where, f"entry expands more than {limits.max_ratio} times its compressed size"
            )

    def open_member(self, name: str) -> IO[bytes]:
        """A file-like object over a member, with the same limits as :meth:`read_chunks`."""
        return io.BufferedReader(ChunkReader(self.read_chunks(name)), buffer_size=_CHUNK)


class ChunkReader(io.RawIOBase):
    """Raw binary stream over an iterator of chunks, so io.BufferedReader/TextIOWrapper can wrap it."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        super().__init__()
        self._chunks = chunks
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if not self._buffer:
            self._buffer = next(self._chunks, b"")
        size = min(len(buffer), len(self._buffer))
        buffer[:size] = self._buffer[:size]
        self._buffer = self._buffer[size:]
        return size
