"""The demo e-mail writer: what it writes reads back through the importers as written."""

from __future__ import annotations

import hashlib
from pathlib import Path

from casetrail.demo.email_export import demo_emails, tiny_png, write_eml, write_large_mbox, write_mbox
from casetrail.model.event import Direction
from tests.importers.email.support import one, read


def test_mbox_round_trip(tmp_path: Path) -> None:
    emails = demo_emails()
    assert write_mbox(tmp_path / "Takeout.mbox", emails) == len(emails)
    events = read(tmp_path / "Takeout.mbox")
    assert [e.occurred_at for e in events] == [email.at for email in emails]
    assert [e.sender for e in events] == [email.sender.email for email in emails]
    assert [e.direction for e in events] == [
        Direction.INCOMING,
        Direction.INCOMING,
        Direction.OUTGOING,
        Direction.INCOMING,
    ]
    assert events[0].details["subject"] == "Können wir reden? — just five minutes"
    assert events[1].details["subject"] == "Why are you ignoring me 😠"
    assert "From now on I will keep writing until you answer." in events[1].text
    assert events[2].details["in_reply_to"] == emails[0].message_id
    (picture,) = events[3].embedded
    assert picture.name == "gym.png"
    assert hashlib.sha256(picture.data).digest() == hashlib.sha256(tiny_png(96, 125, 139)).digest()
    assert all(e.flags == () for e in events)
    for event in events:
        assert all(
            a.endswith(("example.org", "example.com")) for a in (event.sender or "", *event.recipients)
        )


def test_eml_and_mbox_copies_are_the_same_identity(tmp_path: Path) -> None:
    emails = demo_emails()
    boxed = read(tmp_path / "box.mbox") if write_mbox(tmp_path / "box.mbox", emails) else []
    for email, in_box in zip(emails, boxed, strict=True):
        loose = one(write_eml(tmp_path / "m.eml", email))
        assert loose.details["source_id"] == in_box.details["source_id"]
        assert loose.text == in_box.text


def test_large_mbox(tmp_path: Path) -> None:
    assert write_large_mbox(tmp_path / "big.mbox", 120) == 120
    events = read(tmp_path / "big.mbox")
    assert len(events) == 120
    assert len({e.details["source_id"] for e in events}) == 120
    assert sum(1 for e in events if e.embedded) == 3
    assert sum(1 for e in events if e.direction is Direction.OUTGOING) == 18
    assert all(e.occurred_at is not None and not e.flags for e in events)
