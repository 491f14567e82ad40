"""Checking a pack without the case or its passphrase: every file against the manifest's hashes.

Anyone holding a pack (an officer, a prosecutor, the defence) can run this. It reads the folder, its
zip, or the age-encrypted zip (with the private key or passphrase), re-hashes every exhibit and file
the manifest lists, and reports each difference: a changed byte, a missing or added exhibit, a
manifest that is not the one whose fingerprint was noted when the pack was made. Nothing is
extracted: a pack from someone else is read member by member, like any other untrusted archive.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any, Protocol

import orjson

from casetrail.errors import CasetrailError
from casetrail.pack import age_files
from casetrail.pack.bundle import AUDIT_LOG, FORMAT, MANIFEST, REPORT_HTML
from casetrail.pack.merkle import merkle_root

AGE_MAGIC = b"age-encryption.org/v1"
CHUNK = 1024 * 1024


@dataclass
class PackCheck:
    """What verify-pack found: the problems (empty when all is well) and what was checked."""

    problems: list[str] = field(default_factory=list)
    exhibits_checked: int = 0
    files_checked: int = 0
    manifest_sha256: str = ""
    audit: list[str] = field(default_factory=list)  # the audit entries' hashes the pack carries
    merkle_root: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "problems": self.problems,
            "exhibits_checked": self.exhibits_checked,
            "files_checked": self.files_checked,
            "manifest_sha256": self.manifest_sha256,
            "audit_entries": len(self.audit),
            "merkle_root": self.merkle_root,
        }


class _Reader(Protocol):
    """The files of a bundle, by their path inside it, from a folder or a zip."""

    def names(self) -> set[str]: ...

    def open(self, name: str) -> IO[bytes]: ...


class _Folder:
    def __init__(self, root: Path) -> None:
        self.root = root

    def names(self) -> set[str]:
        # A link inside a pack from someone else could point anywhere: it is not a file of the pack.
        return {
            p.relative_to(self.root).as_posix()
            for p in self.root.rglob("*")
            if p.is_file() and not p.is_symlink()
        }

    def open(self, name: str) -> IO[bytes]:
        return (self.root / name).open("rb")


class _Zip:
    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive
        tops = {PurePosixPath(info.filename).parts[0] for info in archive.infolist() if info.filename}
        self.prefix = f"{tops.pop()}/" if len(tops) == 1 else ""

    def names(self) -> set[str]:
        return {
            info.filename[len(self.prefix) :]
            for info in self.archive.infolist()
            if not info.is_dir() and info.filename.startswith(self.prefix)
        }

    def open(self, name: str) -> IO[bytes]:
        return self.archive.open(self.prefix + name)


def _digest(reader: _Reader, name: str, limit: int) -> tuple[str, int]:
    """SHA-256 and size, reading at most one byte past ``limit`` (a bomb stops there)."""
    digest = hashlib.sha256()
    size = 0
    with reader.open(name) as handle:
        while size <= limit and (chunk := handle.read(min(CHUNK, limit + 1 - size))):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _check(reader: _Reader, expect: str | None) -> PackCheck:
    found = PackCheck()
    present = reader.names()
    if MANIFEST not in present:
        raise CasetrailError("This is not a casetrail pack: it has no manifest.json.")
    with reader.open(MANIFEST) as handle:
        raw = handle.read(64 * 1024 * 1024)
    found.manifest_sha256 = hashlib.sha256(raw).hexdigest()
    if expect and expect.lower() != found.manifest_sha256:
        found.problems.append(
            "manifest.json: its fingerprint is not the one given (it was edited or replaced)"
        )
    try:
        manifest = orjson.loads(raw)
    except orjson.JSONDecodeError:
        found.problems.append("manifest.json: not valid JSON")
        return found
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        found.problems.append("manifest.json: not a casetrail pack manifest")
        return found
    listed = (
        {MANIFEST}
        | _check_exhibits(reader, manifest, present, found)
        | _check_files(reader, manifest, present, found)
    )
    if REPORT_HTML in present:
        _check_report(reader, manifest, found)
    if AUDIT_LOG in present:
        found.audit = _audit_hashes(reader, manifest, found)
    for extra in sorted(present - listed):
        found.problems.append(f"{extra}: not in the manifest (added)")
    return found


def _check_exhibits(
    reader: _Reader, manifest: dict[str, Any], present: set[str], found: PackCheck
) -> set[str]:
    listed: set[str] = set()
    for entry in manifest.get("exhibits", []):
        if not entry.get("included"):
            continue
        name = str(entry.get("file", ""))
        listed.add(name)
        if name not in present:
            found.problems.append(f"{name}: missing (exhibit {entry.get('ref')})")
            continue
        sha256, size = _digest(reader, name, int(entry.get("size", 0)))
        found.exhibits_checked += 1
        if sha256 != entry.get("sha256") or size != entry.get("size"):
            found.problems.append(f"{name}: changed (exhibit {entry.get('ref')} does not match its SHA-256)")
    return listed


def _check_files(reader: _Reader, manifest: dict[str, Any], present: set[str], found: PackCheck) -> set[str]:
    listed: set[str] = set()
    for name, facts in sorted(manifest.get("files", {}).items()):
        listed.add(name)
        if name not in present:
            found.problems.append(f"{name}: missing")
            continue
        sha256, _size = _digest(reader, name, 1 << 40)
        found.files_checked += 1
        if sha256 != facts.get("sha256"):
            found.problems.append(f"{name}: changed (does not match its SHA-256)")
    return listed


_SCHEDULE_ROW = re.compile(rb'<tr data-ref="([^"]{1,40})" data-sha256="([0-9a-f]{64})"')


def _check_report(reader: _Reader, manifest: dict[str, Any], found: PackCheck) -> None:
    """The report's exhibit schedule must name the same hash as the manifest for every exhibit."""
    with reader.open(REPORT_HTML) as handle:
        html = handle.read(512 * 1024 * 1024)
    named = {ref.decode(): digest.decode() for ref, digest in _SCHEDULE_ROW.findall(html)}
    for entry in manifest.get("exhibits", []):
        ref = str(entry.get("ref"))
        if ref not in named:
            found.problems.append(f"report.html: exhibit {ref} is not in its schedule")
        elif named[ref] != entry.get("sha256"):
            found.problems.append(f"report.html: names a different SHA-256 for exhibit {ref}")


