"""`casetrail verify`: re-hash every exhibit, walk the audit chain, check the database itself.

With an earlier pack (``verify --pack``), also check that the case's audit log still begins with the
entries that pack recorded: the only way to see a case folder rolled back to an older copy, or a
history rewritten by someone holding the key (G-10, docs/threat-model.md).
"""

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


EARLIER_PACK = "earlier pack"  # the name of the checks verify --pack adds


@dataclass(frozen=True)
class EarlierPack:
    """What an earlier pack recorded of this case's audit log (read by pack.verify.read_pack_audit).

    ``problems`` are the pack's own (its audit record does not match its manifest): when there are
    any, the case is not compared with it.
    """

    name: str
    case_id: str | None
    entries: list[str]
    root: str
    problems: list[str] = field(default_factory=list)


def verify_case(case: Case, *, repair: bool = False, earlier: EarlierPack | None = None) -> VerifyReport:
    report = VerifyReport()
    _check_database(case, report)
    expected = _check_exhibits(case, report)
    _check_audit(case, report)
    if earlier is not None:
        _check_earlier(case, earlier, report)
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


def _check_earlier(case: Case, pack: EarlierPack, report: VerifyReport) -> None:
    """The case's audit log must still begin with the pack's entries, in order, giving its root."""
    name = EARLIER_PACK
    if pack.problems:
        for problem in pack.problems:
            report.add(name, False, f"pack {pack.name} cannot be relied on: {problem}")
        return
    if pack.case_id is not None and pack.case_id != case.keys.case_id:
        report.add(name, False, f"pack {pack.name} was made from another case")
        return
    with case.reader.connect() as conn:
        differs, root = case.audit.first_difference(conn, pack.entries)
        size, _ = case.audit.head(conn)
    if differs is not None:
        report.add(name, False, _no_longer_holds(pack, differs, size), f"entry {differs}")
    elif root != pack.root:
        count = len(pack.entries)
        report.add(
            name, False, f"its first {count} entries do not give the Merkle root pack {pack.name} recorded"
        )
    else:
        report.add(
            name,
            True,
            f"the audit log still begins with the {len(pack.entries)} entries pack {pack.name} recorded",
        )


def _no_longer_holds(pack: EarlierPack, position: int, size: int) -> str:
    why = (
        f"the case has only {size} entries: it was cut short or put back to an older copy"
        if position > size
        else "it holds a different entry there: the case was put back to an older copy or its history "
        "rewritten"
    )
    return f"the case's audit log no longer holds entry {position} that pack {pack.name} recorded ({why})"
