"""Android phone data a victim or advocate can get with `adb` alone, read into an ``Inventory``.

Three inputs: ``pm list packages -f -i -U`` (the installed apps), ``dumpsys package`` (apps with their
installers, signatures, granted permissions and launcher icons) and an ``adb bugreport`` zip (all of
that, plus the powers apps hold: device administrators, accessibility services, notification
listeners and VPNs). A file may have been crafted by the person the victim fears, so every reader
streams line by line, cuts any line longer than ``MAX_LINE`` bytes, reads zips only through
``SafeZip`` and raises ``InputError`` naming the file and the place. Times in these files are the
phone's local time without a zone: they are kept naive for the caller to localise.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO

from casetrail.errors import InputError
from casetrail.ingest.archive import SafeZip
from casetrail.ingest.source import Source
from casetrail.safety.inventory import App, Capability, CapabilityKind, Inventory

#: Longest line read whole (bytes); the rest of a longer line is skipped and the cut noted.
MAX_LINE = 1 << 20
HEAD_BYTES = 4096

PACKAGE_LIST, DUMPSYS, BUGREPORT = "android-package-list", "android-dumpsys", "android-bugreport"
EXPECTED = (
    "expected an Android package list (`adb shell pm list packages -f -i -U`), the output of "
    "`adb shell dumpsys package`, or a bug report zip made by `adb bugreport`"
)

_PKG = r"[A-Za-z0-9_][A-Za-z0-9_.]{0,254}"
_PACKAGE = re.compile(_PKG)
_COMPONENT = re.compile(rf"({_PKG})/([A-Za-z0-9_.$]+)")
_COMPONENT_INFO = re.compile(rf"ComponentInfo\{{({_PKG})/([A-Za-z0-9_.$]+)\}}")
_SERVICE = re.compile(r"DUMP OF SERVICE (?:CRITICAL |HIGH |NORMAL )?([A-Za-z0-9_.\-]+):")
_DUMPSTATE = re.compile(r"== dumpstate: (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)")
_PROPERTY = re.compile(r"\[([a-z0-9_.]+)\]: \[(.*)\]$")
_BLOCK = re.compile(rf"  Package \[({_PKG})\] \(")
_RESOLVED = re.compile(rf"\s+[0-9a-f]+ ({_PKG})/")
_GRANTED = re.compile(r"\s+([A-Za-z0-9_.]+): granted=true\b")
_USER_STATE = re.compile(r"\s+User \d+: .*\binstalled=(true|false)\b.*\benabled=(\d+)")
_SIGNATURES = re.compile(r"signatures:\[([^\]]*)\]|PackageSignatures\{\S+ \[([^\]]*)\]")
_HEX = re.compile(r"[0-9A-Fa-f]{1,128}")
_SETTING = re.compile(r"\bname:([a-z_]+) .*?\bvalue:(\S*)")
_ALWAYS_ON = re.compile(rf"Always-on VPN package[:=]?\s*({_PKG})")
_MODE = re.compile(r"Mode changed: lockdown=(true|false) alwaysOn=(true|false)")
_BUGREPORT_NAME = re.compile(r"bugreport[^/]*\.txt")
_ZIPPED_NAME = re.compile(rb"PK\x03\x04.{26}(?:main_entry\.txt|bugreport[^/\x00]{0,200}\.txt)", re.DOTALL)

#: First lines that mark text as a dump (a full `dumpsys`, one service's dump, or a bug report).
_DUMP_STARTS: dict[str, str | None] = {
    "Activity Resolver Table:": "package",
    "Database versions:": "package",
    "Packages:": "package",
    "Key Set Manager:": "package",
    "Verifiers:": "package",
    "Currently running services:": None,
    "Current Device Policy Manager state:": "device_policy",
    "ACCESSIBILITY MANAGER (dumpsys accessibility)": "accessibility",
    "Current Notification Manager state:": "notification",
    "VPNs:": "vpn_management",
}
#: Where a component or package name with the same meaning appears under different keys.
_SETTING_KINDS: dict[str, CapabilityKind] = {
    "enabled_accessibility_services": "accessibility",
    "enabled_notification_listeners": "notification-listener",
    "always_on_vpn_app": "vpn",
}
_SYSTEM_PATHS = ("/system/", "/product/", "/vendor/", "/system_ext/", "/apex/", "/odm/")
_PROPERTIES = {
    "ro.product.model": "model",
    "ro.product.manufacturer": "manufacturer",
    "ro.product.brand": "brand",
    "ro.build.version.release": "android_version",
    "ro.build.version.security_patch": "security_patch",
    "ro.serialno": "serial",
}


# ---------------------------------------------------------------------------------------------------
# Recognising and reading files


def sniff_kind(head: bytes, names: list[str] | None) -> str | None:
    """Which Android file this is, from its first bytes or its zip member names (cheap; None: not one)."""
    if names is not None:
        top = [name for name in names if "/" not in name]
        if "main_entry.txt" in top or any(_BUGREPORT_NAME.fullmatch(name) for name in top):
            return BUGREPORT
        return None
    if head.startswith(b"PK\x03\x04"):  # a zip that cannot be opened (cut short): its first names show
        return BUGREPORT if _ZIPPED_NAME.search(head[:HEAD_BYTES]) else None
    text = _decode(_strip_bom(head[:HEAD_BYTES]))
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if first.startswith("package:"):
        return PACKAGE_LIST
    if "== dumpstate: " in text:
        return BUGREPORT
    if first in _DUMP_STARTS or first.startswith("DUMP OF SERVICE "):
        return DUMPSYS
    return None


def read_android(source: Source) -> Inventory:
    """Read whichever Android file ``source`` is (package list, dumpsys or bug report)."""
    head = source.head(HEAD_BYTES)
    if source.is_zip():
        archive = source.archive()
        if sniff_kind(head, archive.names()) != BUGREPORT:
            raise InputError(source.name, None, f"this zip holds no Android bug report; {EXPECTED}")
        return read_bugreport(archive, source.name)
    if head.startswith(b"PK\x03\x04"):
        raise InputError(
            source.name,
            None,
            "this zip archive is cut short (its end is missing): copy it from the phone again",
        )
    kind = sniff_kind(head, None)
    if kind is None:
        problem = "the file is empty" if not head else "this is not Android phone data"
        raise InputError(source.name, None, f"{problem}; {EXPECTED}")
    with source.open() as stream:
        lines = TextLines(stream)
        if kind == PACKAGE_LIST:
            return read_package_list(lines, source.name)
        return _read_dump(lines, source.name, kind, "", (source.name, None))


def read_package_list(lines: Iterable[str], where: str) -> Inventory:
    """Apps from ``pm list packages`` (with or without -f, -i, -U, --show-versioncode)."""
    inventory = Inventory(platform="android", source_kind=PACKAGE_LIST, where=where)
    apps = _Apps()
    skipped: list[int] = []
    for number, line in _numbered(lines, inventory):
        facts = _package_line(line, f"line {number}")
        if facts is not None:
            apps.merge(facts)
        elif line.strip():
            skipped.append(number)
    if not apps.facts:
        raise InputError(where, None, "no 'package:' lines found; " + EXPECTED)
    if skipped:
        inventory.notes.append(
            f"{len(skipped)} line(s) were not package entries and were left out "
            f"(the first is line {skipped[0]})."
        )
    inventory.apps = apps.frozen()
    return inventory


def read_dumpsys(lines: Iterable[str], where: str) -> Inventory:
    """Apps (and any powers in further services) from ``adb shell dumpsys package`` or full ``dumpsys``."""
    return _read_dump(lines, where, DUMPSYS, "", (where, None))


def read_bugreport(zip: SafeZip, where: str) -> Inventory:
    """Apps and powers from a bug report zip, reading its main text as a stream through ``SafeZip``."""
    member = _main_entry(zip, where)
    with zip.open_member(member) as stream:
        lines = TextLines(stream)
        return _read_dump(
            lines, f"{member} inside {where}", BUGREPORT, f"{member} ", (where, f"entry {member!r}")
        )


def _main_entry(zip: SafeZip, where: str) -> str:
    """The bug report's main text: named by main_entry.txt, else the one top-level bugreport-*.txt."""
    names = zip.names()
    if "main_entry.txt" in names:
        with zip.open_member("main_entry.txt") as handle:
            named = _decode(handle.read(4096)).strip()
        if named in names:
            return named
        raise InputError(
            where, "entry 'main_entry.txt'", f"it names {named[:200]!r}, which is not in the zip"
        )
    found = sorted(name for name in names if "/" not in name and _BUGREPORT_NAME.fullmatch(name))
    if not found:
        raise InputError(where, None, "the zip holds no bug report text (bugreport-….txt); " + EXPECTED)
    return found[0]


