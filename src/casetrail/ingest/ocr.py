"""Machine reading of the text in a screenshot, with Tesseract (Debian's ``tesseract-ocr``).

The recognised text only makes an image searchable: it is marked as machine-read wherever it is
shown and never replaces the image, which stays the exhibit. Tesseract runs as a separate program
with a fixed argument list, the image on its standard input and nothing written to disk.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache

TIMEOUT_SECONDS = 120  # a screenshot takes about a second; a pathological image is abandoned
LANGUAGES_ENV = "CASETRAIL_OCR_LANGUAGES"  # e.g. "eng+deu"; default "eng"


@dataclass(frozen=True, slots=True)
class OcrResult:
    text: str
    engine: str  # e.g. "tesseract 5.3.0", for the event's details


class OcrUnavailable(Exception):
    """No OCR engine here (or it failed on this image); the reason is for the person importing."""


@cache
def _engine() -> tuple[str, str] | None:
    program = shutil.which("tesseract")
    if program is None:
        return None
    try:
        shown = subprocess.run(
            [program, "--version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    first = (shown.stdout or shown.stderr).splitlines()
    return program, first[0].strip() if first else "tesseract"


def available() -> bool:
    return _engine() is not None


def read_text(image: bytes) -> OcrResult:
    """The text Tesseract reads in an image (PNG, JPEG, GIF, WebP, TIFF, BMP bytes)."""
    engine = _engine()
    if engine is None:
        raise OcrUnavailable("tesseract is not installed")
    program, version = engine
    languages = os.environ.get(LANGUAGES_ENV, "eng")
    if not languages.replace("+", "").replace("_", "").isalnum():
        languages = "eng"
    try:
        done = subprocess.run(
            [program, "stdin", "stdout", "-l", languages, "--psm", "3"],
            input=image,
            capture_output=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
            env={**os.environ, "OMP_THREAD_LIMIT": "1"},  # one thread: imports run beside other work
        )
    except subprocess.TimeoutExpired:
        raise OcrUnavailable(f"tesseract took longer than {TIMEOUT_SECONDS} s") from None
    except OSError as error:
        raise OcrUnavailable(f"tesseract could not be run ({error.strerror})") from None
    if done.returncode != 0:
        raise OcrUnavailable("tesseract could not read this image")
    text = done.stdout.decode("utf-8", "replace").replace("\f", "").strip()
    return OcrResult("\n".join(line.rstrip() for line in text.splitlines()), version)
