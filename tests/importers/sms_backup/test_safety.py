"""Hostile and broken input: entity tricks, corrupted bytes, and flat memory on large backups."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casetrail.errors import InputError
from casetrail.importers.base import ImportContext
from casetrail.importers.sms_backup import SmsBackupImporter
from casetrail.ingest.source import Source
from tests.importers.hostile import events_and_peak
from tests.importers.sms_backup.support import HEADER, call, read, sms

BILLION_LAUGHS = (
    HEADER
    + '<!DOCTYPE smses [<!ENTITY a "laugh"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    + '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>\n'
    + '<smses count="1"><sms address="1" date="1740000000000" type="1" body="&d;" /></smses>\n'
)
EXTERNAL_ENTITY = (
    HEADER
    + '<!DOCTYPE smses [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n'
    + '<smses count="1"><sms address="1" date="1740000000000" type="1" body="x" />&secret;</smses>\n'
)
EXTERNAL_DTD = (
    HEADER + '<!DOCTYPE smses SYSTEM "http://example.invalid/sms.dtd">\n<smses count="0"></smses>\n'
)
# One large entity used many times: no nesting, so only the product of the two sizes hurts.
QUADRATIC = (
    HEADER
    + f'<!DOCTYPE smses [<!ENTITY big "{"x" * 50_000}">]>\n'
    + '<smses count="1"><sms address="1" date="1740000000000" type="1" body="'
    + "&big;" * 50_000
    + '" /></smses>\n'
)
PARAMETER_ENTITY = (
    HEADER
    + '<!DOCTYPE smses [<!ENTITY % remote SYSTEM "http://example.invalid/evil.dtd"> %remote;]>\n'
    + '<smses count="0"></smses>\n'
)


@pytest.mark.parametrize(
    "text",
    [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD, QUADRATIC, PARAMETER_ENTITY],
    ids=["laughs", "entity", "dtd", "quadratic", "parameter-entity"],
)
def test_g16_xml_attacks_are_refused_naming_the_file(tmp_path: Path, text: str) -> None:
    path = tmp_path / "sms-evil.xml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read(path)
    assert caught.value.file == "sms-evil.xml"
    assert "root:" not in str(caught.value)


def test_unknown_encoding_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "sms-enc.xml"
    path.write_text('<?xml version="1.0" encoding="no-such-codec"?><smses count="0"/>', encoding="ascii")
    with pytest.raises(InputError) as caught:
        read(path)
    assert caught.value.place == "line 1"


def test_wrong_root_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "sms-other.xml"
    path.write_text(HEADER + "<html><body/></html>", encoding="utf-8")
    with pytest.raises(InputError, match="not an SMS Backup & Restore file"):
        read(path)


def test_cut_off_file_imports_nothing(tmp_path: Path) -> None:
    full = HEADER + '<smses count="3">\n' + "\n".join(sms(1_740_000_000_000 + i, f"m{i}") for i in range(3))
    path = tmp_path / "sms-cut.xml"
    path.write_text(full[:-20], encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read(path)
    assert caught.value.place is not None and caught.value.place.startswith("line 5 column ")


VALID = (
    HEADER + '<smses count="2">' + sms(1_740_000_000_000, "hi &amp; bye") + call(1, 3) + "</smses>"
).encode()


@st.composite
def xmlish(draw: st.DrawFn) -> bytes:
    """Valid backups with bytes cut, replaced or inserted, and plain random bytes."""
    if draw(st.booleans()):
        return draw(st.binary(max_size=300))
    data = bytearray(VALID)
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["cut", "replace", "insert"]))
        chunk = draw(
            st.sampled_from(
                [
                    b"<",
                    b">",
                    b'"',
                    b"&",
                    b"&#0;",
                    b"\xff",
                    b"\x00",
                    b"<sms",
                    b"/>",
                    b"</mms>",
                    b"<!DOCTYPE a>",
                    b"<?xml encoding='zz'?>",
                ]
            )
        )
        if action == "cut":
            del data[at:]
        elif action == "replace" and at < len(data):
            data[at : at + 1] = chunk
        else:
            data[at:at] = chunk
    return bytes(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=xmlish())
def test_corrupted_input_gives_events_or_input_error(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "sms-fuzz.xml"
    path.write_bytes(raw)
    importer = SmsBackupImporter()
    importer.sniff(Source(path))
    try:
        list(importer.events(Source(path), ImportContext(timezone=ZoneInfo("UTC"))))
    except InputError as error:
        assert error.file == "sms-fuzz.xml"


def test_memory_stays_flat_on_a_large_backup(tmp_path: Path) -> None:
    path = tmp_path / "sms-large.xml"
    body = "x" * 200
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER + '<smses count="20000">\n')
        for i in range(20_000):
            out.write(sms(1_740_000_000_000 + i, f"{body} {i}") + "\n")
        out.write("</smses>\n")
    assert path.stat().st_size > 5_000_000
    context = ImportContext(timezone=ZoneInfo("UTC"))
    count, peak = events_and_peak(SmsBackupImporter(), Source(path), context)
    assert count == 20_000
    assert peak < 1_500_000