def _read_dump(
    lines: Iterable[str], shown: str, kind: str, prefix: str, file: tuple[str, str | None]
) -> Inventory:
    """Read a dump; ``file`` is the file and place an error names."""
    inventory = Inventory(platform="android", source_kind=kind, where=shown)
    parser = _DumpParser(inventory, prefix)
    for number, line in _numbered(lines, inventory, prefix):
        parser.feed(number, line)
    parser.finish(*file)
    return inventory


# ---------------------------------------------------------------------------------------------------
# Lines


class TextLines:
    """A byte stream's lines as text, never more than ``MAX_LINE`` bytes each.

    UTF-8 with replacement, NULs removed (so a UTF-16 file, as Windows PowerShell writes
    `adb shell … > file`, still reads as its ASCII text), line endings dropped. ``cut`` lists the
    numbers of lines that were too long and were read only in part.
    """

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self.cut: list[int] = []

    def __iter__(self) -> Iterator[str]:
        number = 0
        while raw := self._stream.readline(MAX_LINE + 1):
            number += 1
            if number == 1:
                raw = _strip_bom(raw)
            if len(raw) > MAX_LINE and not raw.endswith(b"\n"):
                self.cut.append(number)
                raw = raw[:MAX_LINE]
                self._skip_rest()
            yield _decode(raw).rstrip("\r\n")

    def _skip_rest(self) -> None:
        while chunk := self._stream.readline(MAX_LINE):
            if chunk.endswith(b"\n"):
                return


