"""Backups (G-44): a consistent copy of a case in one zip file, still encrypted, and restoring it.

The database is copied with SQLite's online backup API from a reader connection into a new SQLCipher
file keyed with the same raw key, so the copy is one consistent snapshot (taken inside one read
transaction) and is encrypted page by page from the start; the live database file is never copied.
The blobs referenced by the exhibits *in that copy* are added as they are (already encrypted and
immutable), with ``case.json`` carrying the snapshot's audit checkpoint. A plaintext manifest lists
every member with its size and SHA-256, the case id and the checkpoint. No evidence is in the clear.

Backups are written to a temp file beside the output, fsynced and renamed; restores are unpacked into
a temp folder beside the target, checked against the manifest, opened and verified, then renamed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, NamedTuple

import sqlcipher3
from sqlalchemy import func, select

from casetrail.errors import CaseExists, CasetrailError, InputError
from casetrail.ingest.archive import SafeZip
from casetrail.ingest.limits import ImportLimits
from casetrail.store.audit_log import utc_now
from casetrail.store.case import Case
from casetrail.store.db import make_engine
from casetrail.store.exhibits import exhibit_meta
from casetrail.store.header import read_header
from casetrail.store.layout import DATABASE_NAME, HEADER_NAME, fsync_dir
from casetrail.store.migrate import current_revision, head_revision
from casetrail.store.tables import exhibits
from casetrail.store.verify import verify_case
from casetrail.testing.crash import crash_point

FORMAT = "casetrail-backup"
VERSION = 1
MANIFEST_NAME = "manifest.json"
MAX_MANIFEST_BYTES = 64 * 1024 * 1024
_CHUNK = 1024 * 1024
_MEMBER = re.compile(r"^(case\.json|case\.db|blobs/([0-9a-f]{2})/(\2[0-9a-f]{62}))$")
_PART = ".part-"
_RESTORING = ".restoring-"


class BackupError(CasetrailError):
    """A backup cannot be written, or a backup file is damaged or not a casetrail backup."""

    exit_code = 8


@dataclass(frozen=True)
class Snapshot:
    revision: str | None
    audit_size: int
    audit_head: str
    blob_names: list[str]
    exhibit_count: int


@dataclass(frozen=True)
class BackupResult:
    path: Path
    case_id: str
    schema_revision: str | None
    audit_size: int
    audit_head: str
    exhibits: int
    members: int
    size: int

    def to_json(self) -> dict[str, Any]:
        return {
            "backup": str(self.path),
            "case_id": self.case_id,
            "schema_revision": self.schema_revision,
            "checkpoint": {"size": self.audit_size, "head": self.audit_head},
            "exhibits": self.exhibits,
            "members": self.members,
            "bytes": self.size,
        }


@dataclass(frozen=True)
class RestoreResult:
    path: Path
    case_id: str
    schema_revision: str | None
    audit_size: int
    audit_head: str
    exhibits: int

    @property
    def needs_migration(self) -> bool:
        return self.schema_revision != head_revision()

    def to_json(self) -> dict[str, Any]:
        return {
            "case": str(self.path),
            "case_id": self.case_id,
            "schema_revision": self.schema_revision,
            "needs_migration": self.needs_migration,
            "checkpoint": {"size": self.audit_size, "head": self.audit_head},
            "exhibits": self.exhibits,
            "verified": True,
        }


# -- backup ----------------------------------------------------------------------------------------


def create_backup(case: Case, out: Path) -> BackupResult:
    """Write a backup of ``case`` to ``out`` (which must not exist yet) and return what it holds."""
    out = Path(os.path.abspath(out))
    _check_output(case, out)
    _remove_stale(out.parent, f".{out.name}{_PART}")
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}{_PART}{os.getpid()}-", dir=out.parent))
    try:
        db_copy = work / DATABASE_NAME
        _copy_database(case, db_copy)
        crash_point("backup-db-copied")
        snap = _read_snapshot(case, db_copy)
        with case.reader.connect() as conn:  # the log only grows: its first entries are the copy's
            checkpoint = case.audit.checkpoint_at(conn, snap.audit_size)
        header = replace(read_header(case.layout), checkpoint=checkpoint)
        header_bytes = json.dumps(header.to_json(), indent=2).encode()
        partial = work / "backup.zip"
        members = _write_archive(case, partial, header_bytes, db_copy, snap)
        crash_point("backup-before-rename")
        os.replace(partial, out)
        fsync_dir(out.parent)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return BackupResult(
        out,
        case.keys.case_id,
        snap.revision,
        snap.audit_size,
        snap.audit_head,
        snap.exhibit_count,
        members,
        out.stat().st_size,
    )


def _check_output(case: Case, out: Path) -> None:
    root = case.layout.root.resolve()
    resolved = out.resolve()
    if resolved == root or root in resolved.parents:
        raise BackupError(
            f"{out} is inside the case folder. Choose a place outside it (another disk, for example). "
            "Nothing was written."
        )
    if out.exists() or out.is_symlink():
        raise BackupError(f"{out} already exists. Choose a new file name; nothing was written.")
    if not out.parent.is_dir():
        raise BackupError(f"The folder {out.parent} does not exist. Nothing was written.")


def _remove_stale(folder: Path, prefix: str) -> None:
    """Remove temp folders left by a backup or restore that was killed (its process is gone)."""
    for path in folder.iterdir():
        if not path.name.startswith(prefix) or not path.is_dir():
            continue
        pid_text = path.name[len(prefix) :].split("-", 1)[0]
        if pid_text.isdigit() and not _alive(int(pid_text)):
            shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _sqlcipher_key(case: Case) -> str:
    return f"PRAGMA key = \"x'{case.keys.database.hex()}'\""


def _copy_database(case: Case, target: Path) -> None:
    """One consistent snapshot through SQLite's backup API, encrypted with the same raw key."""
    source = case.reader.raw_connection()
    try:
        dest = sqlcipher3.connect(str(target), isolation_level=None)
        try:
            dest.execute(_sqlcipher_key(case))
            source.driver_connection.backup(dest)  # type: ignore[union-attr]
        finally:
            dest.close()
    finally:
        source.close()


