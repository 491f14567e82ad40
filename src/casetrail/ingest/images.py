"""What an image says about itself: size, format and when it was taken, read defensively.

An image file is hostile input like any other: its header can claim billions of pixels and its EXIF
block can be malformed. Only the header and metadata are read here (Pillow opens images lazily);
nothing is decoded unless the pixel count is within ``MAX_PIXELS``, so a decompression bomb becomes a
flag on an exhibit that is still kept byte for byte.
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import pillow_heif
from PIL import Image, UnidentifiedImageError

MAX_PIXELS = 40_000_000  # a long scrolling screenshot is about 20 million; a 100,000² claim is refused
MAX_BYTES = 64 * 2**20  # larger image files are kept, but not read for text
Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # Pillow's own guard, for anything that does decode
pillow_heif.register_heif_opener()  # iPhone photos (HEIC): read like any other image
_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1")
#: Formats Tesseract reads directly; others are handed to it as PNG.
OCR_READS = frozenset(("PNG", "JPEG", "TIFF", "BMP", "GIF"))

_EXIF_IFD = 0x8769
_DATETIME, _ORIGINAL, _DIGITIZED = 0x0132, 0x9003, 0x9004
_OFFSET_ORIGINAL, _OFFSET = 0x9011, 0x9010
_MODEL, _SOFTWARE = 0x0110, 0x0131
_EXIF_TIME = re.compile(r"\A(\d{4}):(\d{2}):(\d{2}) (\d{2}):(\d{2}):(\d{2})")
_OFFSET_TEXT = re.compile(r"\A([+-])(\d{2}):(\d{2})\Z")
# Screenshot and camera names that carry the time: Screenshot_20250301-221530.png,
# Screenshot 2025-03-01 at 22.15.30.png, IMG_20250301_221530.jpg, PXL_20250301_221530123.jpg ...
_NAME_TIME = re.compile(
    r"(?<!\d)(20\d\d)[-_.]?([01]\d)[-_.]?([0-3]\d)"  # the date
    r"(?:[ _\-T]|\sat\s)+"  # then a separator
    r"([0-2]\d)[-_.:]?([0-5]\d)[-_.:]?([0-5]\d)"  # then the time
)


@dataclass
class ImageFacts:
    """What could be read; ``taken`` is naive local time unless the image gave its offset."""

    format: str | None = None
    width: int | None = None
    height: int | None = None
    taken: datetime | None = None
    taken_from: str | None = None  # "exif", "exif-datetime" or "file-name"
    camera: str | None = None
    software: str | None = None
    flags: list[str] = field(default_factory=list)

    @property
    def readable(self) -> bool:
        """Whether the pixels may be decoded (for text recognition)."""
        return self.format is not None and "image-too-large" not in self.flags


def looks_like_image(head: bytes) -> str | None:
    """The image format its first bytes announce, if any (no decoding)."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "TIFF"
    if head.startswith(b"BM"):
        return "BMP"
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "HEIF"
    return None


def as_png(data: bytes) -> bytes:
    """The image re-encoded as PNG, for a reader that cannot open its format (call only after
    ``read_facts`` said it is ``readable``: this decodes the pixels)."""
    with Image.open(io.BytesIO(data)) as image:
        out = io.BytesIO()
        image.convert("RGB").save(out, "PNG")
        return out.getvalue()


def read_facts(data: bytes, name: str) -> ImageFacts:
    """Size, format and time of an image given as bytes; problems become flags, never errors."""
    facts = ImageFacts()
    guard = Image.MAX_IMAGE_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Pillow's bomb warning: the check below decides
            # Opening reads only the header, so Pillow's guard is lifted for it to learn the claimed
            # size; the pixels are never decoded when that is over MAX_PIXELS.
            Image.MAX_IMAGE_PIXELS = None
            with Image.open(io.BytesIO(data)) as image:
                facts.format = image.format
                facts.width, facts.height = image.size
                if facts.width * facts.height > MAX_PIXELS:
                    facts.flags.append("image-too-large")
                _read_exif(image, facts)
    except Image.DecompressionBombError:
        facts.flags.append("image-too-large")
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        facts.flags.append("image-unreadable")
    finally:
        Image.MAX_IMAGE_PIXELS = guard
    if len(data) > MAX_BYTES and "image-too-large" not in facts.flags:
        facts.flags.append("image-too-large")
    if facts.taken is None:
        facts.taken = time_in_name(name)
        facts.taken_from = "file-name" if facts.taken else None
    return facts


def _read_exif(image: Image.Image, facts: ImageFacts) -> None:
    try:
        exif = image.getexif()
        inner = exif.get_ifd(_EXIF_IFD)
        facts.camera = _text(exif.get(_MODEL))
        facts.software = _text(exif.get(_SOFTWARE))
        for tag, offset_tag, source in (
            (_ORIGINAL, _OFFSET_ORIGINAL, "exif"),
            (_DIGITIZED, _OFFSET_ORIGINAL, "exif"),
        ):
            taken = _exif_time(inner.get(tag), inner.get(offset_tag))
            if taken is not None:
                facts.taken, facts.taken_from = taken, source
                return
        taken = _exif_time(exif.get(_DATETIME), inner.get(_OFFSET))
        if taken is not None:
            facts.taken, facts.taken_from = taken, "exif-datetime"
    except Exception:  # any fault in a hostile EXIF block is a flag, never a failure
        facts.flags.append("exif-unreadable")


def _text(value: object) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return None
    cleaned = value.strip("\x00 ").strip()
    return cleaned[:200] or None


def _exif_time(value: object, offset: object) -> datetime | None:
    text = _text(value)
    found = _EXIF_TIME.match(text or "")
    if found is None:
        return None
    try:
        moment = _datetime(found.groups())
    except ValueError:
        return None
    zone = _OFFSET_TEXT.match(_text(offset) or "")
    if zone:
        sign = -1 if zone.group(1) == "-" else 1
        delta = timedelta(hours=int(zone.group(2)), minutes=int(zone.group(3)))
        if delta <= timedelta(hours=14):
            moment = moment.replace(tzinfo=timezone(sign * delta))
    return moment


def time_in_name(name: str) -> datetime | None:
    """The local time a screenshot's or camera's file name carries, if it carries one."""
    found = _NAME_TIME.search(name.rsplit("/", 1)[-1])
    if found is None:
        return None
    try:
        return _datetime(found.groups())
    except ValueError:
        return None


def _datetime(parts: tuple[str | Any, ...]) -> datetime:
    year, month, day, hour, minute, second = (int(part) for part in parts)
    return datetime(year, month, day, hour, minute, second)
