"""Screenshots and photos: kept whole, timed by how reliable the source is, text read by machine."""

from __future__ import annotations

import hashlib
import io
import os
import struct
import zlib
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from casetrail.demo.screenshot_export import (
    DEMO_SCREENSHOTS,
    draw,
    photo_bytes,
    png_bytes,
    write_screenshots_zip,
)
from casetrail.errors import InputError
from casetrail.importers.base import ImportContext
from casetrail.importers.screenshot import ScreenshotImporter
from casetrail.ingest.source import Source
from casetrail.model.event import Channel, Kind, ParsedEvent
from casetrail.store.case import Case
from casetrail.store.importing import import_file
from casetrail.store.queries import TimelineFilter, list_exhibits, timeline
from tests.helpers import make_zip

LONDON = ZoneInfo("Europe/London")


def read(path: Path) -> list[ParsedEvent]:
    return list(ScreenshotImporter().events(Source(path), ImportContext(timezone=LONDON)))


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def test_text_is_read_by_machine_and_marked_so(tmp_path: Path) -> None:
    shot = DEMO_SCREENSHOTS[0]
    path = tmp_path / shot.name
    path.write_bytes(png_bytes(shot))
    (event,) = read(path)
    assert (event.channel, event.kind) == (Channel.OTHER, Kind.SCREENSHOT)
    assert "Who are you meeting?" in event.text
    assert "machine-read-text" in event.flags
    assert event.details["text_source"].startswith("machine-read (tesseract")
    assert (event.details["format"], event.details["width"]) == ("PNG", "900")
    # Android names screenshots by the phone's clock: 23:12:04 in London in May is 22:12:04 UTC.
    assert event.occurred_at == datetime(2025, 5, 14, 22, 12, 4, tzinfo=UTC)
    assert "time-from-file-name" in event.flags
    assert event.details["source_id"] == "image|" + hashlib.sha256(path.read_bytes()).hexdigest()


def test_exif_time_with_its_offset_wins_and_is_not_flagged(tmp_path: Path) -> None:
    path = tmp_path / "Screenshot_20990101-000000.jpg"  # the name says otherwise: EXIF wins
    path.write_bytes(photo_bytes(("hello",), datetime(2025, 6, 3, 21, 40, 12), "+01:00"))
    (event,) = read(path)
    assert event.occurred_at == datetime(2025, 6, 3, 20, 40, 12, tzinfo=UTC)
    assert event.local_time == "2025-06-03 21:40:12+01:00"
    assert not any(flag.startswith("time-from") for flag in event.flags)
    assert event.details["camera"] == "Demo Phone"


def test_without_exif_or_a_time_in_the_name_the_file_date_is_used_and_flagged(tmp_path: Path) -> None:
    path = tmp_path / "capture.png"
    path.write_bytes(png_bytes(DEMO_SCREENSHOTS[1]))
    os.utime(path, (1_740_000_000, 1_740_000_000))
    (event,) = read(path)
    assert event.occurred_at == datetime.fromtimestamp(1_740_000_000, UTC)
    assert "time-from-file-date" in event.flags


def test_g19_a_png_claiming_100000_by_100000_pixels_is_kept_flagged_and_not_decoded(
    tmp_path: Path, new_case: Case
) -> None:
    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
    data += chunk(b"IEND", b"")
    path = tmp_path / "huge.png"
    path.write_bytes(data)
    (event,) = read(path)
    assert "image-too-large" in event.flags
    assert event.text == "" and "machine-read-text" not in event.flags
    assert event.details["width"] == "100000"
    result = import_file(new_case, path)
    assert result.events_added == 1
    (kept,) = list_exhibits(new_case)
    assert kept.sha256 == hashlib.sha256(data).hexdigest()  # the original is kept byte for byte


def test_g19_a_jpeg_with_a_corrupt_exif_block_imports_flagged(tmp_path: Path, new_case: Case) -> None:
    good = photo_bytes(("broken exif",), datetime(2025, 6, 3, 21, 40, 12))
    start = good.index(b"Exif\x00\x00") + 6
    broken = good[:start] + b"MM\x00*\xff\xff\xff\xf0" + bytes(range(256)) * 2 + good[start + 520 :]
    path = tmp_path / "photo.jpg"
    path.write_bytes(broken)
    (event,) = read(path)
    assert "exif-unreadable" in event.flags or "image-unreadable" in event.flags
    assert import_file(new_case, path).events_added == 1


