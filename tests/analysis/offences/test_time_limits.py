"""Time limits against the events' dates: six months for summary-only offences; the s127 long stop."""

from __future__ import annotations

from datetime import date

import pytest

from casetrail.analysis.offences import TimeLimitRule, add_months, time_limit
from tests.analysis.offences.events import offence, run, suspect

HARASSMENT = [suspect("2023-11-02", "CONTACT.UNWANTED"), suspect("2024-01-10", "ABUSE.INSULT")]


def _limit(today: date, offence_id: str = "pha-s2") -> dict[str, object]:
    found = offence(run(HARASSMENT, today=today), offence_id).limit
    assert found is not None
    return found.to_json()


def test_summary_only_time_limit_has_passed() -> None:
    limit = _limit(date(2024, 8, 1))
    assert (limit["state"], limit["latest_event"], limit["deadline"]) == (
        "passed",
        "2024-01-10",
        "2024-07-10",
    )
    assert "has passed" in str(limit["words"])


def test_summary_only_time_limit_is_near() -> None:
    limit = _limit(date(2024, 6, 25))
    assert limit["state"] == "near" and "in 15 days" in str(limit["words"])


def test_summary_only_time_limit_is_some_way_off() -> None:
    limit = _limit(date(2024, 2, 1))
    assert limit["state"] == "open" and limit["deadline"] == "2024-07-10"


def test_the_latest_supporting_event_counts_not_the_latest_event() -> None:
    # A later message that is not an intimate image does not move the date for sharing one.
    stream = [suspect("2024-03-01", "IMAGE.SHARED"), suspect("2024-05-01", "CONTACT.UNWANTED")]
    found = offence(run(stream, today=date(2024, 6, 1)), "soa-s66b-1").limit
    assert found is not None and found.latest_event == date(2024, 3, 1)
    assert found.deadline == date(2024, 9, 1)


def test_either_way_offences_show_no_general_limit() -> None:
    limit = _limit(date(2024, 8, 1), "pha-s4")
    assert limit["state"] == "none" and limit["deadline"] is None


def test_no_events_no_time_limit_shown() -> None:
    found = offence(run([], today=date(2024, 8, 1)), "pha-s2").limit
    assert found is not None and found.state == "no-events"


def test_s127_long_stop_from_each_event_and_the_evidence_rule() -> None:
    stream = [suspect("2021-03-01", "ABUSE.INSULT"), suspect("2023-05-01", "ABUSE.INSULT")]
    found = offence(run(stream, today=date(2024, 4, 1)), "ca-s127-1").limit
    assert found is not None
    assert (found.rule, found.state, found.days_past_long_stop) == ("s127-special", "open", 1)
    assert found.next_long_stop == date(2026, 5, 1) and found.long_stop_years == 3
    assert "within 6 months of the prosecutor having sufficient evidence" in found.words
    near = offence(run(stream, today=date(2026, 4, 20)), "ca-s127-1").limit
    assert near is not None and near.state == "near"
    gone = offence(run(stream, today=date(2026, 5, 2)), "ca-s127-1").limit
    assert gone is not None and gone.state == "passed" and gone.days_past_long_stop == 2


def test_s179_shows_its_long_stop_with_a_note() -> None:
    found = offence(run([suspect("2024-03-01", "REPUTATION")], today=date(2024, 4, 1)), "osa-s179").limit
    assert found is not None and found.next_long_stop == date(2027, 3, 1)
    assert found.note and "to be checked" in found.note


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2023, 8, 31), 6, date(2024, 2, 29)),
        (date(2024, 8, 31), 6, date(2025, 2, 28)),
        (date(2020, 2, 29), 36, date(2023, 2, 28)),
        (date(2024, 7, 10), 6, date(2025, 1, 10)),
    ],
)
def test_months_are_calendar_months(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


def test_a_rule_without_a_time_limit_says_so() -> None:
    assert time_limit(None, {date(2024, 1, 1)}, date(2024, 2, 1)).state == "none"
    rule = TimeLimitRule("six-months-from-latest")
    assert time_limit(rule, {date(2024, 1, 1)}, date(2024, 2, 1)).deadline == date(2024, 7, 1)
