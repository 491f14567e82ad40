"""Hostile messages are text in every output: report.html, report.pdf, events.csv and the terminal.

One case is made the way a victim makes it, by importing a file (a generic CSV an advocate typed),
whose messages carry HTML and script, CSS, a right-to-left override, terminal escapes and spreadsheet
formulas. The pack is written once for the module (the PDF takes seconds) and each payload is looked
for in each output, where it must be shown exactly as the words it is and never acted on.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest

from casetrail.crypto import kdf
from casetrail.pack.bundle import write_pack
from casetrail.render.csv_cells import identifier_cell, text_cell
from casetrail.render.terminal import visible, visible_identifier
from casetrail.store.case import Case, Producer
from casetrail.store.importing import import_file
from tests.conftest import PASSPHRASE
from tests.helpers import run_cli

MESSAGES = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)><animate onbegin=alert(1) attributeName=x>",
    '"><b>bold</b><"',
    "{{ 7*7 }} {% if true %}x{% endif %}",
    "</style><style>body{display:none}</style>",
    "<style>@import url(http://tracker.example.com/look.css);</style>",
    "@import url(http://tracker.example.com/x.css);",
    "safe \u202eevil\u202c text",
    "\x1b[2J",
    "\x1b]8;;http://x.example\x1b\\link\x1b]8;;\x1b\\",
    "\x1b]52;c;aGVsbG8=\x07",
    "\x9b31m red",
    "line\roverwrite",
    '=HYPERLINK("http://evil.example/","click")',
    "+1+2",
    "-2+3",
    "@SUM(A1:A9)",
    "[bold red]x[/]",
]
SENDERS = ["Casey Marsh", "<b>Casey</b>", "=cmd|'/C calc'!A0", "Casey\u202eMarsh"]
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f\x80-\x9f\u200b\u202a-\u202e\u2066-\u2069\ufeff]")
ELEMENTS_OF_OUR_OWN = {"html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "h3", "p",
                       "section", "table", "thead", "tbody", "tr", "th", "td", "bdi", "q", "strong", "br",
                       "span", "div", "code", "figure", "figcaption", "svg"}  # fmt: skip


@dataclass(frozen=True)
class Outputs:
    """Everything a pack and the terminal show for one case, read back as a person's tools read it."""

    case_root: Path
    html: str
    html_text: list[tuple[str, str]]  # (element, text) for each text node of report.html
    html_elements: list[str]
    html_attributes: set[tuple[str, str]]
    pdf: bytes
    pdf_text: str
    csv_rows: list[dict[str, str]]
    csv_raw: str
    terminal: str