def test_a_zip_of_screenshots_gives_one_event_each_linked_to_its_member(
    tmp_path: Path, new_case: Case
) -> None:
    path = tmp_path / "screenshots.zip"
    count = write_screenshots_zip(path)
    events = read(path)
    assert len(events) == count == 3
    assert [e.attachments for e in events] == [
        (f"Screenshots/{n}",)
        for n in [DEMO_SCREENSHOTS[0].name, DEMO_SCREENSHOTS[1].name, "IMG_car_outside.jpg"]
    ]
    result = import_file(new_case, path)
    assert result.events_added == 3
    shown = timeline(new_case, TimelineFilter(kinds=["screenshot"]), limit=None)
    assert all(len(e.attachments) == 1 for e in shown)
    # The same screenshot imported again on its own, timed by its name, is the same event.
    alone = tmp_path / DEMO_SCREENSHOTS[0].name
    alone.write_bytes(png_bytes(DEMO_SCREENSHOTS[0]))
    again = import_file(new_case, alone)
    assert (again.events_added, again.duplicates) == (0, 1)


def test_sniff_claims_images_and_image_only_zips_but_not_a_chat_with_photos(tmp_path: Path) -> None:
    importer = ScreenshotImporter()
    path = tmp_path / "a.webp"
    out = io.BytesIO()
    draw(("x",)).save(out, "WEBP")
    path.write_bytes(out.getvalue())
    assert importer.sniff(Source(path)).confidence == 0.9
    chat = make_zip(
        tmp_path / "chat.zip", [("_chat.txt", b"[01/01/2025, 10:00:00] A: hi"), ("1.jpg", b"\xff\xd8\xff")]
    )
    assert importer.sniff(Source(chat)).confidence == 0
    text = tmp_path / "notes.txt"
    text.write_text("not an image")
    assert importer.sniff(Source(text)).confidence == 0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    tail=st.binary(max_size=400),
    flips=st.lists(st.tuples(st.integers(0, 2000), st.integers(1, 255)), max_size=8),
)
def test_any_damaged_image_imports_flagged_never_crashes(
    tmp_path: Path, tail: bytes, flips: list[tuple[int, int]]
) -> None:
    base = bytearray(png_bytes(DEMO_SCREENSHOTS[1])[:2000]) + tail
    for offset, value in flips:
        if 8 <= offset < len(base):
            base[offset] ^= value
    path = tmp_path / "damaged.png"
    path.write_bytes(bytes(base))
    try:
        events = read(path)
    except InputError as error:
        assert error.file == "damaged.png"
    else:
        assert len(events) == 1


def test_without_tesseract_images_still_import_flagged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from casetrail.ingest import ocr

    monkeypatch.setattr(ocr, "_engine", lambda: None)
    path = tmp_path / "Screenshot_20250514-231204.png"
    path.write_bytes(png_bytes(DEMO_SCREENSHOTS[0]))
    (event,) = read(path)
    assert event.text == "" and "ocr-unavailable" in event.flags


def test_the_image_module_refuses_to_decode_bombs() -> None:
    assert Image.MAX_IMAGE_PIXELS is not None and Image.MAX_IMAGE_PIXELS <= 100_000_000


def test_an_iphone_heic_photo_is_read_timed_by_its_exif_and_its_text_recognised(
    tmp_path: Path, new_case: Case
) -> None:
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = "2025:06:03 21:40:12"
    exif.get_ifd(0x8769)[0x9011] = "+01:00"
    out = io.BytesIO()
    draw(("Parked outside again", "at 21:40")).save(out, "HEIF", quality=90, exif=exif.tobytes())
    path = tmp_path / "IMG_0412.HEIC"
    path.write_bytes(out.getvalue())
    assert ScreenshotImporter().sniff(Source(path)).confidence == 0.9
    (event,) = read(path)
    assert event.details["format"] == "HEIF"
    assert event.occurred_at == datetime(2025, 6, 3, 20, 40, 12, tzinfo=UTC)
    assert "Parked outside again" in event.text and "machine-read-text" in event.flags
    assert import_file(new_case, path).events_added == 1
