"""An iPhone backup (made by Finder, iTunes or libimobiledevice, unencrypted or already decrypted) read
into an ``Inventory``: the apps it lists, the configuration profiles installed on the phone, and whether
the phone is managed (MDM) or supervised by an organisation, which is how iPhones are most often watched.

Only a few files of a backup are needed: ``Info.plist``, ``Manifest.plist``, ``Status.plist``,
``Manifest.db`` (the SQLite index of every file in the backup) and the stored copies of the files in the
configuration-profile folders, which the backup keeps under ``<first two hex digits>/<fileID>``.
``needed_files`` picks them from a backup folder (refusing links and anything outside the folder), the
caller zips them, and ``read_ios`` reads that zip through ``SafeZip``. Every byte is hostile input:
plists are size-capped and XML plists parsed with defusedxml (no entities); ``Manifest.db`` is copied
into the caller's scratch folder, opened read-only with bounded value sizes and a bounded amount of
work, and deleted afterwards.
"""

from __future__ import annotations

import base64
import binascii
import os
import plistlib
import re
import sqlite3
import stat
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from casetrail.errors import InputError
from casetrail.ingest.archive import SafeZip
from casetrail.ingest.limits import MiB
from casetrail.ingest.source import Source
from casetrail.safety.inventory import App, Capability, Inventory

SOURCE_KIND = "ios-backup"
MANIFEST_DB = "Manifest.db"
PLISTS = ("Info.plist", "Manifest.plist", "Status.plist")
PROFILE_DOMAINS = (
    "SysSharedContainerDomain-systemgroup.com.apple.configurationprofiles",
    "SystemPreferencesDomain",  # where older iOS versions kept them
)
PROFILE_FOLDER = "ConfigurationProfiles"
CLOUD_CONFIGURATION = "CloudConfigurationDetails.plist"
APP_MANAGEMENT = "MDMAppManagement.plist"
# Kept with the scan as evidence; read only where this module says so.
PROFILE_FILES = frozenset(
    {CLOUD_CONFIGURATION, APP_MANAGEMENT, "ProfileTruth.plist", "PayloadManifest.plist"}
)
APP_DOMAIN = "AppDomain-"
ENCRYPTED = "This backup is encrypted; make an unencrypted backup or decrypt it first (see docs/safety.md)"

# Limits: far above what a real backup holds, low enough that a crafted file is refused quickly.
MAX_PLIST_BYTES = 10 * MiB
MAX_MANIFEST_DB_BYTES = 4096 * MiB
MAX_FILES_ROWS = 2_000_000
MAX_APPS = 20_000
MAX_PROFILE_FILES = 1_000
MAX_PAYLOADS = 500
MAX_DB_VALUE_BYTES = 64 * 1024  # any longer text or blob in Manifest.db is refused by SQLite itself
MAX_DB_STEPS = 500_000_000  # SQLite virtual-machine steps for all queries (2M rows take about 35M)
MAX_PLIST_DEPTH = 64
MAX_TEXT = 300  # characters kept of a name, organisation or identifier
MAX_PATH = 1024  # characters in a file's relativePath

SQLITE_MAGIC = b"SQLite format 3\x00"
BINARY_PLIST_MAGIC = b"bplist00"
_STEPS_PER_CALL = 10_000
_FILE_ID = re.compile(r"[0-9a-f]{40}")
_BUNDLE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,254}")
_FILE_FLAG = 1  # Files.flags: 1 file, 2 folder, 4 link

ROOT_CERTIFICATE = "com.apple.security.root"
MDM = "com.apple.mdm"
PROXY = "com.apple.proxy.http.global"
VPN_PREFIX = "com.apple.vpn."


# --- the files of a backup, from a folder or a zip ---------------------------------------------------


class _Backup(Protocol):
    """The files of one backup by their name inside it ("Info.plist", "1a/1a2b…")."""

    display: str

    def has(self, name: str) -> bool: ...

    def read(self, name: str, cap: int) -> bytes: ...

    def database(self, name: str) -> AbstractContextManager[Path]: ...


def _too_large(display: str, name: str, cap: int) -> InputError:
    return InputError(display, name, f"is larger than {cap:,} bytes, far more than an iPhone backup holds")