def _strip_bom(raw: bytes) -> bytes:
    for bom in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
        if raw.startswith(bom):
            return raw[len(bom) :]
    return raw


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "replace").replace("\x00", "")


def _numbered(lines: Iterable[str], inventory: Inventory, prefix: str = "") -> Iterator[tuple[int, str]]:
    """Number lines from 1, cutting over-long ones, and note every cut in plain words."""
    cut: list[int] = []
    for number, line in enumerate(lines, 1):
        if len(line) > MAX_LINE:
            cut.append(number)
            line = line[:MAX_LINE]
        yield number, line.rstrip("\r\n")
    cut = sorted({*cut, *(lines.cut if isinstance(lines, TextLines) else [])})
    for number in cut[:20]:
        inventory.notes.append(f"{prefix}line {number} was longer than 1 MiB; only its start was read.")
    if len(cut) > 20:
        inventory.notes.append(f"{len(cut) - 20} more over-long line(s) were read only in part.")


# ---------------------------------------------------------------------------------------------------
# Apps


@dataclass
class _Facts:
    """What is known of one app so far; the first value found for a field wins, lists are merged."""

    package: str
    where: str
    installer: str | None = None
    path: str | None = None
    uid: int | None = None
    certificates: list[str] = field(default_factory=list)
    permissions: list[str] = field(default_factory=list)
    system: bool | None = None
    enabled: bool | None = None
    first_installed: datetime | None = None
    last_updated: datetime | None = None
    version: str | None = None

    def absorb(self, other: _Facts) -> None:
        for name in ("installer", "path", "uid", "system", "enabled", "first_installed", "last_updated"):
            if getattr(self, name) is None:
                setattr(self, name, getattr(other, name))
        self.version = self.version or other.version
        self.certificates.extend(c for c in other.certificates if c not in self.certificates)
        self.permissions.extend(p for p in other.permissions if p not in self.permissions)


