"""G-14 and G-15 for every format that comes as a zip: each, built as the demo writes it, is refused
with one unsafe or oversized member added, naming that member and leaving the case unchanged.

SafeZip (ingest/archive.py) enforces the rules for all importers alike; these tests make sure no
importer reads a zip some other way, whatever format it recognises the zip as.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from casetrail.demo.meta_export import write_account_zip
from casetrail.demo.screenshot_export import write_screenshots_zip
from casetrail.demo.sms_export import write_sms_backup
from casetrail.demo.whatsapp_export import ChatMessage
from casetrail.errors import ArchiveTooLarge, UnsafeArchiveMember
from casetrail.importers.registry import choose, discover
from casetrail.ingest.source import Source
from casetrail.store.case import Case
from casetrail.store.importing import import_file
from tests.helpers import make_zip, table_hashes, tree_listing

CHAT = b"[07/01/2025, 10:00:00] Casey Marsh: hello\r\n[07/01/2025, 10:01:00] Casey Marsh: again\r\n"


def whatsapp(folder: Path) -> Path:
    return make_zip(
        folder / "WhatsApp Chat - Casey.zip", [("_chat.txt", CHAT), ("IMG-1.jpg", b"\xff\xd8\xff")]
    )


def sms_zip(folder: Path) -> Path:
    from datetime import datetime

    from casetrail.demo.cast import EX_PARTNER

    xml = folder / "sms-20250601.xml"
    write_sms_backup(
        xml, [ChatMessage(datetime(2025, 6, 1, 9), EX_PARTNER.whatsapp_name, "hi")], 1, EX_PARTNER
    )
    path = folder / "sms-backup.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.write(xml, "sms-20250601.xml")
    return path


def messenger(folder: Path) -> Path:
    path = folder / "facebook-export.zip"
    write_account_zip(path, "messenger")
    return path


def instagram(folder: Path) -> Path:
    path = folder / "instagram-export.zip"
    write_account_zip(path, "instagram")
    return path


def screenshots(folder: Path) -> Path:
    path = folder / "screenshots.zip"
    write_screenshots_zip(path)
    return path


def bugreport(folder: Path) -> Path:
    from tests.safety.android_builders import bugreport_text, bugreport_zip, common_specs

    return bugreport_zip(folder / "bugreport.zip", bugreport_text(common_specs()[:5]).text())


def huge_bugreport(folder: Path) -> tuple[Path, str]:
    """A bug report whose main text is 3 MiB: the one member the reader opens (others stay unread)."""
    from tests.safety.android_builders import MEMBER, bugreport_text, bugreport_zip, common_specs

    text = bugreport_text(common_specs()[:5]).text() + ("filler line of a long bug report\n" * 100_000)
    return bugreport_zip(folder / "bugreport.zip", text), MEMBER


def iphone_backup(folder: Path) -> Path:
    from casetrail.safety.ios import needed_files
    from tests.safety.ios_builders import build_backup, zip_files

    backup = build_backup(folder / "backup")
    return zip_files(needed_files(backup), folder / "iphone-backup.zip")


def huge_iphone_backup(folder: Path) -> tuple[Path, str]:
    """A backup whose Info.plist is 3 MiB: the reader opens only the files it knows."""
    from casetrail.safety.ios import needed_files
    from tests.safety.ios_builders import build_backup, zip_files

    backup = build_backup(folder / "backup")
    (backup / "Info.plist").write_bytes(b"<?xml version='1.0'?>" + b" " * (3 << 20))
    return zip_files(needed_files(backup), folder / "iphone-backup.zip"), "Info.plist"


ONLY_NAMED_MEMBERS: dict[str, Callable[[Path], tuple[Path, str]]] = {
    "android-bugreport": huge_bugreport,
    "iphone-backup": huge_iphone_backup,
}


FORMATS: dict[str, tuple[str, Callable[[Path], Path]]] = {
    "whatsapp": ("whatsapp", whatsapp),
    "sms-backup": ("sms-backup", sms_zip),
    "messenger": ("messenger", messenger),
    "instagram": ("instagram", instagram),
    "screenshot": ("screenshot", screenshots),
    "android-bugreport": ("android-phone-data", bugreport),
    "iphone-backup": ("iphone-backup", iphone_backup),
}


def with_member(original: Path, name: str, data: bytes, *, inside: str | None = None) -> Path:
    """A copy of a zip with one more member; ``inside`` puts it in the same folder as that member."""
    with zipfile.ZipFile(original) as source:
        members = [(info, source.read(info)) for info in source.infolist()]
    if inside is not None and "/" in inside:
        name = inside.rsplit("/", 1)[0] + "/" + name
    changed = original.with_name("changed-" + original.name)
    with zipfile.ZipFile(changed, "w", zipfile.ZIP_DEFLATED) as target:
        for info, content in members:
            target.writestr(info, content)
        target.writestr(name, data)
    return changed


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_zip_format_is_recognised_as_itself(tmp_path: Path, fmt: str) -> None:
    importer, build = FORMATS[fmt]
    loaded, _broken = discover()
    chosen, _sniff = choose(Source(build(tmp_path)), loaded)
    assert chosen.importer.name == importer


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("unsafe", ["../escape.jpg", "/abs.jpg", "C:\\x.jpg", "..\\x.jpg"])
def test_g14_every_zip_format_refuses_unsafe_members(
    new_case: Case, tmp_path: Path, fmt: str, unsafe: str
) -> None:
    _importer, build = FORMATS[fmt]
    archive = with_member(build(tmp_path), unsafe, b"x")
    before, tree = table_hashes(new_case), tree_listing(tmp_path)
    with pytest.raises(UnsafeArchiveMember) as raised:
        import_file(new_case, archive)
    assert raised.value.file == archive.name and repr(unsafe) in str(raised.value)
    assert table_hashes(new_case) == before
    assert all(name.startswith("case/") for name in tree_listing(tmp_path) - tree)


@pytest.mark.parametrize("fmt", FORMATS)
def test_g15_every_zip_format_stops_at_the_member_limit(
    new_case: Case, tmp_path: Path, fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _importer, build = FORMATS[fmt]
    if fmt in ONLY_NAMED_MEMBERS:  # a format that reads one named member: that member is the huge one
        archive, huge = ONLY_NAMED_MEMBERS[fmt](tmp_path)
    else:
        original = build(tmp_path)
        with zipfile.ZipFile(original) as source:
            first = source.namelist()[0]
        archive, huge = with_member(original, "huge.jpg", b"\0" * (3 << 20), inside=first), "huge.jpg"
    monkeypatch.setenv("CASETRAIL_LIMIT_MEMBER_BYTES", str(1 << 20))
    before = table_hashes(new_case)
    with pytest.raises(ArchiveTooLarge) as raised:
        import_file(new_case, archive)
    assert raised.value.file == archive.name and huge in str(raised.value)
    assert table_hashes(new_case) == before