def _safe_path(root: Path, name: str, display: str) -> Path:
    """The file ``name`` under ``root``, refusing links, non-files and anything leaving the folder."""
    path = root
    for part in name.split("/"):
        if part in ("", ".", "..") or "\\" in part or "\x00" in part:
            raise InputError(display, name, "is not a name a backup uses, so the backup was not read")
        path = path / part
        if path.is_symlink():
            raise InputError(
                display, name, "is a link, not a file; backups never hold links, so the backup was not read"
            )
    try:
        mode = os.lstat(path).st_mode
        inside = path.resolve(strict=True).is_relative_to(root.resolve(strict=True))
    except OSError as exc:
        raise InputError(display, name, f"cannot be read ({exc.strerror or exc})") from None
    if not stat.S_ISREG(mode) or not inside:
        raise InputError(
            display, name, "is not an ordinary file inside the backup folder, so it was not read"
        )
    return path


@dataclass
class _Folder:
    root: Path
    display: str

    def has(self, name: str) -> bool:
        return os.path.lexists(self.root / name)

    def read(self, name: str, cap: int) -> bytes:
        with open(_safe_path(self.root, name, self.display), "rb") as handle:
            data = handle.read(cap + 1)
        if len(data) > cap:
            raise _too_large(self.display, name, cap)
        return data

    @contextmanager
    def database(self, name: str) -> Iterator[Path]:
        # Opened in place, read-only and immutable: nothing is copied or changed.
        yield _safe_path(self.root, name, self.display)


@dataclass
class _Zip:
    archive: SafeZip
    prefix: str
    display: str
    scratch: Path
    _names: set[str] = field(init=False)

    def __post_init__(self) -> None:
        self._names = set(self.archive.names())

    def has(self, name: str) -> bool:
        return self.prefix + name in self._names

    def _chunks(self, name: str, cap: int) -> Iterator[bytes]:
        produced = 0
        for chunk in self.archive.read_chunks(self.prefix + name):
            produced += len(chunk)
            if produced > cap:
                raise _too_large(self.display, name, cap)
            yield chunk

    def read(self, name: str, cap: int) -> bytes:
        return b"".join(self._chunks(name, cap))

    @contextmanager
    def database(self, name: str) -> Iterator[Path]:
        # SQLite needs a file: a private copy in the caller's scratch folder, removed afterwards.
        with tempfile.TemporaryDirectory(prefix="ios-", dir=self.scratch) as folder:
            copy = Path(folder) / "Manifest.db"
            with open(copy, "wb") as handle:
                for chunk in self._chunks(name, MAX_MANIFEST_DB_BYTES):
                    handle.write(chunk)
            yield copy


# --- plists ---------------------------------------------------------------------------------------


class HostilePlist(InputError):
    """A property list that declares entities or external references: an attack, never a backup."""


def _line_of(data: bytes, marker: bytes) -> int:
    found = data.find(marker)
    return data.count(b"\n", 0, found) + 1 if found >= 0 else 1


def _xml_value(elem: Element, depth: int) -> Any:
    """One XML plist value, converted by hand so only defusedxml ever parses the XML."""
    if depth > MAX_PLIST_DEPTH:
        raise ValueError("values nested too deeply")
    tag, text = elem.tag, (elem.text or "").strip()
    if tag == "dict":
        children = list(elem)
        keys, values = children[0::2], children[1::2]
        if len(keys) != len(values) or any(k.tag != "key" for k in keys):
            raise ValueError("a dict whose keys and values do not pair up")
        return {(k.text or ""): _xml_value(v, depth + 1) for k, v in zip(keys, values, strict=True)}
    if tag == "array":
        return [_xml_value(child, depth + 1) for child in elem]
    converters: dict[str, Callable[[str], Any]] = {
        "string": lambda t: elem.text or "",
        "integer": int,
        "real": float,
        "true": lambda t: True,
        "false": lambda t: False,
        "date": lambda t: datetime.strptime(t, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC),
        "data": lambda t: base64.b64decode("".join(t.split()), validate=True),
    }
    if tag not in converters:
        raise ValueError(f"unknown element <{tag[:40]}>")
    return converters[tag](text)