def _read_snapshot(case: Case, db_copy: Path) -> Snapshot:
    """What the copy holds: its schema revision, audit head and the blobs its exhibits refer to."""
    engine = make_engine(db_copy, case.keys.database, write=False)
    try:
        with engine.connect() as conn:
            revision = current_revision(conn)
            size, head = case.audit.head(conn)
            rows = conn.execute(select(exhibits).order_by(exhibits.c.number)).all()
            count = int(conn.execute(select(func.count()).select_from(exhibits)).scalar_one())
    finally:
        engine.dispose()
    names = sorted({case.blobs.name_for(str(exhibit_meta(case, row)["sha256"])) for row in rows})
    return Snapshot(revision, size, head, names, count)


class _Member(NamedTuple):
    name: str
    size: int
    sha256: str


def _zip_info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    info.external_attr = 0o100600 << 16  # a regular file, readable by its owner only
    return info


def _add_stream(archive: zipfile.ZipFile, name: str, chunks: Iterator[bytes]) -> _Member:
    digest = hashlib.sha256()
    size = 0
    with archive.open(_zip_info(name), "w", force_zip64=True) as member:
        for chunk in chunks:
            digest.update(chunk)
            size += len(chunk)
            member.write(chunk)
    return _Member(name, size, digest.hexdigest())


def _file_chunks(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            yield chunk


def _write_archive(case: Case, partial: Path, header: bytes, db_copy: Path, snap: Snapshot) -> int:
    if db_copy.with_name(db_copy.name + "-wal").exists():
        raise BackupError("The database copy was not complete. Nothing was written; please try again.")
    with open(partial, "wb") as raw:
        with zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
            members = [
                _add_stream(archive, HEADER_NAME, iter([header])),
                _add_stream(archive, DATABASE_NAME, _file_chunks(db_copy)),
            ]
            for name in snap.blob_names:
                path = case.layout.blob_path(name)
                if not path.is_file():
                    raise BackupError(
                        "A stored file of an exhibit is missing (it may have been expunged while the "
                        "backup ran). Nothing was written; please try again, and run 'casetrail verify' "
                        "on the case if this happens again."
                    )
                members.append(_add_stream(archive, f"blobs/{name[:2]}/{name}", _file_chunks(path)))
            manifest = {
                "format": FORMAT,
                "version": VERSION,
                "created_at": utc_now(),
                "case_id": case.keys.case_id,
                "schema_revision": snap.revision,
                "checkpoint": {"size": snap.audit_size, "head": snap.audit_head},
                "exhibits": snap.exhibit_count,
                "members": [m._asdict() for m in members],
            }
            archive.writestr(_zip_info(MANIFEST_NAME), json.dumps(manifest, indent=2).encode())
        raw.flush()
        os.fsync(raw.fileno())
    return len(members) + 1


# -- restore ---------------------------------------------------------------------------------------


def restore_backup(backup: Path, target: Path, passphrase: str) -> RestoreResult:
    """Unpack ``backup`` into the new case folder ``target``, check it fully, and only then rename."""
    target = Path(os.path.abspath(target))
    _check_target(target)
    if not backup.is_file():
        raise BackupError(f"{backup} is not a file. Nothing was restored.")
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(target.parent, f".{target.name}{_RESTORING}")
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}{_RESTORING}{os.getpid()}-", dir=target.parent))
    try:
        try:
            with SafeZip(backup, str(backup), ImportLimits.from_env()) as archive:
                manifest = _read_manifest(archive, backup)
                for entry in manifest["members"]:
                    _extract(archive, entry, work, backup)
        except InputError as error:
            raise BackupError(f"{error}. Nothing was restored.") from None
        result = _check_restored(work, target, passphrase, manifest, backup)
        os.replace(work, target)
        fsync_dir(target.parent)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return result


