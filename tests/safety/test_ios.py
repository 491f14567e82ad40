"""The iPhone backup reader: apps, configuration profiles and device management from synthetic backups,
and clear errors for encrypted, incomplete and hostile ones (G-14, G-16)."""

from __future__ import annotations

import dataclasses
import os
import plistlib
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from casetrail.errors import InputError
from casetrail.ingest.source import Source
from casetrail.safety import ios
from casetrail.safety.inventory import App, Capability, Inventory
from tests.safety.ios_builders import (
    CLOUD_ROW,
    COMMON_APPS,
    INFO_INSTALLED,
    MANIFEST_APPS,
    MDM_STUB,
    OLD_PROFILE_DOMAIN,
    PROFILE_DOMAIN,
    PROFILE_ROWS,
    TRUTH_ROW,
    WIFI_STUB,
    Row,
    app_rows,
    build_backup,
    default_rows,
    stored_name,
    write_manifest_db,
    zip_files,
    zip_folder,
)

ORGANISATION = ("organisation", "Example Remote Admin")
MANAGED = ("managed_apps", "com.example.remoteadmin.agent")


def where(row: Row) -> str:
    return f"{row.relative_path} in {row.domain} (backup file {stored_name(row.file_id)})"


def expected_app(package: str) -> App:
    places = []
    if package in INFO_INSTALLED:
        places.append("Info.plist, Installed Applications")
    if package == "net.whatsapp.WhatsApp":
        places.append("Info.plist, Applications")
    if package in MANIFEST_APPS:
        places.append("Manifest.plist, Applications")
    places.append(f"Manifest.db, table Files, domain AppDomain-{package}")
    if package == "net.whatsapp.WhatsApp":
        return App(package, "; ".join(places), label="WhatsApp Messenger", version="24.11.85")
    version = f"{MANIFEST_APPS.index(package)}.0" if package in MANIFEST_APPS else None
    return App(package, "; ".join(places), version=version)


def expected_capabilities() -> list[Capability]:
    mdm = [
        Capability(
            "configuration-profile",
            "Device Services",
            where(MDM_STUB),
            details=(
                ORGANISATION,
                ("identifier", "com.example.remoteadmin.enrol"),
                ("payload_types", "com.apple.mdm, com.apple.security.root"),
                ("root_certificate", "yes"),
                ("vpn", "no"),
                ("proxy", "no"),
                ("mdm", "yes"),
                ("installed", "2025-02-14T21:30:05+00:00"),
            ),
        ),
        Capability(
            "device-management",
            "Device Services",
            where(MDM_STUB),
            details=(
                ORGANISATION,
                ("identifier", "com.example.remoteadmin.enrol"),
                ("how", "MDM enrolment"),
                ("server", "mdm.remote-admin.example"),
                MANAGED,
            ),
        ),
    ]
    wifi = [
        Capability(
            "configuration-profile",
            "Home Wi-Fi",
            where(WIFI_STUB),
            details=(
                ("identifier", "com.example.home.wifi"),
                ("payload_types", "com.apple.wifi.managed"),
                ("root_certificate", "no"),
                ("vpn", "no"),
                ("proxy", "no"),
                ("mdm", "no"),
            ),
        )
    ]
    supervised = Capability(
        "device-management",
        "supervised",
        where(CLOUD_ROW),
        details=(ORGANISATION, ("how", "supervision"), MANAGED),
    )
    stubs = mdm + wifi if MDM_STUB.relative_path < WIFI_STUB.relative_path else wifi + mdm
    return [supervised, *stubs]


def expected_inventory(display: str) -> Inventory:
    return Inventory(
        platform="ios",
        source_kind="ios-backup",
        where=display,
        taken_at=datetime(2025, 6, 1, 18, 45, 12, tzinfo=UTC),
        device={
            "name": "Robin's iPhone",
            "model": "iPhone14,5",
            "os_version": "17.5.1",
            "build": "21F90",
            "serial": "FAKESERIAL01",
        },
        apps=[expected_app(package) for package in sorted(COMMON_APPS)],
        capabilities=expected_capabilities(),
        domains=[("mdm.remote-admin.example", where(MDM_STUB))],
        notes=[],
    )


