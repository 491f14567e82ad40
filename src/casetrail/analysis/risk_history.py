"""Stored risk screenings (kept beside the analysis that pre-marks them): every answer set, who gave it,
when, and with which version of the questions.

Rows are only ever added. A new screening after an incident sits beside the earlier ones, so the
history shows how the picture changed and no answer can be quietly rewritten. Answers, notes and the
result are sealed like the evidence; the audit log records that a screening was stored, never a note.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from casetrail.analysis.risk import AnswerSet, Result
from casetrail.store.case import Case
from casetrail.store.tables import risk_answers


@dataclass(frozen=True)
class StoredScreening:
    """One stored answer set and the result it gave on the day (the questions may change later)."""

    id: int
    instrument: str
    version: str
    answered_at: str
    answers: AnswerSet
    result: dict[str, Any]
    rule_versions: dict[str, str] | None = None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, **self.result, "rule_versions": self.rule_versions or {}}


def _place(instrument: str, answered_at: str) -> str:
    return f"risk_answers.answers:{instrument}:{answered_at}"


def save_screening(case: Case, result: Result, rule_versions: dict[str, str] | None = None) -> int:
    """Keep one answered screening, with the versions of the questions and of the rules that
    pre-marked it; earlier screenings stay exactly as they were."""
    answers = result.answers
    sealed = case.fields.seal_json(
        {"answers": answers.to_json(), "result": result.to_json(), "rule_versions": rule_versions or {}},
        _place(answers.instrument, answers.answered_at),
    )
    with case.write() as conn:
        row = conn.execute(
            risk_answers.insert().values(
                instrument=answers.instrument,
                instrument_version=answers.version,
                answered_at=answers.answered_at,
                answers_enc=sealed,
            )
        )
        row_id = int(row.inserted_primary_key[0]) if row.inserted_primary_key else 0
        details = {
            "screening": row_id,
            "instrument": answers.instrument,
            "version": answers.version,
            "role": answers.role,
            "counts": {"yes": result.yes, "no": result.no, "dont_know": result.dont_know},
            "unanswered": result.unanswered,
            "premarked": sum(1 for a in answers.answers if a.premarked),
            "confirmed": sum(1 for a in answers.answers if a.decision == "confirmed"),
        }
        case.audit.append(conn, "risk screening stored", answers.answered_by, details)
    return row_id


def history(case: Case, instrument: str | None = None) -> list[StoredScreening]:
    """Every stored screening, oldest first (of one instrument, when named)."""
    query = select(risk_answers).order_by(risk_answers.c.id)
    if instrument is not None:
        query = query.where(risk_answers.c.instrument == instrument)
    with case.reader.connect() as conn:
        rows = conn.execute(query).all()
    found = []
    for row in rows:
        opened = case.fields.open_json(row.answers_enc, _place(row.instrument, row.answered_at))
        found.append(
            StoredScreening(
                id=row.id,
                instrument=row.instrument,
                version=row.instrument_version,
                answered_at=row.answered_at,
                answers=AnswerSet.from_json(opened["answers"]),
                result=opened["result"],
                rule_versions=opened.get("rule_versions", {}),
            )
        )
    return found


def latest(case: Case) -> dict[str, StoredScreening]:
    """The most recent screening of each instrument."""
    return {stored.instrument: stored for stored in history(case)}
