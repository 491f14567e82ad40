"""Reading WhatsApp header dates and times, and placing them on the UTC time line.

WhatsApp writes dates in the phone's locale with no hint of the order, so the order is decided once per
file from every distinct date token (a first field above 12 can only be a day, a second field above 12
only a day too), never line by line: ``01/02/21`` must mean the same thing on every line of one file.
Times are local wall-clock times without a zone; the case time zone turns them into UTC, and times that
fall in a daylight-saving gap or overlap are flagged rather than silently shifted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from casetrail.importers.whatsapp.grammar import strip_marks

_DATE_FIELDS = re.compile(r"(\d{1,4})[./-](\d{1,2})[./-]([MTSHR]?)(\d{1,4})([ \u00a0\u202f]BE)?")
#: Japanese era letters and the Gregorian year before each era's first year (Reiwa 1 = 2019).
_ERAS = {"M": 1867, "T": 1911, "S": 1925, "H": 1988, "R": 2018}
_BUDDHIST_OFFSET = 543
_TIME_FIELDS = re.compile(r"(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?(.*)")
_SUFFIX_JUNK = str.maketrans(dict.fromkeys(". \u00a0\u202f"))
_PM = frozenset({"pm", "م"})
_AM = frozenset({"am", "ص"})
_CACHE_LIMIT = 100_000
_FIRST_SAFE_YEAR, _LAST_SAFE_YEAR = 2, 9998


class DateOrder(StrEnum):
    DAY_FIRST = "day-first"
    MONTH_FIRST = "month-first"
    YEAR_FIRST = "year-first"


@dataclass(frozen=True, slots=True)
class DateFormat:
    """The file-wide reading of header dates; ``ambiguous`` means the file itself could not decide."""

    order: DateOrder
    ambiguous: bool
    twelve_hour: bool
    reason: str
    contradictory: bool = False  # both a first and a second field above 12: no order fits every line


def date_fields(token: str) -> tuple[str, str, str] | None:
    """The three digit groups of a date token, as written, except era years become Gregorian years."""
    match = _DATE_FIELDS.fullmatch(strip_marks(token))
    if match is None:
        return None
    era, year = match[3], match[4]
    if era:
        year = str(_ERAS[era] + int(year))
    elif match[5]:
        year = str(int(year) - _BUDDHIST_OFFSET)
    return match[1], match[2], year


def default_order(zone: ZoneInfo) -> DateOrder:
    """Day-first everywhere except the Americas, where month-first phones are the norm."""
    return DateOrder.MONTH_FIRST if zone.key.startswith("America/") else DateOrder.DAY_FIRST


def decide_format(tokens: Iterable[str], zone: ZoneInfo, twelve_hour: bool = False) -> DateFormat:
    """Choose one date order for a whole file from all its distinct date tokens."""
    year_first = year_last = day_proof = month_proof = 0
    for token in tokens:
        fields = date_fields(token)
        if fields is None:
            continue
        first, second, third = fields
        if len(first) > 2 or int(first) > 31:
            year_first += 1
            continue
        year_last += len(third) > 2 or int(third) > 31
        day_proof += int(first) > 12
        month_proof += int(second) > 12
    if year_first > year_last:
        return DateFormat(DateOrder.YEAR_FIRST, False, twelve_hour, "the year comes first")
    if day_proof and not month_proof:
        return DateFormat(DateOrder.DAY_FIRST, False, twelve_hour, "a first field is above 12")
    if month_proof and not day_proof:
        return DateFormat(DateOrder.MONTH_FIRST, False, twelve_hour, "a second field is above 12")
    if day_proof or month_proof:
        order = DateOrder.DAY_FIRST if day_proof >= month_proof else DateOrder.MONTH_FIRST
        why = "the dates contradict each other (both fields go above 12)"
        return DateFormat(order, True, twelve_hour, why, contradictory=True)
    order = default_order(zone)
    why = f"every day and month is 12 or less; {order} is the usual order for {zone.key}"
    return DateFormat(order, True, twelve_hour, why)


def to_date(token: str, order: DateOrder) -> date | None:
    """The calendar date of a token in the file's order; two-digit years are 20YY. None if impossible."""
    fields = date_fields(token)
    if fields is None:
        return None
    first, second, third = fields
    if order is DateOrder.YEAR_FIRST:
        year, month, day = first, second, third
    elif order is DateOrder.DAY_FIRST:
        day, month, year = first, second, third
    else:
        month, day, year = first, second, third
    number = int(year) + (2000 if len(year) <= 2 else 0)
    try:
        return date(number, int(month), int(day))
    except ValueError:
        return None


def fits(token: str, order: DateOrder) -> bool:
    """Whether a date token can be read in ``order``: the year where that order puts it, a real date."""
    fields = date_fields(token)
    if fields is None:
        return False
    first, _second, third = fields
    year_first = len(first) > 2 or int(first) > 31
    if order is DateOrder.YEAR_FIRST:
        if not year_first and (len(third) > 2 or int(third) > 31):
            return False
    elif year_first:
        return False
    return to_date(token, order) is not None


def contradicts(token: str, order: DateOrder) -> bool:
    """True when a token cannot be read in ``order`` but can in another (``13/04/25`` for month-first).

    A date impossible in every order (``30/02/21``) contradicts none: it is flagged ``invalid-date``.
    """
    return not fits(token, order) and any(fits(token, other) for other in DateOrder if other is not order)


