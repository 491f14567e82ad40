"""Screenshots and photos (docs/importers/screenshot.md): each image is an exhibit and an event.

Victims screenshot what they cannot export: stories that vanish, comments later deleted, profiles of
new accounts. The image itself is the evidence and is kept byte for byte; casetrail adds when it was
taken (EXIF, else the file name, else the file's date, each flagged by how reliable it is), its size,
and the text Tesseract reads in it, marked as machine-read, so it can be searched.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime

from casetrail.importers.base import ImportContext, Importer, Sniff
from casetrail.ingest import ocr
from casetrail.ingest.archive import is_metadata_member
from casetrail.ingest.images import MAX_BYTES, OCR_READS, ImageFacts, as_png, looks_like_image, read_facts
from casetrail.ingest.localtime import to_utc
from casetrail.ingest.source import Source
from casetrail.model.event import Channel, Direction, Kind, Locator, ParsedEvent

_IMAGE_NAMES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".tif", ".tiff", ".bmp", ".heic", ".heif")
_TIME_FLAGS = {"exif-datetime": ("time-from-exif-datetime",), "file-name": ("time-from-file-name",)}


def _images_in(source: Source) -> list[str]:
    names = [n for n in source.archive().names() if not is_metadata_member(n)]
    return [n for n in names if n.lower().endswith(_IMAGE_NAMES)]


class ScreenshotImporter(Importer):
    name = "screenshot"
    version = "1"
    description = "Screenshots and photos (PNG, JPEG, HEIC, GIF, WebP, TIFF, BMP), alone or in a zip"

    def sniff(self, source: Source) -> Sniff:
        if source.is_zip():
            names = [n for n in source.archive().names() if not is_metadata_member(n)]
            images = _images_in(source)
            if images and len(images) == len(names):
                return Sniff(0.6, f"a zip of {len(images)} image(s) and nothing else")
            return Sniff.no()
        found = looks_like_image(source.head(16))
        return Sniff(0.9, f"a {found} image") if found else Sniff.no()

    def events(self, source: Source, context: ImportContext) -> Iterator[ParsedEvent]:
        if not source.is_zip():
            with source.open() as handle:
                data = handle.read(MAX_BYTES + 1)
            modified = datetime.fromtimestamp(source.path.stat().st_mtime, UTC)
            yield _event(data, source.name, None, modified, context)
            return
        archive = source.archive()
        for name in _images_in(source):
            data = b"".join(archive.read_chunks(name))
            yield _event(data, name, name, archive.modified(name), context)


def _event(
    data: bytes, name: str, member: str | None, modified: datetime | None, context: ImportContext
) -> ParsedEvent:
    """One image: its time, size and machine-read text (never in place of the image)."""
    facts = read_facts(data, name)
    occurred, flags = _when(facts, modified, context)
    flags.extend(facts.flags)
    details = {"source_id": "image|" + hashlib.sha256(data).hexdigest(), "file_name": name}
    for key, value in (
        ("format", facts.format),
        ("width", facts.width),
        ("height", facts.height),
        ("time_from", facts.taken_from or ("file date" if occurred else None)),
        ("camera", facts.camera),
        ("software", facts.software),
    ):
        if value is not None:
            details[key] = str(value)
    text = ""
    if facts.readable and len(data) <= MAX_BYTES:
        text = _read_text(data if facts.format in OCR_READS else as_png(data), details, flags)
    return ParsedEvent(
        occurred_at=occurred,
        local_time=_written(facts, modified),
        channel=Channel.OTHER,
        kind=Kind.SCREENSHOT,
        direction=Direction.NOT_APPLICABLE,
        sender=None,
        recipients=(),
        text=text,
        locator=Locator("entry", "whole file", member),
        attachments=(member,) if member else (),
        flags=tuple(dict.fromkeys(flags)),
        details=details,
    )


def _when(
    facts: ImageFacts, modified: datetime | None, context: ImportContext
) -> tuple[datetime | None, list[str]]:
    """UTC time from the image, else its file name, else the file's date (least reliable)."""
    taken = facts.taken
    if taken is not None:
        flags = list(_TIME_FLAGS.get(facts.taken_from or "", ()))
        if taken.tzinfo is not None:
            return taken.astimezone(UTC), flags
        moment, dst = to_utc(taken, context.timezone)
        return moment, [*flags, *dst]
    if modified is None:
        return None, ["time-unreadable"]
    if modified.tzinfo is None:  # a zip's member date: the local clock of whoever made the zip
        moment, dst = to_utc(modified, context.timezone)
        return moment, ["time-from-file-date", *dst]
    return modified.astimezone(UTC), ["time-from-file-date"]


def _written(facts: ImageFacts, modified: datetime | None) -> str:
    if facts.taken is not None:
        return facts.taken.isoformat(sep=" ")
    return modified.isoformat(sep=" ", timespec="seconds") if modified else ""


def _read_text(data: bytes, details: dict[str, str], flags: list[str]) -> str:
    try:
        found = ocr.read_text(data)
    except ocr.OcrUnavailable as why:
        flags.append("ocr-unavailable" if not ocr.available() else "ocr-failed")
        details["ocr"] = str(why)
        return ""
    details["text_source"] = f"machine-read ({found.engine}); the image is the evidence"
    if found.text:
        flags.append("machine-read-text")
    return found.text
