"""Escalation: how contact and its seriousness changed week by week, and the weeks where they changed.

The method is chosen to be explained to a court in two sentences (docs/analysis.md):

- Frequency: the weekly counts of contact are split where two separate weekly rates explain them far
  better than one rate does (Poisson likelihood ratio, tried at every week). A split is kept only if
  its gain beats a penalty that grows with the number of weeks (the Bayesian information criterion),
  so noise does not make change points. The same test is repeated inside each part (binary
  segmentation), up to ``MAX_POINTS`` points.
- Seriousness: each week gets the highest severity of the behaviour found in it (the scale in
  rules/data/severity.yaml); the weeks are split where the average severity before and after differ
  most (least squares), under the same kind of penalty.

Weeks without contact count as zero, from the first week with contact to the last.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from casetrail.rules import RulesError, packaged

MAX_POINTS = 3
MIN_SEGMENT = 2  # weeks on each side of a change point


@dataclass(frozen=True)
class SeverityScale:
    version: str
    levels: dict[str, int]

    def of(self, categories: set[str]) -> int:
        return max((self.levels.get(c, 0) for c in categories), default=0)


def severity_scale() -> SeverityScale:
    document = packaged("severity.yaml", "casetrail-severity-scale")
    levels = document.get("levels")
    if not isinstance(levels, dict) or not all(
        isinstance(k, str) and isinstance(v, int) and 0 <= v <= 10 for k, v in levels.items()
    ):
        raise RulesError("Rule file severity.yaml: 'levels' must map categories to whole numbers 0-10.")
    return SeverityScale(str(document["version"]), levels)


@dataclass(frozen=True)
class ChangePoint:
    """The first week of a new level: what the level was before and after, and how strong the change."""

    week: str
    before: float
    after: float
    strength: float  # the likelihood gain over the penalty: above 1 means kept

    @property
    def rising(self) -> bool:
        return self.after > self.before

    def to_json(self) -> dict[str, Any]:
        return {
            "week": self.week,
            "before": round(self.before, 2),
            "after": round(self.after, 2),
            "direction": "up" if self.rising else "down",
            "strength": round(self.strength, 2),
        }


@dataclass
class Escalation:
    weeks: list[str] = field(default_factory=list)
    contacts: list[int] = field(default_factory=list)
    severity: list[int] = field(default_factory=list)
    frequency_changes: list[ChangePoint] = field(default_factory=list)
    severity_changes: list[ChangePoint] = field(default_factory=list)
    scale_version: str = ""

    @property
    def escalation_point(self) -> ChangePoint | None:
        """The first week from which the behaviour was more serious (else more frequent)."""
        rising = [c for c in self.severity_changes if c.rising] or [
            c for c in self.frequency_changes if c.rising
        ]
        return min(rising, key=lambda c: c.week) if rising else None

    def to_json(self) -> dict[str, Any]:
        point = self.escalation_point
        return {
            "method": "binary segmentation; Poisson likelihood ratio (frequency) and least squares "
            "(severity), each with a BIC penalty; docs/analysis.md",
            "severity_scale": self.scale_version,
            "weeks": [
                {"week": w, "contacts": c, "highest_severity": s}
                for w, c, s in zip(self.weeks, self.contacts, self.severity, strict=True)
            ],
            "frequency_changes": [c.to_json() for c in self.frequency_changes],
            "severity_changes": [c.to_json() for c in self.severity_changes],
            "escalation_point": point.to_json() if point else None,
        }


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _week_name(monday: date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def escalation(per_day: dict[date, int], severity_per_day: dict[date, int], scale_version: str) -> Escalation:
    """Weekly series from daily counts and daily highest severity, and their change points."""
    result = Escalation(scale_version=scale_version)
    if not per_day:
        return result
    start, end = _monday(min(per_day)), _monday(max(per_day))
    weekly: dict[date, int] = {}
    worst: dict[date, int] = {}
    for day, count in per_day.items():
        weekly[_monday(day)] = weekly.get(_monday(day), 0) + count
    for day, level in severity_per_day.items():
        worst[_monday(day)] = max(worst.get(_monday(day), 0), level)
    monday = start
    while monday <= end:
        result.weeks.append(_week_name(monday))
        result.contacts.append(weekly.get(monday, 0))
        result.severity.append(worst.get(monday, 0))
        monday += timedelta(days=7)
    result.frequency_changes = _segment(result.contacts, result.weeks, _poisson_gain)
    result.severity_changes = _segment(result.severity, result.weeks, _mean_shift_gain)
    return result


def _poisson_loglik(total: float, length: int) -> float:
    return total * math.log(total / length) - total if total > 0 else 0.0


def _poisson_gain(series: Sequence[float], split: int) -> float:
    left, right = series[:split], series[split:]
    whole = _poisson_loglik(sum(series), len(series))
    return _poisson_loglik(sum(left), len(left)) + _poisson_loglik(sum(right), len(right)) - whole


def _sse(values: Sequence[float]) -> float:
    mean = sum(values) / len(values)
    return sum((v - mean) ** 2 for v in values)


def _mean_shift_gain(series: Sequence[float], split: int) -> float:
    """The gain in Gaussian log-likelihood (variance estimated) from two means instead of one."""
    n = len(series)
    whole = _sse(series)
    parts = _sse(series[:split]) + _sse(series[split:])
    if whole <= 0:
        return 0.0
    return n / 2 * (math.log(whole / n) - math.log(max(parts, 1e-9 * whole) / n))


def _best_split(series: Sequence[float], gain: Any) -> tuple[int, float] | None:
    best: tuple[int, float] | None = None
    for split in range(MIN_SEGMENT, len(series) - MIN_SEGMENT + 1):
        value = gain(series, split)
        if best is None or value > best[1]:
            best = (split, value)
    return best


def _segment(series: Sequence[int], weeks: list[str], gain: Any) -> list[ChangePoint]:
    """Binary segmentation: split where the gain is largest, while it beats the BIC penalty."""
    penalty = math.log(max(len(series), 2))  # one extra parameter per split (the second level)
    found: list[ChangePoint] = []
    pending = [(0, len(series))]
    while pending and len(found) < MAX_POINTS:
        candidates = []
        for low, high in pending:
            values = [float(v) for v in series[low:high]]
            best = _best_split(values, gain)
            if best is not None and best[1] > penalty:
                candidates.append((best[1], low, high, low + best[0]))
        if not candidates:
            break
        value, low, high, split = max(candidates)
        pending.remove((low, high))
        pending += [(low, split), (split, high)]
        before, after = series[low:split], series[split:high]
        found.append(
            ChangePoint(weeks[split], sum(before) / len(before), sum(after) / len(after), value / penalty)
        )
    return sorted(found, key=lambda c: c.week)
