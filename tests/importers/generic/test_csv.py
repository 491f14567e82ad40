"""The CSV form, as docs/importers/generic.md specifies it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from casetrail.demo.generic_export import write_generic_csv
from casetrail.errors import InputError
from casetrail.model.event import Channel, Direction, Kind
from tests.importers.generic.support import HEAD, confidence, read, write


def test_the_demo_csv_reads_as_written(tmp_path: Path) -> None:
    written = write_generic_csv(tmp_path / "incidents.csv")
    events = read(written.path)
    assert len(events) == written.events == 5
    assert [str(e.locator) for e in events] == ["line 3", "line 4-5", "line 6", "line 7", "line 8"]
    assert events[0].kind is Kind.IN_PERSON_INCIDENT and events[0].channel is Channel.IN_PERSON
    assert events[0].details["witness"] == "Jordan Reyes"
    assert events[1].text.endswith("Mill Lane,\nengine running.")
    assert events[2].channel is Channel.OTHER and events[2].details["channel_written"].startswith(
        "Sparkmatch"
    )
    conversation = events[2].conversation or ""
    assert events[2].details["source_id"] == f"generic|{conversation}|sparkmatch-msg-0001"
    assert events[2].direction is Direction.INCOMING
    assert events[3].text == '=HYPERLINK("https://example.com/robin","look who I found")'  # data, verbatim
    assert events[4].recipients == ("Robin Hale", "Sam Okafor")
    assert events[4].flags == ("time-date-only", "time-from-local-clock")
    assert confidence(written.path) == 0.97


@pytest.mark.parametrize(
    ("written", "expected", "flags"),
    [
        ("2025-07-01T10:00:00+02:00", datetime(2025, 7, 1, 8, tzinfo=UTC), ()),
        ("2025-07-01T10:00:00Z", datetime(2025, 7, 1, 10, tzinfo=UTC), ()),
        ("2025-07-01 10:00", datetime(2025, 7, 1, 9, tzinfo=UTC), ("time-from-local-clock",)),
        ("2025-03-30T01:30", datetime(2025, 3, 30, 1, 30, tzinfo=UTC), ("time-from-local-clock", "dst-gap")),
        ("2025-07-01", datetime(2025, 6, 30, 23, tzinfo=UTC), ("time-date-only", "time-from-local-clock")),
        ("01/07/2025 10:00", None, ("time-unreadable",)),
        ("", None, ("time-unreadable",)),
        ("0001-01-01T00:00:00+05:00", None, ("time-unreadable",)),
    ],
)
def test_times(tmp_path: Path, written: str, expected: datetime | None, flags: tuple[str, ...]) -> None:
    (event,) = read(write(tmp_path / "t.csv", HEAD + f'"{written}",sms,,,A,,hi,,,,\n'))
    assert (event.occurred_at, event.flags, event.local_time) == (expected, flags, written)


def test_words_are_forgiving_and_unknown_ones_are_flagged(tmp_path: Path) -> None:
    rows = "2025-01-01T10:00Z,In Person,,,,,a,,,,\n2025-01-01T10:00Z,WhatsApp,Call,Sent,,,b,,,,\n"
    rows += "2025-01-01T10:00Z,,shouting,sideways,,,c,,,,\n"
    first, second, third = read(write(tmp_path / "t.csv", HEAD + rows))
    assert (first.channel, first.kind) == (Channel.IN_PERSON, Kind.IN_PERSON_INCIDENT)
    assert (second.channel, second.kind, second.direction) == (
        Channel.WHATSAPP,
        Kind.CALL,
        Direction.OUTGOING,
    )
    assert (third.channel, third.kind, third.direction) == (Channel.OTHER, Kind.MESSAGE, Direction.UNKNOWN)
    assert third.details["unreadable_fields"] == "kind, direction"
    assert third.details["kind_written"] == "shouting" and "field-unreadable" in third.flags


def test_other_columns_and_extra_cells_become_details(tmp_path: Path) -> None:
    text = (
        "# casetrail generic v1,,,\nTime,Text,source_id,Where\n2025-01-01T10:00Z,hi,x,Station Road,surplus\n"
    )
    (event,) = read(write(tmp_path / "t.csv", text))
    assert event.details == {"extra_cells": "surplus", "column source_id": "x", "Where": "Station Road"}
    assert "extra-cells" in event.flags and event.text == "hi"


def test_a_short_row_and_blank_rows_are_fine(tmp_path: Path) -> None:
    events = read(write(tmp_path / "t.csv", HEAD + "\n,,,,\n2025-01-01T10:00Z,sms\n"))
    assert [(e.text, str(e.locator)) for e in events] == [("", "line 5")]


def test_attachments_of_a_lone_file_are_missing(tmp_path: Path) -> None:
    (event,) = read(write(tmp_path / "t.csv", HEAD + "2025-01-01T10:00Z,sms,,,,,,a.jpg; b.jpg,,,\n"))
    assert event.attachments == () and event.details["missing_attachments"] == "a.jpg; b.jpg"


def test_bytes_that_are_not_utf8_are_flagged(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(HEAD.encode() + b"2025-01-01T10:00Z,sms,,,,,caf\xe9,,,,\n")
    (event,) = read(path)
    assert event.text == "caf\ufffd" and "undecodable-bytes" in event.flags


@pytest.mark.parametrize(
    ("text", "place", "problem"),
    [
        (HEAD + '2025-01-01,sms,,,,,"ab"c,,,,\n', "line 3", "not valid CSV"),
        (HEAD + '2025-01-01,sms,,,,,"never closed\n\n', "line 3", "not valid CSV"),
        ("# casetrail generic v1\nchannel,text\n", "line 2", "no 'time' column"),
        ("# casetrail generic v1\ntime,text,Text\n", "line 2", "appears twice"),
        ("# casetrail generic v2\ntime\n", "line 1", "version 2"),
        ("# casetrail generic v1\n\n", "line 1", "no header row"),
    ],
)
def test_errors_name_the_line(tmp_path: Path, text: str, place: str, problem: str) -> None:
    with pytest.raises(InputError, match=problem) as caught:
        read(write(tmp_path / "t.csv", text))
    assert (caught.value.file, caught.value.place) == ("t.csv", place)


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("t.csv", "# casetrail generic v1\ntime\n", 0.97),
        ("t.csv", "\ufeff# casetrail generic v1,,,,\r\ntime\r\n", 0.97),
        ("t.casetrail.csv", "time,text\n", 0.9),
        ("t.casetrail.csv", "when,text\n", 0.0),
        ("t.csv", "time,channel,text\n2025-01-01,sms,hi\n", 0.0),
        ("t.csv", "# casetrail generic v1,extra\ntime\n", 0.0),
        ("t.txt", "# notes\n", 0.0),
    ],
)
def test_recognition(tmp_path: Path, name: str, text: str, expected: float) -> None:
    assert confidence(write(tmp_path / name, text)) == expected
