"""Synthetic iPhone backups for the iOS reader's tests: a fictional phone, common apps, one planted
management profile and one harmless Wi-Fi profile. Everything here is made up."""

from __future__ import annotations

import hashlib
import plistlib
import sqlite3
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

PROFILE_DOMAIN = "SysSharedContainerDomain-systemgroup.com.apple.configurationprofiles"
OLD_PROFILE_DOMAIN = "SystemPreferencesDomain"

COMMON_APPS = (
    "com.airbnb.app",
    "com.amazon.Amazon",
    "com.atebits.Tweetie2",
    "com.burbn.instagram",
    "com.dropbox.Dropbox",
    "com.duolingo.DuolingoMobile",
    "com.facebook.Facebook",
    "com.facebook.Messenger",
    "com.google.Gmail",
    "com.google.Maps",
    "com.google.chrome.ios",
    "com.google.ios.youtube",
    "com.hammerandchisel.discord",
    "com.linkedin.LinkedIn",
    "com.microsoft.Office.Outlook",
    "com.microsoft.skype.teams",
    "com.netflix.Netflix",
    "com.pinterest",
    "com.reddit.Reddit",
    "com.spotify.client",
    "com.tinyspeck.chatlyio",
    "com.toyopagroup.picaboo",
    "com.ubercab.UberClient",
    "com.zhiliaoapp.musically",
    "net.whatsapp.WhatsApp",
    "org.whispersystems.signal",
    "ph.telegra.Telegraph",
    "uk.co.bbc.iplayer",
    "uk.co.bbc.news",
    "us.zoom.videomeetings",
    "com.deliveroo.orderapp",
    "com.trainline.trainlineapp",
    "com.monzo.ios",
    "com.vinted.vinted",
    "com.shazam.Shazam",
    "com.strava.stravaride",
    "com.tfl.go",
    "com.waze.iphone",
    "com.skyscanner.iphone",
    "com.example.remoteadmin.agent",  # fictional: the app the planted management installed
)
INFO_INSTALLED = COMMON_APPS[:30]  # Info.plist "Installed Applications"
MANIFEST_APPS = COMMON_APPS[:35]  # Manifest.plist "Applications" (the last 5 only in Manifest.db)
WITH_STORE_METADATA = {"net.whatsapp.WhatsApp": ("WhatsApp Messenger", "24.11.85")}

MDM_PROFILE: dict[str, Any] = {
    "PayloadDisplayName": "Device Services",
    "PayloadIdentifier": "com.example.remoteadmin.enrol",
    "PayloadOrganization": "Example Remote Admin",
    "PayloadType": "Configuration",
    "PayloadUUID": "6F1C2B0A-0000-4000-8000-000000000001",
    "PayloadVersion": 1,
    "InstallDate": datetime(2025, 2, 14, 21, 30, 5),
    "PayloadContent": [
        {
            "PayloadType": "com.apple.mdm",
            "PayloadIdentifier": "com.example.remoteadmin.enrol.mdm",
            "ServerURL": "https://mdm.remote-admin.example/server",
            "CheckInURL": "https://mdm.remote-admin.example/checkin",
            "Topic": "com.apple.mgmt.External.00000000-0000-4000-8000-000000000002",
            "AccessRights": 8191,
        },
        {
            "PayloadType": "com.apple.security.root",
            "PayloadIdentifier": "com.example.remoteadmin.enrol.ca",
            "PayloadDisplayName": "Example Remote Admin Root CA",
            "PayloadContent": b"not a real certificate",
        },
    ],
}
WIFI_PROFILE: dict[str, Any] = {
    "PayloadDisplayName": "Home Wi-Fi",
    "PayloadIdentifier": "com.example.home.wifi",
    "PayloadType": "Configuration",
    "PayloadUUID": "6F1C2B0A-0000-4000-8000-000000000003",
    "PayloadVersion": 1,
    "PayloadContent": [{"PayloadType": "com.apple.wifi.managed", "SSID_STR": "HomeNet"}],
}
CLOUD_CONFIGURATION: dict[str, Any] = {
    "IsSupervised": True,
    "OrganizationName": "Example Remote Admin",
    "AllowPairing": True,
}
APP_MANAGEMENT: dict[str, Any] = {
    "metadataByBundleID": {"com.example.remoteadmin.agent": {"Flags": 1, "Status": "Managed"}}
}
INFO: dict[str, Any] = {
    "Device Name": "Robin's iPhone",
    "Display Name": "Robin's iPhone",
    "Product Type": "iPhone14,5",
    "Product Version": "17.5.1",
    "Build Version": "21F90",
    "Serial Number": "FAKESERIAL01",
    "Last Backup Date": datetime(2025, 6, 1, 18, 45, 12),
    "iTunes Version": "12.13",
}


