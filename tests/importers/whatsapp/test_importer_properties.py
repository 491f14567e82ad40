"""Importer behaviour on small synthetic chats (encodings, zips, errors, DST, date order) and on junk.

All names and messages here are invented placeholders.
"""

from __future__ import annotations

import codecs
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casetrail.errors import InputError
from casetrail.importers.base import ImportContext, Sniff
from casetrail.importers.whatsapp.importer import WhatsAppImporter
from casetrail.ingest.source import Source
from casetrail.model.event import Kind, ParsedEvent
from tests.importers.whatsapp.support import read_events

LONDON = ZoneInfo("Europe/London")
IMPORTER = WhatsAppImporter()

CHAT = (
    "14/02/21, 09:00 - Alice: Good morning\n"
    "14/02/21, 09:01 - Bob: Morning!\n"
    "Second line of Bob's message\n"
    "\n"
    '14/02/21, 09:02 - Alice created group "Book club"\n'
    "15/02/21, 18:30 - Alice: <Media omitted>\n"
    "15/02/21, 18:31 - Carol: café ☕\n"
)


def write(tmp_path: Path, data: bytes, name: str = "chat.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def write_zip(tmp_path: Path, members: dict[str, bytes], name: str = "export.zip") -> Path:
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as archive:
        for member, data in members.items():
            archive.writestr(member, data)
    return path


def run(path: Path, zone: ZoneInfo = LONDON) -> tuple[list[ParsedEvent], ImportContext]:
    context = ImportContext(zone)
    return read_events(path, context), context


def test_importer_identity():
    assert (WhatsAppImporter.name, WhatsAppImporter.version) == ("whatsapp", "2")
    assert WhatsAppImporter.description


def test_a_small_chat(tmp_path):
    events, context = run(write(tmp_path, CHAT.encode()))
    assert [(e.kind, e.sender, e.text, e.locator.value) for e in events] == [
        (Kind.MESSAGE, "Alice", "Good morning", "1"),
        (Kind.MESSAGE, "Bob", "Morning!\nSecond line of Bob's message\n", "2-4"),
        (Kind.SYSTEM, None, 'Alice created group "Book club"', "5"),
        (Kind.MESSAGE, "Alice", "<Media omitted>", "6"),
        (Kind.MESSAGE, "Carol", "café ☕", "7"),
    ]
    assert events[0].occurred_at == datetime(2021, 2, 14, 9, 0, tzinfo=UTC)
    assert events[0].local_time == "14/02/21, 09:00"
    assert events[3].details == {"media": "omitted", "media_type": "media"}
    assert all(e.flags == () for e in events)
    assert context.notes == []


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: codecs.BOM_UTF8 + text.encode("utf-8"),
        lambda text: codecs.BOM_UTF16_LE + text.encode("utf-16-le"),
        lambda text: codecs.BOM_UTF16_BE + text.encode("utf-16-be"),
        lambda text: text.encode("utf-16-le"),
        lambda text: text.replace("\n", "\r\n").encode("utf-8"),
    ],
    ids=["utf-8-bom", "utf-16-le-bom", "utf-16-be-bom", "utf-16-le", "crlf"],
)
def test_encodings_and_line_endings_give_identical_events(tmp_path, encode):
    plain, _ = run(write(tmp_path, CHAT.encode("utf-8"), "plain.txt"))
    other, _ = run(write(tmp_path, encode(CHAT), "other.txt"))
    assert other == plain


def test_an_invalid_utf8_byte_flags_the_event_on_that_line(tmp_path):
    data = CHAT.encode().replace("café".encode(), b"caf\xe9")
    events, _ = run(write(tmp_path, data))
    damaged = [e for e in events if "undecodable-bytes" in e.flags]
    assert len(damaged) == 1
    assert damaged[0].locator.value == "7"
    assert damaged[0].text == "caf\ufffd ☕"


def test_an_invalid_byte_in_a_continuation_line_flags_the_whole_message(tmp_path):
    data = CHAT.encode().replace(b"Second line", b"Second \xff line")
    events, _ = run(write(tmp_path, data))
    assert [e.locator.value for e in events if "undecodable-bytes" in e.flags] == ["2-4"]


def test_summer_time_gap_and_overlap(tmp_path):
    chat = (
        "01/07/21, 12:00 - Alice: summer\n"
        "28/03/21, 01:30 - Alice: in the spring gap\n"
        "31/10/21, 01:30 - Alice: in the autumn overlap\n"
        "31/10/21, 03:00 - Alice: after\n"
    )
    events, _ = run(write(tmp_path, chat.encode()))
    assert [(e.occurred_at, e.flags) for e in events] == [
        (datetime(2021, 7, 1, 11, 0, tzinfo=UTC), ()),
        (datetime(2021, 3, 28, 1, 30, tzinfo=UTC), ("dst-gap",)),
        (datetime(2021, 10, 31, 0, 30, tzinfo=UTC), ("dst-ambiguous",)),
        (datetime(2021, 10, 31, 3, 0, tzinfo=UTC), ()),
    ]


