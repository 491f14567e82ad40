"""report.pdf: evidence is inert, rendering fetches nothing (G-22), and every script is drawn, not boxed."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
import zlib
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import pytest
from weasyprint import HTML

from casetrail.errors import CasetrailError
from casetrail.pack.pdf import AssetFetcher, RefusedURL, pdf_to_png, render_pdf

CSS = resources.files("casetrail.pack").joinpath("assets", "report.css").read_bytes()
PIXEL = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"
METADATA = "http://169.254.169.254/latest/meta-data/iam/security-credentials/"


def hostile(secret_file: Path) -> str:
    """Markup a harasser might put in a message, as if escaping (G-21) had failed: G-22 is the second wall."""
    local = secret_file.as_uri()
    return (
        f'<img src="{local}"><img src="{METADATA}"><img src="ftp://files.example.net/a.png">'
        f'<link rel="attachment" href="{local}" title="notes"><a rel="attachment" href="{local}">open</a>'
        '<link rel="stylesheet" href="https://tracker.example.com/look.css">'
        "<style>@import url(http://tracker.example.com/import.css);"
        f" p.bait {{ background: url({local}?background); }}"
        " h1 { background: url(http://tracker.example.com/px.png); }"
        " @font-face { font-family: Bait; src: url(https://fonts.example.org/bait.woff2); }</style>"
        '<a href="https://tracker.example.com/click?id=42">see my photos</a>'
        '<svg width="10" height="10"><image href="http://tracker.example.com/svg.png"/></svg>'
        '<iframe src="http://tracker.example.com/frame"></iframe><object data="file:///etc/passwd"></object>'
        '<p class="bait">after the bait</p>'
    )


def page(body: str, head: str = "") -> str:
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Evidence pack</title>'
        f'<link rel="stylesheet" href="casetrail-asset:report.css">{head}</head><body>{body}</body></html>'
    )


def inflated(pdf: bytes) -> bytes:
    """The PDF with every compressed stream opened, so object streams cannot hide a /URI or /EmbeddedFile."""
    parts = [pdf]
    for match in re.finditer(rb"stream\r?\n", pdf):
        try:
            parts.append(zlib.decompressobj().decompress(pdf[match.end() :]))
        except zlib.error:
            continue
    return b"\n".join(parts)


def pdf_text(pdf: bytes, tmp_path: Path) -> list[str]:
    """The text of each page, by poppler's pdftotext."""
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: run scripts/install.sh (apt-get install poppler-utils)")
    source = tmp_path / "text.pdf"
    source.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-layout", str(source), "-"], check=True, capture_output=True)
    return out.stdout.decode("utf-8").split("\f")


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "victim-address.txt"
    path.write_text("SECRET-HOME-ADDRESS-7731", encoding="utf-8")
    return path


def test_g22_the_fetcher_serves_only_allowlisted_urls(secret_file: Path) -> None:
    fetcher = AssetFetcher({"report.css": CSS})
    body = f"<h1>Messages</h1><p>{hostile(secret_file)}</p><img src='{PIXEL}'>"
    render_pdf(page(body), {"report.css": CSS}, fetcher=fetcher)

    served = [url for url in fetcher.requested if url not in fetcher.refused]
    assert served, "the stylesheet and the data: image should have been served"
    assert all(url == "casetrail-asset:report.css" or url.startswith("data:") for url in served), served
    local = secret_file.as_uri()
    expected = {
        local,  # <img src> at a local file
        METADATA,  # <img src> at the link-local metadata address
        "ftp://files.example.net/a.png",
        f"{local}?background",  # CSS url()
        "http://tracker.example.com/px.png",
        "http://tracker.example.com/import.css",  # @import url(http://...)
        "https://tracker.example.com/look.css",
        "https://fonts.example.org/bait.woff2",
        "http://tracker.example.com/svg.png",
    }
    assert expected <= set(fetcher.refused), expected - set(fetcher.refused)
    assert not any(url.startswith(("file:", "http:", "https:", "ftp:")) for url in served)


