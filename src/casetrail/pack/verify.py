"""Checking a pack without the case or its passphrase: every file against the manifest's hashes.

Anyone holding a pack (an officer, a prosecutor, the defence) can run this. It reads the folder, its
zip, or the age-encrypted zip (with the private key or passphrase), re-hashes every exhibit and file
the manifest lists, and reports each difference: a changed byte, a missing or added exhibit, a
manifest that is not the one whose fingerprint was noted when the pack was made. Nothing is
extracted: a pack from someone else is read member by member, like any other untrusted archive. A
damaged zip or age file, a manifest that is not one, and a path leading outside the pack are each
reported in plain words (a problem, or one CasetrailError), never followed and never a traceback.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import IO, Any, Protocol, cast

import orjson

from casetrail.errors import CasetrailError
from casetrail.pack import age_files
from casetrail.pack.bundle import AUDIT_LOG, FORMAT, MANIFEST, REPORT_HTML
from casetrail.pack.merkle import merkle_root

AGE_MAGIC = b"age-encryption.org/v1"
_ENTRY_HASH = re.compile(r"[0-9a-f]{64}")
CHUNK = 1024 * 1024
# What reading a damaged zip member can raise: a bad header or CRC, broken deflate data, a member cut
# short, an encrypted member or an unknown compression method.
_ZIP_DAMAGE = (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, NotImplementedError)


class DamagedFile(CasetrailError):
    """A file inside a pack zip that cannot be read back: the zip was cut short or changed there."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"{name}: cannot be read from the zip (the zip is damaged there)")


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
        try:
            member = self.archive.open(self.prefix + name)
        except _ZIP_DAMAGE:
            raise DamagedFile(name) from None
        return cast(IO[bytes], _Guarded(member, name))


class _Guarded:
    """A zip member whose read errors become :class:`DamagedFile`, which names it (no traceback)."""

    def __init__(self, member: IO[bytes], name: str) -> None:
        self.member = member
        self.name = name

    def read(self, size: int = -1) -> bytes:
        try:
            return self.member.read(size)
        except _ZIP_DAMAGE:
            raise DamagedFile(self.name) from None

    def close(self) -> None:
        self.member.close()

    def __enter__(self) -> _Guarded:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()


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
    with reader.open(MANIFEST) as handle:  # a damaged manifest stops the check: DamagedFile says so
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
    shape = _shape_problems(manifest)
    if shape:  # nothing in it can be relied on to say what the pack should hold
        found.problems += shape
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


def _shape_problems(manifest: dict[str, Any]) -> list[str]:
    """What makes a manifest unusable as a list of what the pack holds (it came from someone else)."""
    exhibits, files, audit = manifest.get("exhibits"), manifest.get("files", {}), manifest.get("audit", {})
    if not isinstance(exhibits, list):
        return ['manifest.json: it has no list of exhibits ("exhibits" is missing or not a list)']
    problems = [
        f"manifest.json: exhibit entry {number} is not complete (it needs a file, a size and a SHA-256)"
        for number, entry in enumerate(exhibits, start=1)
        if not _complete_exhibit(entry)
    ]
    if not isinstance(files, dict) or not all(isinstance(facts, dict) for facts in files.values()):
        problems.append('manifest.json: its list of files ("files") is not readable')
    if not isinstance(audit, dict):
        problems.append('manifest.json: its audit record ("audit") is not readable')
    return problems


def _complete_exhibit(entry: object) -> bool:
    if not isinstance(entry, dict):
        return False
    if not entry.get("included"):
        return True  # withheld: only its ref and hash are listed
    size = entry.get("size")
    return (
        isinstance(entry.get("file"), str)
        and isinstance(entry.get("sha256"), str)
        and isinstance(size, int)
        and not isinstance(size, bool)
        and size >= 0
    )


_DRIVE = re.compile(r"^[A-Za-z]:")


def _outside(name: str) -> bool:
    """A path a manifest names that does not lead to a place inside the pack (never read)."""
    return (
        not name
        or name.startswith("/")
        or "\\" in name
        or "\0" in name
        or bool(_DRIVE.match(name))
        or ".." in PurePosixPath(name).parts
    )