def test_twelve_hour_clocks(tmp_path):
    chat = (
        "1/13/21, 12:05 AM - Alice: just after midnight\n"
        "1/13/21, 12:05 PM - Alice: just after noon\n"
        "1/13/21, 11:59 p. m. - Alice: late\n"
        "1/14/21, 00:08 a. m. - Alice: impossible hour\n"
    )
    events, _ = run(write(tmp_path, chat.encode()), ZoneInfo("UTC"))
    assert [e.occurred_at for e in events] == [
        datetime(2021, 1, 13, 0, 5, tzinfo=UTC),
        datetime(2021, 1, 13, 12, 5, tzinfo=UTC),
        datetime(2021, 1, 13, 23, 59, tzinfo=UTC),
        datetime(2021, 1, 14, 0, 8, tzinfo=UTC),
    ]
    assert next(e.local_time for e in events) == "1/13/21, 12:05 AM"


@pytest.mark.parametrize(("zone", "month"), [("Europe/London", 2), ("America/New_York", 1)])
def test_ambiguous_date_order_is_noted_and_flagged(tmp_path, zone, month):
    chat = "01/02/21, 10:00 - Alice: which day?\n03/04/21, 10:00 - Bob: no idea\n"
    events, context = run(write(tmp_path, chat.encode()), ZoneInfo(zone))
    assert len(context.notes) == 1
    assert "chat.txt" in context.notes[0]
    assert "date-order-ambiguous" in context.notes[0]
    assert all(e.flags == ("date-order-ambiguous",) for e in events)
    assert events[0].occurred_at is not None
    assert events[0].occurred_at.month == month


def test_an_impossible_date_keeps_the_event_without_a_time(tmp_path):
    chat = "20/01/21, 10:00 - Alice: fine\n31/02/21, 10:00 - Alice: no such day\n"
    events, _ = run(write(tmp_path, chat.encode()))
    assert (events[1].occurred_at, events[1].flags, events[1].local_time) == (
        None,
        ("invalid-date",),
        "31/02/21, 10:00",
    )


def test_blank_lines_before_the_first_header_are_skipped(tmp_path):
    events, _ = run(write(tmp_path, b"\n  \n\xe2\x80\x8e\n" + CHAT.encode()))
    assert len(events) == 5
    assert events[0].locator.value == "4"


@pytest.mark.parametrize(
    ("data", "place", "words"),
    [
        (b"", "line 1", "empty"),
        (b"\n\n  \n", "line 3", "no WhatsApp message header"),
        (b"Shopping list\nmilk\n", "line 1", "before the first WhatsApp message header"),
        (b"\n\nExported by a tool\n" + CHAT.encode(), "line 3", "before the first"),
    ],
)
def test_input_errors_name_the_file_and_line(tmp_path, data, place, words):
    with pytest.raises(InputError) as caught:
        run(write(tmp_path, data, "notes.txt"))
    assert (caught.value.file, caught.value.place) == ("notes.txt", place)
    assert words in caught.value.problem


def test_zip_export_with_media(tmp_path):
    chat = (
        "[14.02.21, 09:00:00] Alice: \u200e<attached: 00000001-PHOTO-2021-02-14-09-00-00.jpg>\r\n"
        "[14.02.21, 09:00:05] Alice: \u200e<attached: 00000002-PHOTO-2021-02-14-09-00-05.jpg>\r\n"
        "[14.02.21, 09:01:00] Bob: IMG-20210214-WA0001.jpg (file attached)\r\n"
        "A caption\r\n"
    )
    path = write_zip(
        tmp_path,
        {
            "_chat.txt": chat.encode(),
            "00000001-PHOTO-2021-02-14-09-00-00.jpg": b"\xff\xd8",
            "IMG-20210214-WA0001.jpg": b"\xff\xd8",
            "__MACOSX/._chat.txt": b"junk",
        },
    )
    assert IMPORTER.sniff(Source(path)).confidence >= 0.9
    events, _ = run(path)
    assert [(e.attachments, e.details, e.locator.member) for e in events] == [
        (("00000001-PHOTO-2021-02-14-09-00-00.jpg",), {}, "_chat.txt"),
        ((), {"missing_attachment": "00000002-PHOTO-2021-02-14-09-00-05.jpg"}, "_chat.txt"),
        (("IMG-20210214-WA0001.jpg",), {}, "_chat.txt"),
    ]
    assert events[0].text == "<attached: 00000001-PHOTO-2021-02-14-09-00-00.jpg>"
    assert events[2].text == "IMG-20210214-WA0001.jpg (file attached)\nA caption"
    assert str(events[2].locator) == "_chat.txt:line 3-4"


