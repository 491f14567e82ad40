"""Course-of-conduct figures, each checked on a hand-made stream where the answer is known."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from casetrail.analysis.conduct import BURST_MIN, Contact, conduct_figures

LONDON = ZoneInfo("Europe/London")
T0 = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)  # a Monday, GMT


def incoming(at: datetime, channel: str = "sms", account: str = "phone:+447700900587") -> Contact:
    return Contact(at, channel, "message", True, account)


def reply(at: datetime) -> Contact:
    return Contact(at, "sms", "message", False)


def test_counts_days_weeks_months_and_channels() -> None:
    stream = [incoming(T0), incoming(T0 + timedelta(minutes=5), "whatsapp"), incoming(T0 + timedelta(days=8))]
    figures = conduct_figures(stream, LONDON)
    assert figures.contacts == 3
    assert dict(figures.by_channel) == {"sms": 2, "whatsapp": 1}
    assert figures.days_with_contact == 2
    assert dict(figures.per_week) == {"2025-W10": 2, "2025-W11": 1}
    assert dict(figures.per_month) == {"2025-03": 3}
    assert figures.first_on_channel == {"sms": T0, "whatsapp": T0 + timedelta(minutes=5)}


def test_days_are_the_case_time_zones() -> None:
    late = datetime(2025, 6, 1, 23, 30, tzinfo=UTC)  # 00:30 on 2 June in London (BST)
    figures = conduct_figures([incoming(late)], LONDON)
    assert list(figures.per_day) == [date(2025, 6, 2)]
    assert figures.night == 1


def test_longest_run_of_consecutive_days() -> None:
    days = [0, 1, 2, 4, 5, 6, 7, 9]
    figures = conduct_figures([incoming(T0 + timedelta(days=d)) for d in days], LONDON)
    assert figures.longest_run == (date(2025, 3, 7), date(2025, 3, 10), 4)


def test_a_burst_is_ten_or_more_in_an_hour_and_overlapping_hours_merge() -> None:
    calls = [incoming(T0 + timedelta(minutes=4 * n), "phone") for n in range(25)]  # one every 4 minutes
    calls.append(incoming(T0 + timedelta(hours=5)))  # far later: not part of it
    figures = conduct_figures(calls, LONDON)
    assert len(figures.bursts) == 1
    burst = figures.bursts[0]
    assert (burst.start, burst.end, burst.count) == (T0, T0 + timedelta(minutes=96), 25)
    assert figures.busiest_hour == (T0, 15)  # minutes 0..56 all fall within the first hour


def test_nine_in_an_hour_is_not_a_burst() -> None:
    figures = conduct_figures([incoming(T0 + timedelta(minutes=6 * n)) for n in range(BURST_MIN - 1)], LONDON)
    assert figures.bursts == []


def test_contacts_at_the_same_moment_all_count() -> None:
    figures = conduct_figures([incoming(T0) for _ in range(12)], LONDON)
    assert (len(figures.bursts), figures.bursts[0].count, figures.busiest_hour) == (1, 12, (T0, 12))


def test_longest_run_without_a_reply() -> None:
    stream = [incoming(T0), incoming(T0 + timedelta(hours=1)), reply(T0 + timedelta(hours=2))]
    stream += [incoming(T0 + timedelta(hours=3 + n)) for n in range(4)]
    figures = conduct_figures(stream, LONDON)
    assert figures.replies == 1
    assert figures.longest_unanswered == (T0 + timedelta(hours=3), T0 + timedelta(hours=6), 4)


def test_new_accounts_are_listed_as_they_appear() -> None:
    stream = [
        incoming(T0, account="a"),
        incoming(T0 + timedelta(days=1), account="b"),
        incoming(T0 + timedelta(days=2), account="a"),
    ]
    figures = conduct_figures(stream, LONDON)
    assert figures.first_from_account == {"a": T0, "b": T0 + timedelta(days=1)}


def test_json_names_every_figure() -> None:
    shown = conduct_figures([incoming(T0)], LONDON).to_json()
    assert shown["contacts"] == 1 and shown["time_zone"] == "Europe/London"
    assert shown["longest_run_of_days"] == {"from": "2025-03-03", "to": "2025-03-03", "days": 1}
    assert shown["first"] == "2025-03-03T12:00:00Z"
