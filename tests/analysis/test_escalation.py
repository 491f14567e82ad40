"""Escalation: change points in weekly frequency and severity, by the documented method."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from casetrail.analysis.escalation import escalation, severity_scale
from casetrail.rules import RulesError, parse_rules

MONDAY = date(2025, 1, 6)


def daily(weekly: list[int]) -> dict[date, int]:
    """Each week's contacts on its Monday."""
    return {MONDAY + timedelta(weeks=i): n for i, n in enumerate(weekly) if n}


def test_a_step_up_in_contact_is_found_at_the_week_it_happened() -> None:
    result = escalation(daily([2, 3, 2, 1, 2, 3, 2, 2, 14, 15, 13, 16, 15, 14]), {}, "test")
    (change,) = result.frequency_changes
    assert change.week == "2025-W10" and change.rising  # the ninth week
    assert round(change.before, 2) == 2.12 and round(change.after, 2) == 14.5
    assert result.escalation_point == change  # no severity change: the frequency change stands


def test_steady_contact_has_no_change_point() -> None:
    result = escalation(daily([5, 6, 5, 4, 5, 6, 5, 5, 6, 4, 5, 6]), {}, "test")
    assert result.frequency_changes == [] and result.escalation_point is None


def test_noise_in_a_short_series_is_not_a_change() -> None:
    assert escalation(daily([1, 3, 1, 2]), {}, "test").frequency_changes == []


def test_rising_severity_is_the_escalation_point_even_when_contact_falls() -> None:
    counts = daily([20, 20, 21, 19, 20, 8, 7, 8, 9, 8])
    severity = {MONDAY + timedelta(weeks=i): level for i, level in enumerate([1, 1, 2, 1, 1, 9, 9, 8, 9, 9])}
    result = escalation(counts, severity, "test")
    assert [c.week for c in result.severity_changes] == ["2025-W07"]
    point = result.escalation_point
    assert point is not None and point.week == "2025-W07" and point.rising
    assert [c.rising for c in result.frequency_changes] == [False]
    weeks = result.to_json()["weeks"]
    assert weeks[5] == {"week": "2025-W07", "contacts": 8, "highest_severity": 9}


def test_weeks_without_contact_count_as_zero() -> None:
    result = escalation({MONDAY: 3, MONDAY + timedelta(weeks=3): 4}, {}, "test")
    assert result.weeks == ["2025-W02", "2025-W03", "2025-W04", "2025-W05"]
    assert result.contacts == [3, 0, 0, 4]


def test_several_changes_are_found_by_binary_segmentation() -> None:
    result = escalation(daily([2] * 8 + [20] * 8 + [2] * 8), {}, "test")
    assert [(c.week, c.rising) for c in result.frequency_changes] == [("2025-W10", True), ("2025-W18", False)]


def test_the_severity_scale_is_data_in_the_taxonomys_order() -> None:
    scale = severity_scale()
    levels = scale.levels
    assert levels["CONTACT.UNWANTED"] < levels["ABUSE.INSULT"] <= levels["FIXATION.DECLARATION"]
    assert levels["MONITORING.KNOWLEDGE"] < levels["OFFLINE.PRESENCE"] < levels["THREAT.VIOLENCE"]
    assert scale.of({"CONTACT.UNWANTED", "THREAT.VIOLENCE"}) == levels["THREAT.VIOLENCE"]
    assert scale.of(set()) == 0 and scale.version
    with pytest.raises(RulesError, match="format"):
        parse_rules("format: something-else\nversion: '1'\n", "severity.yaml", "casetrail-severity-scale")
