"""`casetrail verify`: re-hash every exhibit, walk the audit chain, check the database itself."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, text

from casetrail.crypto.fields import FieldTampered
from casetrail.crypto.stream import BlobTampered
from casetrail.store.case import Case
from casetrail.store.exhibits import exhibit_meta
from casetrail.store.tables import exhibits


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    subject: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"check": self.name, "ok": self.ok, "detail": self.detail, "subject": self.subject}


@dataclass
class VerifyReport:
    checks: list[Check] = field(default_factory=list)
    orphans_removed: int = 0

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def add(self, name: str, ok: bool, detail: str, subject: str | None = None) -> None:
        self.checks.append(Check(name, ok, detail, subject))


def verify_case(case: Case, *, repair: bool = False) -> VerifyReport:
    report = VerifyReport()
    _check_database(case, report)
    expected = _check_exhibits(case, report)
    _check_audit(case, report)
    orphans = case.blobs.all_names() - expected
    if orphans and repair:
        for name in orphans:
            case.layout.blob_path(name).unlink(missing_ok=True)
        report.orphans_removed = len(orphans)
        report.add(
            "orphan blobs", True, f"removed {len(orphans)} stored file(s) left by an interrupted import"
        )
    else:
        detail = (
            f"{len(orphans)} stored file(s) belong to no exhibit (left by an interrupted import; "
            "'verify --repair' removes them)"
            if orphans
            else "none"
        )
        report.add("orphan blobs", True, detail)
    return report


def _check_database(case: Case, report: VerifyReport) -> None:
    with case.reader.connect() as conn:
        integrity = [r[0] for r in conn.execute(text("PRAGMA integrity_check"))]
        report.add("database integrity", integrity == ["ok"], "; ".join(integrity))
        cipher = [str(r[0]) for r in conn.exec_driver_sql("PRAGMA cipher_integrity_check")]
        report.add(
            "database encryption integrity", not cipher, "; ".join(cipher) or "every page authenticates"
        )


def _check_exhibits(case: Case, report: VerifyReport) -> set[str]:
    names: set[str] = set()
    count = bad = 0
    with case.reader.connect() as conn:
        rows = conn.execute(select(exhibits).order_by(exhibits.c.number)).all()
    for row in rows:
        count += 1
        try:
            meta = exhibit_meta(case, row)
        except FieldTampered:
            bad += 1
            report.add("exhibit", False, "its record was altered", row.ref)
            continue
        sha256 = str(meta["sha256"])
        names.add(case.blobs.name_for(sha256))
        problem = _rehash(case, sha256, int(row.size))
        if problem:
            bad += 1
            report.add("exhibit", False, problem, row.ref)
    report.add("exhibits", bad == 0, f"{count - bad} of {count} exhibits match their recorded SHA-256")
    return names


def _rehash(case: Case, sha256: str, size: int) -> str | None:
    path = case.blobs.path_for(sha256)
    if not path.exists():
        return "stored file is missing"
    digest = hashlib.sha256()
    length = 0
    try:
        for chunk in case.blobs.read(sha256):
            digest.update(chunk)
            length += len(chunk)
    except BlobTampered as error:
        return f"stored file was altered or replaced ({error})"
    if digest.hexdigest() != sha256 or length != size:
        return "content does not match the recorded SHA-256"
    return None


def _check_audit(case: Case, report: VerifyReport) -> None:
    with case.reader.connect() as conn:
        problems = case.audit.verify(conn, case.header.checkpoint)
        size, _ = case.audit.head(conn)
    for problem in problems:
        report.add("audit log", False, problem.problem, f"entry {problem.seq}")
    if not problems:
        report.add("audit log", True, f"{size} entries, chain intact, checkpoint matches")