def file_id(domain: str, relative_path: str) -> str:
    """How backups name a stored file: SHA-1 of "domain-relativePath"."""
    return hashlib.sha1(f"{domain}-{relative_path}".encode(), usedforsecurity=False).hexdigest()


def stored_name(fid: str) -> str:
    return f"{fid[:2]}/{fid}"


@dataclass(frozen=True)
class Row:
    domain: str
    relative_path: str
    flags: int = 1
    content: bytes | None = None  # stored in the folder when given
    fid: str | None = None  # overrides the computed file id

    @property
    def file_id(self) -> str:
        return self.fid or file_id(self.domain, self.relative_path)


def profile_path(identifier: str) -> str:
    digest = hashlib.sha256(identifier.encode()).hexdigest()
    return f"Library/ConfigurationProfiles/profile-{digest}.stub"


MDM_STUB = Row(
    PROFILE_DOMAIN, profile_path("mdm"), content=plistlib.dumps(MDM_PROFILE, fmt=plistlib.FMT_BINARY)
)
WIFI_STUB = Row(PROFILE_DOMAIN, profile_path("wifi"), content=plistlib.dumps(WIFI_PROFILE))  # XML
CLOUD_ROW = Row(
    PROFILE_DOMAIN,
    "Library/ConfigurationProfiles/CloudConfigurationDetails.plist",
    content=plistlib.dumps(CLOUD_CONFIGURATION, fmt=plistlib.FMT_BINARY),
)
APP_MANAGEMENT_ROW = Row(
    PROFILE_DOMAIN,
    "Library/ConfigurationProfiles/MDMAppManagement.plist",
    content=plistlib.dumps(APP_MANAGEMENT, fmt=plistlib.FMT_BINARY),
)
TRUTH_ROW = Row(
    PROFILE_DOMAIN,
    "Library/ConfigurationProfiles/ProfileTruth.plist",
    content=plistlib.dumps({"Version": 1}, fmt=plistlib.FMT_BINARY),
)
PROFILE_ROWS = (CLOUD_ROW, APP_MANAGEMENT_ROW, TRUTH_ROW, MDM_STUB, WIFI_STUB)


def app_rows(package: str) -> list[Row]:
    domain = f"AppDomain-{package}"
    return [
        Row(domain, "", flags=2),
        Row(domain, "Documents", flags=2),
        Row(domain, f"Library/Preferences/{package}.plist", content=b"bplist00 app settings"),
    ]


def other_rows() -> list[Row]:
    """Rows a real backup has that the reader must leave alone."""
    return [
        Row("HomeDomain", "Library/SMS/sms.db", content=b"SQLite format 3\x00 messages"),
        Row("HomeDomain", "Library/ConfigurationProfiles/profile-notinthisdomain.stub", content=b"x"),
        Row("CameraRollDomain", "Media/DCIM/100APPLE/IMG_0001.HEIC", content=b"photo"),
        Row(PROFILE_DOMAIN, "Library/ConfigurationProfiles", flags=2),
        Row(PROFILE_DOMAIN, "Library/ConfigurationProfiles/PublicInfo/MCMeta.plist", content=b"x"),
        Row("AppDomainGroup-group.net.whatsapp.WhatsApp.shared", "ChatStorage.sqlite", content=b"chats"),
        Row("AppDomainPlugin-net.whatsapp.WhatsApp.ServiceExtension", "Library/Preferences/x.plist"),
    ]


