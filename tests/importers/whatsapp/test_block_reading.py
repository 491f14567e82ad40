"""Block reading gives exactly what line-by-line reading gave: the same lines, the same date scan and the
same events, whatever the block size, line endings, encoding or damage. ``line_reference`` holds the
line-by-line importer these are compared with.
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields
from datetime import date
from functools import partial
from itertools import product
from unittest.mock import patch
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casetrail.errors import InputError
from casetrail.importers.base import ImportContext
from casetrail.importers.whatsapp import builder, importer, scan
from casetrail.importers.whatsapp.dates import DateFormat, DateOrder, DateReader
from casetrail.importers.whatsapp.grammar import BLOCK_LAYOUTS, HEADER
from casetrail.ingest import text
from casetrail.model.event import Locator, ParsedEvent
from tests.importers.whatsapp.line_reference import (
    ReferenceScan,
    reference_events,
    reference_lines,
    reference_scan,
)
from tests.importers.whatsapp.support import read_events

LONDON = ZoneInfo("Europe/London")
PROPERTY = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

MARK = "\u200e"
DATES = [
    "14\u200e/02/21",
    "1/2/21",
    "02/14/21",
    "2021-02-14",
    "28/03/21",
    "31/10/21",
    "31/02/21",
    "14.02.21",
    "R4/1/2",
]
TIMES = ["09:00", "9:05:01", "01:30", "1:05 PM", "12:30 a. m.", "7:05\u202fpm", "24:00", "10:00 م"]
NAMES = ["Alice", "Bob", "\u202a+44 7700 900123\u202c", "Al:ex", "", MARK, "Dan Smith"]
BODIES = [
    "hello",
    "Going home",
    "Maybe later",
    "<Media omitted>",
    f"{MARK}<attached: 00000012-PHOTO.jpg>",
    "card.vcf (file attached)",
    f"{MARK}image omitted",
    "x OmItTeD ",
    "IMAGE OMITTED  ",
    "Video call \u2022 12:03",
    "Missed video call. Tap to call back",
    "\u200fMessages and calls are end-to-end encrypted.",
    "Venue name",
    "This message was deleted",
    f"{MARK}You deleted this message.",
    "Missed voice call",
    f"{MARK}Voice call, 5 min",
    "location: https://maps.google.com/?q=51.5,-0.12",
    "Live location shared",
    "hi <This message was edited>",
    f"{MARK}Messages and calls are end-to-end encrypted.",
    "Bob:no space",
    "café ☕ 😊",
    "a\rb",
    "",
    ":",
    "Alice: nested: colon",
]
CONTINUATIONS = [
    "second line",
    "",
    " ",
    "Address 1, London",
    "https://foursquare.com/v/abc123",
    "more <This message was edited>",
    "14/02/21 not a header",
    "[14/02/21, 09:00:00]",
    "14/02/21, 09:00 -",
    f"{MARK}",
    "😊 x\ry",
]

FOLLOWING = [
    [],
    ["second line"],
    ["Address 1, London", "https://foursquare.com/v/abc123"],
    ["x", "a <This message was edited>"],
]


@st.composite
def header_lines(draw: st.DrawFn, ios: bool) -> str:
    stamp = f"{draw(st.sampled_from(DATES))}, {draw(st.sampled_from(TIMES))}"
    head = f"[{stamp}] " if ios else f"{stamp} - "
    head = draw(st.sampled_from(["", MARK])) + head
    written = draw(st.sampled_from([": ", ":", ""]))
    return head + draw(st.sampled_from(NAMES)) + written + draw(st.sampled_from(BODIES))


@st.composite
def chats(draw: st.DrawFn) -> bytes:
    ios = draw(st.booleans())
    before = st.sampled_from(["", " ", "not a chat", MARK])
    lines = draw(st.lists(before, max_size=2)) if draw(st.integers(0, 9)) == 0 else []
    line = st.one_of(
        header_lines(ios), header_lines(ios), st.sampled_from(CONTINUATIONS), header_lines(not ios)
    )
    if draw(st.integers(0, 19)):  # now and then an empty file
        lines += [draw(header_lines(ios)), *draw(st.lists(line, max_size=30))]
    endings = draw(st.sampled_from(["\n", "\r\n", "mixed"]))
    chat = "".join(
        line + (draw(st.sampled_from(["\n", "\r\n", "\r\r\n"])) if endings == "mixed" else endings)
        for line in lines
    )
    chat = draw(st.sampled_from([chat, chat.rstrip("\n"), chat.rstrip("\r\n") + "\r"]))
    encoding = draw(
        st.sampled_from(["utf-8", "utf-8", "utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be"])
    )
    data = chat.encode(encoding)
    if encoding == "utf-8":
        for _ in range(draw(st.integers(0, 3))):
            at = draw(st.integers(0, len(data)))
            data = (
                data[:at]
                + draw(st.sampled_from([b"\xff", b"\xe2\x82", b"\xc3", b"\xed\xa0\x80"]))
                + data[at:]
            )
    return data


@contextmanager
def block_size(size: int) -> Iterator[None]:
    """Read in blocks of ``size`` bytes, so lines, messages and runs of dates cross block ends."""
    small = partial(text.iter_blocks, size=size)
    with patch.object(importer, "iter_blocks", small), patch.object(scan, "iter_blocks", small):
        yield


def outcome(read: partial[list[ParsedEvent]]) -> list[ParsedEvent] | str:
    try:
        return read()
    except InputError as exc:
        return str(exc)


@PROPERTY
@given(data=st.binary(max_size=300) | chats(), size=st.sampled_from([1, 2, 5, 64, text.BLOCK_SIZE]))
def test_blocks_hold_the_same_lines(data, size):
    expected = [(line.number, line.text, line.damaged) for line in reference_lines(io.BytesIO(data))]
    assert list(_block_lines(text.iter_blocks(io.BytesIO(data), size))) == expected
    assert [(line.number, line.text, line.damaged) for line in text.iter_lines(io.BytesIO(data))] == expected


def _block_lines(blocks: Iterator[text.Block]) -> Iterator[tuple[int, str, bool]]:
    number = 0
    for block in blocks:
        assert block.text.startswith("\n")
        for index, line in enumerate(block.lines()):
            number += 1
            yield number, line, index in block.damaged


@PROPERTY
@given(data=chats(), size=st.sampled_from([1, 3, 64, text.BLOCK_SIZE]))
def test_the_date_scan_is_the_line_by_line_scan(tmp_path, data, size):
    path = tmp_path / "chat.txt"
    path.write_bytes(data)
    try:
        expected: object = reference_scan(path)
    except InputError as exc:
        expected = str(exc)
    with block_size(size), path.open("rb") as stream:
        try:
            found: object = scan.scan(stream, path.name, None)
        except InputError as exc:
            found = str(exc)
    if isinstance(expected, str):
        assert found == expected
        return
    assert isinstance(found, scan.Scan)
    assert isinstance(expected, ReferenceScan)
    assert found.layout.line is expected.layout
    assert list(found.dates.items()) == list(expected.dates.items())
    assert found.twelve_hour == expected.twelve_hour
    with path.open("rb") as stream:
        assert scan.senders(stream, found.layout) == expected.senders


@PROPERTY
@given(
    data=chats(),
    size=st.sampled_from([7, 64, 300, 1000, text.BLOCK_SIZE]),
    zone=st.sampled_from([LONDON, ZoneInfo("America/New_York"), ZoneInfo("Asia/Tokyo")]),
    order=st.sampled_from([None, "day-first", "month-first", "year-first"]),
)
def test_events_are_the_line_by_line_events(tmp_path, data, size, zone, order):
    path = tmp_path / "chat.txt"
    path.write_bytes(data)
    expected = outcome(partial(reference_events, path, ImportContext(zone, date_order=order)))
    with block_size(size):
        assert outcome(partial(read_events, path, ImportContext(zone, date_order=order))) == expected


@pytest.mark.parametrize("ios", [False, True], ids=["android", "ios"])
@pytest.mark.parametrize("size", [5, 200, 4096, text.BLOCK_SIZE])
def test_every_kind_of_line_reads_as_line_by_line(tmp_path, ios, size):
    """Every name, separator and body, alone and with continuation lines, between ordinary messages
    (so each takes the fast path, not the one reserved for a block's last header)."""

    def head(stamp: str) -> str:
        return f"[{stamp}] " if ios else f"{stamp} - "

    lines = [head(f"{day}, {clock}") + "Alice: plain" for day, clock in product(DATES, TIMES)]
    for number, (name, written, body) in enumerate(product(NAMES, [": ", ":", ""], BODIES)):
        gap = ", " if number % 5 else ", " + MARK  # a mark inside the stamp, which local_time drops
        stamp = head(f"{number % 28 + 1}/02/21{gap}{TIMES[number % len(TIMES)]}")
        lines += [stamp + name + written + body, *FOLLOWING[number % len(FOLLOWING)], stamp + "Alice: plain"]
    path = tmp_path / "chat.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    with block_size(size):
        assert read_events(path, ImportContext(LONDON)) == reference_events(path, ImportContext(LONDON))


def test_a_utf8_bom_and_crlf_split_across_blocks(tmp_path):
    chat = "14/02/21, 09:00 - Alice: hi\r\nsecond\r\r\n14/02/21, 09:01 - Bob: yo\r"
    path = tmp_path / "chat.txt"
    path.write_bytes(codecs.BOM_UTF8 + chat.encode())
    for size in (1, 2, 3, 30):
        with block_size(size):
            assert read_events(path, ImportContext(LONDON)) == reference_events(path, ImportContext(LONDON))


def test_the_fast_locator_is_the_dataclass_locator():
    made = builder._NEW_LOCATOR(Locator)
    builder._SET_SCHEME(made, "line")
    builder._SET_VALUE(made, "12-14")
    builder._SET_MEMBER(made, "_chat.txt")
    assert made == Locator("line", "12-14", "_chat.txt")
    assert repr(made) == repr(Locator("line", "12-14", "_chat.txt"))
    assert [f.name for f in fields(Locator)] == ["scheme", "value", "member"]
    assert not hasattr(Locator, "__post_init__")


def test_parsed_event_fields_are_in_the_order_the_fast_path_passes_them():
    assert [f.name for f in fields(ParsedEvent)] == [
        "occurred_at",
        "local_time",
        "channel",
        "kind",
        "direction",
        "sender",
        "recipients",
        "text",
        "locator",
        "attachments",
        "flags",
        "details",
        "embedded",
        "conversation",
    ]


@pytest.mark.parametrize(
    "zone", [LONDON, ZoneInfo("America/New_York"), ZoneInfo("Australia/Lord_Howe"), ZoneInfo("UTC")]
)
@pytest.mark.parametrize("order", list(DateOrder))
def test_the_date_caches_add_up_to_the_full_reading(zone, order):
    reader = DateReader(DateFormat(order, False, False, "test"), zone)
    days = [date(2021, 3, 28), date(2021, 10, 31), date(2021, 4, 4), date(2021, 10, 3), date(2021, 7, 1)]
    tokens = [f"{d.day}/{d.month}/{d.year}" for d in days] + [
        "1/1/0001",
        "31/12/9999",
        "31/02/21",
        "2021/07/01",
    ]
    clocks = ["00:00", "01:30", "02:30", "12:00", "23:59:59", "1:05 PM", "12:00 AM", "24:00", "9:60"]
    for token in tokens:
        for clock in clocks:
            reader.learn(token, clock)
            midnight, time_of_day = reader.midnights[token], reader.clocks[clock]
            if midnight is not None and time_of_day is not None:
                assert (midnight + time_of_day, None) == reader.read(token, clock)


@st.composite
def near_headers(draw: st.DrawFn) -> str:
    """A line assembled from the pieces of a header, each piece sometimes wrong or marked."""

    def piece(*choices: str) -> str:
        return draw(st.sampled_from(choices))

    mark = st.sampled_from(["", "", "", MARK, "\u202a"])
    digits = st.sampled_from(["1", "14", "02", "2021", "12345", "٢١", ""])
    first, second = piece("/", ".", "-", "/"), piece("/", ".", "-", "/", "/", ",")
    day = draw(digits) + draw(mark) + first + draw(mark) + draw(digits) + draw(mark) + second + draw(mark)
    day += piece("21", "2021", "R4", "2565 BE", "2565\u00a0BE", "215", "")
    clock = piece(
        "09:00", "9:05:01", "9.05", "1:05 PM", "1:05PM", "12:30 a. m.", "7:05\u202fpm", "10:00 م", "9:6"
    )
    gap = piece(", ", ",", " ", "،\u00a0", ",  ", ", " + MARK, ": ")
    stamp = clock + gap + day if draw(st.booleans()) and draw(st.booleans()) else day + gap + clock
    brackets = [("", " - "), ("", " – "), ("", " -"), ("[", "] "), ("[", "]"), ("", "] "), ("[", " - ")]
    opening, closing = draw(st.sampled_from(brackets))
    rest = piece("Alice: hi", "Alice:hi", ": x", "Bob: a: b", "joined", "", MARK + "Eve: x", "Al\u202fx : y")
    return draw(mark) + opening + draw(mark) + stamp + draw(mark) + closing + rest


@PROPERTY
@given(line=near_headers(), other=near_headers())
def test_block_patterns_find_what_the_line_pattern_finds(line, other):
    for layout in BLOCK_LAYOUTS.values():
        match = layout.line.match(line)
        parts = layout.headers.split("\n" + line)
        if match is None:
            assert parts == ["\n" + line]
        else:
            _lead, _open, stamp, first, second, sender, opening, _after = parts
            date, time = (first, second) if layout.date_first else (second, first)
            assert (stamp, date, time) == (match["stamp"], match["date"], match["time"])
            assert (opening if sender is None else f"{sender}: {opening}") == match["rest"]
        heads = [(run["date"], run["ampm"] is not None) for run in layout.runs.finditer(f"\n{line}\n{other}")]
        found = [m for m in map(layout.line.match, (line, other)) if m is not None]
        expected = list(dict.fromkeys((m["date"], m["ampm"] is not None) for m in found))
        assert list(dict.fromkeys(heads)) == expected


def test_a_run_of_one_date_ends_where_am_pm_appears():
    runs = BLOCK_LAYOUTS[HEADER].runs.finditer("\n14/02/21, 09:00 - A: x\n14/02/21, 1:05 PM - A: y")
    assert [(run["date"], run["ampm"]) for run in runs] == [("14/02/21", None), ("14/02/21", " PM")]
