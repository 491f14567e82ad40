"""Course-of-conduct figures: how often, on how many days, how relentlessly, at what hours.

Victims are told "nothing's actually really happened" while holding hundreds of messages. These
figures put the pattern in numbers an officer can check: each is a plain count over the events from
one person (or all incoming contact), in the case's time zone, and docs/analysis.md says exactly how
each is counted. One pass over events in time order; memory holds counters, not events.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

BURST_WINDOW = timedelta(hours=1)
BURST_MIN = 10  # contacts within one hour that count as a burst (documented in docs/analysis.md)
NIGHT_HOURS = range(0, 6)  # 00:00-05:59 in the case's time zone


@dataclass(frozen=True, slots=True)
class Contact:
    """One event reduced to what the figures need: when (UTC), how, and which way."""

    at: datetime
    channel: str
    kind: str
    incoming: bool  # from the person (True) or from the victim to them (False)
    account: str | None = None  # the account it came from or went to


@dataclass
class Burst:
    start: datetime
    end: datetime
    count: int
    channels: Counter[str]
    last: int = -1  # the ordinal of the last contact counted in it


@dataclass
class ConductFigures:
    """The figures for one person (or all incoming contact); times are UTC, days local."""

    zone: ZoneInfo
    contacts: int = 0
    replies: int = 0
    by_channel: Counter[str] = field(default_factory=Counter)
    by_kind: Counter[str] = field(default_factory=Counter)
    per_day: Counter[date] = field(default_factory=Counter)
    per_week: Counter[str] = field(default_factory=Counter)
    per_month: Counter[str] = field(default_factory=Counter)
    per_week_channel: Counter[tuple[str, str]] = field(default_factory=Counter)
    per_weekday_hour: Counter[tuple[int, int]] = field(default_factory=Counter)  # (0=Monday, hour): local
    night: int = 0
    first: datetime | None = None
    last: datetime | None = None
    longest_run: tuple[date, date, int] | None = None
    bursts: list[Burst] = field(default_factory=list)
    busiest_hour: tuple[datetime, int] | None = None
    longest_unanswered: tuple[datetime, datetime, int] | None = None
    first_on_channel: dict[str, datetime] = field(default_factory=dict)
    first_from_account: dict[str, datetime] = field(default_factory=dict)

    @property
    def days_with_contact(self) -> int:
        return len(self.per_day)

    def to_json(self) -> dict[str, Any]:
        def iso(moment: datetime | None) -> str | None:
            return moment.isoformat().replace("+00:00", "Z") if moment else None

        run = self.longest_run
        quiet = self.longest_unanswered
        return {
            "contacts": self.contacts,
            "replies_from_victim": self.replies,
            "first": iso(self.first),
            "last": iso(self.last),
            "by_channel": dict(self.by_channel.most_common()),
            "by_kind": dict(self.by_kind.most_common()),
            "days_with_contact": self.days_with_contact,
            "longest_run_of_days": {"from": str(run[0]), "to": str(run[1]), "days": run[2]} if run else None,
            "per_month": dict(sorted(self.per_month.items())),
            "per_week": dict(sorted(self.per_week.items())),
            "per_week_by_channel": [
                {"week": week, "channel": channel, "contacts": count}
                for (week, channel), count in sorted(self.per_week_channel.items())
            ],
            "per_weekday_hour": [
                {"weekday": day, "hour": hour, "contacts": count}
                for (day, hour), count in sorted(self.per_weekday_hour.items())
            ],
            "at_night": {
                "contacts": self.night,
                "hours": f"{NIGHT_HOURS.start:02d}:00-{NIGHT_HOURS.stop:02d}:00",
            },
            "bursts": [
                {"start": iso(b.start), "end": iso(b.end), "contacts": b.count, "channels": dict(b.channels)}
                for b in self.bursts
            ],
            "busiest_hour": {"start": iso(self.busiest_hour[0]), "contacts": self.busiest_hour[1]}
            if self.busiest_hour
            else None,
            "longest_unanswered": {"from": iso(quiet[0]), "to": iso(quiet[1]), "contacts": quiet[2]}
            if quiet
            else None,
            "first_on_each_channel": {k: iso(v) for k, v in self.first_on_channel.items()},
            "first_from_each_account": {k: iso(v) for k, v in self.first_from_account.items()},
            "time_zone": self.zone.key,
        }


def _week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def conduct_figures(contacts: Iterable[Contact], zone: ZoneInfo) -> ConductFigures:
    """The figures from contacts given in time order (replies from the victim included, marked)."""
    figures = ConductFigures(zone)
    window: deque[tuple[int, Contact]] = deque()  # incoming contacts of the last hour, numbered
    burst: Burst | None = None
    run_start: date | None = None
    previous_day: date | None = None
    unanswered: list[datetime] = []
    for contact in contacts:
        if not contact.incoming:
            figures.replies += 1
            unanswered = _close_streak(figures, unanswered)
            continue
        at = contact.at
        local = at.astimezone(zone)
        day = local.date()
        figures.contacts += 1
        figures.first = figures.first or at
        figures.last = at
        figures.by_channel[contact.channel] += 1
        figures.by_kind[contact.kind] += 1
        figures.per_day[day] += 1
        figures.per_week[_week(day)] += 1
        figures.per_week_channel[(_week(day), contact.channel)] += 1
        figures.per_month[f"{day:%Y-%m}"] += 1
        figures.night += local.hour in NIGHT_HOURS
        figures.per_weekday_hour[(local.weekday(), local.hour)] += 1
        figures.first_on_channel.setdefault(contact.channel, at)
        if contact.account:
            figures.first_from_account.setdefault(contact.account, at)
        if day != previous_day:
            if previous_day is None or day - previous_day != timedelta(days=1):
                run_start = day
            began = run_start or day
            length = (day - began).days + 1
            if figures.longest_run is None or length > figures.longest_run[2]:
                figures.longest_run = (began, day, length)
            previous_day = day
        unanswered.append(at)
        window.append((figures.contacts, contact))
        while window[0][1].at <= at - BURST_WINDOW:
            window.popleft()
        if figures.busiest_hour is None or len(window) > figures.busiest_hour[1]:
            figures.busiest_hour = (window[0][1].at, len(window))
        burst = _track_burst(figures, burst, window)
    _close_streak(figures, unanswered)
    return figures


def _track_burst(
    figures: ConductFigures, burst: Burst | None, window: deque[tuple[int, Contact]]
) -> Burst | None:
    """A burst is every contact of the hour-long windows holding ``BURST_MIN`` or more contacts,
    overlapping windows merged; its count is the contacts from its first to its last."""
    if len(window) < BURST_MIN:
        return burst
    first_number, first = window[0]
    if burst is None or first_number > burst.last:
        burst = Burst(first.at, first.at, 0, Counter())
        figures.bursts.append(burst)
    new: list[tuple[int, Contact]] = []
    for number, contact in reversed(window):  # only the contacts not yet counted: linear overall
        if number <= burst.last:
            break
        new.append((number, contact))
    for number, contact in reversed(new):
        burst.count += 1
        burst.channels[contact.channel] += 1
        burst.last = number
        burst.end = contact.at
    return burst


def _close_streak(figures: ConductFigures, unanswered: list[datetime]) -> list[datetime]:
    if unanswered and (figures.longest_unanswered is None or len(unanswered) > figures.longest_unanswered[2]):
        figures.longest_unanswered = (unanswered[0], unanswered[-1], len(unanswered))
    return []
