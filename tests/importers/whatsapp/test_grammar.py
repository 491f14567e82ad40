"""Header, system-line and media-marker recognition, as tables of lines that must and must not match."""

from __future__ import annotations

import time

import pytest

from casetrail.importers.whatsapp.grammar import (
    HEADER,
    HEADER_TIME_FIRST,
    attached_name,
    drop_marker_mark,
    is_attributed_notice,
    is_system,
    layout_of,
    omitted_media,
    parse_header,
    split_sender,
    strip_marks,
    unusual_sender,
)

LRM, RLM = "\u200e", "\u200f"

# (line, stamp, date, time, sender, text)
HEADERS = [
    ("01/01/19, 11:25 - Alice: hello", "01/01/19, 11:25", "01/01/19", "11:25", "Alice", "hello"),
    ("1/1/21, 12:00 - A: Hi", "1/1/21, 12:00", "1/1/21", "12:00", "A", "Hi"),
    ("2019/01/01, 11:25 - Bob: year first", "2019/01/01, 11:25", "2019/01/01", "11:25", "Bob", "year first"),
    (
        "23.03.22 13:31 - Carol: dots, no comma",
        "23.03.22 13:31",
        "23.03.22",
        "13:31",
        "Carol",
        "dots, no comma",
    ),
    ("23.03.2022, 13:31 - Carol: dots", "23.03.2022, 13:31", "23.03.2022", "13:31", "Carol", "dots"),
    ("23-03-2022 13:31 - Dave: dashes", "23-03-2022 13:31", "23-03-2022", "13:31", "Dave", "dashes"),
    (
        "01/01/2019, 11:25 a. m. - Eve: hola",
        "01/01/2019, 11:25 a. m.",
        "01/01/2019",
        "11:25 a. m.",
        "Eve",
        "hola",
    ),
    (
        "06/20/2020, 00:08 a. m. - Eve: late",
        "06/20/2020, 00:08 a. m.",
        "06/20/2020",
        "00:08 a. m.",
        "Eve",
        "late",
    ),
    ("1/2/21, 9:05 PM - Frank: pm", "1/2/21, 9:05 PM", "1/2/21", "9:05 PM", "Frank", "pm"),
    (
        "1/2/21, 9:05\u202fam - Frank: nnbsp",
        "1/2/21, 9:05\u202fam",
        "1/2/21",
        "9:05\u202fam",
        "Frank",
        "nnbsp",
    ),
    ("[20.06.19, 15:58:47] Grace: iOS", "20.06.19, 15:58:47", "20.06.19", "15:58:47", "Grace", "iOS"),
    ("[01/01/19 11:25] Grace: short", "01/01/19 11:25", "01/01/19", "11:25", "Grace", "short"),
    (
        "[3/18/22 14.56.01] Heidi: dotted time",
        "3/18/22 14.56.01",
        "3/18/22",
        "14.56.01",
        "Heidi",
        "dotted time",
    ),
    (
        "[3/18/2565 BE, 14:56:01] Ivan: era",
        "3/18/2565 BE, 14:56:01",
        "3/18/2565 BE",
        "14:56:01",
        "Ivan",
        "era",
    ),
    ("[3/18/R4, 14:56:01] Ivan: reiwa", "3/18/R4, 14:56:01", "3/18/R4", "14:56:01", "Ivan", "reiwa"),
    (
        f"{LRM}[3/27/22, 21:41:55] Judy: {LRM}image omitted",
        "3/27/22, 21:41:55",
        "3/27/22",
        "21:41:55",
        "Judy",
        f"{LRM}image omitted",
    ),
    (
        f"[{RLM}18{RLM}/3{RLM}/2022، 14:56:01] Judy: rtl",
        "18/3/2022، 14:56:01",
        "18/3/2022",
        "14:56:01",
        "Judy",
        "rtl",
    ),
    (
        "[١٨\u200f/٣\u200f/٢٠٢٢، ٢:٥٦:٠٠\u00a0م] \u202a+00 000\u202c: arabic digits",
        "١٨/٣/٢٠٢٢، ٢:٥٦:٠٠\u00a0م",
        "١٨/٣/٢٠٢٢",
        "٢:٥٦:٠٠\u00a0م",
        "+00 000",
        "arabic digits",
    ),
    ("01/01/19, 11:25 - Alice: a: b: c", "01/01/19, 11:25", "01/01/19", "11:25", "Alice", "a: b: c"),
    ("01/01/19, 11:25 - Alice 🤓: ✨", "01/01/19, 11:25", "01/01/19", "11:25", "Alice 🤓", "✨"),
    ("01/01/19, 11:25 - Alice: ", "01/01/19, 11:25", "01/01/19", "11:25", "Alice", ""),
    ("01/01/19, 11:25 – Alice: en dash", "01/01/19, 11:25", "01/01/19", "11:25", "Alice", "en dash"),
]