def default_rows() -> list[Row]:
    rows = [row for package in COMMON_APPS for row in app_rows(package)]
    return rows + other_rows() + list(PROFILE_ROWS)


def write_manifest_db(path: Path, rows: Sequence[Row]) -> None:
    connection = sqlite3.connect(path)
    with connection:
        connection.execute(
            "CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, relativePath TEXT, flags INTEGER, "
            "file BLOB)"
        )
        connection.execute("CREATE INDEX FilesDomainIdx ON Files(domain)")
        connection.execute("CREATE TABLE Properties (key TEXT PRIMARY KEY, value BLOB)")
        connection.executemany(
            "INSERT INTO Files VALUES (?, ?, ?, ?, ?)",
            [(row.file_id, row.domain, row.relative_path, row.flags, b"bplist00") for row in rows],
        )
    connection.close()


def info_plist() -> bytes:
    applications = {}
    for package, (name, version) in WITH_STORE_METADATA.items():
        metadata = plistlib.dumps({"itemName": name, "bundleShortVersionString": version})
        applications[package] = {"iTunesMetadata": metadata, "PlaceholderIcon": b"png"}
    return plistlib.dumps(
        {**INFO, "Installed Applications": list(INFO_INSTALLED), "Applications": applications}
    )


def manifest_plist(encrypted: bool = False) -> bytes:
    data = {
        "IsEncrypted": encrypted,
        "Version": "10.0",
        "Date": datetime(2025, 6, 1, 18, 40),
        "Lockdown": {"ProductVersion": "17.5.1", "ProductType": "iPhone14,5", "DeviceName": "Robin's iPhone"},
        "Applications": {
            package: {"CFBundleIdentifier": package, "CFBundleVersion": f"{i}.0", "Path": f"/x/{i}.app"}
            for i, package in enumerate(MANIFEST_APPS)
        },
    }
    return plistlib.dumps(data, fmt=plistlib.FMT_BINARY)


def status_plist() -> bytes:
    return plistlib.dumps(
        {"IsFullBackup": False, "Version": "3.3", "Date": datetime(2025, 6, 1, 18, 46)},
        fmt=plistlib.FMT_BINARY,
    )


def build_backup(
    folder: Path,
    *,
    rows: Sequence[Row] | None = None,
    info: bytes | None = None,
    encrypted: bool = False,
    manifest_db: bytes | None = None,
) -> Path:
    """A backup folder as Finder writes it (only the files the reader and its tests need)."""
    folder.mkdir(parents=True)
    (folder / "Info.plist").write_bytes(info if info is not None else info_plist())
    (folder / "Manifest.plist").write_bytes(manifest_plist(encrypted))
    (folder / "Status.plist").write_bytes(status_plist())
    all_rows = default_rows() if rows is None else list(rows)
    if manifest_db is None:
        write_manifest_db(folder / "Manifest.db", all_rows)
    else:
        (folder / "Manifest.db").write_bytes(manifest_db)
    for row in all_rows:
        if row.content is not None and len(row.file_id) == 40:
            stored = folder / stored_name(row.file_id)
            stored.parent.mkdir(exist_ok=True)
            stored.write_bytes(row.content)
    return folder


def zip_files(files: Sequence[tuple[str, Path]], out: Path, prefix: str = "") -> Path:
    """A zip of the chosen files, named as ``needed_files`` names them (under ``prefix``)."""
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, path in files:
            archive.writestr(prefix + name, path.read_bytes())
    return out


def zip_folder(folder: Path, out: Path, prefix: str) -> Path:
    """A whole backup folder zipped, as a person might send it."""
    files = [(p.relative_to(folder).as_posix(), p) for p in sorted(folder.rglob("*")) if p.is_file()]
    return zip_files(files, out, prefix)
