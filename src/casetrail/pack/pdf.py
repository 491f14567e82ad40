"""report.pdf from the report's escaped HTML, with nothing fetched and nothing attached (G-22).

The HTML is already escaped (G-21); this module is the second wall. WeasyPrint asks a fetcher for every
stylesheet, image and font the HTML names, so casetrail gives it one that serves only casetrail's own
assets (``casetrail-asset:NAME``) and ``data:`` URLs and refuses the rest: a message that somehow carried
``<img src="http://169.254.169.254/">`` or ``url(file:///etc/passwd)`` renders as text with a hole, never
as a request. Links to outside addresses and file attachments are dropped from the rendered document, so
an officer clicking in the PDF opens nothing the harasser chose.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import logging
import mimetypes
import os
import shutil
import subprocess
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote_to_bytes

from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from casetrail.errors import CasetrailError

ASSET_SCHEME = "casetrail-asset:"
BASE_URL = f"{ASSET_SCHEME}/"


class RefusedURL(ValueError):
    """A resource outside the bundle was asked for; WeasyPrint leaves it out and carries on."""


class AssetFetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint is untyped
    """Serves casetrail's own assets and ``data:`` URLs; refuses every other URL and follows no redirect.

    Every URL asked for is kept in ``requested`` (and the refused ones in ``refused``) so tests can
    show what rendering tried to reach. The lists live only in memory: URLs may come from evidence.
    """

    def __init__(self, assets: dict[str, bytes]) -> None:
        super().__init__(allowed_protocols=(), allow_redirects=False, fail_on_errors=False)
        self._assets = dict(assets)
        self.requested: list[str] = []
        self.refused: list[str] = []

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        self.requested.append(url)
        if url.startswith(ASSET_SCHEME):
            name = url.removeprefix(ASSET_SCHEME).lstrip("/")
            if name in self._assets:
                return URLFetcherResponse(url, self._assets[name], {"Content-Type": _content_type(name)})
        elif url.startswith("data:"):
            return _data_response(url)
        self.refused.append(url)
        raise RefusedURL("resource outside the evidence pack left out")

    def open(self, url: object, data: object = None, timeout: object = None) -> URLFetcherResponse:
        # OpenerDirector.open would reach urllib's handlers; everything goes through fetch instead.
        return self.fetch(str(getattr(url, "full_url", url)))


def _content_type(name: str) -> str:
    guessed, _ = mimetypes.guess_type(name)
    return guessed or "application/octet-stream"


def _data_response(url: str) -> URLFetcherResponse:
    """Decode a ``data:`` URL in memory (RFC 2397), without urllib's opener."""
    header, comma, payload = url.removeprefix("data:").partition(",")
    if not comma:
        raise RefusedURL("malformed data URL")
    media, _, flag = header.rpartition(";") if header.endswith(";base64") else (header, "", "")
    raw = unquote_to_bytes(payload)
    body = base64.b64decode(raw) if flag == "base64" else raw
    return URLFetcherResponse(url, body, {"Content-Type": media or "text/plain;charset=US-ASCII"})


@contextlib.contextmanager
def _rendering(made_at: datetime | None) -> Iterator[None]:
    """Quiet and reproducible rendering.

    WeasyPrint's warnings quote URLs and markup from the HTML, which may be evidence (G-28), so its
    loggers are off. fontTools stamps the time into every font it rewrites unless SOURCE_DATE_EPOCH is
    set, which would make two renderings of the same report differ.
    """
    loggers = [logging.getLogger("weasyprint"), logging.getLogger("weasyprint.progress")]
    before = [logger.disabled for logger in loggers]
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(int(made_at.timestamp()) if made_at else 0)
    for logger in loggers:
        logger.disabled = True
    try:
        yield
    finally:
        for logger, was in zip(loggers, before, strict=True):
            logger.disabled = was
        if epoch is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = epoch


def _identifier(html: str, assets: dict[str, bytes]) -> bytes:
    digest = hashlib.sha256(html.encode("utf-8"))
    for name in sorted(assets):
        digest.update(name.encode("utf-8") + b"\0" + hashlib.sha256(assets[name]).digest())
    return digest.hexdigest()[:32].encode("ascii")


def render_pdf(
    html: str,
    assets: dict[str, bytes],
    *,
    made_at: datetime | None = None,
    fetcher: AssetFetcher | None = None,
) -> bytes:
    """The PDF for ``html``: same input, same bytes.

    ``assets`` maps names the HTML refers to as ``casetrail-asset:NAME`` (stylesheets, charts, exhibit
    previews) to their bytes. ``made_at`` (timezone-aware) becomes the PDF's creation and modification
    date; without it the PDF carries no date. Pass a ``fetcher`` to see what rendering asked for.
    """
    fetcher = fetcher if fetcher is not None else AssetFetcher(assets)
    with _rendering(made_at):
        document = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).render(pdf_forms=False)
        document.metadata.attachments = []
        document.metadata.custom = {}
        stamp = made_at.isoformat(timespec="seconds") if made_at else None
        document.metadata.created = stamp
        document.metadata.modified = stamp
        for page in document.pages:
            page.links = [link for link in page.links if link[0] == "internal"]
        pdf = document.write_pdf(
            attachments=[],
            pdf_forms=False,
            custom_metadata=False,
            pdf_identifier=_identifier(html, assets),
        )
    if not isinstance(pdf, bytes):
        raise TypeError("WeasyPrint returned no PDF bytes")
    return pdf


def pdf_to_png(pdf: bytes, folder: Path, dpi: int = 60) -> list[Path]:
    """Every page of ``pdf`` as a PNG in ``folder`` (page-1.png, ...), so a person can look at them."""
    tool = shutil.which("pdftoppm")
    if tool is None:
        raise CasetrailError(
            "pdftoppm is not installed: run scripts/install.sh or apt-get install poppler-utils"
        )
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / "report.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        [tool, "-png", "-r", str(dpi), str(source), str(folder / "page")],
        check=True,
        capture_output=True,
        timeout=120,
    )
    source.unlink()
    return sorted(folder.glob("page-*.png"), key=lambda path: int(path.stem.rsplit("-", 1)[1]))
