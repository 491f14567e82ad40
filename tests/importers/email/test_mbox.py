"""Mailboxes: where messages start, mboxrd quoting, locators, limits, and sameness with loose files."""

from __future__ import annotations

from pathlib import Path

import pytest

from casetrail.errors import InputError
from casetrail.importers.email import message as message_module
from casetrail.importers.email.eml import EmlImporter
from casetrail.importers.email.mbox import MboxImporter
from casetrail.ingest.source import Source
from tests.importers.email.support import message, one, read, write

SEPARATOR = "From casey.marsh@example.com Tue Mar  4 21:14:00 2025"


def mbox(*messages: bytes, separator: str = SEPARATOR) -> bytes:
    return b"".join(f"{separator}\n".encode() + data + b"\n" for data in messages)


def test_messages_and_their_lines(tmp_path: Path) -> None:
    data = mbox(message("Subject: one"), message("Subject: two", body="a\nb\nc"))
    events = read(write(tmp_path / "box.mbox", b"\n\n" + data))
    assert [e.details["subject"] for e in events] == ["one", "two"]
    assert [str(e.locator) for e in events] == ["line 3-9", "line 11-19"]
    assert [e.details["message_number"] for e in events] == ["1", "2"]


def test_a_body_line_starting_with_from_does_not_split(tmp_path: Path) -> None:
    body = "\n".join(
        [
            "Hi,",
            "",
            "From now on I will write every day.",  # no date: not a separator
            "",
            "From me Tue Mar  4 21:14:00 2025",  # separator-shaped, but not followed by a header line
            "and this line is not a header",
            "From Casey",
        ]
    )
    events = read(write(tmp_path / "box.mbox", mbox(message(body=body), message(body="second"))))
    assert len(events) == 2
    assert events[0].text == body
    assert events[1].text == "second"


def test_separator_must_follow_an_empty_line(tmp_path: Path) -> None:
    first = message(body=f"quoted:\n{SEPARATOR}\nX-Not-A-Message: really")
    events = read(write(tmp_path / "box.mbox", mbox(first)))
    assert len(events) == 1 and SEPARATOR in events[0].text


def test_mboxrd_quoting_is_undone(tmp_path: Path) -> None:
    body = ">From the start\n>>From two levels\n> From not quoted\nplain"
    quoted = body.replace(">From", ">>From")  # as an mboxrd writer stores it
    assert quoted.startswith(">>From the start\n>>>From two levels\n")
    written = mbox(message("Message-ID: <q@example.com>", body=quoted))
    event = one(write(tmp_path / "box.mbox", written))
    assert event.text == body
    loose = one(write(tmp_path / "m.eml", message("Message-ID: <q@example.com>", body=body, newline="\r\n")))
    assert loose.details["source_id"] == event.details["source_id"]


def test_gmail_style_separator_and_crlf(tmp_path: Path) -> None:
    separator = "From 1788286512496139421@xxx Tue Mar 04 21:14:00 +0000 2025"
    data = mbox(message("X-Gmail-Labels: Sent"), message(), separator=separator).replace(b"\n", b"\r\n")
    events = read(write(tmp_path / "All mail.mbox", data))
    assert len(events) == 2 and events[0].text == "Hello."


def test_text_before_the_first_message_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "box.mbox", b"\nhello\n" + mbox(message()))
    with pytest.raises(InputError) as caught:
        read(path)
    assert (caught.value.file, caught.value.place) == ("box.mbox", "line 2")


def test_too_large_message_is_refused_naming_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(message_module, "MAX_MESSAGE_BYTES", 10_000)
    monkeypatch.setattr("casetrail.importers.email.mbox.MAX_MESSAGE_BYTES", 10_000)
    path = write(tmp_path / "box.mbox", mbox(message(), message(body="x\n" * 6000)))
    with pytest.raises(InputError) as caught:
        read(path)
    assert (caught.value.file, caught.value.place) == ("box.mbox", "line 8")


def test_a_long_line_is_read_in_pieces(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("casetrail.importers.email.mbox.READ_BYTES", 64)
    long_line = "word " * 200
    events = read(write(tmp_path / "box.mbox", mbox(message(body=long_line.strip()), message(body="after"))))
    assert events[0].text == long_line.strip() and events[1].text == "after"
    assert str(events[1].locator) == "line 8-13"


def test_same_message_in_mbox_and_eml_is_one_identity(tmp_path: Path) -> None:
    raw = message("Message-ID: <same@example.com>", "Subject: s", body="line\n\nFrom you\nend")
    boxed = one(write(tmp_path / "box.mbox", mbox(raw.replace(b"\nFrom you", b"\n>From you"))))
    loose = one(write(tmp_path / "m.eml", raw.replace(b"\n", b"\r\n")))
    assert boxed.details["source_id"] == loose.details["source_id"]
    assert boxed.text == loose.text


@pytest.mark.parametrize(
    ("name", "data", "mbox_sure", "eml_sure"),
    [
        ("box.mbox", mbox(message()), True, False),
        ("box", mbox(message()), True, False),
        ("empty.mbox", b"\n", True, False),
        ("empty.txt", b"\n", False, False),
        ("m.eml", message(), False, True),
        ("m.txt", b"Received: from x by y; Tue, 04 Mar 2025 21:14:00 +0000\nX-Spam: no\n\nbody", False, True),
        ("chat.txt", b"[07/01/2025, 10:00:00] Casey Marsh: hello\r\n", False, False),
        ("chat.txt", b"07/01/2025, 10:00 - Casey Marsh: From: me\n", False, False),
        ("sms-1.xml", b"<?xml version='1.0'?>\n<smses count='0'/>", False, False),
        ("x.json", b'{"From": "a@example.com"}', False, False),
        ("notes.txt", b"Note: buy milk\nhttp://example.com\n", False, False),
        ("box.mbox", b"From someone without a date\nSubject: x\n\nbody\n", False, False),
    ],
)
def test_recognition(tmp_path: Path, name: str, data: bytes, mbox_sure: bool, eml_sure: bool) -> None:
    source = Source(write(tmp_path / name, data))
    assert (MboxImporter().sniff(source).confidence > 0) is mbox_sure
    assert (EmlImporter().sniff(source).confidence > 0) is eml_sure


def test_eml_that_is_not_mail_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        read(write(tmp_path / "x.eml", b"just some words\n"))
    assert (caught.value.file, caught.value.place) == ("x.eml", "line 1")
