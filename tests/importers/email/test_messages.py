"""Synthetic messages: bodies, HTML, attachments, charsets, people, labels, times and identity."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from casetrail.importers.email.html_text import html_to_text
from casetrail.model.event import Direction
from tests.importers.email.support import message, one, write

PNG = bytes(range(256)) * 3


def multipart(*parts: str, kind: str = "mixed", boundary: str = "XyZ") -> tuple[str, str]:
    """(Content-Type header, body) of a multipart made of already written parts."""
    body = "".join(f"--{boundary}\n{part}\n" for part in parts) + f"--{boundary}--"
    return f'Content-Type: multipart/{kind}; boundary="{boundary}"', body


def test_html_is_reduced_to_safe_text(tmp_path: Path) -> None:
    html = (
        "<html><head><title>Title text</title><style>p {color: red}</style>"
        "<script>document.write('SCRIPT-MARKER')</script></head><body>"
        "<p>First <b>line</b></p><p>Second<br>third</p><!-- COMMENT-MARKER -->"
        '<a href="https://evil.example/x">https://bank.example</a> '
        '<a href="https://same.example">https://same.example</a>'
        '<div>\n\n\n\n</div><div>Last</div><img src="https://pixel.example/p.gif">'
        "<noscript>NOSCRIPT-MARKER</noscript></body></html>"
    )
    event = one(write(tmp_path / "m.eml", message("Subject: hi", "Content-Type: text/html", body=html)))
    assert "html-reduced-to-text" in event.flags
    text = event.text
    for hidden in ("SCRIPT-MARKER", "COMMENT-MARKER", "Title text", "color: red", "NOSCRIPT-MARKER", "<"):
        assert hidden not in text
    assert text.startswith("Subject: hi\n\nFirst line\n\nSecond\nthird")
    assert "https://bank.example [https://evil.example/x]" in text
    assert "https://same.example" in text and "[https://same.example]" not in text
    assert "[image: https://pixel.example/p.gif]" in text
    assert "\n\n\n" not in text


def test_deeply_nested_html_is_quick_and_flat() -> None:
    assert html_to_text("<div>" * 20_000 + "deep" + "</div>" * 20_000) == "deep"
    assert html_to_text("<script>" + "x" * 1000) == ""


def test_plain_text_is_preferred_to_html(tmp_path: Path) -> None:
    header, body = multipart(
        "Content-Type: text/plain\n\nThe plain words.",
        "Content-Type: text/html\n\n<p>The <i>HTML</i> words.</p>",
        kind="alternative",
    )
    event = one(write(tmp_path / "m.eml", message(header, body=body)))
    assert event.text == "The plain words."
    assert event.flags == () and event.embedded == ()


def test_attachments_are_decoded_exactly(tmp_path: Path) -> None:
    encoded = base64.encodebytes(PNG).decode().strip()
    header, body = multipart(
        "Content-Type: text/plain; charset=utf-8\n\nSee attached.",
        f'Content-Type: image/png; name="photo.png"\nContent-Transfer-Encoding: base64\n'
        f'Content-Disposition: attachment; filename="photo.png"\n\n{encoded}',
        "Content-Type: text/plain; charset=utf-8\n"
        'Content-Disposition: attachment; filename="n=C3=B6tes.txt"\n'
        "Content-Transfer-Encoding: quoted-printable\n\nline one=\nstill one\nx=3Dy",
        "Content-Type: image/jpeg\nContent-Transfer-Encoding: base64\nContent-ID: <inline1>\n\n/9j/4AAQ",
        "Content-Type: application/pdf\nContent-Disposition: attachment; "
        "filename*=UTF-8''r%C3%A9sum%C3%A9.pdf\n\n%PDF-1.4 tiny",
    )
    event = one(write(tmp_path / "m.eml", message("Subject: pics", header, body=body)))
    photo, notes, inline, pdf = event.embedded
    assert (photo.key, photo.name, photo.content_type, photo.place) == (
        "1/2",
        "photo.png",
        "image/png",
        "part 2",
    )
    assert hashlib.sha256(photo.data).hexdigest() == hashlib.sha256(PNG).hexdigest()
    assert notes.data == b"line onestill one\nx=y" and notes.name == "n=C3=B6tes.txt"
    assert (inline.name, inline.data) == ("", base64.b64decode("/9j/4AAQ"))
    assert pdf.name == "résumé.pdf" and pdf.data == b"%PDF-1.4 tiny"
    assert event.attachments == ("1/2", "1/3", "1/4", "1/5")
    assert event.text == "Subject: pics\n\nSee attached."
    assert "attachment-undecodable" not in event.flags


def test_undecodable_attachment_keeps_its_raw_bytes(tmp_path: Path) -> None:
    header, body = multipart(
        "Content-Type: text/plain\n\nhi",
        'Content-Type: application/octet-stream; name="x.bin"\nContent-Transfer-Encoding: base64\n\n'
        "not*base64!!",
    )
    event = one(write(tmp_path / "m.eml", message(header, body=body)))
    assert event.embedded[0].data == b"not*base64!!"
    assert "attachment-undecodable" in event.flags


def test_forwarded_message_is_one_attachment(tmp_path: Path) -> None:
    inner = "From: other@example.com\nSubject: inner secret\n\nInner body."
    header, body = multipart("Content-Type: text/plain\n\nFYI", f"Content-Type: message/rfc822\n\n{inner}")
    event = one(write(tmp_path / "m.eml", message(header, body=body)))
    assert event.text == "FYI"
    assert [file.content_type for file in event.embedded] == ["message/rfc822"]
    assert b"Inner body." in event.embedded[0].data and b"inner secret" in event.embedded[0].data


@pytest.mark.parametrize(
    ("content_type", "data", "text", "damaged"),
    [
        ("text/plain; charset=iso-8859-1", "caf\xe9".encode("latin-1"), "café", False),
        ("text/plain; charset=windows-1251", "привет".encode("cp1251"), "привет", False),
        ("text/plain; charset=no-such-charset", "naïve".encode(), "naïve", True),
        ("text/plain; charset=us-ascii", b"bad \xff byte", "bad \ufffd byte", True),
        ("text/plain", b"bad \xff byte", "bad \ufffd byte", True),
        ("text/plain; charset=unicode_escape", b"\\u0041", "\\u0041", True),
        ("text/plain; charset=base64", b"aGk=", "aGk=", True),
    ],
)
def test_charsets(tmp_path: Path, content_type: str, data: bytes, text: str, damaged: bool) -> None:
    raw = message(f"Content-Type: {content_type}", body="BODY").replace(b"BODY", data)
    event = one(write(tmp_path / "m.eml", raw))
    assert event.text == text
    assert ("undecodable-bytes" in event.flags) is damaged


def test_encoded_words_and_raw_bytes_in_headers(tmp_path: Path) -> None:
    raw = message(
        "Subject: =?utf-8?q?K=C3=B6nnen_wir?= =?utf-8?b?IHJlZGVuPyDwn5ig?=",
        "From: =?iso-8859-1?q?Ren=E9?= <rene@EXAMPLE.com>",
        "Cc: Bad\udcff Byte <bb@example.org>",
    )
    event = one(write(tmp_path / "m.eml", raw))
    assert event.details["subject"] == "Können wir reden? 😠"
    assert event.text.startswith("Subject: Können wir reden? 😠\n\n")
    assert (event.sender, event.details["from_name"]) == ("rene@example.com", "René")
    assert "bb@example.org" in event.recipients
    assert "undecodable-bytes" in event.flags


def test_an_encoded_name_cannot_add_addresses(tmp_path: Path) -> None:
    # "=?utf-8?q?x@evil.example,_y?=" decodes to a name holding a comma and an address.
    event = one(
        write(tmp_path / "m.eml", message("From: =?utf-8?q?x@evil.example=2C_y?= <real@example.com>"))
    )
    assert event.sender == "real@example.com"
    assert event.details["from_name"] == "x@evil.example, y"
    assert "display-name-is-another-address" in event.flags


@pytest.mark.parametrize(
    ("sender", "flagged"),
    [
        ('"casey.marsh@example.com" <casey.marsh@example.com>', False),
        ('"CASEY.MARSH@example.com" <casey.marsh@EXAMPLE.com>', False),
        ('"support@bank.example" <casey.marsh@example.com>', True),
        ('"Your bank (support@bank.example)" <casey.marsh@example.com>', True),
        ("Casey Marsh <casey.marsh@example.com>", False),
    ],
)
def test_spoof_flag(tmp_path: Path, sender: str, flagged: bool) -> None:
    event = one(write(tmp_path / "m.eml", message(f"From: {sender}")))
    assert ("display-name-is-another-address" in event.flags) is flagged


def test_recipients_to_cc_bcc_once_each(tmp_path: Path) -> None:
    raw = message(
        "To: A <a@example.org>, b@Example.ORG",
        'Cc: a@example.org, "C, Jr" <c@example.org>',
        "Bcc: d@example.org",
    )
    event = one(write(tmp_path / "m.eml", raw))
    assert event.recipients == ("a@example.org", "b@example.org", "c@example.org", "d@example.org")


@pytest.mark.parametrize(
    ("labels", "direction", "flag"),
    [
        ("Sent", Direction.OUTGOING, None),
        ("Inbox,Sent,Opened", Direction.OUTGOING, None),
        ("Inbox,Important", Direction.INCOMING, None),
        ("Spam", Direction.INCOMING, None),
        ('"Category Social",Opened', Direction.INCOMING, None),
        ("Drafts", Direction.OUTGOING, "email-draft"),
        (None, Direction.UNKNOWN, None),
    ],
)
def test_labels_give_direction(
    tmp_path: Path, labels: str | None, direction: Direction, flag: str | None
) -> None:
    headers = [f"X-Gmail-Labels: {labels}"] if labels else []
    event = one(write(tmp_path / "m.eml", message(*headers, "X-GM-THRID: 1700000000000000001")))
    assert event.direction is direction
    assert (flag in event.flags) if flag else ("email-draft" not in event.flags)
    assert event.details["gmail_thread"] == "1700000000000000001"


RECEIVED = (
    "Received: from relay.example.net by mx.example.org; Wed, 05 Mar 2025 10:00:00 +0100",
    "Received: from sender.example.com by relay.example.net; Wed, 05 Mar 2025 08:59:00 +0000",
)


@pytest.mark.parametrize(
    ("date", "expected", "flag"),
    [
        ("Tue, 04 Mar 2025 21:14:00 -0500", datetime(2025, 3, 5, 2, 14, tzinfo=UTC), None),
        ("Tue, 04 Mar 2025 21:14:00 -0000", datetime(2025, 3, 4, 21, 14, tzinfo=UTC), None),
        ("Tue, 04 Mar 2025 21:14:00 +0000 (UTC)", datetime(2025, 3, 4, 21, 14, tzinfo=UTC), None),
        ("yesterday", datetime(2025, 3, 5, 9, tzinfo=UTC), "time-from-received-header"),
        ("Mon, 01 Jan 0001 00:00:00 +0000", datetime(2025, 3, 5, 9, tzinfo=UTC), "time-from-received-header"),
        ("Fri, 01 Jan 1960 00:00:00 +0000", datetime(2025, 3, 5, 9, tzinfo=UTC), "time-from-received-header"),
        ("", datetime(2025, 3, 5, 9, tzinfo=UTC), "time-from-received-header"),
    ],
)
def test_date_then_newest_received(tmp_path: Path, date: str, expected: datetime, flag: str | None) -> None:
    event = one(write(tmp_path / "m.eml", message(*RECEIVED, f"Date: {date}")))
    assert event.occurred_at == expected
    if flag:
        assert flag in event.flags
        assert event.local_time == "Wed, 05 Mar 2025 10:00:00 +0100"
        if date:
            assert event.details["date"] == date
    else:
        assert event.local_time == date and event.flags == ()


def test_no_usable_time_at_all(tmp_path: Path) -> None:
    event = one(write(tmp_path / "m.eml", message("Date: soon", "Received: by nowhere; never")))
    assert event.occurred_at is None and event.local_time == "soon"
    assert "time-unreadable" in event.flags


def test_repeated_from_is_flagged(tmp_path: Path) -> None:
    event = one(write(tmp_path / "m.eml", message("From: a@example.com", "From: b@example.com")))
    assert event.sender == "a@example.com"
    assert "from-header-repeated" in event.flags


def test_identity_ignores_labels_received_and_line_endings(tmp_path: Path) -> None:
    base = ["Message-ID: < abc@example.com >", "Subject: same"]
    first = one(write(tmp_path / "a.eml", message(*base, "X-Gmail-Labels: Inbox", newline="\r\n")))
    second = one(write(tmp_path / "b.eml", message(*base, "X-Gmail-Labels: Inbox,Important", *RECEIVED)))
    changed = one(write(tmp_path / "c.eml", message(*base, body="Hello!")))
    assert first.details["source_id"] == second.details["source_id"]
    assert first.details["source_id"].startswith("email|abc@example.com|")
    assert changed.details["source_id"] != first.details["source_id"]


def test_identity_without_message_id_uses_headers_and_content(tmp_path: Path) -> None:
    first = one(write(tmp_path / "a.eml", message("Subject: s")))
    same = one(write(tmp_path / "b.eml", message("Subject: s", "X-Gmail-Labels: Spam")))
    other = one(write(tmp_path / "c.eml", message("Subject: t")))
    assert first.details["source_id"] == same.details["source_id"]
    assert first.details["source_id"].startswith("email-no-id|")
    assert other.details["source_id"] != first.details["source_id"]


def test_a_missing_boundary_keeps_the_text(tmp_path: Path) -> None:
    raw = message("Content-Type: multipart/mixed", body="no parts here, just text")
    event = one(write(tmp_path / "m.eml", raw))
    assert "no parts here, just text" in event.text