def _xml_plist(data: bytes, display: str, name: str) -> Any:
    try:
        root = fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        line = _line_of(data, b"<!ENTITY") if b"<!ENTITY" in data else _line_of(data, b"<!DOCTYPE")
        raise HostilePlist(
            display,
            f"{name}, line {line}",
            "the property list declares entities or external references, which backups never contain, "
            "so it was not read",
        ) from None
    except ParseError as exc:
        raise InputError(
            display, f"{name}, line {exc.position[0]}", "is not a readable property list"
        ) from None
    except (LookupError, ValueError) as exc:  # an encoding the parser does not know, and the like
        raise InputError(display, name, f"is not a readable property list ({exc})") from None
    if root.tag != "plist" or len(root) != 1:
        raise InputError(display, name, "is not a property list (no <plist> with one value)")
    try:
        return _xml_value(root[0], 0)
    except (ValueError, binascii.Error) as exc:
        raise InputError(display, name, f"is not a readable property list ({exc})") from None


def load_plist(data: bytes, display: str, name: str) -> Any:
    """A binary or XML property list; anything else, or anything hostile, is an InputError."""
    if len(data) > MAX_PLIST_BYTES:
        raise _too_large(display, name, MAX_PLIST_BYTES)
    if data.startswith(BINARY_PLIST_MAGIC):
        try:
            return plistlib.loads(data, fmt=plistlib.FMT_BINARY)
        except (
            plistlib.InvalidFileException,
            ValueError,
            TypeError,
            KeyError,
            IndexError,
            OverflowError,
            RecursionError,
            UnicodeDecodeError,
        ) as exc:
            raise InputError(
                display, name, f"is not a readable property list ({type(exc).__name__})"
            ) from None
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith((b"<?xml", b"<!DOCTYPE", b"<plist")):
        return _xml_plist(data, display, name)
    raise InputError(display, name, "is not a property list")


def _text(value: Any) -> str | None:
    """A string as the file gives it, shortened if absurdly long; None for anything else or empty."""
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        return None
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _when(value: Any) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _plist_dict(backup: _Backup, name: str) -> dict[str, Any] | None:
    """A top-level plist of the backup, None when the backup lacks it."""
    if not backup.has(name):
        return None
    value = load_plist(backup.read(name, MAX_PLIST_BYTES), backup.display, name)
    if not isinstance(value, dict):
        raise InputError(backup.display, name, "is not the property list an iPhone backup holds")
    return value


# --- Manifest.db --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    file_id: str
    domain: str
    relative_path: str

    @property
    def stored(self) -> str:
        return f"{self.file_id[:2]}/{self.file_id}"

    @property
    def basename(self) -> str:
        return self.relative_path.rsplit("/", 1)[-1]

    @property
    def where(self) -> str:
        return f"{self.relative_path} in {self.domain} (backup file {self.stored})"


@dataclass
class _Manifest:
    app_domains: list[str] = field(default_factory=list)
    profile_rows: list[_Row] = field(default_factory=list)


def _budget() -> Callable[[], int]:
    """A progress handler that stops SQLite after a fixed amount of work (a crafted file cannot spin)."""
    calls = 0

    def handler() -> int:
        nonlocal calls
        calls += 1
        return int(calls * _STEPS_PER_CALL > MAX_DB_STEPS)

    return handler


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


@contextmanager
def _connect(path: Path, display: str) -> Iterator[sqlite3.Connection]:
    with open(path, "rb") as handle:
        magic = handle.read(len(SQLITE_MAGIC))
    if magic != SQLITE_MAGIC:
        raise InputError(
            display,
            MANIFEST_DB,
            "is not a SQLite database, so the backup cannot be read (an encrypted backup's "
            "Manifest.db cannot be read either)",
        )
    try:
        connection = sqlite3.connect(path.resolve().as_uri() + "?mode=ro&immutable=1", uri=True)
    except sqlite3.Error as exc:
        raise InputError(display, MANIFEST_DB, f"cannot be opened ({exc})") from None
    try:
        connection.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_DB_VALUE_BYTES)
        connection.text_factory = _decode  # invalid UTF-8 in a crafted file becomes U+FFFD
        connection.set_progress_handler(_budget(), _STEPS_PER_CALL)
        connection.execute("PRAGMA trusted_schema = OFF")
        yield connection
    finally:
        connection.close()