class _TextNodes(HTMLParser):
    """Each text node of a document with the element it sits in, and every element opened."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.nodes: list[tuple[str, str]] = []
        self.elements: list[str] = []  # outside casetrail's own charts (each an <svg> in a <figure>)
        self.attributes: set[tuple[str, str]] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if "svg" not in self.open:
            self.elements.append(tag)
        self.attributes.update((name, value or "") for name, value in attrs)
        if tag not in ("br", "meta"):
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.open:
            del self.open[len(self.open) - 1 - self.open[::-1].index(tag) :]

    def handle_data(self, data: str) -> None:
        self.nodes.append((self.open[-1] if self.open else "", data))


def generic_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    """casetrail's generic CSV, as an advocate's spreadsheet saves it (the hostile cells quoted)."""
    out = io.StringIO()
    out.write("# casetrail generic v1\r\n")
    writer = csv.DictWriter(
        out, ["time", "channel", "direction", "from", "to", "text"], lineterminator="\r\n"
    )
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes(out.getvalue().encode("utf-8"))
    return path


def pdftotext(pdf: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: scripts/install.sh installs poppler-utils")
    done = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True)
    return done.stdout.decode("utf-8")


def make_outputs(root: Path, rows: list[dict[str, str]]) -> Outputs:
    """Import ``rows`` into a new case, write its pack with the PDF, and show its timeline.

    Called from module-scoped fixtures, where the suite's function fixtures do not yet apply: the
    key derivation is made cheap and the network refused here too."""
    previous = kdf.default_params()
    kdf.set_default_params(kdf.KdfParams(memory_kib=64, iterations=1, parallelism=1))
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(socket.socket, "connect", _refuse)
            patch.setattr(socket, "create_connection", _refuse)
            with Case.create(root / "case", PASSPHRASE, Producer("Robin Hale", "RH")) as case:
                import_file(case, generic_csv(root / "messages.casetrail.csv", rows))
                folder, _result = write_pack(case, root / "pack", pdf=True)
    finally:
        kdf.set_default_params(previous)
    shown = run_cli("timeline", "--case", str(root / "case"), "--page-size", "500", env={"COLUMNS": "250"})
    assert shown.returncode == 0, shown.stderr
    html = (folder / "report.html").read_text(encoding="utf-8")
    parsed = _TextNodes()
    parsed.feed(html)
    csv_raw = (folder / "events.csv").read_bytes().decode("utf-8")
    return Outputs(
        case_root=root / "case",
        html=html,
        html_text=parsed.nodes,
        html_elements=parsed.elements,
        html_attributes=parsed.attributes,
        pdf=(folder / "report.pdf").read_bytes(),
        pdf_text=pdftotext(folder / "report.pdf"),
        csv_rows=list(csv.DictReader(io.StringIO(csv_raw, newline=""))),
        csv_raw=csv_raw,
        terminal=shown.stdout,
    )


def _refuse(*args: object, **kwargs: object) -> None:
    raise OSError("network access is disabled in tests")


def squeezed(value: str) -> str:
    """Text with all white space removed: a PDF or a terminal may wrap a long line anywhere."""
    return "".join(value.split())


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Outputs:
    rows = [
        {"time": f"2025-03-01T20:{i:02d}:00Z", "channel": "sms", "direction": "in",
         "from": SENDERS[i % len(SENDERS)], "to": "Robin Hale", "text": message}
        for i, message in enumerate(MESSAGES)
    ]  # fmt: skip
    return make_outputs(tmp_path_factory.mktemp("hostile"), rows)


def cases() -> Iterator[tuple[int, str, str]]:
    for i, message in enumerate(MESSAGES):
        yield i, SENDERS[i % len(SENDERS)], message


def test_the_case_holds_every_message_exactly_as_imported(outputs: Outputs) -> None:
    """Control: the importer kept each payload byte for byte (events.csv is in file order)."""
    assert len(outputs.csv_rows) == len(MESSAGES)
    lines = [f"line {n}" for n in range(3, 16)] + ["line 16-17"] + [f"line {n}" for n in range(18, 23)]
    assert [row["locator"] for row in outputs.csv_rows] == lines  # the CR is inside its quoted cell


@pytest.mark.parametrize(
    ("number", "sender", "message"), list(cases()), ids=[str(i) for i in range(len(MESSAGES))]
)
def test_every_output_shows_hostile_messages_as_text_html(
    outputs: Outputs, number: int, sender: str, message: str
) -> None:
    assert ("bdi", visible(message)) in outputs.html_text
    assert ("bdi", visible_identifier(sender)) in outputs.html_text


def test_every_output_shows_hostile_messages_as_text_html_has_only_its_own_elements(outputs: Outputs) -> None:
    assert set(outputs.html_elements) <= ELEMENTS_OF_OUR_OWN, set(outputs.html_elements) - ELEMENTS_OF_OUR_OWN
    assert outputs.html_elements.count("style") == 1  # casetrail's own stylesheet, in the head
    assert outputs.html_elements.count("svg") == outputs.html_elements.count("figure")  # only the charts
    assert not {name for name, _value in outputs.html_attributes if name.startswith("on")}
    links = {(name, value) for name, value in outputs.html_attributes if name.endswith(("href", "src"))}
    assert {name for name, _value in links} <= {"xlink:href"}  # the charts' own glyphs, by fragment
    assert all(value.startswith("#") for _name, value in links)
    assert "<script" not in outputs.html and "<b>" not in outputs.html and "<img" not in outputs.html
    assert not CONTROL.search(outputs.html)


@pytest.mark.parametrize(
    ("number", "sender", "message"), list(cases()), ids=[str(i) for i in range(len(MESSAGES))]
)
def test_every_output_shows_hostile_messages_as_text_pdf(
    outputs: Outputs, number: int, sender: str, message: str
) -> None:
    text = squeezed(outputs.pdf_text)
    assert squeezed(visible(message)) in text
    assert squeezed(visible_identifier(sender)) in text


def test_every_output_shows_hostile_messages_as_text_pdf_runs_and_fetches_nothing(outputs: Outputs) -> None:
    from tests.pack.test_pdf import inflated

    opened = inflated(outputs.pdf)
    for marker in (b"/JavaScript", b"/URI", b"/Launch", b"/EmbeddedFile", b"/OpenAction"):
        assert marker not in opened, marker
    assert b"tracker.example.com" not in opened  # drawn as glyphs, never written out as a link or a fetch
    assert not CONTROL.search(outputs.pdf_text.replace("\f", ""))  # pdftotext ends each page with \f


@pytest.mark.parametrize(
    ("number", "sender", "message"), list(cases()), ids=[str(i) for i in range(len(MESSAGES))]
)
def test_every_output_shows_hostile_messages_as_text_csv(
    outputs: Outputs, number: int, sender: str, message: str
) -> None:
    row = outputs.csv_rows[number]
    assert row["text"] == text_cell(message)
    assert row["sender"] == identifier_cell(sender)


def test_every_output_shows_hostile_messages_as_text_csv_cells_exactly(outputs: Outputs) -> None:
    """The neutralised cells spelled out, so the test does not only agree with the code it tests."""
    texts = [row["text"] for row in outputs.csv_rows]
    assert texts[14] == '\'=HYPERLINK("http://evil.example/","click")'
    assert texts[15:18] == ["'+1+2", "'-2+3", "'@SUM(A1:A9)"]
    assert texts[7] == "'@import url(http://tracker.example.com/x.css);"
    assert texts[8] == "safe ⟨U+202E⟩evil⟨U+202C⟩ text"
    assert texts[9:14] == [
        "⟨U+001B⟩[2J",
        "⟨U+001B⟩]8;;http://x.example⟨U+001B⟩\\link⟨U+001B⟩]8;;⟨U+001B⟩\\",
        "⟨U+001B⟩]52;c;aGVsbG8=⟨U+0007⟩",
        "⟨U+009B⟩31m red",
        "line⟨U+000D⟩overwrite",
    ]
    assert texts[0] == "<script>alert(1)</script>"  # a spreadsheet shows markup as text already
    assert [row["sender"] for row in outputs.csv_rows[:4]] == [
        "Casey Marsh",
        "<b>Casey</b>",
        "'=cmd|'/C calc'!A0",
        "Casey⟨U+202E⟩Marsh",
    ]
    assert not CONTROL.search(outputs.csv_raw.replace("\r\n", "\n"))


@pytest.mark.parametrize(
    ("number", "sender", "message"), list(cases()), ids=[str(i) for i in range(len(MESSAGES))]
)
def test_every_output_shows_hostile_messages_as_text_terminal(
    outputs: Outputs, number: int, sender: str, message: str
) -> None:
    assert visible(message) in outputs.terminal
    assert visible_identifier(sender) in outputs.terminal


def test_every_output_shows_hostile_messages_as_text_terminal_gets_no_control(outputs: Outputs) -> None:
    assert not CONTROL.search(outputs.terminal)
    assert "[bold red]x[/]" in outputs.terminal and "<b>Casey</b>" in outputs.terminal
    assert "⟨U+001B⟩]52;c;aGVsbG8=⟨U+0007⟩" in outputs.terminal and "⟨U+009B⟩31m red" in outputs.terminal