SYSTEM_LINES = [
    ('20/06/20, 00:08 - +00 000 000 created group "Book club"', '+00 000 000 created group "Book club"'),
    ("30/06/20, 09:10 - You were added", "You were added"),
    (
        "[20.06.19, 15:58:47] Messages to this group are now secured.",
        "Messages to this group are now secured.",
    ),
    ("12/9/20, 23:55 - Alice added you", "Alice added you"),
    ("01/01/19, 11:25 - John Doe:.", "John Doe:."),
    ("01/01/19, 11:25 - : nameless", ": nameless"),
    ("01/01/19, 11:25 -", ""),
]

NOT_HEADERS = [
    "",
    " ",
    LRM,
    "Hello there",
    "consectetur adipiscing elit. Duis libero.",
    "12:30 - Alice: time only",
    "01/01/19 - Alice: date only",
    "01/01/1911:25 - Alice: no gap",
    "01/01-19, 11:25 - Alice: mixed separators",
    "[01/01/19, 11:25 Alice: bracket never closed",
    "01/01/19, 11:25] Alice: closing bracket without opening",
    "01/01/19, 11:25 Alice: no dash",
    "2019-01-01T11:25:00Z log line",
    "- https://example.invalid/path",
    "OPTION: Friday 16 afternoon (1 vote)",
    "1/1/21, 1:2 - Alice: one-digit minutes",
    "11/11/11",
]


@pytest.mark.parametrize(("line", "stamp", "date", "time_", "sender", "text"), HEADERS)
def test_header_lines_split_into_parts(line, stamp, date, time_, sender, text):
    layout = layout_of(line)
    assert layout is HEADER
    header = parse_header(line, layout)
    assert header is not None
    assert (header.stamp, header.date, header.time, header.sender, header.text) == (
        stamp,
        date,
        time_,
        sender,
        text,
    )


@pytest.mark.parametrize(("line", "text"), SYSTEM_LINES)
def test_system_lines_have_no_sender(line, text):
    header = parse_header(line)
    assert header is not None
    assert header.sender is None
    assert header.text == text
    assert is_system(line)


@pytest.mark.parametrize("line", NOT_HEADERS)
def test_continuation_lines_are_not_headers(line):
    assert layout_of(line) is None
    assert parse_header(line) is None
    assert not is_system(line)


def test_time_first_layout_is_recognised_separately():
    line = f"{LRM}[21:41:55, 3/27/22] Alice: {LRM}image omitted"
    assert HEADER.match(line) is None
    assert layout_of(line) is HEADER_TIME_FIRST
    header = parse_header(line, HEADER_TIME_FIRST)
    assert header is not None
    assert (header.date, header.time, header.sender) == ("3/27/22", "21:41:55", "Alice")


def test_twelve_hour_marker_is_reported():
    twelve = parse_header("1/2/21, 9:05 PM - Alice: x")
    assert twelve is not None
    assert twelve.twelve_hour
    assert twelve.time == "9:05 PM"
    twenty_four = parse_header("1/2/21, 21:05 - Alice: x")
    assert twenty_four is not None
    assert not twenty_four.twelve_hour


def test_a_sender_named_like_a_clock_suffix_is_not_swallowed():
    header = parse_header("1/2/21, 9:05 - Am: hi")
    assert header is not None
    assert (header.time, header.sender) == ("9:05", "Am")


