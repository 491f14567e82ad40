"""Writing a pack: every original exhibit byte for byte, the timeline, and a manifest that ties them
together with their hashes and the audit log's checkpoint.

The bundle is built in a fresh folder beside the destination and only renamed into place when it is
complete, so an interrupted pack never looks like a finished one. Exhibits are streamed out of the
encrypted blob store and hashed on the way, and the hash must equal the one recorded at import: a pack
never carries a file that is not what the case holds.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import select

import casetrail
from casetrail.errors import CasetrailError
from casetrail.pack.exports import ExportCounts, write_events
from casetrail.pack.merkle import merkle_root
from casetrail.pack.redact import Redactor, build_redactor
from casetrail.pack.report import render_html
from casetrail.pack.report_data import build_report
from casetrail.pack.scope import PackScope
from casetrail.store.audit_log import GENESIS, utc_now
from casetrail.store.case import Case
from casetrail.store.exhibits import exhibit_meta
from casetrail.store.header import Checkpoint
from casetrail.store.tables import audit_log, exhibits

MANIFEST = "manifest.json"
REPORT_HTML = "report.html"
REPORT_PDF = "report.pdf"
AUDIT_LOG = "audit-log.json"
FORMAT = "casetrail-pack"
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,8}$")


@dataclass(frozen=True)
class PackResult:
    folder: Path | None
    zip_path: Path | None
    encrypted: Path | None
    exhibits: int
    withheld: int
    events: int
    fingerprint: str  # SHA-256 of manifest.json, for the officer to note down

    def to_json(self) -> dict[str, Any]:
        return {
            "folder": str(self.folder) if self.folder else None,
            "zip": str(self.zip_path) if self.zip_path else None,
            "encrypted": str(self.encrypted) if self.encrypted else None,
            "exhibits": self.exhibits,
            "withheld": self.withheld,
            "events": self.events,
            "manifest_sha256": self.fingerprint,
        }


def exhibit_file_name(ref: str, original_name: str) -> str:
    """``RH/12`` and ``chat.txt`` → ``RH-12.txt``: the reference names the file; only a plain extension
    is kept from the original name, which was written by whoever made the file (hostile)."""
    found = _EXTENSION.search(original_name or "")
    return ref.replace("/", "-") + (found.group(0).lower() if found else "")


def _write_exhibit(case: Case, sha256: str, target: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with target.open("xb") as out:
        for chunk in case.blobs.read(sha256):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return digest.hexdigest(), size


WITHHELD = "withheld by the person who made this pack"
EXPUNGED = "expunged from the case"
REDACTED = "a redacted pack carries no original, which may name other people"
INTIMATE = (
    "may be an intimate image (attached to a message about intimate images); "
    "included only when asked for by its reference"
)
OUT_OF_SCOPE = "outside the dates, channels or people this pack covers"


@dataclass(frozen=True)
class _Exhibit:
    ref: str
    parent: str | None
    meta: dict[str, Any]
    row: Any


def _exhibits(case: Case) -> list[_Exhibit]:
    with case.reader.connect() as conn:
        rows = conn.execute(select(exhibits).order_by(exhibits.c.number)).all()
    refs = {row.id: row.ref for row in rows}
    found = []
    for row in rows:
        meta = exhibit_meta(case, row)
        parent = refs.get(row.parent_id) if row.parent_id else meta.get("inside")
        found.append(_Exhibit(row.ref, parent, meta, row))
    return found


def left_out(
    held: list[_Exhibit],
    withhold: frozenset[str],
    include: frozenset[str],
    events: ExportCounts,
    narrowed: bool,
    redact: bool,
) -> dict[str, str]:
    """Each exhibit the pack leaves out, with the reason. An archive holding an exhibit left out
    (other than for scope) is left out too: its bytes would carry that exhibit."""
    reasons: dict[str, str] = {}
    for exhibit in held:
        ref, parent = exhibit.ref, exhibit.parent
        if exhibit.meta.get("expunged"):
            reasons[ref] = EXPUNGED
        elif ref in withhold or parent in withhold:
            reasons[ref] = WITHHELD
        elif redact:
            reasons[ref] = REDACTED
        elif (ref in events.maybe_intimate or parent in events.maybe_intimate) and not (
            ref in include or parent in include
        ):
            reasons[ref] = INTIMATE
        elif narrowed and ref not in events.exhibits_used and parent not in events.exhibits_used:
            reasons[ref] = OUT_OF_SCOPE
    for exhibit in held:
        parent = exhibit.parent
        reason = reasons.get(exhibit.ref)
        if parent and reason and reason != OUT_OF_SCOPE and parent not in reasons:
            reasons[parent] = f"holds {exhibit.ref}, which is left out ({reason})"
    return reasons


def _exhibit_entries(
    case: Case, folder: Path, held: list[_Exhibit], reasons: dict[str, str], redactor: Redactor | None
) -> Iterator[dict[str, Any]]:
    for exhibit in held:
        row, meta = exhibit.row, exhibit.meta
        entry: dict[str, Any] = {
            "ref": row.ref,
            "sha256": meta["sha256"],
            "size": row.size,
            "original_name": meta.get("original_name", ""),
            "inside": exhibit.parent,
            "member": meta.get("member"),
            "acquired_at": row.added_at,
            "acquired_by": meta.get("acquired_by", case.producer.name),
            "importer": meta.get("importer"),
        }
        if redactor is not None:
            entry["original_name"] = redactor.name(entry["original_name"] or "")
            entry["member"] = redactor.name(entry["member"]) if entry["member"] else None
        if row.ref in reasons:
            # Listed with its hash, so whoever receives the pack knows it exists and can ask for it.
            yield {**entry, "included": False, "withheld_because": reasons[row.ref]}
            continue
        name = exhibit_file_name(row.ref, meta.get("original_name", ""))
        sha256, size = _write_exhibit(case, meta["sha256"], folder / "exhibits" / name)
        if sha256 != meta["sha256"] or size != row.size:
            raise CasetrailError(
                f"Exhibit {row.ref} does not match the hash recorded when it was imported. No pack was "
                "written; run 'casetrail verify' to see what changed."
            )
        yield {**entry, "included": True, "file": f"exhibits/{name}"}


@dataclass(frozen=True)
class AuditRecord:
    checkpoint: Checkpoint  # size, head, Merkle root and MAC of the entries in audit-log.json
    sha256: str  # of audit-log.json


def write_audit_log(case: Case, folder: Path) -> AuditRecord:
    """audit-log.json: every audit entry's hash, in order (no details: they stay in the case), and
    the checkpoint of exactly those entries (read in one query, so they cannot disagree)."""
    with case.reader.connect() as conn:
        hashes = list(conn.execute(select(audit_log.c.entry_hash).order_by(audit_log.c.seq)).scalars())
    checkpoint = case.audit.checkpoint(len(hashes), hashes[-1] if hashes else GENESIS, merkle_root(hashes))
    encoded = orjson.dumps({"format": "casetrail-audit-hashes", "entries": hashes}) + b"\n"
    (folder / AUDIT_LOG).write_bytes(encoded)
    return AuditRecord(checkpoint, hashlib.sha256(encoded).hexdigest())


def build_manifest(
    case: Case, entries: list[dict[str, Any]], events: ExportCounts, audit: AuditRecord
) -> dict[str, Any]:
    checkpoint = audit.checkpoint
    return {
        "format": FORMAT,
        "version": 1,
        "created_at": utc_now(),
        "tool": {"name": "casetrail", "version": casetrail.__version__},
        "case": {
            "id": case.keys.case_id,
            "producer": case.producer.name,
            "initials": case.producer.initials,
            "timezone": case.timezone.key,
        },
        "audit": {
            "entries": checkpoint.size,
            "head": checkpoint.head,
            "merkle_root": checkpoint.root,
            "checkpoint_mac": checkpoint.mac,  # over the case id, size, head and root (docs/pack.md)
        },
        "exhibits": entries,
        "files": {
            "events.csv": {"sha256": events.csv_sha256},
            "events.jsonl": {"sha256": events.jsonl_sha256, "events": events.events},
        },
        "verify": "casetrail verify-pack FOLDER, or sha256sum each file and compare with this manifest",
    }


def _zip_folder(folder: Path, target: Path) -> None:
    """A zip of the folder; names are the bundle's own (references, fixed names), never evidence."""
    partial = target.with_name(target.name + ".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, f"{folder.name}/{path.relative_to(folder).as_posix()}")
    os.replace(partial, target)


def write_report(
    case: Case,
    folder: Path,
    person: str | None,
    linked: frozenset[str] | None,
    withheld: dict[str, str] | None = None,
    pdf: bool = True,
    events_total: int | None = None,
    scope: PackScope | None = None,
    redactor: Redactor | None = None,
) -> dict[str, str]:
    """report.html and report.pdf (the same HTML, printed) from the case's analysis; returns file
    name -> SHA-256."""
    from casetrail.pack import charts  # matplotlib and WeasyPrint load only when a report is made
    from casetrail.pack.pdf import render_pdf

    scope = scope or PackScope(region=case.region)
    context = build_report(
        case, person, linked, date.today(), withheld, events_total, scope.timeline_filter(),
        scope.describe(case.timezone), redactor is not None,
    )  # fmt: skip
    findings = context["findings"]
    drawn = [
        ("Contacts per week, by channel", charts.contacts_per_week(findings.conduct)),
        ("Contacts by day of the week and hour", charts.weekday_hour_heatmap(findings.conduct)),
        (
            "Escalation: contacts and the most serious behaviour each week",
            charts.escalation(findings.escalation),
        ),
    ]
    html = render_html(context, [(title, svg) for title, svg in drawn if svg], redactor)
    encoded = html.encode("utf-8")
    (folder / REPORT_HTML).write_bytes(encoded)
    written = {REPORT_HTML: hashlib.sha256(encoded).hexdigest()}
    if pdf:
        made_at = datetime.fromisoformat(str(context["generated_at"]).replace("Z", "+00:00"))
        printed = render_pdf(html, {}, made_at=made_at)
        (folder / REPORT_PDF).write_bytes(printed)
        written[REPORT_PDF] = hashlib.sha256(printed).hexdigest()
    return written


def write_pack(
    case: Case,
    out: Path,
    linked: frozenset[str] | None = None,
    person: str | None = None,
    withhold: frozenset[str] = frozenset(),
    pdf: bool = True,
    *,
    scope: PackScope | None = None,
    include: frozenset[str] = frozenset(),
    redact: bool = False,
) -> tuple[Path, PackResult]:
    """Write the plain bundle at ``out`` (a new folder) and ``out.zip``; return the folder and result.

    ``scope`` keeps a part of the case (dates, channels, people); ``include`` names exhibits that
    may be intimate images to carry anyway; ``redact`` hides other people (pack/redact.py)."""
    if out.exists() or out.with_name(out.name + ".zip").exists():
        raise CasetrailError(f"{out} already exists. Choose a new name; nothing was written.")
    if redact and linked is None:
        raise CasetrailError(
            "A redacted pack needs --person: casetrail keeps the victim and that person and replaces "
            "everyone else. Nothing was written."
        )
    scope = replace(scope or PackScope(), region=case.region)
    held = _exhibits(case)
    unknown = (withhold | include) - {e.ref for e in held}
    if unknown:
        raise CasetrailError(f"No exhibit {', '.join(sorted(unknown))} in this case; nothing was written.")
    out.parent.mkdir(parents=True, exist_ok=True)
    building = out.with_name(f".{out.name}.partial")
    if building.exists():
        shutil.rmtree(building)
    try:
        (building / "exhibits").mkdir(parents=True)
        filt = scope.timeline_filter()
        redactor = build_redactor(case, linked or frozenset(), filt) if redact else None
        events = write_events(case, building, linked, filt, redactor)
        reasons = left_out(held, withhold, include, events, scope.narrowed, redact)
        entries = list(_exhibit_entries(case, building, held, reasons, redactor))
        reports = write_report(
            case, building, person, linked, reasons, pdf, events.events, scope, redactor
        )  # fmt: skip
        audit = write_audit_log(case, building)
        manifest = build_manifest(case, entries, events, audit)
        manifest["scope"] = {**scope.to_json(), "redacted": redact}
        manifest["files"].update({name: {"sha256": digest} for name, digest in reports.items()})
        manifest["files"][AUDIT_LOG] = {"sha256": audit.sha256, "entries": audit.checkpoint.size}
        encoded = orjson.dumps(manifest, option=orjson.OPT_INDENT_2) + b"\n"
        (building / MANIFEST).write_bytes(encoded)
        os.replace(building, out)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    zip_path = out.with_name(out.name + ".zip")
    _zip_folder(out, zip_path)
    included = sum(1 for e in entries if e["included"])
    fingerprint = hashlib.sha256(encoded).hexdigest()
    with case.write() as conn:  # chain of custody: the case records every pack made from it
        case.audit.append(conn, "pack made", case.producer.name, {
            "manifest_sha256": fingerprint, "exhibits": included, "withheld": len(entries) - included,
            "events": events.events, "audit_entries": audit.checkpoint.size, "scope": manifest["scope"],
        })  # fmt: skip
    result = PackResult(
        out,
        zip_path,
        None,
        included,
        len(entries) - included,
        events.events,
        fingerprint,
    )
    return out, result