def _check_files_table(connection: sqlite3.Connection, display: str) -> None:
    kind = connection.execute("SELECT type FROM sqlite_master WHERE name = 'Files'").fetchall()
    columns = (
        {str(row[1]) for row in connection.execute("PRAGMA table_info(Files)")}
        if kind == [("table",)]
        else set()
    )
    if not {"fileID", "domain", "relativePath", "flags"} <= columns:
        raise InputError(
            display, MANIFEST_DB, "has no Files table, so it is not the index of an iPhone backup"
        )
    (rows,) = connection.execute(
        "SELECT count(*) FROM (SELECT 1 FROM Files LIMIT ?)", (MAX_FILES_ROWS + 1,)
    ).fetchone()
    if rows > MAX_FILES_ROWS:
        raise InputError(display, f"{MANIFEST_DB}, table Files", f"lists more than {MAX_FILES_ROWS:,} files")


def _app_domains(connection: sqlite3.Connection, display: str) -> list[str]:
    found = [
        row[0]
        for row in connection.execute(
            "SELECT DISTINCT domain FROM Files WHERE domain GLOB 'AppDomain-*' LIMIT ?", (MAX_APPS + 1,)
        )
        if isinstance(row[0], str)
    ]
    if len(found) > MAX_APPS:
        raise InputError(display, f"{MANIFEST_DB}, table Files", f"lists more than {MAX_APPS:,} apps")
    return sorted(found)


def _profile_row(raw: tuple[Any, ...], display: str) -> _Row | None:
    file_id, domain, relative_path, flags = raw
    if flags != _FILE_FLAG or not isinstance(relative_path, str) or not isinstance(domain, str):
        return None
    parts = relative_path.split("/")
    name = parts[-1]
    if PROFILE_FOLDER not in parts[:-1] or not (name.startswith("profile-") or name in PROFILE_FILES):
        return None
    if len(relative_path) > MAX_PATH:
        raise InputError(
            display,
            f"{MANIFEST_DB}, table Files, row for {relative_path[:MAX_TEXT]!r}…",
            f"names a file longer than {MAX_PATH:,} characters, which backups never do",
        )
    if not isinstance(file_id, str) or not _FILE_ID.fullmatch(file_id):
        raise InputError(
            display,
            f"{MANIFEST_DB}, table Files, row for {relative_path[:MAX_TEXT]!r}",
            f"names its stored copy {str(file_id)[:MAX_TEXT]!r}, which is not how backups name their "
            "files, so the backup was not read",
        )
    return _Row(file_id, domain, relative_path)


def _profile_rows(connection: sqlite3.Connection, display: str) -> list[_Row]:
    cursor = connection.execute(
        "SELECT fileID, domain, relativePath, flags FROM Files WHERE domain IN (?, ?) "
        "AND relativePath GLOB '*ConfigurationProfiles/*' LIMIT ?",
        (*PROFILE_DOMAINS, MAX_PROFILE_FILES + 1),
    )
    listed = cursor.fetchall()
    rows = [row for raw in listed if (row := _profile_row(raw, display)) is not None]
    if len(listed) > MAX_PROFILE_FILES:
        raise InputError(
            display,
            f"{MANIFEST_DB}, table Files",
            f"lists more than {MAX_PROFILE_FILES:,} files in the configuration profile folders",
        )
    return sorted(rows, key=lambda r: (r.relative_path, r.domain, r.file_id))


def _database_problem(exc: sqlite3.Error) -> str:
    if str(exc) == "interrupted":  # the progress handler's budget ran out
        return "takes far more work to read than a backup's index does, so it was not read"
    return f"cannot be read; it may be damaged (SQLite says: {exc})"


def _read_manifest(backup: _Backup) -> _Manifest:
    display = backup.display
    if not backup.has(MANIFEST_DB):
        raise InputError(
            display,
            None,
            "has no Manifest.db, so it is not a complete iPhone backup; choose the backup's own folder "
            "(the one holding Manifest.db and Info.plist)",
        )
    with backup.database(MANIFEST_DB) as path, _connect(path, display) as connection:
        try:
            _check_files_table(connection, display)
            return _Manifest(_app_domains(connection, display), _profile_rows(connection, display))
        except sqlite3.Error as exc:
            raise InputError(display, f"{MANIFEST_DB}, table Files", _database_problem(exc)) from None
        except UnicodeDecodeError:  # SQLite's own message quotes damaged bytes
            raise InputError(display, MANIFEST_DB, "cannot be read (the database is damaged)") from None


