"""Chats written in every documented date and time style import back to the wall-clock times written.

A handful of local times is written as a small chat in one style (Android or iOS, 24- or 12-hour,
eras, Arabic-Indic digits), imported with the Europe/London case zone, and every event's
``occurred_at`` converted back to London must be the time written: to the minute where the style has
no seconds, to the second where it has. Times in the spring-forward gap or the autumn overlap must
carry the documented flag and reading (fold=0). Two ways of settling the date order are exercised:
a file that shows it (some day above 12), and a file that cannot (every day 12 or less), read with
``ImportContext(date_order=...)``.

All names and messages are invented placeholders.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casetrail.importers.base import ImportContext
from casetrail.importers.whatsapp.dates import DateOrder
from casetrail.importers.whatsapp.grammar import MARKS
from casetrail.importers.whatsapp.importer import WhatsAppImporter
from casetrail.model.event import ParsedEvent
from tests.importers.whatsapp.support import read_events

LONDON = ZoneInfo("Europe/London")
IMPORTER = WhatsAppImporter()
LRM, NBSP, NNBSP = "\u200e", "\u00a0", "\u202f"
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
DAY, MONTH, YEAR = DateOrder.DAY_FIRST, DateOrder.MONTH_FIRST, DateOrder.YEAR_FIRST


@dataclass(frozen=True)
class Style:
    """One way WhatsApp writes a header: ``stamp`` is the date and time as written, without the
    iOS brackets or the Android `` - ``."""

    name: str
    order: DateOrder
    ios: bool
    seconds: bool
    stamp: Callable[[datetime], str]


def h12(moment: datetime, am: str, pm: str, midnight: str = "12", seconds: bool = False) -> str:
    """``h:MM`` (or ``h:MM:SS``) plus the suffix on a 12-hour clock; ``midnight`` is how hour 0 is written."""
    hour = midnight if moment.hour == 0 else str(moment.hour % 12 or 12)
    clock = f"{moment:%M:%S}" if seconds else f"{moment:%M}"
    return f"{hour}:{clock}{pm if moment.hour >= 12 else am}"


def era(moment: datetime) -> str:
    """The Japanese era year: Heisei up to 30 April 2019, Reiwa from 1 May 2019 (R1 = 2019)."""
    if moment.date() >= date(2019, 5, 1):
        return f"R{moment.year - 2018}"
    return f"H{moment.year - 1988}"


def arabic(moment: datetime) -> str:
    hour = moment.hour % 12 or 12
    suffix = "م" if moment.hour >= 12 else "ص"
    return f"{moment.day}/{moment.month}/{moment.year}، {hour}:{moment:%M:%S} {suffix}".translate(
        ARABIC_INDIC
    )


STYLES = (
    # Android: "DATE, TIME - Sender: text", no seconds, LF.
    Style("android-dd/mm/yy", DAY, False, False, lambda t: f"{t:%d/%m/%y, %H:%M}"),
    Style("android-mm/dd/yy", MONTH, False, False, lambda t: f"{t:%m/%d/%y, %H:%M}"),
    Style("android-dd/mm/yyyy", DAY, False, False, lambda t: f"{t:%d/%m/%Y, %H:%M}"),
    Style("android-yyyy/mm/dd", YEAR, False, False, lambda t: f"{t:%Y/%m/%d, %H:%M}"),
    Style("android-dd.mm.yy-no-comma", DAY, False, False, lambda t: f"{t:%d.%m.%y %H:%M}"),
    Style("android-dd-mm-yyyy", DAY, False, False, lambda t: f"{t:%d-%m-%Y %H:%M}"),
    Style(
        "android-12h-AM", MONTH, False, False, lambda t: f"{t.month}/{t.day}/{t:%y}, {h12(t, ' AM', ' PM')}"
    ),
    Style(
        "android-12h-a.m.",
        DAY,
        False,
        False,
        lambda t: f"{t:%d/%m/%Y}, {h12(t, f' a.{NBSP}m.', f' p.{NBSP}m.')}",
    ),
    Style(  # the impossible "00:08 a. m." some Android versions write for 12:08 AM
        "android-12h-a.m.-hour-00",
        DAY,
        False,
        False,
        lambda t: f"{t:%d/%m/%Y}, {h12(t, ' a. m.', ' p. m.', midnight='00')}",
    ),
    Style(
        "android-12h-narrow-nbsp",
        DAY,
        False,
        False,
        lambda t: f"{t.day}/{t.month}/{t:%y}, {h12(t, f'{NNBSP}am', f'{NNBSP}pm')}",
    ),
    # iOS: "[DATE, TIME] Sender: text", seconds, CRLF.
    Style("ios-dd/mm/yyyy", DAY, True, True, lambda t: f"{t:%d/%m/%Y, %H:%M:%S}"),
    Style("ios-mm/dd/yy", MONTH, True, True, lambda t: f"{t:%m/%d/%y, %H:%M:%S}"),
    Style(
        "ios-12h-narrow-nbsp",
        MONTH,
        True,
        True,
        lambda t: f"{t.month}/{t.day}/{t:%y}, {h12(t, f'{NNBSP}AM', f'{NNBSP}PM', seconds=True)}",
    ),
    Style("ios-time-first", DAY, True, True, lambda t: f"{t:%H:%M:%S, %d/%m/%y}"),
    Style("ios-indonesian-dotted-time", DAY, True, True, lambda t: f"{t:%d/%m/%y %H.%M.%S}"),
    Style("ios-arabic-indic", DAY, True, True, arabic),
    Style(
        "ios-buddhist-era", DAY, True, True, lambda t: f"{t.day}/{t.month}/{t.year + 543} BE, {t:%H:%M:%S}"
    ),
    Style("ios-japanese-era", MONTH, True, True, lambda t: f"{t.month}/{t.day}/{era(t)}, {t:%H:%M:%S}"),
)


@dataclass(frozen=True)
class Message:
    local: datetime
    sender: str
    lines: tuple[str, ...]


MOMENTS = st.datetimes(min_value=datetime(2015, 1, 1), max_value=datetime(2030, 12, 31, 23, 59, 59)).map(
    lambda t: t.replace(microsecond=0, fold=0)  # a file cannot say fold=1: the docs' reading is fold=0
)
SENDERS = st.sampled_from(("Alice", "Bob", "Casey Marsh", "\u202a+44 7700 900123\u202c"))
WORDS = "abcdefghijklmnopqrstuvwxyz ABCXYZ,.!?éü☕"
OPENING = st.text(alphabet=WORDS, min_size=1, max_size=20)
CONTINUATION = st.text(alphabet=WORDS, max_size=20)  # may be blank; never starts like a header


def last_sunday(year: int, month: int) -> int:
    return 31 - (date(year, month, 31).weekday() + 1) % 7


@st.composite
def dst_edges(draw: st.DrawFn) -> datetime:
    """A London wall time in the hours around a clock change (01:xx is the gap in March, the overlap
    in October)."""
    year, month = draw(st.integers(2015, 2030)), draw(st.sampled_from((3, 10)))
    hour, minute, second = draw(st.integers(0, 2)), draw(st.integers(0, 59)), draw(st.integers(0, 59))
    return datetime(year, month, last_sunday(year, month), hour, minute, second)


@st.composite
def chats(draw: st.DrawFn, decidable: bool) -> tuple[Message, ...]:
    """Up to six messages (at most 18 lines). ``decidable``: some day is above 12 and DST edges occur;
    otherwise every day is 12 or less, so only a given date order can settle the file."""
    moments = st.one_of(MOMENTS, MOMENTS, MOMENTS, dst_edges()) if decidable else MOMENTS
    messages = draw(
        st.lists(
            st.builds(
                Message,
                local=moments,
                sender=SENDERS,
                lines=st.tuples(OPENING).flatmap(
                    lambda first: st.lists(CONTINUATION, max_size=2).map(lambda rest: (*first, *rest))
                ),
            ),
            min_size=1,
            max_size=6,
        )
    )
    if decidable:
        at = draw(st.integers(0, len(messages) - 1))
        day = draw(st.integers(13, 28))
        messages[at] = Message(messages[at].local.replace(day=day), messages[at].sender, messages[at].lines)
    else:
        messages = [
            Message(m.local.replace(day=(m.local.day - 1) % 12 + 1), m.sender, m.lines) for m in messages
        ]
    return tuple(messages)


def render(style: Style, messages: tuple[Message, ...], marks: bool) -> str:
    """The export as WhatsApp writes it: iOS in brackets with CRLF (and optionally the LRM before each
    header), Android with " - " and LF."""
    lead = LRM if marks else ""
    lines: list[str] = []
    for message in messages:
        stamp = style.stamp(message.local)
        head = f"{lead}[{stamp}] " if style.ios else f"{stamp} - "
        lines.append(f"{head}{message.sender}: {message.lines[0]}")
        lines.extend(message.lines[1:])
    newline = "\r\n" if style.ios else "\n"
    return newline.join(lines) + newline


def run(path: Path, date_order: str | None) -> tuple[list[ParsedEvent], ImportContext]:
    context = ImportContext(LONDON, date_order=date_order)
    return read_events(path, context), context


def dst_flags(local: datetime) -> tuple[str, ...]:
    """What the docs promise for a London wall time: ``dst-gap``, ``dst-ambiguous`` or nothing."""
    aware = local.replace(tzinfo=LONDON)
    if aware.astimezone(UTC).astimezone(LONDON).replace(tzinfo=None) != local:
        return ("dst-gap",)
    if aware.utcoffset() != aware.replace(fold=1).utcoffset():
        return ("dst-ambiguous",)
    return ()


def check_round_trip(style: Style, messages: tuple[Message, ...], events: list[ParsedEvent]) -> None:
    assert len(events) == len(messages)
    for message, event in zip(messages, events, strict=True):
        written = message.local if style.seconds else message.local.replace(second=0)
        flags = dst_flags(written)
        assert event.local_time == style.stamp(message.local), message
        assert (event.sender, event.text) == (message.sender.strip(MARKS), "\n".join(message.lines))
        assert event.flags == flags, (event.local_time, event.flags)
        assert event.occurred_at is not None, event.local_time
        # fold=0: the earlier instant in an overlap, the offset before the change in a gap.
        assert event.occurred_at == written.replace(tzinfo=LONDON).astimezone(UTC), event.local_time
        if flags != ("dst-gap",):  # a gap time never happened, so it cannot come back as written
            assert event.occurred_at.astimezone(LONDON).replace(tzinfo=None) == written, event.local_time


# 18 styles x 2 tests x 4 examples: about 150 examples in all.
ROUND_TRIP = settings(
    max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
BY_STYLE = pytest.mark.parametrize("style", STYLES, ids=[style.name for style in STYLES])


@ROUND_TRIP
@BY_STYLE
@given(messages=chats(decidable=True), marks=st.booleans())
def test_a_file_that_shows_its_date_order_round_trips(tmp_path, style, messages, marks):
    path = tmp_path / ("_chat.txt" if style.ios else "WhatsApp Chat with Alice.txt")
    path.write_bytes(render(style, messages, marks).encode())
    events, context = run(path, None)
    check_round_trip(style, messages, events)
    assert context.notes == []


@ROUND_TRIP
@BY_STYLE
@given(messages=chats(decidable=False), marks=st.booleans())
def test_a_file_that_cannot_show_its_date_order_round_trips_with_the_given_order(
    tmp_path, style, messages, marks
):
    path = tmp_path / ("_chat.txt" if style.ios else "WhatsApp Chat with Alice.txt")
    path.write_bytes(render(style, messages, marks).encode())
    events, context = run(path, str(style.order))
    check_round_trip(style, messages, events)
    assert all("as you asked" in note for note in context.notes), context.notes
