"""G-23: links in evidence are shown, not followed, in every output of a pack and in the terminal.

A harasser's message may carry a link to a tracker, a script (``javascript:``), a page hidden in a
``data:`` URL or a file on the reader's own computer (``file:``). The officer must be able to read
each one, exactly, and none may become something to click in report.html, report.pdf or the
terminal.
"""

from __future__ import annotations

import re

import pytest
from weasyprint import HTML

from casetrail.render.terminal import visible
from tests.helpers import run_cli
from tests.pack.test_hostile_outputs import Outputs, make_outputs, squeezed
from tests.pack.test_pdf import inflated

URLS = [
    "http://tracker.example.com/pixel?id=42",
    "https://photos.example.net/you-at-the-gym.jpg",
    "javascript:alert(document.cookie)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "file:///home/robin/Documents/address.txt",
    "ftp://files.example.org/photos.zip",
    "mailto:someone@example.org",
    "www.example.com/login",
]
MESSAGES = [f"look at this {url} now" for url in URLS] + [
    '<a href="https://tracker.example.com/click">my photos</a>',
    "[see this](https://tracker.example.com/md)",
]
_URI_ENTRY = re.compile(rb"/URI\s*\(((?:[^()\\]|\\.)*)\)")


def link_targets(pdf: bytes) -> list[bytes]:
    """Every /URI a PDF's link annotations or actions name, compressed object streams included."""
    return _URI_ENTRY.findall(inflated(pdf))


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Outputs:
    rows = [
        {"time": f"2025-04-01T09:{i:02d}:00Z", "channel": "sms", "direction": "in",
         "from": "Casey Marsh", "to": "Robin Hale", "text": message}
        for i, message in enumerate(MESSAGES)
    ]  # fmt: skip
    profile = "https://profile.example.com/casey"
    rows.append({"time": "2025-04-01T10:00:00Z", "channel": "other", "direction": "in",
                 "from": profile, "to": "Robin Hale", "text": "a link as a name"})  # fmt: skip
    return make_outputs(tmp_path_factory.mktemp("links"), rows)


def test_g23_the_pdf_check_would_see_a_link() -> None:
    """Control: WeasyPrint makes a /URI link from an <a href>, and link_targets finds it."""
    pdf = HTML(string='<p><a href="https://tracker.example.com/click">see</a></p>').write_pdf()
    assert link_targets(pdf) == [b"https://tracker.example.com/click"]


@pytest.mark.parametrize("message", MESSAGES)
def test_g23_links_in_evidence_are_shown_not_followed(outputs: Outputs, message: str) -> None:
    assert ("bdi", visible(message)) in outputs.html_text  # one text node: no element inside it
    assert squeezed(message) in squeezed(outputs.pdf_text)
    assert visible(message) in outputs.terminal
    assert message in [row["text"] for row in outputs.csv_rows]


def test_g23_no_evidence_url_becomes_a_link_in_the_report(outputs: Outputs) -> None:
    assert "<a " not in outputs.html and "<a>" not in outputs.html
    assert not {name for name, _value in outputs.html_attributes if name in ("href", "src", "action")}
    assert link_targets(outputs.pdf) == []
    assert b"/Launch" not in inflated(outputs.pdf) and b"/GoToR" not in inflated(outputs.pdf)
    assert "https://profile.example.com/casey" in outputs.pdf_text  # a link as a sender's name, shown


def test_g23_no_evidence_url_becomes_a_terminal_hyperlink(outputs: Outputs) -> None:
    """With colour forced (a terminal that shows OSC 8 links), every escape is a colour, never a link."""
    shown = run_cli("timeline", "--case", str(outputs.case_root), env={"FORCE_COLOR": "1", "COLUMNS": "250"})
    assert shown.returncode == 0, shown.stderr
    assert "\x1b[" in shown.stdout  # colour really was on
    assert "\x1b]" not in shown.stdout
    assert all(
        re.match(r"\x1b\[[0-9;]*m", shown.stdout[m.start() :]) for m in re.finditer("\x1b", shown.stdout)
    )
    assert "javascript:alert(document.cookie)" in shown.stdout