def _check_not_encrypted(manifest: dict[str, Any] | None, display: str) -> None:
    if manifest is not None and manifest.get("IsEncrypted") is True:
        raise InputError(display, "Manifest.plist", ENCRYPTED)


# --- from the files to the inventory -------------------------------------------------------------


@dataclass
class _AppFacts:
    where: list[str] = field(default_factory=list)
    label: str | None = None
    version: str | None = None


def _bundle_id(value: Any) -> str | None:
    return value if isinstance(value, str) and _BUNDLE_ID.fullmatch(value) else None


def _store_metadata(entry: Any, display: str, package: str) -> dict[str, Any]:
    """The App Store details Info.plist keeps per app (a plist inside the plist); {} if unreadable."""
    raw = _dict(entry).get("iTunesMetadata")
    if not isinstance(raw, bytes):
        return {}
    place = f"Info.plist, Applications, {package}, iTunesMetadata"
    try:
        return _dict(load_plist(raw, display, place))
    except HostilePlist:
        raise
    except InputError:
        return {}


def _collect_apps(
    info: dict[str, Any] | None, manifest: dict[str, Any] | None, domains: list[str], display: str
) -> tuple[dict[str, _AppFacts], int]:
    apps: dict[str, _AppFacts] = {}
    skipped = 0

    def add(value: Any, where: str) -> _AppFacts | None:
        nonlocal skipped
        package = _bundle_id(value)
        if package is None:
            skipped += 1
            return None
        facts = apps.setdefault(package, _AppFacts())
        if where not in facts.where:
            facts.where.append(where)
        return facts

    info = info or {}
    installed = info.get("Installed Applications")
    for value in installed[:MAX_APPS] if isinstance(installed, list) else []:
        add(value, "Info.plist, Installed Applications")
    for package, entry in list(_dict(info.get("Applications")).items())[:MAX_APPS]:
        if (facts := add(package, "Info.plist, Applications")) is not None:
            metadata = _store_metadata(entry, display, package)
            facts.label = _text(metadata.get("itemName"))
            facts.version = _text(metadata.get("bundleShortVersionString"))
    for package, entry in list(_dict((manifest or {}).get("Applications")).items())[:MAX_APPS]:
        if (facts := add(package, "Manifest.plist, Applications")) is not None:
            details = _dict(entry)
            facts.version = facts.version or _text(
                details.get("CFBundleShortVersionString") or details.get("CFBundleVersion")
            )
    for domain in domains:
        add(domain.removeprefix(APP_DOMAIN), f"Manifest.db, table Files, domain {domain}")
    return apps, skipped


def _apps(facts: dict[str, _AppFacts]) -> list[App]:
    return [
        App(package, "; ".join(f.where), label=f.label, version=f.version)
        for package, f in sorted(facts.items())
    ]


_DEVICE_KEYS = (
    ("name", "Device Name", "DeviceName"),
    ("model", "Product Type", "ProductType"),
    ("os_version", "Product Version", "ProductVersion"),
    ("build", "Build Version", "BuildVersion"),
    ("serial", "Serial Number", "SerialNumber"),
)


def _device(info: dict[str, Any] | None, manifest: dict[str, Any] | None) -> dict[str, str]:
    lockdown = _dict((manifest or {}).get("Lockdown"))
    device = {}
    for key, info_key, lockdown_key in _DEVICE_KEYS:
        value = _text((info or {}).get(info_key)) or _text(lockdown.get(lockdown_key))
        if value:
            device[key] = value
    return device


def _host(value: Any) -> str | None:
    """The host of a URL or a bare host name, as the profile gives it."""
    text = _text(value)
    if text is None:
        return None
    try:
        host = urlsplit(text).hostname if "://" in text else text.split(":")[0]
    except ValueError:  # e.g. a damaged IPv6 address
        return None
    return host or None