def test_g22_refused_schemes_raise_and_nothing_reaches_urllib(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_urllib(*args: object, **kwargs: object) -> None:
        raise AssertionError("urllib's opener was used")

    monkeypatch.setattr("urllib.request.OpenerDirector.open", no_urllib)
    fetcher = AssetFetcher({"report.css": CSS})
    for url in (
        "file:///etc/passwd",
        METADATA,
        "https://example.com/",
        "ftp://example.com/x",
        "casetrail-asset:nope",
    ):
        with pytest.raises(RefusedURL):
            fetcher.fetch(url)
        with pytest.raises(RefusedURL):
            fetcher.open(url)
    assert fetcher.fetch("casetrail-asset:report.css").read() == CSS
    assert fetcher.fetch("data:text/css,p%7Bcolor:red%7D").read() == b"p{color:red}"
    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"


def test_g22_sockets_are_disabled_while_rendering(monkeypatch: pytest.MonkeyPatch, secret_file: Path) -> None:
    attempts: list[object] = []

    class NoSocket:
        def __init__(self, *args: object, **kwargs: object) -> None:
            attempts.append(args)
            raise OSError("sockets are disabled while the PDF is rendered")

    monkeypatch.setattr(socket, "socket", NoSocket)
    pdf = render_pdf(page(f"<h1>Messages</h1><p>{hostile(secret_file)}</p>"), {"report.css": CSS})

    assert pdf.startswith(b"%PDF-")
    assert attempts == []


def test_g22_no_attachments_no_links_and_no_local_bytes_in_the_pdf(secret_file: Path) -> None:
    pdf = inflated(render_pdf(page(f"<h1>Messages</h1><p>{hostile(secret_file)}</p>"), {"report.css": CSS}))

    for marker in (b"/EmbeddedFile", b"/FileAttachment", b"/EmbeddedFiles", b"/URI", b"/Launch", b"/GoToR"):
        assert marker not in pdf, marker
    for leaked in (b"SECRET-HOME-ADDRESS-7731", b"tracker.example.com", b"169.254.169.254", b"/etc/passwd"):
        assert leaked not in pdf, leaked


def test_g22_the_checks_would_see_a_link_and_an_attachment() -> None:
    """Control: plain WeasyPrint makes both from such markup, so the test above is not vacuous."""
    markup = (
        '<html><head><link rel="attachment" href="data:text/plain,notes"></head>'
        '<body><a href="https://tracker.example.com/click">see</a></body></html>'
    )
    plain = inflated(HTML(string=markup).write_pdf())
    assert b"/URI" in plain
    assert b"/EmbeddedFile" in plain
    ours = inflated(render_pdf(markup, {}))
    assert b"/URI" not in ours
    assert b"/EmbeddedFile" not in ours


def test_g22_rendering_carries_on_past_refused_resources_and_keeps_internal_links(
    secret_file: Path, tmp_path: Path
) -> None:
    body = (
        f'<p><a href="#exhibits">exhibit schedule</a></p><p>{hostile(secret_file)}</p>'
        '<h2 id="exhibits">Exhibits</h2>'
    )
    pdf = render_pdf(page(body), {"report.css": CSS})

    text = "".join(pdf_text(pdf, tmp_path))
    assert "after the bait" in text
    assert "Exhibits" in text
    assert b"/Dest" in inflated(pdf)


def test_the_same_html_gives_the_same_bytes_with_the_given_date(monkeypatch: pytest.MonkeyPatch) -> None:
    made_at = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
    html = page("<h1>Evidence pack</h1><p>Stop contacting me. توقف عن مراسلتي.</p>")
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    first = render_pdf(html, {"report.css": CSS}, made_at=made_at)
    later = time.time() + 86_400  # a day later: fonts rewritten by fontTools must not carry the clock
    monkeypatch.setattr(time, "time", lambda: later)
    second = render_pdf(html, {"report.css": CSS}, made_at=made_at)

    assert first == second
    assert "SOURCE_DATE_EPOCH" not in os.environ
    assert b"D:20261124093000" in inflated(first)


def test_report_css_numbers_pages_and_repeats_table_headers(tmp_path: Path) -> None:
    rows = "".join(
        f'<tr><td>2026-03-{1 + n % 28:02d} 21:{n % 60:02d}</td><td class="evidence-text"><bdi dir="auto">'
        f'message number {n}\nsecond line</bdi></td><td class="exhibit-ref">EX-{n:03d} line {n}</td></tr>'
        for n in range(90)
    )
    body = (
        '<section class="appendix"><h2>Appendix: the messages</h2><table class="schedule appendix">'
        f"<thead><tr><th>When</th><th>Message</th><th>Exhibit</th></tr></thead><tbody>{rows}</tbody></table></section>"
    )
    pages = [text for text in pdf_text(render_pdf(page(body), {"report.css": CSS}), tmp_path) if text.strip()]

    assert len(pages) >= 2
    for number, text in enumerate(pages, start=1):
        assert f"page {number} of {len(pages)}" in text
        assert "When" in text
        assert "Exhibit" in text
    assert "not legal advice" in pages[0]


SCRIPTS = {
    "Noto-Sans": "Latin: please stop writing to me, Ça suffit, Schluss jetzt",
    "Noto-Sans-Arabic": "العربية: توقف عن مراسلتي",
    "Noto-Sans-Hebrew": "עברית: תפסיק לכתוב לי",
    "Noto-Sans-CJK": "中文: 请不要再联系我",
    "Noto-Sans-Devanagari": "हिन्दी: मुझसे संपर्क मत करो",
    "Noto-Sans-Thai": "ไทย: หยุดติดต่อฉัน",
    "Noto-Color-Emoji": "\U0001f621 \U0001f52a \U0001f440",
}


def test_text_in_every_script_is_drawn_in_a_noto_font(tmp_path: Path) -> None:
    """A person can look at the PNG in tmp_path: no script should show as boxes."""
    for tool in ("pdffonts", "pdftoppm"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is missing: run scripts/install.sh (apt-get install poppler-utils)")
    rows = "".join(
        f'<tr><td>{font}</td><td class="evidence-text"><bdi dir="auto">{words}</bdi></td></tr>'
        for font, words in SCRIPTS.items()
    )
    head = "<thead><tr><th>Font</th><th>Words</th></tr></thead>"
    table = f'<table class="schedule">{head}<tbody>{rows}</tbody></table>'
    pdf = render_pdf(page(f"<h1>Every script</h1>{table}"), {"report.css": CSS})
    source = tmp_path / "scripts.pdf"
    source.write_bytes(pdf)

    listed = subprocess.run(["pdffonts", str(source)], check=True, capture_output=True, text=True).stdout
    embedded = {line.split()[0].split("+", 1)[-1] for line in listed.splitlines()[2:] if line.strip()}
    for font in SCRIPTS:
        assert any(name == font or name.startswith(f"{font}-") for name in embedded), (font, sorted(embedded))
    pngs = pdf_to_png(pdf, tmp_path / "png")
    assert [path.name for path in pngs] == ["page-1.png"]
    assert pngs[0].read_bytes().startswith(b"\x89PNG")
    assert pngs[0].stat().st_size > 5_000


def test_pdf_to_png_without_pdftoppm_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(CasetrailError, match="poppler-utils"):
        pdf_to_png(b"%PDF-1.7", tmp_path)


def test_digits_are_drawn_in_noto_sans_not_the_emoji_font(tmp_path: Path) -> None:
    """Naming the emoji font in the stack made Pango draw every digit with it: numbers came out spaced."""
    source = tmp_path / "digits.pdf"
    html = page("<p>2025-03-01 20:00, 1,234 contacts on 56 days</p>")
    source.write_bytes(render_pdf(html, {"report.css": CSS}))
    listed = subprocess.run(["pdffonts", str(source)], check=True, capture_output=True, text=True).stdout
    assert "Noto-Sans" in listed
    assert "Emoji" not in listed