_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def spoken(day: date) -> str:
    """A date in words, so a question about the order cannot itself be misread: ``3 April 2025``."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def to_clock(token: str) -> tuple[int, int, int] | None:
    """Hour, minute, second of a time token; ``12 AM`` is 00, ``12 PM`` 12, and ``00:08 a. m.`` 00:08."""
    match = _TIME_FIELDS.fullmatch(strip_marks(token))
    if match is None:
        return None
    hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
    suffix = match[4].translate(_SUFFIX_JUNK).lower()
    if suffix in _PM and hour < 12:
        hour += 12
    elif suffix in _AM and hour == 12:
        hour = 0
    elif suffix and suffix not in _PM and suffix not in _AM:
        return None
    if hour > 23 or minute > 59 or second > 59:
        return None
    return hour, minute, second


class LocalClock:
    """Converts wall-clock times in one zone to UTC, flagging DST gaps and overlaps.

    In an overlap (clocks go back) the earlier instant is used (PEP 495 ``fold=0``), flagged
    ``dst-ambiguous``. In a gap (clocks go forward) the time never existed; it is read with the offset in
    force before the change, flagged ``dst-gap``. Days without a change use a cached offset.
    """

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone
        self._steady: dict[date, timedelta | None] = {}

    def to_utc(self, local: datetime) -> tuple[datetime, str | None]:
        offset = self.steady_offset(local.date())
        if offset is not None:
            return (local - offset).replace(tzinfo=UTC), None
        aware = local.replace(tzinfo=self.zone, fold=0)
        instant = aware.astimezone(UTC)
        if aware.utcoffset() == aware.replace(fold=1).utcoffset():
            return instant, None
        if instant.astimezone(self.zone).replace(tzinfo=None) != local:
            return instant, "dst-gap"
        return instant, "dst-ambiguous"

    def steady_offset(self, day: date) -> timedelta | None:
        """The one UTC offset in force all day (cached per day), or None when it changes around that day."""
        if day in self._steady:
            return self._steady[day]
        if len(self._steady) > _CACHE_LIMIT:
            self._steady.clear()
        offset = self._steady[day] = self._day_offset(day)
        return offset

    def _day_offset(self, day: date) -> timedelta | None:
        """The one UTC offset in force all day, or None when the offset changes on or around that day."""
        try:
            start = datetime(day.year, day.month, day.day, tzinfo=self.zone)
            end = start + timedelta(days=1)
        except OverflowError:
            return None
        offsets = {moment.replace(fold=fold).utcoffset() for moment in (start, end) for fold in (0, 1)}
        offset = offsets.pop()
        return offset if not offsets else None


class DateReader:
    """Turns a header's date and time tokens into a UTC instant plus flags, caching repeated tokens.

    ``read`` is the complete reading. For the common case it also keeps two caches that a parser can
    add without a call: ``midnights[date] + clocks[time]`` is the instant ``read`` gives (with no flag)
    whenever neither value is None; ``learn`` fills them.
    """

    def __init__(self, fmt: DateFormat, zone: ZoneInfo) -> None:
        self.fmt = fmt
        self.clock = LocalClock(zone)
        self._dates: dict[str, date | None] = {}
        self._times: dict[str, tuple[int, int, int] | None] = {}
        #: Date token → UTC instant of local midnight, for a real date whose day has one offset
        #: throughout and whose year leaves room for any offset (else None: ``read`` decides).
        self.midnights: dict[str, datetime | None] = {}
        #: Time token → time of day (None when it is not a valid time).
        self.clocks: dict[str, timedelta | None] = {}

    def read(self, date_token: str, time_token: str) -> tuple[datetime | None, str | None]:
        """The UTC instant and at most one flag (``invalid-date``, ``dst-gap`` or ``dst-ambiguous``)."""
        day = self._day(date_token)
        clock = self._clock(time_token)
        if day is None or clock is None:
            return None, "invalid-date"
        try:
            return self.clock.to_utc(datetime(day.year, day.month, day.day, *clock))
        except OverflowError:
            return None, "invalid-date"

    def learn(self, date_token: str, time_token: str) -> None:
        """Fill ``midnights`` and ``clocks`` for these tokens."""
        if date_token not in self.midnights:
            if len(self.midnights) > _CACHE_LIMIT:
                self.midnights.clear()
            self.midnights[date_token] = self._midnight(date_token)
        if time_token not in self.clocks:
            if len(self.clocks) > _CACHE_LIMIT:
                self.clocks.clear()
            clock = self._clock(time_token)
            self.clocks[time_token] = (
                None if clock is None else timedelta(hours=clock[0], minutes=clock[1], seconds=clock[2])
            )

    def _midnight(self, date_token: str) -> datetime | None:
        """Local midnight minus the day's one offset equals ``to_utc`` for every time that day; years 1
        and 9999 are left to ``read``, where the offset can push an instant off the calendar."""
        day = self._day(date_token)
        if day is None or not _FIRST_SAFE_YEAR <= day.year <= _LAST_SAFE_YEAR:
            return None
        offset = self.clock.steady_offset(day)
        if offset is None:
            return None
        return datetime(day.year, day.month, day.day, tzinfo=UTC) - offset

    def _day(self, date_token: str) -> date | None:
        if date_token in self._dates:
            return self._dates[date_token]
        if len(self._dates) > _CACHE_LIMIT:
            self._dates.clear()
        day = self._dates[date_token] = to_date(date_token, self.fmt.order)
        return day

    def _clock(self, time_token: str) -> tuple[int, int, int] | None:
        if time_token in self._times:
            return self._times[time_token]
        if len(self._times) > _CACHE_LIMIT:
            self._times.clear()
        clock = self._times[time_token] = to_clock(time_token)
        return clock