def _payload_hosts(payload: dict[str, Any]) -> list[str]:
    """Servers a payload sends the phone's traffic or management to (matched against indicators)."""
    candidates = [payload.get("ServerURL"), payload.get("CheckInURL"), payload.get("ProxyServer")]
    candidates.append(payload.get("ProxyPACURL"))
    for section in ("VPN", "IPSec", "IKEv2", "PPP"):
        candidates.append(_dict(payload.get(section)).get("RemoteAddress"))
    return [host for value in candidates if (host := _host(value))]


@dataclass
class _Profile:
    name: str
    where: str
    details: list[tuple[str, str]]
    types: set[str]
    hosts: list[str]
    mdm_server: str | None


def _payloads(data: dict[str, Any]) -> list[dict[str, Any]]:
    content = data.get("PayloadContent")
    return [_dict(p) for p in content[:MAX_PAYLOADS]] if isinstance(content, list) else []


def _profile(data: dict[str, Any], row: _Row) -> _Profile:
    payloads = _payloads(data)
    types = {t for p in payloads if (t := _text(p.get("PayloadType")))}
    identifier = _text(data.get("PayloadIdentifier"))
    organisation = _text(data.get("PayloadOrganization"))
    name = _text(data.get("PayloadDisplayName")) or identifier or row.basename
    details = [("organisation", organisation)] if organisation else []
    details += [("identifier", identifier)] if identifier else []
    details += [
        ("payload_types", ", ".join(sorted(types)) or "none listed"),
        ("root_certificate", _yes(ROOT_CERTIFICATE in types)),
        ("vpn", _yes(any(t.startswith(VPN_PREFIX) for t in types))),
        ("proxy", _yes(PROXY in types)),
        ("mdm", _yes(MDM in types)),
    ]
    if installed := _when(data.get("InstallDate")):
        details.append(("installed", installed.isoformat()))
    if data.get("PayloadRemovalDisallowed") is True:
        details.append(("removal_disallowed", "yes"))
    mdm = next((p for p in payloads if p.get("PayloadType") == MDM), None)
    hosts = [h for p in payloads for h in _payload_hosts(p)]
    server = _host((mdm or {}).get("ServerURL"))
    return _Profile(name, row.where, details, types, list(dict.fromkeys(hosts)), server)


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


@dataclass
class _Configuration:
    """What the configuration-profile folders of the backup say."""

    capabilities: list[Capability] = field(default_factory=list)
    domains: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _profile_file(backup: _Backup, row: _Row) -> dict[str, Any] | None:
    if not backup.has(row.stored):
        return None
    value = load_plist(backup.read(row.stored, MAX_PLIST_BYTES), backup.display, row.where)
    if not isinstance(value, dict):
        raise InputError(backup.display, row.where, "is not the property list a configuration profile is")
    return value


def _managed_apps(data: dict[str, Any]) -> str | None:
    packages = sorted(p for p in _dict(data.get("metadataByBundleID")) if _bundle_id(p))
    return ", ".join(packages[:MAX_PAYLOADS]) or None


def _supervision(data: dict[str, Any], row: _Row) -> Capability | None:
    if data.get("IsSupervised") is not True:
        return None
    organisation = _text(data.get("OrganizationName"))
    details = [("organisation", organisation)] if organisation else []
    return Capability(
        "device-management", "supervised", row.where, details=(*details, ("how", "supervision"))
    )


def _management(profile: _Profile) -> Capability:
    keep = [(k, v) for k, v in profile.details if k in ("organisation", "identifier")]
    keep.append(("how", "MDM enrolment"))
    if profile.mdm_server:
        keep.append(("server", profile.mdm_server))
    return Capability("device-management", profile.name, profile.where, details=tuple(keep))


def _configuration(backup: _Backup, rows: list[_Row]) -> _Configuration:
    found = _Configuration()
    managed: str | None = None
    for row in rows:
        data = _profile_file(backup, row)
        if data is None:
            found.notes.append(
                f"A configuration file listed in the backup ({row.relative_path[:MAX_TEXT]}) is not among "
                "the files scanned, so it could not be checked."
            )
            continue
        if row.basename.startswith("profile-"):
            profile = _profile(data, row)
            found.capabilities.append(
                Capability(
                    "configuration-profile", profile.name, profile.where, details=tuple(profile.details)
                )
            )
            if MDM in profile.types:
                found.capabilities.append(_management(profile))
            found.domains += [(host, profile.where) for host in profile.hosts]
        elif row.basename == CLOUD_CONFIGURATION and (supervised := _supervision(data, row)):
            found.capabilities.append(supervised)
        elif row.basename == APP_MANAGEMENT:
            managed = _managed_apps(data) or managed
    if managed:
        found.capabilities = [
            Capability(c.kind, c.name, c.where, c.package, (*c.details, ("managed_apps", managed)))
            if c.kind == "device-management"
            else c
            for c in found.capabilities
        ]
    return found