def _hashed(
    reader: _Reader, name: str, limit: int, present: set[str], what: str, found: PackCheck
) -> tuple[str, int] | None:
    """SHA-256 and size of a file the manifest lists, or None with the problem noted: a path leading
    outside the pack (never read), a missing file, or one the zip cannot give back."""
    if _outside(name):
        found.problems.append(f"{name}: points outside the pack{what}; it was not read")
        return None
    if name not in present:
        found.problems.append(f"{name}: missing{what}")
        return None
    try:
        return _digest(reader, name, limit)
    except DamagedFile:
        found.problems.append(f"{name}: damaged in the zip, it cannot be read{what}")
        return None


def _check_exhibits(
    reader: _Reader, manifest: dict[str, Any], present: set[str], found: PackCheck
) -> set[str]:
    listed: set[str] = set()
    for entry in manifest["exhibits"]:
        if not entry.get("included"):
            continue
        name = entry["file"]
        listed.add(name)
        what = f" (exhibit {entry.get('ref')})"
        hashed = _hashed(reader, name, entry["size"], present, what, found)
        if hashed is None:
            continue
        found.exhibits_checked += 1
        if hashed != (entry["sha256"], entry["size"]):
            found.problems.append(f"{name}: changed (exhibit {entry.get('ref')} does not match its SHA-256)")
    return listed


def _check_files(reader: _Reader, manifest: dict[str, Any], present: set[str], found: PackCheck) -> set[str]:
    listed: set[str] = set()
    for name, facts in sorted(manifest.get("files", {}).items()):
        listed.add(name)
        hashed = _hashed(reader, name, 1 << 40, present, "", found)
        if hashed is None:
            continue
        found.files_checked += 1
        if hashed[0] != facts.get("sha256"):
            found.problems.append(f"{name}: changed (does not match its SHA-256)")
    return listed


_SCHEDULE_ROW = re.compile(rb'<tr data-ref="([^"]{1,40})" data-sha256="([0-9a-f]{64})"')


def _check_report(reader: _Reader, manifest: dict[str, Any], found: PackCheck) -> None:
    """The report's exhibit schedule must name the same hash as the manifest for every exhibit."""
    try:
        with reader.open(REPORT_HTML) as handle:
            html = handle.read(512 * 1024 * 1024)
    except DamagedFile:
        return  # already a problem: its hash could not be checked either
    named = {ref.decode(): digest.decode() for ref, digest in _SCHEDULE_ROW.findall(html)}
    for entry in manifest.get("exhibits", []):
        ref = str(entry.get("ref"))
        if ref not in named:
            found.problems.append(f"report.html: exhibit {ref} is not in its schedule")
        elif named[ref] != entry.get("sha256"):
            found.problems.append(f"report.html: names a different SHA-256 for exhibit {ref}")


def _audit_hashes(reader: _Reader, manifest: dict[str, Any], found: PackCheck) -> list[str]:
    """The audit entries' hashes in the pack, checked against the manifest's Merkle root."""
    try:
        with reader.open(AUDIT_LOG) as handle:
            raw = handle.read(256 * 1024 * 1024)
    except DamagedFile:
        return []  # already a problem: its hash could not be checked either
    hashes = _entry_hashes(raw)
    if hashes is None:
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
        _readable_key_file(identity)
        with tempfile.TemporaryDirectory(prefix="casetrail-verify-") as scratch:
            opened = Path(scratch) / "pack.zip"
            _decrypt(path, opened, identity, passphrase)
            if not zipfile.is_zipfile(opened):
                raise CasetrailError(f"{path.name} was decrypted, but what it holds is not a pack zip.")
            with _opened(opened, None, None) as reader:
                yield reader
        return
    try:
        archive = zipfile.ZipFile(path) if zipfile.is_zipfile(path) else None
    except _ZIP_DAMAGE:
        archive = None
    if archive is None:
        raise CasetrailError(_not_a_pack(path.name, magic))
    with archive:
        yield _Zip(archive)


