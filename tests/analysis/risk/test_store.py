"""Stored screenings: sealed, audited, never overwritten; history oldest first, latest per instrument."""

from __future__ import annotations

from sqlalchemy import select

from casetrail.analysis.risk import Answer, AnswerSet, ItemAnswer, load, score
from casetrail.analysis.risk_history import history, latest, save_screening
from casetrail.store.audit_log import utc_now
from casetrail.store.case import Case
from casetrail.store.tables import risk_answers


def _screen(case: Case, instrument: str, by: str, answers: dict[str, Answer], note: str = "") -> int:
    screening = load(instrument)
    given = tuple(
        ItemAnswer(item, answer, note, premarked=item.endswith("01")) for item, answer in answers.items()
    )
    return save_screening(
        case, score(screening, AnswerSet(instrument, screening.version, by, "officer", utc_now(), given))
    )


def test_two_screenings_are_both_kept_in_order_and_the_latest_is_shown(new_case: Case) -> None:
    first = _screen(new_case, "s-dash", "PC Ada Lane", {"sdash-01": "no"})
    second = _screen(new_case, "s-dash", "Sam Okoro", {"sdash-01": "yes", "sdash-06": "yes"})
    dash = _screen(new_case, "dash", "Sam Okoro", {"dash-08": "yes"})
    found = history(new_case)
    assert [s.id for s in found] == [first, second, dash]
    assert [s.answers.answered_by for s in found] == ["PC Ada Lane", "Sam Okoro", "Sam Okoro"]
    assert found[0].result["counts"]["yes"] == 0 and found[1].result["counts"]["yes"] == 2
    assert found[1].answers.answers[0].decision == "confirmed"
    assert [s.id for s in history(new_case, "s-dash")] == [first, second]
    newest = latest(new_case)
    assert newest["s-dash"].id == second and newest["dash"].id == dash
    assert newest["dash"].result["next"][0]["instrument"] == "s-dash"
    assert newest["dash"].version == load("dash").version


def test_answers_and_notes_are_sealed_and_the_audit_log_keeps_no_note(new_case: Case) -> None:
    _screen(new_case, "digital", "Sam Okoro", {"D1": "yes"}, note="he knew about the dentist")
    with new_case.reader.connect() as conn:
        row = conn.execute(select(risk_answers)).one()
        entries = [e for e in new_case.audit.entries(conn) if e.action == "risk screening stored"]
    assert b"dentist" not in row.answers_enc and b"Sam" not in row.answers_enc
    assert (row.instrument, row.instrument_version) == ("digital", load("digital").version)
    [entry] = entries
    assert entry.actor == "Sam Okoro" and entry.details["counts"]["yes"] == 1
    assert "dentist" not in str(entry.details) and entry.details["role"] == "officer"


def test_no_screening_yet(new_case: Case) -> None:
    assert history(new_case) == [] and latest(new_case) == {}