@pytest.fixture
def backup(tmp_path: Path) -> Path:
    return build_backup(tmp_path / "00008110-000A1B2C3D4E5F60")


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    folder = tmp_path / "case" / "tmp"
    folder.mkdir(parents=True)
    return folder


def read_zip(path: Path, scratch: Path) -> Inventory:
    source = Source(path)
    try:
        return ios.read_ios(source, scratch)
    finally:
        source.close()


def error_of(call: object, *args: object) -> InputError:
    assert callable(call)
    with pytest.raises(InputError) as caught:
        call(*args)
    return caught.value


# --- what is read -----------------------------------------------------------------------------------


def test_folder_gives_the_exact_inventory(backup: Path) -> None:
    assert ios.read_ios_folder(backup) == expected_inventory(backup.name)


def test_planted_management_profile_is_found(backup: Path) -> None:
    inventory = ios.read_ios_folder(backup)
    management = [c for c in inventory.capabilities if c.kind == "device-management"]
    assert [(c.name, dict(c.details)["organisation"], c.where) for c in management] == [
        ("supervised", "Example Remote Admin", where(CLOUD_ROW)),
        ("Device Services", "Example Remote Admin", where(MDM_STUB)),
    ]
    assert inventory.app("com.example.remoteadmin.agent") == App(
        "com.example.remoteadmin.agent",
        "Manifest.db, table Files, domain AppDomain-com.example.remoteadmin.agent",
    )


def test_needed_files_picks_exactly_the_plists_the_index_and_the_profile_files(backup: Path) -> None:
    by_path = sorted(PROFILE_ROWS, key=lambda row: row.relative_path)
    profile_files = [(stored_name(row.file_id), backup / stored_name(row.file_id)) for row in by_path]
    assert ios.needed_files(backup) == [
        ("Info.plist", backup / "Info.plist"),
        ("Manifest.plist", backup / "Manifest.plist"),
        ("Status.plist", backup / "Status.plist"),
        ("Manifest.db", backup / "Manifest.db"),
        *profile_files,
    ]


def test_zip_of_the_needed_files_gives_the_same_inventory(
    backup: Path, tmp_path: Path, scratch: Path
) -> None:
    archive = zip_files(ios.needed_files(backup), tmp_path / "scan.zip")
    from_zip = read_zip(archive, scratch)
    assert from_zip == expected_inventory("scan.zip")
    assert dataclasses.replace(from_zip, where=backup.name) == ios.read_ios_folder(backup)
    assert list(scratch.iterdir()) == []  # the copy of Manifest.db is gone


def test_whole_backup_zipped_in_a_top_folder_is_read(backup: Path, tmp_path: Path, scratch: Path) -> None:
    archive = zip_folder(backup, tmp_path / "backup.zip", prefix="Backup/00008110/")
    assert read_zip(archive, scratch) == expected_inventory("backup.zip")


def test_sniff_recognises_a_backup_zip_and_nothing_else() -> None:
    assert ios.sniff_ios(b"PK\x03\x04", ["Info.plist", "Manifest.plist", "Manifest.db", "ab/ab12"])
    assert ios.sniff_ios(b"PK\x03\x04", ["x/Manifest.db", "x/Manifest.plist"])
    assert not ios.sniff_ios(b"PK\x03\x04", ["Manifest.db"])
    assert not ios.sniff_ios(b"PK\x03\x04", ["x/Manifest.db", "Info.plist"])
    assert not ios.sniff_ios(b"SQLite format 3\x00", ["Info.plist", "Manifest.db"])
    assert not ios.sniff_ios(b"PK\x03\x04", ["_chat.txt"])


def test_older_profile_folder_is_read(tmp_path: Path) -> None:
    old = Row(OLD_PROFILE_DOMAIN, "Library/ConfigurationProfiles/profile-old.stub", content=MDM_STUB.content)
    folder = build_backup(tmp_path / "b", rows=[*app_rows("com.google.Maps"), old])
    inventory = ios.read_ios_folder(folder)
    assert [(c.kind, c.name, c.where) for c in inventory.capabilities] == [
        ("configuration-profile", "Device Services", where(old)),
        ("device-management", "Device Services", where(old)),
    ]