def _decrypt(path: Path, target: Path, identity: Path | None, passphrase: str | None) -> None:
    try:
        age_files.decrypt(path, target, identity=identity, passphrase=passphrase)
    except OSError as error:
        if error.errno is not None:
            raise  # the disk, not the pack
        # pyrage reports a stream that ends early or whose chunks were changed as a bare OSError
        raise CasetrailError(f"{path.name} could not be decrypted: it is cut short or damaged.") from None


def _not_a_pack(name: str, magic: bytes) -> str:
    if magic.startswith(b"PK"):
        return f"{name} is a damaged zip (cut short or changed): it cannot be read as a pack."
    return f"{name} is not a pack folder, a pack zip or an age-encrypted pack."


def _readable_key_file(identity: Path | None) -> None:
    """A missing or unreadable key file is said plainly, before anything is decrypted."""
    if identity is None:
        return
    if not identity.is_file():
        raise CasetrailError(f"{identity} does not exist: give the file holding the age private key.")
    try:
        identity.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise CasetrailError(f"{identity.name} is not an age private key file (it is not text).") from None
    except OSError as error:
        raise CasetrailError(f"{identity.name} could not be read ({error.strerror}).") from None


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


@dataclass(frozen=True)
class PackAudit:
    """What a pack recorded of its case's audit log, for ``casetrail verify --pack`` (G-10).

    ``problems`` says why its record cannot be trusted (audit-log.json edited, or not giving the
    manifest's Merkle root); when it is not empty, ``entries`` must not be compared with anything.
    """

    case_id: str | None
    entries: list[str]
    root: str
    manifest_sha256: str
    problems: list[str]

    @property
    def size(self) -> int:
        return len(self.entries)


def read_pack_audit(path: Path, identity: Path | None = None, passphrase: str | None = None) -> PackAudit:
    """The audit entry hashes and Merkle root an earlier pack (folder, zip or age file) recorded,
    checked against its own manifest. Exhibits are not re-hashed: ``verify-pack`` does that."""
    with _opened(path, identity, passphrase) as reader:
        present = reader.names()
        if MANIFEST not in present:
            raise CasetrailError(f"{path.name} is not a casetrail pack: it has no manifest.json.")
        with reader.open(MANIFEST) as handle:
            raw = handle.read(64 * 1024 * 1024)
        manifest = _manifest_of(raw, path)
        if AUDIT_LOG not in present:
            raise CasetrailError(
                f"{path.name} carries no audit log (it was made by an older casetrail), "
                "so the case cannot be compared with it."
            )
        problems: list[str] = []
        files = manifest.get("files")
        listed = files.get(AUDIT_LOG) if isinstance(files, dict) else None
        if not isinstance(listed, dict) or _digest(reader, AUDIT_LOG, 1 << 40)[0] != listed.get("sha256"):
            problems.append(f"{AUDIT_LOG}: changed (does not match the manifest's SHA-256)")
        with reader.open(AUDIT_LOG) as handle:
            entries = _entry_hashes(handle.read(256 * 1024 * 1024))
    audit = manifest.get("audit")
    root = str(audit.get("merkle_root")) if isinstance(audit, dict) else ""
    if entries is None:
        problems.append(f"{AUDIT_LOG}: not valid")
        entries = []
    elif merkle_root(entries) != root:
        problems.append(f"{AUDIT_LOG}: its entries do not give the manifest's Merkle root")
    case = manifest.get("case")
    case_id = str(case["id"]) if isinstance(case, dict) and case.get("id") is not None else None
    return PackAudit(case_id, entries, root, hashlib.sha256(raw).hexdigest(), problems)


def _manifest_of(raw: bytes, path: Path) -> dict[str, Any]:
    try:
        manifest = orjson.loads(raw)
    except orjson.JSONDecodeError:
        manifest = None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise CasetrailError(f"{path.name}: its manifest.json is not a casetrail pack manifest.")
    return manifest


def _entry_hashes(raw: bytes) -> list[str] | None:
    """The entry hashes of audit-log.json, or None unless every one is a SHA-256 in hex."""
    try:
        entries = orjson.loads(raw).get("entries")
    except (orjson.JSONDecodeError, AttributeError):
        return None
    if not isinstance(entries, list) or not all(
        isinstance(h, str) and _ENTRY_HASH.fullmatch(h) for h in entries
    ):
        return None
    return [str(h) for h in entries]
