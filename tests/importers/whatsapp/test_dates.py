"""Date order decided per file, 12-hour clocks, eras, and wall-clock to UTC across DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from casetrail.importers.whatsapp.dates import (
    DateFormat,
    DateOrder,
    DateReader,
    LocalClock,
    date_fields,
    decide_format,
    default_order,
    to_clock,
    to_date,
)

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("tokens", "order", "ambiguous"),
    [
        (["01/01/19", "20/01/19", "30/01/19"], DateOrder.DAY_FIRST, False),
        (["01/01/19", "01/20/19", "01/30/19"], DateOrder.MONTH_FIRST, False),
        (["2019/01/01", "2019/01/20"], DateOrder.YEAR_FIRST, False),
        (["23.03.22", "18.03.22"], DateOrder.DAY_FIRST, False),
        (["3/18/22", "3/27/22"], DateOrder.MONTH_FIRST, False),
        (["12/9/20"], DateOrder.DAY_FIRST, True),
        (["1/1/21", "2/3/21"], DateOrder.DAY_FIRST, True),
        (["13/01/21", "01/13/21"], DateOrder.DAY_FIRST, True),
        (["13/01/21", "01/13/21", "01/14/21"], DateOrder.MONTH_FIRST, True),
        (["3/18/2565 BE"], DateOrder.MONTH_FIRST, False),
        (["not a date"], DateOrder.DAY_FIRST, True),
    ],
)
def test_order_is_decided_from_all_tokens(tokens, order, ambiguous):
    fmt = decide_format(tokens, LONDON)
    assert (fmt.order, fmt.ambiguous) == (order, ambiguous)
    assert fmt.reason


def test_ambiguous_order_follows_the_case_zone():
    assert decide_format(["1/2/21"], NEW_YORK).order is DateOrder.MONTH_FIRST
    assert decide_format(["1/2/21"], ZoneInfo("Europe/Berlin")).order is DateOrder.DAY_FIRST
    assert default_order(ZoneInfo("America/Sao_Paulo")) is DateOrder.MONTH_FIRST
    assert "12 or less" in decide_format(["1/2/21"], LONDON).reason


def test_one_decisive_line_settles_the_whole_file():
    tokens = ["01/02/21"] * 50 + ["25/02/21"]
    assert decide_format(tokens, NEW_YORK) == DateFormat(
        DateOrder.DAY_FIRST, False, False, "a first field is above 12"
    )


def test_twelve_hour_is_carried_through():
    assert decide_format(["20/01/19"], LONDON, twelve_hour=True).twelve_hour


@pytest.mark.parametrize(
    ("token", "order", "expected"),
    [
        ("20/01/19", DateOrder.DAY_FIRST, date(2019, 1, 20)),
        ("01/20/19", DateOrder.MONTH_FIRST, date(2019, 1, 20)),
        ("2019/01/20", DateOrder.YEAR_FIRST, date(2019, 1, 20)),
        ("20.01.2019", DateOrder.DAY_FIRST, date(2019, 1, 20)),
        ("20-01-2019", DateOrder.DAY_FIRST, date(2019, 1, 20)),
        ("12/9/20", DateOrder.DAY_FIRST, date(2020, 9, 12)),
        ("1/1/99", DateOrder.DAY_FIRST, date(2099, 1, 1)),
        ("١٨/٣/٢٠٢٢", DateOrder.DAY_FIRST, date(2022, 3, 18)),
        ("\u200f18\u200f/3\u200f/2022", DateOrder.DAY_FIRST, date(2022, 3, 18)),
        ("3/18/2565 BE", DateOrder.MONTH_FIRST, date(2022, 3, 18)),
        ("3/18/R4", DateOrder.MONTH_FIRST, date(2022, 3, 18)),
        ("1/12/R5", DateOrder.MONTH_FIRST, date(2023, 1, 12)),
        ("4/30/H31", DateOrder.MONTH_FIRST, date(2019, 4, 30)),
        ("31/02/21", DateOrder.DAY_FIRST, None),
        ("20/01/19", DateOrder.MONTH_FIRST, None),
        ("1/1/0000", DateOrder.DAY_FIRST, None),
        ("nonsense", DateOrder.DAY_FIRST, None),
    ],
)
def test_dates(token, order, expected):
    assert to_date(token, order) == expected


def test_date_fields_keep_the_written_digits():
    assert date_fields("01/02/19") == ("01", "02", "19")
    assert date_fields("3/18/R4") == ("3", "18", "2022")
    assert date_fields("01:02:19") is None


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("11:25", (11, 25, 0)),
        ("15:58:47", (15, 58, 47)),
        ("14.56.01", (14, 56, 1)),
        ("11:25 a. m.", (11, 25, 0)),
        ("08:49 p. m.", (20, 49, 0)),
        ("12:10 p. m.", (12, 10, 0)),
        ("12:30 AM", (0, 30, 0)),
        ("12:30 PM", (12, 30, 0)),
        ("00:08 a. m.", (0, 8, 0)),
        ("9:05\u202fpm", (21, 5, 0)),
        ("10:01 p.m.", (22, 1, 0)),
        ("٢:٥٦:٠٠\u00a0م", (14, 56, 0)),
        ("٩:٠٠\u00a0ص", (9, 0, 0)),
        ("24:00", None),
        ("11:60", None),
        ("11:25 xm", None),
        ("noon", None),
    ],
)
def test_clock_times(token, expected):
    assert to_clock(token) == expected


def test_summer_time_in_london_is_utc_minus_one_hour():
    clock = LocalClock(LONDON)
    assert clock.to_utc(datetime(2021, 7, 1, 12, 0)) == (datetime(2021, 7, 1, 11, 0, tzinfo=UTC), None)
    assert clock.to_utc(datetime(2021, 1, 1, 12, 0)) == (datetime(2021, 1, 1, 12, 0, tzinfo=UTC), None)


def test_a_time_in_the_spring_gap_is_flagged():
    instant, flag = LocalClock(LONDON).to_utc(datetime(2021, 3, 28, 1, 30))
    assert flag == "dst-gap"
    assert instant == datetime(2021, 3, 28, 1, 30, tzinfo=UTC)


def test_a_time_in_the_autumn_overlap_takes_the_earlier_instant():
    instant, flag = LocalClock(LONDON).to_utc(datetime(2021, 10, 31, 1, 30))
    assert flag == "dst-ambiguous"
    assert instant == datetime(2021, 10, 31, 0, 30, tzinfo=UTC)


def test_times_on_change_days_outside_the_change_are_not_flagged():
    clock = LocalClock(LONDON)
    assert clock.to_utc(datetime(2021, 3, 28, 0, 30)) == (datetime(2021, 3, 28, 0, 30, tzinfo=UTC), None)
    assert clock.to_utc(datetime(2021, 3, 28, 2, 30)) == (datetime(2021, 3, 28, 1, 30, tzinfo=UTC), None)
    assert clock.to_utc(datetime(2021, 10, 31, 2, 30)) == (datetime(2021, 10, 31, 2, 30, tzinfo=UTC), None)


def test_other_zones_convert_too():
    instant, flag = LocalClock(NEW_YORK).to_utc(datetime(2021, 3, 14, 2, 30))
    assert flag == "dst-gap"
    assert LocalClock(ZoneInfo("Asia/Kolkata")).to_utc(datetime(2021, 6, 1, 5, 30)) == (
        datetime(2021, 6, 1, 0, 0, tzinfo=UTC),
        None,
    )
    assert instant.tzinfo is UTC


def test_reader_combines_date_time_and_flags():
    reader = DateReader(decide_format(["28/03/21"], LONDON), LONDON)
    assert reader.read("28/03/21", "01:30") == (datetime(2021, 3, 28, 1, 30, tzinfo=UTC), "dst-gap")
    assert reader.read("28/03/21", "12:00") == (datetime(2021, 3, 28, 11, 0, tzinfo=UTC), None)
    assert reader.read("31/02/21", "12:00") == (None, "invalid-date")
    assert reader.read("28/03/21", "25:00") == (None, "invalid-date")


def test_reader_survives_the_ends_of_the_calendar():
    tokyo = ZoneInfo("Asia/Tokyo")
    reader = DateReader(decide_format(["0001/01/01"], tokyo), tokyo)
    assert reader.read("0001/01/01", "00:00") == (None, "invalid-date")
    los_angeles = ZoneInfo("America/Los_Angeles")
    reader = DateReader(decide_format(["9999/12/31"], los_angeles), los_angeles)
    assert reader.read("9999/12/31", "23:59") == (None, "invalid-date")
