"""Stored analysis results: what was found, when, by whom, and with which versions of the rule files.

A result is kept so an officer can see what the analysis said on the day a pack was made, even after
the lexicons change; the versions say which rules produced it. Results are sealed like the evidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from casetrail.store.audit_log import utc_now
from casetrail.store.case import Case
from casetrail.store.tables import analysis_runs


@dataclass(frozen=True)
class StoredRun:
    id: int
    kind: str
    run_at: str
    versions: dict[str, str]
    by: str
    result: Any


def _versions_text(versions: dict[str, str]) -> str:
    return ";".join(f"{name}={version}" for name, version in sorted(versions.items()))


def _place(kind: str, run_at: str) -> str:
    return f"analysis_runs.result:{kind}:{run_at}"


def save_run(case: Case, kind: str, versions: dict[str, str], result: Any, actor: str | None = None) -> int:
    """Keep one result; earlier results of the same kind stay as they were."""
    by = actor or case.producer.name
    run_at = utc_now()
    sealed = case.fields.seal_json({"by": by, "result": result}, _place(kind, run_at))
    with case.write() as conn:
        row = conn.execute(
            analysis_runs.insert().values(
                kind=kind, run_at=run_at, versions=_versions_text(versions), result_enc=sealed
            )
        )
        run_id = int(row.inserted_primary_key[0]) if row.inserted_primary_key else 0
        case.audit.append(conn, f"{kind} analysis stored", by, {"run": run_id, "versions": versions})
    return run_id


def runs(case: Case, kind: str) -> list[StoredRun]:
    """Every stored result of one kind, oldest first."""
    with case.reader.connect() as conn:
        rows = conn.execute(
            select(analysis_runs).where(analysis_runs.c.kind == kind).order_by(analysis_runs.c.id)
        ).all()
    found = []
    for row in rows:
        versions = dict(part.split("=", 1) for part in row.versions.split(";") if "=" in part)
        opened = case.fields.open_json(row.result_enc, _place(row.kind, row.run_at))
        found.append(StoredRun(row.id, row.kind, row.run_at, versions, str(opened["by"]), opened["result"]))
    return found


def latest_run(case: Case, kind: str) -> StoredRun | None:
    found = runs(case, kind)
    return found[-1] if found else None
