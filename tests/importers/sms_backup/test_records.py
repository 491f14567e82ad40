"""Synthetic backups for what the corpus lacks: every call type, sms types, odd values, sniffing."""

from __future__ import annotations

import base64
import hashlib
import zipfile
from pathlib import Path

import pytest

from casetrail.errors import InputError
from casetrail.importers.sms_backup import SmsBackupImporter
from casetrail.ingest.source import Source
from casetrail.model.event import Channel, Direction, Kind
from tests.importers.sms_backup.support import HEADER, backup, call, read, sms

T0 = 1_740_000_000_000  # 2025-02-19T21:20:00Z


@pytest.mark.parametrize(
    ("kind", "direction", "word"),
    [
        (1, Direction.INCOMING, "incoming"),
        (2, Direction.OUTGOING, "outgoing"),
        (3, Direction.INCOMING, "missed"),
        (4, Direction.INCOMING, "voicemail"),
        (5, Direction.INCOMING, "rejected"),
        (6, Direction.INCOMING, "blocked"),
        (7, Direction.INCOMING, "answered-elsewhere"),
    ],
)
def test_every_call_type(tmp_path: Path, kind: int, direction: Direction, word: str) -> None:
    path = backup(tmp_path / "calls-1.xml", "calls", [call(T0, kind, duration=42)])
    (event,), _ = read(path)
    assert (event.channel, event.kind, event.direction) == (Channel.PHONE, Kind.CALL, direction)
    assert event.details["call"] == word
    assert event.details["duration_s"] == "42"
    person = "+447700900123"  # contact_name "(Unknown)": the number alone
    if direction is Direction.OUTGOING:
        assert (event.sender, event.recipients) == (None, (person,))
    else:
        assert (event.sender, event.recipients) == (person, ())
    assert event.local_time == f"local {T0}"


def test_withheld_number_and_unknown_call_type(tmp_path: Path) -> None:
    withheld = call(T0, 1, number="").replace('presentation="1"', 'presentation="2"')
    path = backup(tmp_path / "calls-2.xml", "calls", [withheld, call(T0 + 1, 99, duration=-1)])
    first, second = read(path)[0]
    assert first.sender is None
    assert "number-withheld" in first.flags
    assert second.direction is Direction.UNKNOWN
    assert (second.sender, second.recipients) == (None, ())  # which way it went is not known
    assert second.details["number"] == "+447700900123"
    assert {"call-type-unknown", "duration-unreadable"} <= set(second.flags)


@pytest.mark.parametrize(
    ("kind", "flag"),
    [
        (3, "sms-draft"),
        (4, "sms-not-sent"),
        (5, "sms-send-failed"),
        (6, "sms-not-sent"),
        (9, "sms-type-unknown"),
    ],
)
def test_sms_that_was_not_sent_is_flagged(tmp_path: Path, kind: int, flag: str) -> None:
    (event,), _ = read(backup(tmp_path / "sms-1.xml", "smses", [sms(T0, "hello", kind=kind)]))
    assert flag in event.flags
    assert event.direction is (Direction.UNKNOWN if kind == 9 else Direction.OUTGOING)
    assert event.sender is None
    assert event.recipients == (() if kind == 9 else ("Casey Marsh (+447700900123)",))


def test_unusable_dates_are_kept_and_flagged(tmp_path: Path) -> None:
    records = [sms(0, "zero"), sms(9 * 10**18, "huge"), sms(T0, "x"), sms(-5, "negative"), sms(1, "1970")]
    records.append(sms(T0, "bad").replace(f'date="{T0}"', 'date="soon"'))
    events, _ = read(backup(tmp_path / "sms-2.xml", "smses", records))
    assert [e.occurred_at is None for e in events] == [True, True, False, True, True, True]
    assert all("time-unreadable" in e.flags for e in events if e.occurred_at is None)