def _check_target(target: Path) -> None:
    if (target / HEADER_NAME).exists() or (target / DATABASE_NAME).exists():
        raise CaseExists(
            f"{target} already holds a casetrail case. Restore into a new, empty folder; nothing was changed."
        )
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(f"{target} is not an empty folder. Restore into a new, empty folder.")


def _read_manifest(archive: SafeZip, backup: Path) -> dict[str, Any]:
    if MANIFEST_NAME not in archive.names():
        raise BackupError(f"{backup} is not a casetrail backup (it has no manifest). Nothing was restored.")
    data = b""
    for chunk in archive.read_chunks(MANIFEST_NAME):
        data += chunk
        if len(data) > MAX_MANIFEST_BYTES:
            raise BackupError(f"{backup}: the manifest is far too large. Nothing was restored.")
    try:
        manifest = json.loads(data)
        if manifest["format"] != FORMAT or manifest["version"] != VERSION:
            raise ValueError("unknown format")
        entries = manifest["members"]
        names = [str(e["name"]) for e in entries]
        for entry in entries:
            int(entry["size"])
            str(entry["sha256"])
    except (ValueError, KeyError, TypeError):
        raise BackupError(
            f"{backup}: the manifest cannot be read (damaged, or from an unknown version). "
            "Nothing was restored."
        ) from None
    for name in names:
        if not _MEMBER.match(name):
            raise BackupError(f"{backup}: unexpected member {name!r} in the manifest. Nothing was restored.")
    listed = set(names)
    present = set(archive.names()) - {MANIFEST_NAME}
    if len(listed) != len(names) or listed != present or not {HEADER_NAME, DATABASE_NAME} <= listed:
        raise BackupError(
            f"{backup}: the members do not match the manifest (missing, extra or repeated: "
            f"{', '.join(sorted(listed ^ present)) or 'repeated names'}). Nothing was restored."
        )
    return dict(manifest)


def _extract(archive: SafeZip, entry: dict[str, Any], work: Path, backup: Path) -> None:
    name = str(entry["name"])
    path = work.joinpath(*name.split("/"))
    path.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    with open(path, "xb") as handle:
        for chunk in archive.read_chunks(name):
            digest.update(chunk)
            size += len(chunk)
            handle.write(chunk)
        handle.flush()
        os.fsync(handle.fileno())
    if size != int(entry["size"]) or digest.hexdigest() != str(entry["sha256"]):
        raise BackupError(
            f"{backup}: member {name} does not match the manifest (its size or SHA-256 differs); the "
            "backup is damaged. Nothing was restored."
        )
    fsync_dir(path.parent)


def _check_restored(
    work: Path, target: Path, passphrase: str, manifest: dict[str, Any], backup: Path
) -> RestoreResult:
    with Case.open(work, passphrase, allow_old_schema=True) as case:
        if case.keys.case_id != manifest.get("case_id"):
            raise BackupError(f"{backup}: the manifest names another case. Nothing was restored.")
        report = verify_case(case)
        if not report.ok:
            failed = "; ".join(
                f"{c.name}{' ' + c.subject if c.subject else ''}: {c.detail}"
                for c in report.checks
                if not c.ok
            )
            raise BackupError(
                f"{backup}: the restored case does not verify ({failed}). Nothing was restored."
            )
        with case.reader.connect() as conn:
            revision = current_revision(conn)
            size, head = case.audit.head(conn)
            count = int(conn.execute(select(func.count()).select_from(exhibits)).scalar_one())
    checkpoint = manifest.get("checkpoint") or {}
    if (size, head) != (checkpoint.get("size"), checkpoint.get("head")) or count != manifest.get("exhibits"):
        raise BackupError(
            f"{backup}: the restored case does not match the manifest's checkpoint. Nothing was restored."
        )
    return RestoreResult(target, case.keys.case_id, revision, size, head, count)
