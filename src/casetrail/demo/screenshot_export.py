"""Screenshots for the demo case, drawn here: what Robin captured of things that could not be exported.

Drawn with Pillow in a plain, large type so that text recognition reads them back; PNG like a phone's
screenshots, named the way Android names them (the name carries the time), plus one JPEG "photo"
whose EXIF says when it was taken.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from casetrail.demo.whatsapp_export import ZIP_TIME

_EXIF_IFD, _ORIGINAL, _OFFSET_ORIGINAL, _MODEL = 0x8769, 0x9003, 0x9011, 0x0110


@dataclass(frozen=True, slots=True)
class Screenshot:
    """One drawn screenshot: its file name (with the time in it) and the lines it shows."""

    name: str
    lines: tuple[str, ...]


DEMO_SCREENSHOTS = (
    Screenshot(
        "Screenshot_20250514-231204.png",
        ("casey_m_demo2 commented on your photo", "Nice dress. Who are you meeting?"),
    ),
    Screenshot(
        "Screenshot_20250602-070915.png",
        ("New follower request: cm_watching_demo", "I can see you from here."),
    ),
)


def draw(lines: tuple[str, ...], width: int = 900) -> Image.Image:
    """A white screen with dark text, large enough to be read back reliably."""
    font = ImageFont.load_default(size=34)
    image = Image.new("RGB", (width, 90 + 70 * len(lines)), (250, 250, 250))
    pen = ImageDraw.Draw(image)
    for number, line in enumerate(lines):
        pen.text((40, 45 + 70 * number), line, fill=(20, 20, 20), font=font)
    return image


def png_bytes(shot: Screenshot) -> bytes:
    out = io.BytesIO()
    draw(shot.lines).save(out, "PNG", optimize=False)
    return out.getvalue()


def photo_bytes(lines: tuple[str, ...], taken: datetime, offset: str = "+01:00") -> bytes:
    """A JPEG with EXIF saying when (and with which offset) it was taken, as a phone camera writes."""
    image = draw(lines)
    exif = Image.Exif()
    exif[_MODEL] = "Demo Phone"
    exif.get_ifd(_EXIF_IFD)[_ORIGINAL] = taken.strftime("%Y:%m:%d %H:%M:%S")
    exif.get_ifd(_EXIF_IFD)[_OFFSET_ORIGINAL] = offset
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


def write_screenshots_zip(path: Path) -> int:
    """A zip of the demo screenshots and one photo, as someone collects them; returns how many."""
    photo = photo_bytes(("Parked outside 14 Elm Road", "again"), datetime(2025, 6, 3, 21, 40, 12))
    files = [(shot.name, png_bytes(shot)) for shot in DEMO_SCREENSHOTS]
    files.append(("IMG_car_outside.jpg", photo))
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files:
            info = zipfile.ZipInfo(f"Screenshots/{name}", ZIP_TIME)
            archive.writestr(info, data)
    return len(files)