def _inventory(backup: _Backup) -> Inventory:
    display = backup.display
    manifest_plist = _plist_dict(backup, "Manifest.plist")
    _check_not_encrypted(manifest_plist, display)
    info = _plist_dict(backup, "Info.plist")
    status = _plist_dict(backup, "Status.plist")
    manifest = _read_manifest(backup)
    facts, skipped = _collect_apps(info, manifest_plist, manifest.app_domains, display)
    configuration = _configuration(backup, manifest.profile_rows)
    notes = []
    if info is None:
        notes.append("The backup has no Info.plist, so some details of the phone are not known.")
    if skipped:
        entries = (
            "1 app entry was not an app identifier and was"
            if skipped == 1
            else (f"{skipped} app entries were not app identifiers and were")
        )
        notes.append(f"{entries} left out.")
    taken = (
        _when((info or {}).get("Last Backup Date"))
        or _when((manifest_plist or {}).get("Date"))
        or _when((status or {}).get("Date"))
    )
    return Inventory(
        platform="ios",
        source_kind=SOURCE_KIND,
        where=display,
        taken_at=taken,
        device=_device(info, manifest_plist),
        apps=_apps(facts),
        capabilities=configuration.capabilities,
        domains=configuration.domains,
        notes=notes + configuration.notes,
    )


# --- public ----------------------------------------------------------------------------------------


def needed_files(folder: Path) -> list[tuple[str, Path]]:
    """The files of a backup folder a scan needs, as (name in the zip, real path).

    The plists, Manifest.db and the stored copies of the configuration-profile files Manifest.db
    lists. Links, non-files and paths leaving the folder are refused; an encrypted backup is refused.
    """
    backup = _Folder(folder, folder.name)
    names = [name for name in PLISTS if backup.has(name)]
    _check_not_encrypted(_plist_dict(backup, "Manifest.plist"), backup.display)
    manifest = _read_manifest(backup)
    names.append(MANIFEST_DB)
    names += [row.stored for row in manifest.profile_rows if backup.has(row.stored)]
    unique = list(dict.fromkeys(names))
    return [(name, _safe_path(folder, name, backup.display)) for name in unique]


def read_ios(source: Source, scratch: Path) -> Inventory:
    """The inventory of a zip of a backup (as ``needed_files`` names its members, or a whole backup
    folder zipped, in one top folder or none). ``scratch`` is a folder inside the case where the
    temporary copy of Manifest.db may go; it is deleted before this returns."""
    archive = source.archive()
    prefix = backup_prefix(archive.names())
    if prefix is None:
        raise InputError(
            source.name, None, "does not hold an iPhone backup (no Manifest.db next to Info.plist)"
        )
    return _inventory(_Zip(archive, prefix, source.name, scratch))


def read_ios_folder(folder: Path) -> Inventory:
    """The inventory of a backup folder, read in place (Manifest.db opened read-only, immutable)."""
    return _inventory(_Folder(folder, folder.name))


def backup_prefix(names: Sequence[str]) -> str | None:
    """The folder inside a zip that holds the backup ("" at the top), or None if it holds none."""
    found = set(names)
    candidates = sorted(
        (
            name[: -len(MANIFEST_DB)]
            for name in found
            if name == MANIFEST_DB or name.endswith("/" + MANIFEST_DB)
        ),
        key=lambda prefix: (prefix.count("/"), prefix),
    )
    return next((p for p in candidates if p + "Info.plist" in found or p + "Manifest.plist" in found), None)


def sniff_ios(head: bytes, names: Sequence[str]) -> bool:
    """Whether a file is a zip of an iPhone backup: ``head`` is its first bytes, ``names`` its members."""
    return head.startswith(b"PK") and backup_prefix(names) is not None
