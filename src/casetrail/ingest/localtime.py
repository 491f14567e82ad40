"""Local wall-clock times to UTC in the case's time zone, flagging the two hours DST makes doubtful."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo


def to_utc(naive: datetime, zone: ZoneInfo) -> tuple[datetime, tuple[str, ...]]:
    """Convert; flag ``dst-gap`` (the clock skipped this time) or ``dst-ambiguous`` (it happened twice).

    In a gap, zoneinfo reads the time with the offset in force before the change; in an overlap we
    keep the earlier instant (fold=0). Either way the original wording stays in the event.
    """
    first = naive.replace(tzinfo=zone, fold=0)
    second = naive.replace(tzinfo=zone, fold=1)
    flags: tuple[str, ...] = ()
    if first.utcoffset() != second.utcoffset():
        round_trip = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
        flags = ("dst-ambiguous",) if round_trip == naive else ("dst-gap",)
    return first.astimezone(UTC), flags
