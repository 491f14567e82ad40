"""Every e-mail sample of the corpus against the values in its SOURCE.md and MANIFEST.md."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from casetrail.importers.email.eml import EmlImporter
from casetrail.importers.email.mbox import MboxImporter
from casetrail.ingest.source import Source
from casetrail.model.event import Channel, Direction, Kind
from tests.importers.email.support import one, read

Corpus = Callable[[str], Path]
EML = "eml/eml_parser/"
MBOX = "mbox/TakeoutReader/"


def test_sample_eml(corpus: Corpus) -> None:
    path = corpus(EML + "sample.eml")
    assert hashlib.sha256(path.read_bytes()).hexdigest().startswith("99798841db2f773a")
    event = one(path)
    assert (event.channel, event.kind, event.direction) == (Channel.EMAIL, Kind.EMAIL, Direction.UNKNOWN)
    assert event.sender == "john.doe@example.com"
    assert event.details["from_name"] == "John Doe"
    assert event.recipients == ("test@example.com",)
    assert event.occurred_at == datetime(2013, 4, 26, 11, 15, 47, tzinfo=UTC)
    assert event.local_time == "Fri, 26 Apr 2013 11:15:47 +0000"
    assert event.text == "Subject: Sample EML\n\nTest e-mail."
    assert str(event.locator) == "line 1-11"
    assert event.flags == ()
    assert event.details["source_id"].startswith(
        "email|F96257F63EAEB94C890EA6CE1437145C013B01FA@example.com|"
    )


def test_same_headers_different_body_are_two_messages(corpus: Corpus) -> None:
    plain, other = one(corpus(EML + "sample.eml")), one(corpus(EML + "sample_body_data.eml"))
    assert plain.details["message_id"] == other.details["message_id"]
    assert plain.occurred_at == other.occurred_at
    assert plain.details["source_id"] != other.details["source_id"]
    assert "hxxps://www.example2.com" in other.text


def test_trailing_period_display_name(corpus: Corpus) -> None:
    event = one(corpus(EML + "sample_bug27257.eml"))
    assert event.sender == "john.doe@example.com"
    assert event.recipients == ("test@example.com",)


def test_three_attachments_no_date(corpus: Corpus) -> None:
    event = one(corpus(EML + "sample_attachments.eml"))
    assert [file.name for file in event.embedded] == ["text.txt", "document.pdf", "test.csv"]
    assert event.attachments == tuple(file.key for file in event.embedded) == ("1/2", "1/3", "1/4")
    assert [file.place for file in event.embedded] == ["part 2", "part 3", "part 4"]
    assert event.embedded[1].data.startswith(b"%PDF-1.5")
    assert event.embedded[0].data.startswith(b"Lorem ipsum dolor sit amet")
    assert event.sender == "pruebas@evidev1.ivnosys.net"
    assert event.text == "Subject: test mail eml parser\n\ntext message"
    assert event.occurred_at is None and "time-unreadable" in event.flags
    assert event.details["message_id"].endswith("articsoluciones.es>")  # folded onto the next line


def test_unparseable_orig_date_falls_back_to_received(corpus: Corpus) -> None:
    event = one(corpus(EML + "sample_date_parsing.eml"))
    assert event.details["date"] == "Wed Jul 2020 23:11:43 +0100"
    assert "time-from-received-header" in event.flags
    assert event.occurred_at == datetime(2013, 4, 26, 11, 15, 55, tzinfo=UTC)
    assert event.local_time == "Fri, 26 Apr 2013 13:15:55 +0200"


def test_year_one_date_is_unreadable(corpus: Corpus) -> None:
    event = one(corpus(EML + "sample_invalid_date1.eml"))
    assert event.occurred_at is None
    assert event.local_time == "0001-01-01 00:00:00 +0000 UTC"
    assert "time-unreadable" in event.flags
    assert event.sender is None and event.recipients == ()
    assert "subject" not in event.details and event.text == "test"
    assert event.details["source_id"].startswith("email-no-id|")


def test_display_name_that_is_another_address(corpus: Corpus) -> None:
    event = one(corpus(EML + "sample_email_in_from.eml"))
    assert event.sender == "john@example.com"
    assert event.details["from_name"] == "john@fake-example.com"
    assert "display-name-is-another-address" in event.flags
    assert event.recipients == ("jane.doe@example.com", "james.doe@example.com")
    assert event.details["subject"] == "Test subject éèàöüä${}"  # raw UTF-8 in the header (RFC 6532)
    assert "Lorem ipsüm dolor sit amét" in event.text and "5€" in event.text
    assert event.occurred_at is None


def test_html_only_body(corpus: Corpus) -> None:
    event = one(corpus(EML + "github_issue_48.eml"))
    assert event.occurred_at == datetime(2020, 4, 21, 14, 5, 44, tzinfo=UTC)
    assert event.sender == "email1@example.com"
    assert "html-reduced-to-text" in event.flags
    assert "Sign up today [http://example2.com/spl.html]" in event.text
    assert ">>> JOIN NOW <<<" in event.text
    assert "<td>" not in event.text and "style=" not in event.text
    assert event.details["reply_to"] == '"Giovanna" <email1@example.com>'


def test_bounce(corpus: Corpus) -> None:
    event = one(corpus(EML + "sample_fail_github_issue_38.eml"))
    assert "delivery-report" in event.flags
    assert event.occurred_at == datetime(2019, 10, 17, 21, 32, 47, tzinfo=UTC)
    assert event.sender == "MAILER-DAEMON@mta1-x1.xuxuxuxu.net"
    assert event.text.startswith("Subject: Undelivered Mail Returned to Sender\n\nThis is the mail system")
    kinds = [file.content_type for file in event.embedded]
    assert kinds == ["message/delivery-status", "message/rfc822"]
    assert b"Guia de Moteis" in event.embedded[1].data  # the returned message, kept whole, not opened


def test_html_attachment_stays_an_attachment(corpus: Corpus) -> None:
    event = one(corpus(EML + "sample_mime_attachment_html.eml"))
    assert [(file.name, file.content_type) for file in event.embedded] == [("test.html", "text/html")]
    assert event.embedded[0].data.startswith(b"<!DOCTYPE HTML")
    assert event.text.startswith("Subject: Hello!\n\nHi\nhow is your day today?")
    assert "html-reduced-to-text" not in event.flags
    assert event.occurred_at == datetime(2013, 4, 15, 2, 8, 35, tzinfo=UTC)


def test_inline_html_is_not_an_attachment(corpus: Corpus) -> None:
    event = one(corpus(EML + "sample_mime_inline_html.eml"))
    assert event.embedded == () and event.attachments == ()
    assert event.sender == "john@example.com" and event.recipients == ("jane@example.com",)
    assert "kiss" in event.text and "<" not in event.text


def test_takeout_sample_mbox(corpus: Corpus) -> None:
    events = read(corpus(MBOX + "sample.mbox"))
    assert [e.sender for e in events] == [
        "alice@example.com",
        "noreply@facebookmail.com",
        "alert@boursorama.com",
    ]
    assert [e.occurred_at for e in events] == [  # from the Date headers, not the separators' weekdays
        datetime(2024, 1, 1, 11, tzinfo=UTC),
        datetime(2024, 1, 2, 7, tzinfo=UTC),
        datetime(2024, 1, 3, 9, tzinfo=UTC),
    ]
    assert [e.details["gmail_labels"] for e in events] == ["Inbox,Important", "Social", "Inbox"]
    assert {e.direction for e in events} == {Direction.INCOMING}
    assert [str(e.locator) for e in events] == ["line 1-10", "line 12-21", "line 23-32"]
    assert [e.details["message_number"] for e in events] == ["1", "2", "3"]
    assert events[0].text == "Subject: Hello Bob\n\nHey Bob, happy new year!"


def test_edge_cases_mbox(corpus: Corpus) -> None:
    broken, first, second = read(corpus(MBOX + "edge_cases.mbox"))
    assert broken.sender is None and broken.occurred_at is None
    assert broken.local_time == "not-a-real-date" and "time-unreadable" in broken.flags
    assert broken.text == "This email has broken headers."
    assert first.details["message_id"] == second.details["message_id"] == "<dupe001@test.com>"
    assert first.occurred_at == second.occurred_at == datetime(2024, 1, 5, 11, tzinfo=UTC)
    assert (first.direction, second.direction) == (Direction.UNKNOWN, Direction.INCOMING)
    # The two copies share a Message-ID but not their text, so both are kept (docs: identity).
    assert first.details["source_id"] != second.details["source_id"]
    assert first.details["source_id"].split("|")[:2] == second.details["source_id"].split("|")[:2]


def test_empty_mbox(corpus: Corpus) -> None:
    path = corpus(MBOX + "empty.mbox")
    assert read(path) == []
    assert MboxImporter().sniff(Source(path)).confidence > 0
    assert EmlImporter().sniff(Source(path)).confidence == 0


def test_every_sample_is_recognised_by_its_importer(corpus: Corpus) -> None:
    for name in ("sample.eml", "sample_attachments.eml", "github_issue_48.eml", "sample_invalid_date1.eml"):
        source = Source(corpus(EML + name))
        assert EmlImporter().sniff(source).confidence >= 0.9
        assert MboxImporter().sniff(source).confidence == 0
    for name in ("sample.mbox", "edge_cases.mbox"):
        source = Source(corpus(MBOX + name))
        assert MboxImporter().sniff(source).confidence >= 0.9
        assert EmlImporter().sniff(source).confidence == 0