def test_missing_profile_file_is_noted_not_fatal(tmp_path: Path) -> None:
    missing = Row(PROFILE_DOMAIN, "Library/ConfigurationProfiles/profile-gone.stub")
    folder = build_backup(tmp_path / "b", rows=[missing])
    inventory = ios.read_ios_folder(folder)
    assert inventory.capabilities == []
    assert inventory.notes == [
        "A configuration file listed in the backup (Library/ConfigurationProfiles/profile-gone.stub) is not "
        "among the files scanned, so it could not be checked."
    ]


def test_vpn_and_proxy_profile_details_and_servers(tmp_path: Path) -> None:
    profile = {
        "PayloadIdentifier": "net.example.tunnel",
        "PayloadContent": [
            {"PayloadType": "com.apple.vpn.managed", "VPN": {"RemoteAddress": "vpn.tunnel.example"}},
            {"PayloadType": "com.apple.proxy.http.global", "ProxyServer": "proxy.tunnel.example:8080"},
        ],
    }
    row = Row(PROFILE_DOMAIN, "Library/ConfigurationProfiles/profile-t.stub", content=plistlib.dumps(profile))
    inventory = ios.read_ios_folder(build_backup(tmp_path / "b", rows=[row]))
    assert inventory.capabilities == [
        Capability(
            "configuration-profile",
            "net.example.tunnel",
            where(row),
            details=(
                ("identifier", "net.example.tunnel"),
                ("payload_types", "com.apple.proxy.http.global, com.apple.vpn.managed"),
                ("root_certificate", "no"),
                ("vpn", "yes"),
                ("proxy", "yes"),
                ("mdm", "no"),
            ),
        )
    ]
    assert inventory.domains == [("vpn.tunnel.example", where(row)), ("proxy.tunnel.example", where(row))]


# --- refused: encrypted, incomplete, not a backup ------------------------------------------------------


def test_encrypted_backup_is_refused_in_plain_words(tmp_path: Path, scratch: Path) -> None:
    folder = build_backup(tmp_path / "b", encrypted=True, manifest_db=b"\x8a encrypted bytes")
    expected = (
        "b (Manifest.plist): This backup is encrypted; make an unencrypted backup or decrypt it first "
        "(see docs/safety.md)"
    )
    assert str(error_of(ios.needed_files, folder)) == expected
    assert str(error_of(ios.read_ios_folder, folder)) == expected
    archive = zip_folder(folder, tmp_path / "enc.zip", prefix="")
    assert error_of(read_zip, archive, scratch).problem == ios.ENCRYPTED


def test_missing_manifest_db_is_refused(backup: Path) -> None:
    (backup / "Manifest.db").unlink()
    error = error_of(ios.needed_files, backup)
    assert (error.file, error.place) == (backup.name, None)
    assert error.problem.startswith("has no Manifest.db, so it is not a complete iPhone backup")