def test_message_text_keeps_its_marks_and_spacing():
    header = parse_header(f"01/01/19, 11:25 - {LRM}Alice{LRM}: {RLM}  spaced  {LRM}")
    assert header is not None
    assert header.sender == "Alice"
    assert header.text == f"{RLM}  spaced  {LRM}"


def test_split_sender_and_strip_marks():
    assert split_sender("Alice: hi") == ("Alice", "hi")
    assert split_sender("You were added") == (None, "You were added")
    assert split_sender(f"{LRM} : hi") == (None, f"{LRM} : hi")
    assert strip_marks(f"{LRM}a{RLM}b\u202ac\u202c\u2066d\u2069\ufeff") == "abcd"


def test_unusual_header_needs_a_known_sender():
    known = {"John Doe"}
    assert unusual_sender(".", known) is None
    assert unusual_sender("John Doe:.", known) == ("John Doe", ".")
    assert unusual_sender("Alice changed the link to http://x", known) is None
    assert unusual_sender(":.", known) is None


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("<attached: 00000001-PHOTO-2019-06-20-16-00-15.jpg>", "00000001-PHOTO-2019-06-20-16-00-15.jpg"),
        (
            f"{LRM}<attached: 00000035-PHOTO-2022-03-27-21-41-55.jpg>",
            "00000035-PHOTO-2022-03-27-21-41-55.jpg",
        ),
        ("IMG-20200101-WA0001.jpg (file attached)", "IMG-20200101-WA0001.jpg"),
        (f"{LRM}Contact.vcf (file attached)", "Contact.vcf"),
        ("I attached it yesterday", None),
        ("<attached: >", None),
        ("attached", None),
        ("plain text", None),
    ],
)
def test_attachment_markers(text, name):
    assert attached_name(text) == name


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("<Media omitted>", "media"),
        ("<media omitted>", "media"),
        ("<MEDIA OMITTED>", "media"),
        ("image omitted", "image"),
        (f"{LRM}video omitted", "video"),
        (f"{LRM}audio omitted", "audio"),
        (f"{LRM}sticker omitted", "sticker"),
        (f"{LRM}GIF omitted", "gif"),
        (f"{LRM}Contact card omitted", "contact card"),
        (f"Some file.txt {LRM}document omitted", "document"),
        (f"Notes.pdf • {LRM}2 pages {LRM}document omitted", "document"),
        ("I omitted nothing", None),
        ("my image omitted", None),
        ("image omitted from the report", None),
        ("see <media omitted> above", None),
        ("plain text", None),
    ],
)
def test_omitted_media_markers(text, kind):
    assert omitted_media(text) == kind


def test_attributed_notices_need_the_leading_mark():
    assert is_attributed_notice(f"{LRM}Messages and calls are end-to-end encrypted. No one outside…")
    assert is_attributed_notice(f"{LRM}Messages to this group are now secured with end-to-end encryption.")
    assert not is_attributed_notice("Messages and calls are end-to-end encrypted, they said")
    assert not is_attributed_notice(f"{LRM}image omitted")
    assert not is_attributed_notice("")


def test_drop_marker_mark_removes_only_a_leading_mark():
    assert drop_marker_mark(f"{LRM}image omitted") == "image omitted"
    assert drop_marker_mark("image omitted") == "image omitted"
    assert drop_marker_mark(f"a{LRM}b") == f"a{LRM}b"
    assert drop_marker_mark("") == ""


@pytest.mark.parametrize(
    "line",
    [
        LRM * 100_000 + "1",
        "[" + RLM * 100_000,
        "01/01/19" + " " * 100_000 + "x",
        "01/01/19, 11:25" + "\u00a0" * 100_000 + "x",
        "1/1/1," + " " * 100_000,
        LRM * 100_000 + "document omitted!",
        "<attached: " * 20_000,
    ],
)
def test_hostile_lines_are_matched_in_linear_time(line):
    started = time.perf_counter()
    layout_of(line)
    omitted_media(line)
    attached_name(line)
    assert time.perf_counter() - started < 1.0
