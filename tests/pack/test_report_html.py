"""G-21 and G-24 for report.html: evidence is inert text, whatever it holds.

The report is rendered twice from cases that differ only in their words: once with plain words, once
with a catalogue of hostile strings in every field a message, name, diary entry or file name can
carry. Parsed as HTML, both must have exactly the same elements and attributes: the hostile run adds
no element, no attribute, no event handler and no link.
"""

from __future__ import annotations

import json
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest

from casetrail.pack.report import render_html
from casetrail.pack.report_data import build_report
from casetrail.store.case import Case, Producer
from casetrail.store.importing import import_file
from casetrail.store.people import accounts_of_person, link
from tests.conftest import PASSPHRASE

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    '"><b>bold</b><"',
    "</textarea><textarea>",
    "</style><style>body{display:none}</style>",
    "javascript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "<ScRiPt>alert(1)</sCrIpT>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "{{ 7*7 }} {% if true %}x{% endif %}",
    "<a href='http://example.invalid'>click</a>",
    "safe \u202eevil\u202c text",
    "zero\u200bwidth",
    "\x1b[2J\x07",
]
BENIGN = [f"plain words number {i}" for i in range(len(HOSTILE))]


class Shape(HTMLParser):
    """The element and attribute structure of a document, without the text."""

    def __init__(self) -> None:
        super().__init__()
        self.shape: list[tuple[str, tuple[str, ...]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = tuple(sorted(name for name, _value in attrs if name not in ("data-sha256", "data-ref")))
        self.shape.append((tag, names))


def shape(html: str) -> list[tuple[str, tuple[str, ...]]]:
    parser = Shape()
    parser.feed(html)
    return parser.shape


def report_for(words: list[str], root: Path) -> str:
    events = []
    for i, text in enumerate(words):
        events.append({"time": f"2025-03-0{1 + i % 9}T20:{i:02d}:00Z", "channel": "sms", "direction": "in",
                       "from": "+447700900587", "to": text, "text": f"I will hurt you {text}",
                       "attachment": "", "notes": text})  # fmt: skip
    stop = f"Please stop messaging me {words[0]}"
    events.append({"time": "2025-03-02T08:00:00Z", "channel": "sms", "direction": "out",
                   "from": "+447700900142", "to": "+447700900587", "text": stop})  # fmt: skip
    diary = {
        "text": f"Casey was waiting outside my flat {words[1]}",
        "how_it_made_me_feel": f"Frightened {words[2]}",
        "impact": f"I changed my number {words[3]}",
    }
    events.append({"time": "2025-03-03T08:00:00Z", "channel": "in-person", "kind": "in-person-incident",
                   "direction": "n/a", **diary})  # fmt: skip
    with Case.create(root / "case", PASSPHRASE, Producer(words[4][:60] or "x", "RH")) as case:
        path = root / f"{words[5][:20].replace('/', '_')}.casetrail.json"
        path.write_text(json.dumps({"casetrail_generic": 1, "events": events}), encoding="utf-8")
        import_file(case, path)
        link(case, "Casey", ["+447700900587"])
        context = build_report(case, "Casey", accounts_of_person(case, "Casey"), date(2026, 1, 1))
        return render_html(context)


def test_g21_hostile_evidence_adds_no_element_or_attribute_to_the_report(tmp_path: Path) -> None:
    (tmp_path / "benign").mkdir()
    (tmp_path / "hostile").mkdir()
    benign = report_for(BENIGN, tmp_path / "benign")
    hostile = report_for(HOSTILE, tmp_path / "hostile")
    assert shape(hostile) == shape(benign)
    tags = {tag for tag, _attrs in shape(hostile)}
    assert "script" not in tags and "a" not in tags and "img" not in tags and "textarea" not in tags
    assert not any(name.startswith("on") for _tag, names in shape(hostile) for name in names)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in hostile  # shown, as text
    assert "{{ 7*7 }}" in hostile and "{% if true %}" in hostile  # template syntax is not evaluated


def test_g24_bidi_and_invisible_characters_are_shown_in_the_report(tmp_path: Path) -> None:
    hostile = report_for(HOSTILE, tmp_path)
    assert "\u202e" not in hostile and "⟨U+202E⟩" in hostile
    assert "\u200b" not in hostile and "⟨U+200B⟩" in hostile
    assert "\x1b" not in hostile and "⟨U+001B⟩" in hostile
    assert "<bdi" in hostile  # each evidence field is isolated so it cannot reorder its neighbours


def test_hostile_strings_are_plain_text_in_the_pdf(tmp_path: Path) -> None:
    """The same hostile case printed: each payload is in the PDF's text, as text, and nothing ran."""
    import shutil
    import subprocess

    from casetrail.pack.pdf import render_pdf

    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: scripts/install.sh installs poppler-utils")
    pdf = render_pdf(report_for(HOSTILE, tmp_path), {})
    (tmp_path / "report.pdf").write_bytes(pdf)
    shown = subprocess.run(
        ["pdftotext", "-layout", str(tmp_path / "report.pdf"), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    flat = " ".join(shown.split())
    for payload in ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "javascript:alert(1)",
                    "{{ 7*7 }}", "</style><style>body{display:none}</style>"):  # fmt: skip
        assert payload in flat, payload
    assert "U+202E" in flat and "\u202e" not in shown
    assert b"/JavaScript" not in pdf and b"/URI" not in pdf