class _Apps:
    """Apps in the order first seen, one per package (a dump repeats packages per user and section)."""

    def __init__(self) -> None:
        self.facts: dict[str, _Facts] = {}

    def merge(self, facts: _Facts) -> None:
        known = self.facts.get(facts.package)
        if known is None:
            self.facts[facts.package] = facts
        else:
            known.absorb(facts)

    def frozen(self, launchers: set[str] | None = None) -> list[App]:
        return [_app(facts, launchers) for facts in self.facts.values()]


def _app(facts: _Facts, launchers: set[str] | None) -> App:
    return App(
        package=facts.package,
        where=facts.where,
        installer=facts.installer,
        path=facts.path,
        uid=facts.uid,
        certificates=tuple(facts.certificates),
        permissions=tuple(facts.permissions),
        launcher=None if launchers is None else facts.package in launchers,
        system=facts.system,
        enabled=facts.enabled,
        first_installed=facts.first_installed,
        last_updated=facts.last_updated,
        version=facts.version,
    )


def _package_line(line: str, where: str) -> _Facts | None:
    """One ``pm list packages`` line: ``package:[PATH=]NAME [versionCode:N] [ installer=X] [uid:N]``.

    The APK path may itself hold '=' (``/data/app/~~abc==/…``), so the name is after the last '='.
    """
    if not line.startswith("package:"):
        return None
    fields = line[len("package:") :].split()
    if not fields:
        return None
    path, _, name = fields[0].rpartition("=")
    if not _PACKAGE.fullmatch(name):
        return None
    facts = _Facts(name, where, path=path or None)
    if path:
        facts.system = path.startswith(_SYSTEM_PATHS)
    for extra in fields[1:]:
        key, _, value = extra.partition("=") if "=" in extra else extra.partition(":")
        if key == "installer":
            facts.installer = _installer(value)
        elif key == "uid":
            facts.uid = _number(value.split(",")[0])
    return facts


def _installer(value: str) -> str | None:
    """The installer's package; Android prints ``null`` for an app no installer put there (adb, or
    side-loaded), kept as "null" so it differs from a file that does not say (None)."""
    value = value.strip()
    return value or None