def test_zip_with_a_differently_named_chat_and_a_folder(tmp_path):
    path = write_zip(
        tmp_path,
        {
            "WhatsApp Chat with Alice.txt": CHAT.encode(),
            "media/notes.txt": b"not the chat",
        },
    )
    events, _ = run(path)
    assert len(events) == 5
    assert events[0].locator.member == "WhatsApp Chat with Alice.txt"
    nested = write_zip(tmp_path, {"export/_chat.txt": CHAT.encode(), "export/a.jpg": b"x"}, "nested.zip")
    assert run(nested)[0][0].locator.member == "export/_chat.txt"


def test_zip_errors(tmp_path):
    no_chat = write_zip(tmp_path, {"a.jpg": b"x", "b.jpg": b"y"})
    assert IMPORTER.sniff(Source(no_chat)).confidence == 0
    with pytest.raises(InputError, match="no WhatsApp chat text"):
        run(no_chat)
    many = write_zip(tmp_path, {f"notes{n}.txt": CHAT.encode() for n in range(9)}, "many.zip")
    assert IMPORTER.sniff(Source(many)).confidence == 0
    two = write_zip(tmp_path, {"chat.txt": CHAT.encode(), "readme.txt": b"About this export\n"}, "two.zip")
    assert run(two)[0][0].locator.member == "chat.txt"
    bad_chat = write_zip(tmp_path, {"_chat.txt": b"Shopping list\n"}, "bad.zip")
    with pytest.raises(InputError) as caught:
        run(bad_chat)
    assert caught.value.place == "_chat.txt:line 1"


@pytest.mark.parametrize(
    ("name", "data", "low", "high"),
    [
        ("chat.txt", CHAT.encode(), 0.9, 1.0),
        ("chat.txt", codecs.BOM_UTF16_LE + CHAT.encode("utf-16-le"), 0.9, 1.0),
        ("chat.log", CHAT.encode(), 0.3, 0.6),
        ("chat.txt", b"Exported chat\n" + CHAT.encode(), 0.3, 0.6),
        ("notes.txt", b"Shopping list\nmilk\neggs\nbread\njam\ntea\n" + CHAT.encode(), 0.0, 0.0),
        ("empty.txt", b"", 0.0, 0.0),
        ("random.bin", bytes(range(256)) * 20, 0.0, 0.0),
    ],
)
def test_sniff(tmp_path, name, data, low, high):
    sniff = IMPORTER.sniff(Source(write(tmp_path, data, name)))
    assert low <= sniff.confidence <= high
    assert sniff.reason


def test_sniff_reads_only_the_head(tmp_path):
    big = CHAT.encode() + b"x" * 10_000_000
    assert IMPORTER.sniff(Source(write(tmp_path, big))).confidence >= 0.9


def test_sniff_of_a_missing_file_says_no(tmp_path):
    sniff = IMPORTER.sniff(Source(tmp_path / "gone.txt"))
    assert isinstance(sniff, Sniff)
    assert sniff.confidence == 0


# --- properties: junk and mutated chats give events or an InputError, nothing else --------------------

SEED = CHAT.encode()
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def import_or_refuse(path: Path) -> None:
    """Sniff and import; the only acceptable failure is an InputError that names the file."""
    source = Source(path)
    refused: InputError | None = None
    events: list[ParsedEvent] = []
    try:
        IMPORTER.sniff(source)
        events, _ = run(path)
    except InputError as exc:
        refused = exc
    finally:
        source.close()
    if refused is not None:
        assert refused.file == path.name
        assert refused.place is None or refused.place.startswith(("line ", "_chat.txt:line ", "entry "))
        return
    for event in events:
        assert event.occurred_at is None or event.occurred_at.tzinfo is UTC
        assert event.locator.scheme == "line"


@FUZZ
@given(data=st.binary(max_size=2048))
def test_arbitrary_bytes(tmp_path, data):
    import_or_refuse(write(tmp_path, data))


@FUZZ
@given(
    edits=st.lists(
        st.tuples(st.integers(0, len(SEED)), st.integers(0, 6), st.binary(max_size=6)), min_size=1, max_size=6
    )
)
def test_mutated_chats(tmp_path, edits):
    data = bytearray(SEED)
    for at, cut, insert in edits:
        data[at : at + cut] = insert
    import_or_refuse(write(tmp_path, bytes(data)))


@FUZZ
@given(text=st.text(alphabet=st.sampled_from("0123456789/.-,: []APMapm\u200e\u202f\nAlice"), max_size=200))
def test_header_like_text(tmp_path, text):
    import_or_refuse(write(tmp_path, text.encode()))


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=512))
def test_junk_inside_a_zip(tmp_path, data):
    import_or_refuse(write_zip(tmp_path, {"_chat.txt": data}))
