"""Progress through the safety plan, kept in the case: which steps a person has done, or has put
aside for now (a step can be unsafe to take yet). Every mark is kept and audited; the latest for a
step stands, so ticking a step off by mistake is undone by marking it again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from casetrail.errors import CasetrailError
from casetrail.store.audit_log import utc_now
from casetrail.store.case import Case
from casetrail.store.tables import safety_plan_marks

STATUSES = ("done", "not-now", "open")


@dataclass(frozen=True)
class Mark:
    step: str
    status: str
    marked_at: str
    by: str
    note: str

    def to_json(self) -> dict[str, Any]:
        return {"step": self.step, "status": self.status, "marked_at": self.marked_at, "by": self.by,
                "note": self.note}  # fmt: skip


def _place(step: str, at: str) -> str:
    return f"safety_plan_marks.details:{step}:{at}"


def mark(case: Case, step: str, status: str, by: str, note: str = "") -> Mark:
    """Record a step's new status (the caller checks the step exists in the plan)."""
    if status not in STATUSES:
        raise CasetrailError(f"A step is marked {', '.join(STATUSES)}.")
    if not by.strip():
        raise CasetrailError("Please say who marked the step (--by).")
    at = utc_now()
    sealed = case.fields.seal_json({"by": by, "note": note}, _place(step, at))
    with case.write() as conn:
        conn.execute(
            safety_plan_marks.insert().values(step=step, status=status, marked_at=at, details_enc=sealed)
        )
        case.audit.append(conn, f"safety step {status}", by, {"step": step, "note": note})
    return Mark(step, status, at, by, note)


def marks(case: Case) -> list[Mark]:
    """Every mark, oldest first."""
    with case.reader.connect() as conn:
        rows = conn.execute(select(safety_plan_marks).order_by(safety_plan_marks.c.id)).all()
    found = []
    for row in rows:
        details = case.fields.open_json(row.details_enc, _place(row.step, row.marked_at))
        found.append(Mark(row.step, row.status, row.marked_at, str(details["by"]), str(details["note"])))
    return found


def standing(case: Case) -> dict[str, Mark]:
    """The latest mark of each step."""
    return {m.step: m for m in marks(case)}