def test_zip_without_a_backup_is_refused(tmp_path: Path, scratch: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    archive = zip_files([("notes.txt", notes), ("Manifest.db", notes)], tmp_path / "x.zip")
    error = error_of(read_zip, archive, scratch)
    assert error.problem == "does not hold an iPhone backup (no Manifest.db next to Info.plist)"


def test_manifest_db_that_is_not_sqlite_is_refused(tmp_path: Path) -> None:
    folder = build_backup(tmp_path / "b", manifest_db=b"<html>not a database</html>")
    error = error_of(ios.read_ios_folder, folder)
    assert (error.place, error.problem) == (
        "Manifest.db",
        "is not a SQLite database, so the backup cannot be read (an encrypted backup's Manifest.db cannot "
        "be read either)",
    )


def test_manifest_db_without_files_table_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "other.db"
    connection = sqlite3.connect(db)
    connection.execute("CREATE TABLE Files_old (x)")
    connection.execute("CREATE VIEW Files AS SELECT 1 AS fileID, 2 AS domain, 3 AS relativePath, 4 AS flags")
    connection.commit()
    connection.close()
    folder = build_backup(tmp_path / "b", manifest_db=db.read_bytes())
    error = error_of(ios.read_ios_folder, folder)
    assert (error.place, error.problem) == (
        "Manifest.db",
        "has no Files table, so it is not the index of an iPhone backup",
    )


def test_damaged_manifest_db_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "damaged.db"
    write_manifest_db(db, default_rows())
    data = bytearray(db.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    data[page:] = bytes(range(256)) * ((len(data) - page) // 256) + b"\xff" * ((len(data) - page) % 256)
    folder = build_backup(tmp_path / "b", manifest_db=bytes(data))
    error = error_of(ios.read_ios_folder, folder)
    assert (error.place, error.problem) == (
        "Manifest.db, table Files",
        "cannot be read; it may be damaged (SQLite says: database disk image is malformed)",
    )


# --- hostile input ----------------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE plist [
  <!ENTITY a "aaaaaaaaaa">
  <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
  <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
]>
<plist version="1.0"><dict><key>Device Name</key><string>&c;</string></dict></plist>
"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE plist [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<plist version="1.0"><dict><key>Device Name</key><string>&secret;</string></dict></plist>
"""


@pytest.mark.parametrize(
    ("payload", "line"),
    [(BILLION_LAUGHS, 3), (EXTERNAL_ENTITY, 2)],
    ids=["billion-laughs", "external-entity"],
)
def test_g16_plist_with_entities_is_refused(tmp_path: Path, scratch: Path, payload: bytes, line: int) -> None:
    folder = build_backup(tmp_path / "b", info=payload)
    for call, args in (
        (ios.read_ios_folder, (folder,)),
        (read_zip, (zip_folder(folder, tmp_path / "z.zip", ""), scratch)),
    ):
        error = error_of(call, *args)
        assert error.place == f"Info.plist, line {line}"
        assert error.problem == (
            "the property list declares entities or external references, which backups never contain, so it "
            "was not read"
        )
        assert "root:" not in str(error)


def test_g16_entities_inside_app_store_details_are_refused(tmp_path: Path) -> None:
    info = plistlib.dumps(
        {
            "Installed Applications": ["com.google.Maps"],
            "Applications": {"com.google.Maps": {"iTunesMetadata": BILLION_LAUGHS}},
        }
    )
    error = error_of(ios.read_ios_folder, build_backup(tmp_path / "b", info=info))
    assert error.place == "Info.plist, Applications, com.google.Maps, iTunesMetadata, line 3"


def test_damaged_binary_plist_is_refused(tmp_path: Path) -> None:
    folder = build_backup(tmp_path / "b", info=b"bplist00" + b"\xff" * 40)
    error = error_of(ios.read_ios_folder, folder)
    assert (error.place, error.problem.startswith("is not a readable property list")) == ("Info.plist", True)


def test_oversized_plist_is_refused_without_reading_it_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ios, "MAX_PLIST_BYTES", 10_000)  # above Manifest.plist, below this Info.plist
    folder = build_backup(tmp_path / "b", info=plistlib.dumps({"Device Name": "x" * 20_000}))
    error = error_of(ios.read_ios_folder, folder)
    assert (error.place, error.problem) == (
        "Info.plist",
        "is larger than 10,000 bytes, far more than an iPhone backup holds",
    )


def test_g14_stored_file_names_cannot_leave_the_backup(tmp_path: Path, scratch: Path) -> None:
    hostile = Row(PROFILE_DOMAIN, "Library/ConfigurationProfiles/profile-x.stub", fid="../../etc/passwd")
    folder = build_backup(tmp_path / "b", rows=[*app_rows("com.google.Maps"), hostile])
    expected = (
        "b (Manifest.db, table Files, row for 'Library/ConfigurationProfiles/profile-x.stub'): "
        "names its stored copy '../../etc/passwd', which is not how backups name their files, so the "
        "backup was not read"
    )
    assert str(error_of(ios.needed_files, folder)) == expected
    archive = zip_files(
        [(n, folder / n) for n in ("Info.plist", "Manifest.plist", "Manifest.db")], tmp_path / "h.zip"
    )
    assert error_of(read_zip, archive, scratch).place == (
        "Manifest.db, table Files, row for 'Library/ConfigurationProfiles/profile-x.stub'"
    )


def test_g14_links_in_the_backup_folder_are_refused(backup: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.plist"
    outside.write_bytes(plistlib.dumps({"Device Name": "someone else's file"}))
    (backup / "Info.plist").unlink()
    (backup / "Info.plist").symlink_to(outside)
    error = error_of(ios.needed_files, backup)
    assert (error.place, error.problem) == (
        "Info.plist",
        "is a link, not a file; backups never hold links, so the backup was not read",
    )
    assert error_of(ios.read_ios_folder, backup).place == "Info.plist"


def test_g14_linked_profile_file_and_linked_folder_are_refused(backup: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    stored = backup / stored_name(TRUTH_ROW.file_id)
    (outside / stored.name).write_bytes(stored.read_bytes())
    stored.unlink()
    stored.symlink_to(outside / stored.name)
    assert error_of(ios.needed_files, backup).place == stored_name(TRUTH_ROW.file_id)
    stored.unlink()
    stored.write_bytes(b"bplist00")
    mdm_folder = backup / stored_name(MDM_STUB.file_id).split("/")[0]
    os.rename(mdm_folder, outside / "moved")
    mdm_folder.symlink_to(outside / "moved")
    assert error_of(ios.needed_files, backup).place == stored_name(MDM_STUB.file_id)


def test_g14_manifest_copy_goes_only_to_scratch_and_is_removed(
    backup: Path, tmp_path: Path, scratch: Path
) -> None:
    archive = zip_files(ios.needed_files(backup), tmp_path / "scan.zip")
    before = sorted(p for p in tmp_path.rglob("*"))
    seen: list[Path] = []
    real_connect = ios._connect

    def spy(path: Path, display: str) -> object:
        seen.append(path)
        return real_connect(path, display)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ios, "_connect", spy)
        read_zip(archive, scratch)
    assert len(seen) == 1 and seen[0].is_relative_to(scratch)
    assert sorted(p for p in tmp_path.rglob("*")) == before
    assert backup.joinpath("Manifest.db").read_bytes()[:16] == b"SQLite format 3\x00"


def test_oversized_values_in_manifest_db_are_refused(tmp_path: Path) -> None:
    huge = Row(PROFILE_DOMAIN, "Library/ConfigurationProfiles/" + "p" * 200_000)
    folder = build_backup(tmp_path / "b", rows=[huge])
    error = error_of(ios.read_ios_folder, folder)
    assert error.place == "Manifest.db, table Files"
    assert error.problem == "cannot be read; it may be damaged (SQLite says: string or blob too big)"


def test_too_many_rows_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ios, "MAX_FILES_ROWS", 10)
    folder = build_backup(tmp_path / "b")
    error = error_of(ios.read_ios_folder, folder)
    assert (error.place, error.problem) == ("Manifest.db, table Files", "lists more than 10 files")


def test_work_on_manifest_db_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ios, "_STEPS_PER_CALL", 100)
    monkeypatch.setattr(ios, "MAX_DB_STEPS", 1_000)
    folder = build_backup(tmp_path / "b")
    error = error_of(ios.read_ios_folder, folder)
    assert (error.place, error.problem) == (
        "Manifest.db, table Files",
        "takes far more work to read than a backup's index does, so it was not read",
    )


def test_non_app_identifiers_are_left_out_with_a_note(tmp_path: Path) -> None:
    info = plistlib.dumps({"Installed Applications": ["com.google.Maps", "../../x", 42, "a b"]})
    inventory = ios.read_ios_folder(build_backup(tmp_path / "b", info=info, rows=[]))
    assert [app.package for app in inventory.apps] == sorted({"com.google.Maps", *MANIFEST_APPS})
    assert inventory.notes == ["3 app entries were not app identifiers and were left out."]


def test_too_many_profile_files_are_refused(backup: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ios, "MAX_PROFILE_FILES", 2)
    error = error_of(ios.read_ios_folder, backup)
    assert (error.place, error.problem) == (
        "Manifest.db, table Files",
        "lists more than 2 files in the configuration profile folders",
    )


def test_unreadable_app_store_details_only_lose_the_name(tmp_path: Path) -> None:
    info = plistlib.dumps(
        {
            "Installed Applications": ["com.google.Maps"],
            "Applications": {"com.google.Maps": {"iTunesMetadata": b"bplist00\x00\x01"}},
        }
    )
    inventory = ios.read_ios_folder(build_backup(tmp_path / "b", info=info, rows=[]))
    assert inventory.app("com.google.Maps") == App(
        "com.google.Maps",
        "Info.plist, Installed Applications; Info.plist, Applications; Manifest.plist, Applications",
        version=f"{MANIFEST_APPS.index('com.google.Maps')}.0",
    )
    assert inventory.notes == []