def _audit_hashes(reader: _Reader, manifest: dict[str, Any], found: PackCheck) -> list[str]:
    """The audit entries' hashes in the pack, checked against the manifest's Merkle root."""
    with reader.open(AUDIT_LOG) as handle:
        raw = handle.read(256 * 1024 * 1024)
    try:
        hashes = [str(h) for h in orjson.loads(raw).get("entries", [])]
    except (orjson.JSONDecodeError, AttributeError):
        found.problems.append(f"{AUDIT_LOG}: not valid")
        return []
    found.merkle_root = str(manifest.get("audit", {}).get("merkle_root"))
    if merkle_root(hashes) != found.merkle_root:
        found.problems.append(f"{AUDIT_LOG}: its entries do not give the manifest's Merkle root")
    return hashes


def check_against(later: PackCheck, earlier: PackCheck) -> list[str]:
    """Whether the later pack's audit log extends the earlier one's, entry for entry (G-11)."""
    size = len(earlier.audit)
    if earlier.merkle_root is None or not later.audit:
        return ["one of the packs carries no audit log hashes; they cannot be compared"]
    if len(later.audit) < size:
        shorter = len(later.audit)
        return [f"the later pack's audit log is shorter ({shorter} entries) than the earlier one's ({size})"]
    if merkle_root(later.audit[:size]) != earlier.merkle_root:
        return [
            f"the audit log's first {size} entries differ from the earlier pack's: history was rewritten "
            "between the two packs"
        ]
    return []


@contextmanager
def _opened(path: Path, identity: Path | None, passphrase: str | None) -> Iterator[_Reader]:
    if path.is_dir():
        yield _Folder(path)
        return
    if not path.is_file():
        raise CasetrailError(f"{path} does not exist.")
    with path.open("rb") as probe:
        magic = probe.read(len(AGE_MAGIC))
    if magic == AGE_MAGIC:
        with tempfile.TemporaryDirectory(prefix="casetrail-verify-") as scratch:
            opened = Path(scratch) / "pack.zip"
            age_files.decrypt(path, opened, identity=identity, passphrase=passphrase)
            with _opened(opened, None, None) as reader:
                yield reader
        return
    if not zipfile.is_zipfile(path):
        raise CasetrailError(f"{path.name} is not a pack folder, a pack zip or an age-encrypted pack.")
    with zipfile.ZipFile(path) as archive:
        yield _Zip(archive)


def verify_pack(
    path: Path,
    *,
    identity: Path | None = None,
    passphrase: str | None = None,
    expect: str | None = None,
    against: Path | None = None,
) -> PackCheck:
    """Check a pack folder, zip or encrypted zip; ``expect`` is the manifest fingerprint noted at
    packing; ``against`` an earlier pack whose audit log this one must extend."""
    with _opened(path, identity, passphrase) as reader:
        found = _check(reader, expect)
    if against is not None:
        with _opened(against, identity, passphrase) as reader:
            earlier = _check(reader, None)
        found.problems += [f"{against.name}: {problem}" for problem in earlier.problems]
        found.problems += check_against(found, earlier)
    return found