def test_group_mms_recipients_and_parts(tmp_path: Path) -> None:
    picture = b"\x89PNG not really"
    mms = (
        f'<mms date="{T0}" msg_box="2" address="+15550000009~+15550000012" contact_name="A, B" sub="null">'
        "<parts>"
        '<part seq="-1" ct="application/smil" name="null" text="&lt;smil/&gt;" />'
        '<part seq="0" ct="text/plain" text="first line" />'
        f'<part seq="1" ct="image/png" name="null" cl="p.png" data="{base64.b64encode(picture).decode()}" />'
        '<part seq="2" ct="text/plain" text="second line" />'
        '<part seq="3" ct="image/gif" name="broken.gif" data="***" />'
        "</parts><addrs>"
        '<addr address="insert-address-token" type="137" />'
        '<addr address="+15550000009" type="151" /><addr address="+15550000012" type="130" />'
        '<addr address="+15550000013" type="129" />'
        "</addrs></mms>"
    )
    (event,), _ = read(backup(tmp_path / "sms-3.xml", "smses", [mms]))
    assert event.direction is Direction.OUTGOING
    assert event.sender is None
    assert event.recipients == ("+15550000009", "+15550000012", "+15550000013")
    assert event.text == "first line\nsecond line"
    assert event.details["part_1"] == (
        f"image/png, p.png, {len(picture)} bytes, sha256 {hashlib.sha256(picture).hexdigest()}"
    )
    assert event.details["part_2"].startswith("image/gif, broken.gif, data is not valid base64")
    assert "attachment-unreadable" in event.flags
    (kept,) = event.embedded  # the picture is kept byte for byte; the broken part only described
    assert (kept.name, kept.data, kept.content_type) == ("p.png", picture, "image/png")
    assert event.attachments == (kept.key,) == ("element mms 1, part 1",)


def test_hostile_text_is_kept_verbatim(tmp_path: Path) -> None:
    body = "__import__('os').system('rm -rf /') &lt;script&gt;{{7*7}}"
    (event,), _ = read(backup(tmp_path / "sms-4.xml", "smses", [sms(T0, body)]))
    assert event.text == "__import__('os').system('rm -rf /') <script>{{7*7}}"


def test_other_elements_are_left_out_with_a_note(tmp_path: Path) -> None:
    path = backup(tmp_path / "sms-5.xml", "smses", [sms(T0, "a"), '<call number="1" date="1" type="1" />'])
    events, context = read(path)
    assert len(events) == 1
    assert any("left out" in note for note in context.notes)


@pytest.mark.parametrize(
    ("name", "head", "confidence"),
    [
        ("sms-20250101.xml", HEADER + '<smses count="0">', 0.97),
        ("calls-20250101.xml", "\ufeff" + HEADER + "<!-- c -->\n<calls count='0'>", 0.97),
        ("backup.xml", '<?xml-stylesheet href="sms.xsl"?>\n<smses count="1">', 0.9),
        ("sms-1.xml", HEADER + "<html>", 0.0),
        ("sms-1.xml", "", 0.0),
        ("chat.txt", "12/01/2025, 10:00 - A: <smses", 0.0),
    ],
)
def test_sniff(tmp_path: Path, name: str, head: str, confidence: float) -> None:
    path = tmp_path / name
    path.write_text(head + "\n", encoding="utf-8")
    assert SmsBackupImporter().sniff(Source(path)).confidence == confidence


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_a_backup_saved_as_utf16_reads_the_same(tmp_path: Path, encoding: str) -> None:
    records = [sms(T0, "café ☕ 犬"), sms(T0 + 1, "second", kind=2)]
    plain = backup(tmp_path / "sms-plain.xml", "smses", records)
    text = plain.read_text("utf-8").replace("encoding='UTF-8'", "encoding='UTF-16'")
    wide = tmp_path / "sms-wide.xml"
    wide.write_bytes(text.encode(encoding))
    assert SmsBackupImporter().sniff(Source(wide)).confidence >= 0.9
    assert [(e.text, e.occurred_at) for e in read(wide)[0]] == [
        (e.text, e.occurred_at) for e in read(plain)[0]
    ]


def test_a_zipped_backup_is_read_from_its_member(tmp_path: Path) -> None:
    plain = backup(tmp_path / "sms-20250601.xml", "smses", [sms(T0, "hello"), sms(T0 + 1, "again")])
    archive = tmp_path / "backup.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        out.write(plain, "SMSBackupRestore/sms-20250601.xml")
    assert SmsBackupImporter().sniff(Source(archive)).confidence == 0.9
    events, _ = read(archive)
    assert [e.text for e in events] == ["hello", "again"]
    assert str(events[1].locator) == "SMSBackupRestore/sms-20250601.xml:element sms 2"


def test_a_zip_without_exactly_one_backup_is_not_claimed(tmp_path: Path) -> None:
    archive = tmp_path / "other.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("sms-1.xml", "<smses/>")
        out.writestr("sms-2.xml", "<smses/>")
    assert SmsBackupImporter().sniff(Source(archive)).confidence == 0


def test_a_broken_member_is_named_in_the_error(tmp_path: Path) -> None:
    archive = tmp_path / "backup.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("calls-1.xml", "<?xml version='1.0'?>\n<calls count='1'><call number='1'")
    with pytest.raises(InputError) as caught:
        read(archive)
    assert caught.value.file == "backup.zip"
    assert caught.value.place is not None and caught.value.place.startswith("calls-1.xml, line 2")
