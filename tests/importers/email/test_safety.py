"""Hostile and broken input: corrupted messages and mailboxes, deep nesting, flat memory on big files."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casetrail.demo.email_export import demo_emails, render, write_large_mbox
from casetrail.errors import InputError
from casetrail.importers.base import ImportContext
from casetrail.importers.email.mbox import MboxImporter
from casetrail.ingest.source import Source
from casetrail.model.event import ParsedEvent
from tests.importers.email.support import message, read, write
from tests.importers.hostile import events_and_peak

SAMPLES = [render(email) for email in demo_emails()]
TRICKY = [
    message(
        "Subject: =?utf-8?b?broken?= =?x-unknown?q?a?= =?utf-8?q?=FF?=",
        'From: "unclosed <a@@b>, ((((',
        'To: ,,,<>,@,a@,@b, "\\',
        "Content-Type: multipart/mixed; boundary=\"b\"; charset*=x''%ZZ",
        "Date: Mon, 99 Foo 2025 99:99:99 +9999",
        body='--b\nContent-Type: text/html; charset="rot13"\nContent-Transfer-Encoding: base64\n\n!!!!\n--b',
    ),
    b"From: a@example.com\nContent-Type: multipart/mixed; boundary=x\n\n"
    + b"--x\nContent-Type: multipart/mixed; boundary=x\n\n" * 400,
]
SEPARATOR = b"From casey.marsh@example.com Tue Mar  4 21:14:00 2025\n"


def _mutate(data: bytes, cut: int, flips: list[tuple[int, int]], inserts: list[tuple[int, bytes]]) -> bytes:
    body = bytearray(data[: max(cut, 30)])
    for offset, value in flips:
        if offset < len(body):
            body[offset] ^= value
    for offset, piece in inserts:
        body[offset:offset] = piece
    return bytes(body)


PIECES = st.sampled_from(
    [b"\n", b"\r\n", b"\n\n", b"=?", b"?=", b"<", b">", b"@", b"--", b"\x00", b"\xff", b"From ", b";", b'"']
)
MUTATED = st.builds(
    _mutate,
    st.sampled_from([*SAMPLES, *TRICKY]),
    st.integers(0, 4000),
    st.lists(st.tuples(st.integers(0, 3999), st.integers(1, 255)), max_size=8),
    st.lists(st.tuples(st.integers(0, 2000), PIECES), max_size=6),
)


def _read_or_refuse(path: Path) -> list[ParsedEvent]:
    try:
        events = read(path)
    except InputError as error:
        assert error.file == path.name
        return []
    for event in events:
        assert isinstance(event.text, str) and all(isinstance(v, str) for v in event.details.values())
    return events


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(MUTATED, st.binary(max_size=300)))
def test_corrupted_eml_yields_events_or_input_error(tmp_path: Path, data: bytes) -> None:
    _read_or_refuse(write(tmp_path / "m.eml", data))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(messages=st.lists(MUTATED, min_size=1, max_size=3), blank=st.booleans())
def test_corrupted_mbox_yields_events_or_input_error(
    tmp_path: Path, messages: list[bytes], blank: bool
) -> None:
    data = b"".join(SEPARATOR + item + (b"\n" if blank else b"") for item in messages)
    _read_or_refuse(write(tmp_path / "box.mbox", data))


def test_tricky_messages_are_read(tmp_path: Path) -> None:
    for number, data in enumerate(TRICKY):
        (event,) = read(write(tmp_path / f"t{number}.eml", data))
        assert event.details["source_id"]


def test_memory_stays_flat_on_a_large_mbox(tmp_path: Path) -> None:
    path = tmp_path / "All mail.mbox"
    write_large_mbox(path, 3_000)
    size = path.stat().st_size
    assert size > 1_400_000
    importer, context = MboxImporter(), ImportContext(timezone=ZoneInfo("UTC"))
    # A first pass fills the caches that are bounded anyway (the email parser compiles each
    # multipart boundary into a regular expression, and Python keeps the last 512 of those).
    assert sum(1 for _ in importer.events(Source(path), context)) == 3_000
    count, peak = events_and_peak(importer, Source(path), context)
    assert count == 3_000
    assert peak < size / 10, f"peak {peak} bytes for a {size}-byte mailbox"