def _number(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() and len(text) <= 10 else None


def _when(text: str) -> datetime | None:
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------------------
# Dumps (dumpsys and bug reports)


@dataclass
class _Cap:
    kind: CapabilityKind
    name: str
    package: str | None
    where: str
    details: list[tuple[str, str]] = field(default_factory=list)


class _DumpParser:
    """A section parser: ``DUMP OF SERVICE <name>:`` lines switch which service's text is read."""

    def __init__(self, inventory: Inventory, prefix: str) -> None:
        self.inventory = inventory
        self.prefix = prefix
        self.section: str | None = None
        self.seen: set[str] = set()
        self.started = False
        self.recognised = False  # a line only Android dumps have was seen
        self.apps = _Apps()
        self.caps: dict[tuple[str, str], _Cap] = {}
        self.packages = _PackageDump(self)
        self.powers = _PowerDump(self)

    def where(self, number: int) -> str:
        return f"{self.prefix}line {number}"

    def feed(self, number: int, line: str) -> None:
        if not self.started:
            if not line.strip():
                return
            self.started = True
            self._first(line)
        if line.startswith(("DUMP OF SERVICE ", "----", "== dumpstate: ")) and self._switch(line):
            return
        if self.section == "package":
            self.packages.feed(number, line)
        elif self.section is not None:
            self.powers.feed(self.section, number, line)
        else:
            self._header(line)

    def _first(self, line: str) -> None:
        """Plain dumpsys output starts inside its service (``dumpsys package`` has no header line)."""
        self.recognised = line.strip() in _DUMP_STARTS
        if self.inventory.source_kind == DUMPSYS and not line.startswith("DUMP OF SERVICE "):
            self._enter(_DUMP_STARTS.get(line.strip(), "package"))

    def _switch(self, line: str) -> bool:
        """Start or end a section; True when the line was a section marker."""
        found = _SERVICE.match(line)
        if found:
            self.recognised = True
            self._enter(found.group(1))
            return True
        if line.startswith("== dumpstate: "):
            self.recognised = True
            self._header(line)
            return True
        if line.startswith("---------") and ("was the duration of" in line or not line.strip("-")):
            self._enter(None)
            return True
        if line.startswith("------ ") and line.rstrip().endswith(" ------"):
            self._enter(None)  # a dumpstate section such as SYSTEM PROPERTIES
            return True
        return False

    def _enter(self, section: str | None) -> None:
        self.section = section
        if section is not None:
            self.seen.add(section)
        self.packages.leave()
        self.powers.leave()

    def _header(self, line: str) -> None:
        """Bug report header and system properties: when, and which phone."""
        device = self.inventory.device
        if line.startswith("== dumpstate: ") and self.inventory.taken_at is None:
            found = _DUMPSTATE.match(line)
            self.inventory.taken_at = _when(found.group(1)) if found else None
        elif line.startswith("Build fingerprint: "):
            device.setdefault("fingerprint", line.split(":", 1)[1].strip().strip("'"))
        elif line.startswith(("Build: ", "Bootloader: ")):
            key, _, value = line.partition(": ")
            device.setdefault(key.lower(), value.strip())
        elif line.startswith("[ro."):
            found = _PROPERTY.match(line)
            if found and found.group(1) in _PROPERTIES:
                device.setdefault(_PROPERTIES[found.group(1)], found.group(2))

    def power(
        self, kind: CapabilityKind, name: str, package: str | None, number: int, *details: tuple[str, str]
    ) -> None:
        """Record a power once per component (``pkg/.Cls`` and ``pkg/pkg.Cls`` are the same one)."""
        key = (kind, _short(name, package))
        cap = self.caps.get(key)
        if cap is None:
            cap = self.caps[key] = _Cap(kind, name, package, self.where(number))
        cap.details.extend(d for d in details if d not in cap.details)

    def finish(self, file: str, place: str | None) -> None:
        inventory = self.inventory
        self.packages.leave()  # the last package block ends with the file
        if not self.apps.facts and not self.caps and not self.recognised:
            raise InputError(file, place, "no Android apps or services found in it; " + EXPECTED)
        launchers = self.packages.launchers()
        inventory.apps = self.apps.frozen(launchers)
        inventory.capabilities = [
            Capability(c.kind, c.name, c.where, c.package, tuple(c.details)) for c in self.caps.values()
        ]
        if inventory.source_kind == BUGREPORT and "package" not in self.seen:
            inventory.notes.append("The bug report has no list of apps (its package section is missing).")
        if launchers is None and self.packages.table and inventory.apps:
            inventory.notes.append(
                "This Android version does not show which apps have an icon, so that is left unknown."
            )


def _short(name: str, package: str | None) -> str:
    """A component in Android's short form (``pkg/.Cls``), used only to merge the same component."""
    if package and name.startswith(f"{package}/{package}."):
        return f"{package}/{name[len(package) * 2 + 1 :]}"
    return name


class _PackageDump:
    """``dumpsys package``: the Activity Resolver Table (launcher icons) and the ``Packages:`` list."""

    def __init__(self, parser: _DumpParser) -> None:
        self.parser = parser
        self.part: str | None = None
        self.current: _Facts | None = None
        self.resolving: str | None = None
        self.launcher_pkgs: set[str] = set()
        self.categories = False  # the table shows each filter's categories (Android 8 and later)
        self.table = False
        self.enabled: list[bool] = []  # per user the app is installed for: enabled there?

    def leave(self) -> None:
        self._close()
        self.part = None

    def launchers(self) -> set[str] | None:
        """Packages with a launcher icon, or None when the dump cannot say."""
        return self.launcher_pkgs if self.table and self.categories else None

    def feed(self, number: int, line: str) -> None:
        if line and not line[0].isspace():
            self._top(line)
        elif self.part == "packages":
            self._package(number, line)
        elif self.part == "resolver":
            self._resolver(line)

    def _top(self, line: str) -> None:
        self._close()
        self.part = {"Activity Resolver Table:": "resolver", "Packages:": "packages"}.get(line.strip())
        self.table = self.table or self.part == "resolver"

    def _resolver(self, line: str) -> None:
        found = _RESOLVED.match(line)
        if found:
            self.resolving = found.group(1)
        elif line.lstrip().startswith("Category: "):
            self.categories = True
            if self.resolving and line.strip() == 'Category: "android.intent.category.LAUNCHER"':
                self.launcher_pkgs.add(self.resolving)

    def _close(self) -> None:
        if self.current is not None:
            self.parser.apps.merge(self.current)
            self.current = None

    def _package(self, number: int, line: str) -> None:
        found = _BLOCK.match(line)
        if found:
            self._close()
            self.current = _Facts(found.group(1), self.parser.where(number))
            self.enabled = []
        elif self.current is not None:
            _package_field(self.current, line, self.enabled)


def _package_field(facts: _Facts, line: str, enabled: list[bool]) -> None:
    """One line inside a ``Package [name] (hash):`` block."""
    text = line.strip()
    key, eq, value = text.partition("=")
    if eq and key in _FIELDS:
        _FIELDS[key](facts, value)
    elif ": granted=true" in text:
        granted = _GRANTED.match(line)
        if granted and granted.group(1) not in facts.permissions:
            facts.permissions.append(granted.group(1))
    elif text.startswith("User "):
        state = _USER_STATE.match(line)
        if state and state.group(1) == "true":
            enabled.append(state.group(2) in ("0", "1"))  # default or enabled; 2-4 are kinds of disabled
            facts.enabled = any(enabled)


def _set_flags(facts: _Facts, value: str) -> None:
    facts.system = bool(facts.system) or "SYSTEM" in value.strip("[] ").split()


def _set_signatures(facts: _Facts, value: str) -> None:
    """Signatures as dumpsys prints them: each is the hex of ``Signature.hashCode()``, a short hash of
    the certificate, not a SHA-1/SHA-256 digest, so it will not match digest lists. Kept as given."""
    found = _SIGNATURES.search(value)
    if found:
        for item in (found.group(1) or found.group(2) or "").split(","):
            item = item.strip()
            if _HEX.fullmatch(item) and item.upper() not in facts.certificates:
                facts.certificates.append(item.upper())


def _set_first(name: str, convert: Callable[[str], object]) -> Callable[[_Facts, str], None]:
    """A setter keeping the first value: a package's facts repeat per user and in later sections."""

    def setter(facts: _Facts, value: str) -> None:
        if getattr(facts, name) is None:
            setattr(facts, name, convert(value))

    return setter


_FIELDS: dict[str, Callable[[_Facts, str], None]] = {
    "userId": _set_first("uid", _number),
    "codePath": _set_first("path", lambda v: v.strip() or None),
    "versionName": _set_first("version", lambda v: v.strip() or None),
    "firstInstallTime": _set_first("first_installed", _when),
    "lastUpdateTime": _set_first("last_updated", _when),
    "installerPackageName": _set_first("installer", _installer),
    "signatures": _set_signatures,
    "flags": _set_flags,
    "pkgFlags": _set_flags,
}


class _PowerDump:
    """Powers from device_policy, accessibility, notification, VPN and settings sections."""

    def __init__(self, parser: _DumpParser) -> None:
        self.parser = parser
        self.leave()

    def leave(self) -> None:
        self.block: tuple[str, int] | None = None  # (what, indent) of the list being read
        self.role: tuple[str, int] | None = None  # device or profile owner block
        self.vpn: str | None = None
        self.vpn_mode_seen = False

    def feed(self, section: str, number: int, line: str) -> None:
        handler = _SECTION_HANDLERS.get(section)
        if handler is not None and line.strip():
            handler(self, number, line)

    def _in_block(self, line: str) -> tuple[str, int] | None:
        """The open list this line belongs to (deeper indented than its header), else None."""
        if self.block is not None and _indent(line) <= self.block[1]:
            self.block = None
        return self.block

    def device_policy(self, number: int, line: str) -> None:
        text, indent = line.strip(), _indent(line)
        if self.role is not None and indent <= self.role[1]:
            self.role = None
        if text.startswith(("Device Owner", "Profile Owner")):
            self.role = ("device owner" if text.startswith("Device") else "profile owner", indent)
        block = self._in_block(line)
        if text.startswith("Enabled Device Admins"):
            self.block = ("admins", indent)
        elif block is not None and text.endswith(":"):
            found = _COMPONENT.fullmatch(text[:-1])
            if found:
                self.parser.power("device-admin", text[:-1], found.group(1), number)
        if "ComponentInfo{" in text and text.lower().startswith(("admin=", "active admin")):
            self._owner_admin(number, text)

    def _owner_admin(self, number: int, text: str) -> None:
        found = _COMPONENT_INFO.search(text)
        if found:
            name = f"{found.group(1)}/{found.group(2)}"
            details = (("role", self.role[0]),) if self.role else ()
            self.parser.power("device-admin", name, found.group(1), number, *details)

    def accessibility(self, number: int, line: str) -> None:
        text = line.strip()
        for label, state in (("Enabled services:", "enabled"), ("Bound services:", "bound")):
            if text.startswith(label):
                for found in _COMPONENT.finditer(_components_only(text[len(label) :])):
                    name = found.group(0)
                    self.parser.power("accessibility", name, found.group(1), number, ("state", state))

    def notification(self, number: int, line: str) -> None:
        text, indent = line.strip(), _indent(line)
        block = self._in_block(line)
        if "notification listener" in text and text.endswith(":"):
            first = text.split(" ", 1)[0]
            self.block = ("listeners", indent) if first in ("All", "Allowed", "Live", "Enabled") else None
        elif block is not None:
            found = _COMPONENT_INFO.search(text) or _COMPONENT.match(text)
            if found:
                name = f"{found.group(1)}/{found.group(2)}"
                self.parser.power("notification-listener", name, found.group(1), number)

    def vpn_dump(self, number: int, line: str) -> None:
        text = line.strip()
        block = self._in_block(line)
        if text == "VPNs:":
            self.block = ("vpns", _indent(line))
        elif block is not None and re.fullmatch(rf"\d+: ({_PKG})", text):
            self._vpn(number, text.split(": ", 1)[1])
        if text.startswith("Active package name: "):
            self._vpn(number, text.split(": ", 1)[1].strip())
        found = _ALWAYS_ON.search(text)
        if found:
            self._vpn(number, found.group(1), ("always-on", "yes"))
        mode = _MODE.search(text)
        if mode and self.vpn is not None and not self.vpn_mode_seen:
            self.vpn_mode_seen = True  # the newest change is listed first: it is the current mode
            if mode.group(2) == "true":
                self._vpn(number, self.vpn, ("always-on", "yes"), ("lockdown", _yes(mode.group(1))))

    def _vpn(self, number: int, package: str, *details: tuple[str, str]) -> None:
        if package != "null" and _PACKAGE.fullmatch(package):
            if package != self.vpn:
                self.vpn, self.vpn_mode_seen = package, False
            self.parser.power("vpn", package, package, number, *details)

    def settings(self, number: int, line: str) -> None:
        """Secure settings name the enabled services even when their own dump is cut or absent."""
        if "name:" not in line:
            return
        found = _SETTING.search(line)
        if found is None or found.group(1) not in _SETTING_KINDS:
            return
        kind = _SETTING_KINDS[found.group(1)]
        for item in found.group(2).split(":"):
            component = _COMPONENT.fullmatch(item)
            if component:
                self.parser.power(kind, item, component.group(1), number, ("setting", found.group(1)))
            elif kind == "vpn" and item != "null" and _PACKAGE.fullmatch(item):
                self.parser.power(kind, item, item, number, ("always-on", "yes"), ("setting", found.group(1)))


def _components_only(text: str) -> str:
    """The ``{pkg/cls}`` items of a list, leaving out labels such as ``Service[label=…]``."""
    return " ".join(re.findall(r"\{([^{}\[\]]*)\}", text))


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _yes(flag: str) -> str:
    return "yes" if flag == "true" else "no"


_SECTION_HANDLERS: dict[str, Callable[[_PowerDump, int, str], None]] = {
    "device_policy": _PowerDump.device_policy,
    "accessibility": _PowerDump.accessibility,
    "notification": _PowerDump.notification,
    "vpn_management": _PowerDump.vpn_dump,
    "connectivity": _PowerDump.vpn_dump,
    "settings": _PowerDump.settings,
}
